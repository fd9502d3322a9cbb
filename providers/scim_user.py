"""``scim:User``: one SCIM user (service accounts, contractors)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi
from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, Resource, UpdateResult

from providers._base import TenantProvider


class ScimUserProvider(TenantProvider):
    """CRUD for ``scim:User``. Stable API: state pickles this class by module and name."""

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        return CheckResult(dict(news), [])

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return DiffResult(changes=None, replaces=[])

    def create(self, props: dict[str, Any]) -> CreateResult:
        raise NotImplementedError("ScimUser.create lands with providers.tenant")

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        raise NotImplementedError("ScimUser.read lands with providers.tenant")

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        raise NotImplementedError("ScimUser.update lands with providers.tenant")

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        raise NotImplementedError("ScimUser.delete lands with providers.tenant")


class ScimUser(Resource, module="scim", name="User"):
    """A SCIM user (type ``pulumi-python:dynamic/scim:User``).

    ``active=False`` deactivates the user; on destroy the user is deactivated unless
    ``on_delete="delete"``.
    """

    user_name: pulumi.Output[str]
    given_name: pulumi.Output[str]
    family_name: pulumi.Output[str]
    emails: pulumi.Output[list]
    active: pulumi.Output[bool]
    external_id: pulumi.Output[str]
    on_delete: pulumi.Output[str]
    adopt: pulumi.Output[bool]
    user_id: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        user_name: pulumi.Input[str],
        given_name: pulumi.Input[str] = "",
        family_name: pulumi.Input[str] = "",
        emails: pulumi.Input[Sequence[pulumi.Input[str]]] = (),
        active: pulumi.Input[bool] = True,
        external_id: pulumi.Input[str] = "",
        on_delete: pulumi.Input[str] = "deactivate",
        adopt: pulumi.Input[bool] = False,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "user_name": user_name,
            "given_name": given_name,
            "family_name": family_name,
            "emails": list(emails) if isinstance(emails, tuple) else emails,
            "active": active,
            "external_id": external_id,
            "on_delete": on_delete,
            "adopt": adopt,
            "user_id": None,
        }
        super().__init__(ScimUserProvider(), resource_name, props, opts)
