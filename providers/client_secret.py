"""``zidentity:ClientSecret``: one secret of one API client, rotated by planned replacement."""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, Resource, UpdateResult

from providers._base import TenantProvider


class ClientSecretProvider(TenantProvider):
    """CRUD for ``zidentity:ClientSecret``. Stable API: state pickles this class by module and name."""

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        return CheckResult(dict(news), [])

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return DiffResult(changes=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        raise NotImplementedError("ClientSecret.create lands with providers.tenant")

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        raise NotImplementedError("ClientSecret.read lands with providers.tenant")

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        raise NotImplementedError("ClientSecret.update lands with providers.tenant")

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        raise NotImplementedError("ClientSecret.delete lands with providers.tenant")


class ClientSecret(Resource, module="zidentity", name="ClientSecret"):
    """A client secret (type ``pulumi-python:dynamic/zidentity:ClientSecret``).

    Replaced (new secret first, old one revoked after) when ``rotation`` changes or when the live secret
    is expired, missing or within ``renew_before_days`` of expiry. ``value`` is a Pulumi secret.
    """

    client_id: pulumi.Output[str]
    lifetime_days: pulumi.Output[int]
    renew_before_days: pulumi.Output[int]
    rotation: pulumi.Output[str]
    secret_id: pulumi.Output[str]
    value: pulumi.Output[str]
    """The plaintext secret (a Pulumi secret; the tenant shows it only once, at creation)."""
    expires_at: pulumi.Output[str]
    """ISO 8601 UTC time at which the tenant stops accepting the secret."""
    created_at: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        client_id: pulumi.Input[str],
        lifetime_days: pulumi.Input[int] = 90,
        renew_before_days: pulumi.Input[int] = 14,
        rotation: pulumi.Input[str] = "",
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "client_id": client_id,
            "lifetime_days": lifetime_days,
            "renew_before_days": renew_before_days,
            "rotation": rotation,
            "secret_id": None,
            "value": None,
            "expires_at": None,
            "created_at": None,
        }
        secret_opts = pulumi.ResourceOptions(additional_secret_outputs=["value"], delete_before_replace=False)
        super().__init__(
            ClientSecretProvider(), resource_name, props, pulumi.ResourceOptions.merge(secret_opts, opts)
        )
