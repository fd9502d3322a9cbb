"""``zidentity:ApiClient``: one OAuth API client of the ZIdentity admin API (not its scopes or secrets)."""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, Resource, UpdateResult

from providers._base import TenantProvider


class ApiClientProvider(TenantProvider):
    """CRUD for ``zidentity:ApiClient``. Stable API: state pickles this class by module and name."""

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        return CheckResult(dict(news), [])

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return DiffResult(changes=None, replaces=[])

    def create(self, props: dict[str, Any]) -> CreateResult:
        raise NotImplementedError("ApiClient.create lands with providers.tenant")

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        raise NotImplementedError("ApiClient.read lands with providers.tenant")

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        raise NotImplementedError("ApiClient.update lands with providers.tenant")

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        raise NotImplementedError("ApiClient.delete lands with providers.tenant")


class ApiClient(Resource, module="zidentity", name="ApiClient"):
    """An OAuth API client (type ``pulumi-python:dynamic/zidentity:ApiClient``).

    Its scopes are a separate ``ScopeAssignment`` and its secrets separate ``ClientSecret`` resources,
    so a plan shows a scope grant or a rotation as its own step.
    """

    name: pulumi.Output[str]
    description: pulumi.Output[str]
    enabled: pulumi.Output[bool]
    access_token_lifetime: pulumi.Output[int]
    owner: pulumi.Output[str]
    purpose: pulumi.Output[str]
    adopt: pulumi.Output[bool]
    client_id: pulumi.Output[str]
    """The client's id in the tenant (also the OAuth ``client_id``)."""

    def __init__(
        self,
        resource_name: str,
        *,
        name: pulumi.Input[str],
        description: pulumi.Input[str] = "",
        enabled: pulumi.Input[bool] = True,
        access_token_lifetime: pulumi.Input[int] = 3600,
        owner: pulumi.Input[str] = "",
        purpose: pulumi.Input[str] = "",
        adopt: pulumi.Input[bool] = False,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "name": name,
            "description": description,
            "enabled": enabled,
            "access_token_lifetime": access_token_lifetime,
            "owner": owner,
            "purpose": purpose,
            "adopt": adopt,
            "client_id": None,
        }
        super().__init__(ApiClientProvider(), resource_name, props, opts)
