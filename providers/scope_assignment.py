"""``zidentity:ScopeAssignment``: the complete scope set of one API client (exclusive)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, Resource, UpdateResult

from providers._base import TenantProvider


class ScopeAssignmentProvider(TenantProvider):
    """CRUD for ``zidentity:ScopeAssignment``. Stable API: state pickles this class by module and name."""

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        return CheckResult(dict(news), [])

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return DiffResult(changes=None, replaces=[])

    def create(self, props: dict[str, Any]) -> CreateResult:
        raise NotImplementedError("ScopeAssignment.create lands with providers.tenant")

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        raise NotImplementedError("ScopeAssignment.read lands with providers.tenant")

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        raise NotImplementedError("ScopeAssignment.update lands with providers.tenant")

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        raise NotImplementedError("ScopeAssignment.delete lands with providers.tenant")


ScopesInput = Mapping[str, Mapping[str, Any]] | Sequence[str]


def scopes_map(scopes: ScopesInput) -> dict[str, Any]:
    """The ``scopes`` input as the map the engine diffs key by key (``scopes["scim:write"]``).

    A plain list of names is accepted for convenience and becomes ``{name: {}}``. Dates (as YAML
    loads ``expires: 2027-06-30``) become ISO strings, because the SDK cannot serialise ``date``.
    """
    if isinstance(scopes, Mapping):
        return {str(name): _plain_metadata(meta) for name, meta in scopes.items()}
    if isinstance(scopes, str):
        raise TypeError("scopes must be a map of scope name to {justification, expires}, not a string")
    return {str(name): {} for name in scopes}


def _plain_metadata(meta: Any) -> Any:
    if isinstance(meta, Mapping):
        return {
            key: (value.isoformat() if isinstance(value, dt.date) else value) for key, value in meta.items()
        }
    return {} if meta is None else meta


class ScopeAssignment(Resource, module="zidentity", name="ScopeAssignment"):
    """All scopes of one API client (type ``pulumi-python:dynamic/zidentity:ScopeAssignment``).

    Exclusive: scopes granted to the client by any other means are removed on the next ``up`` and show
    as drift after ``refresh``. ``scopes`` maps scope names to metadata (``justification``,
    ``expires``) so a plan shows ``scopes["scim:write"]: ADD`` for one new grant.
    """

    client_id: pulumi.Output[str]
    scopes: pulumi.Output[dict]
    granted: pulumi.Output[list]
    """Sorted names of the scopes the client holds in the tenant."""

    def __init__(
        self,
        resource_name: str,
        *,
        client_id: pulumi.Input[str],
        scopes: pulumi.Input[ScopesInput],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        scopes_input = (
            scopes_map(scopes)  # type: ignore[arg-type]
            if isinstance(scopes, Mapping | list | tuple)
            else pulumi.Output.from_input(scopes).apply(scopes_map)
        )
        props: dict[str, Any] = {"client_id": client_id, "scopes": scopes_input, "granted": None}
        super().__init__(ScopeAssignmentProvider(), resource_name, props, opts)
