"""``zidentity:ScopeAssignment``: the complete scope set of one API client (exclusive).

Scopes are keyed by their human names (``scim:write``) in a map, so the engine's own diff shows one line
per granted or revoked scope. Names are resolved to the catalog's composite ids here; the client record
is changed through ``ZIdentityClient.set_client_fields`` with ``clientResources`` only: laid over a fresh
read (so a concurrent description change is not reverted), verified after the PUT, serialized per
client with ``ApiClient`` in one process. The scope set is exclusive, so it is this writer's whole
field: another writer changing it at the same time fails the update naming ``scopes``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
from pulumi.dynamic import CheckResult, CreateResult, ReadResult, Resource, UpdateResult

from providers import _inputs as p
from providers._base import Gone, TenantProvider, without_provider_key
from providers._check import Inputs, is_unknown, iso_date_problem, name_problem, path
from providers.tenant import NotFound, UnknownScope, unknown_scope_message

SCOPE_METADATA_KEYS = ("justification", "expires")


def check_scopes(inputs: Inputs) -> None:
    """Validate the ``scopes`` map (the catalog lookup of its names is ``check``'s, it needs the tenant)."""
    scopes = inputs.news.get("scopes")
    if scopes is None:
        scopes = {}
    if is_unknown(scopes):
        inputs.values["scopes"] = scopes
        return
    if not isinstance(scopes, Mapping):
        inputs.fail(
            "scopes", f"scopes must be a map of scope name to {{justification, expires}}, got {scopes!r}"
        )
        return
    normalised: dict[str, Any] = {}
    for name, meta in scopes.items():
        problem = name_problem(name)
        if problem:
            inputs.fail(path("scopes", name), f"scope name {problem}")
        normalised[name] = _check_metadata(inputs, name, meta)
    inputs.values["scopes"] = normalised


def scope_names(scopes: Any) -> list[str]:
    """The well-formed names of a checked ``scopes`` map, to look up in the catalog."""
    if not isinstance(scopes, Mapping):
        return []
    return [name for name in scopes if name_problem(name) is None]


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


TABLE = p.InputTable(
    # Moving the assignment to another client is a replacement (a different tenant object). An unknown
    # client_id only means the client is being updated in a preview; its id stays.
    p.name("client_id", replace=True),
    p.custom("scopes", check_scopes, default={}, shape=scopes_map, required=True),
    p.output("granted"),
)
"""The resource's properties (``providers._inputs``)."""


def _check_metadata(inputs: Inputs, name: str, meta: Any) -> Any:
    if meta is None:
        return {}
    if is_unknown(meta):
        return meta
    if not isinstance(meta, Mapping):
        inputs.fail(
            path("scopes", name), f"scope metadata must be a map with justification and expires, got {meta!r}"
        )
        return meta
    cleaned = {key: value for key, value in meta.items() if value is not None}
    for key, value in cleaned.items():
        where = path("scopes", name, key)
        if key not in SCOPE_METADATA_KEYS:
            inputs.fail(where, f"unknown scope metadata {key!r}; allowed: {', '.join(SCOPE_METADATA_KEYS)}")
        elif is_unknown(value):
            continue
        elif key == "justification" and not isinstance(value, str):
            inputs.fail(where, f"justification must be a string, got {type(value).__name__}")
        elif key == "expires":
            problem = iso_date_problem(value)
            if problem:
                inputs.fail(where, f"expires {problem}")
    return cleaned


def declared_names(props: Mapping[str, Any]) -> list[str]:
    return sorted((props.get("scopes") or {}).keys())


def _outputs(inputs: Mapping[str, Any], granted: Sequence[str]) -> dict[str, Any]:
    return {**without_provider_key(inputs), "granted": sorted(granted)}


class ScopeAssignmentProvider(TenantProvider):
    """CRUD for ``zidentity:ScopeAssignment``. Stable API: state pickles this class by module and name."""

    table = TABLE

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        inputs = TABLE.check(news)
        names = scope_names(inputs.values.get("scopes"))
        if names:
            catalog = self.tenant.zidentity.catalog()  # a read-only GET, once per process
            try:
                catalog.resolve(names)
            except UnknownScope as unknown:
                for name, suggestions in unknown.unknown.items():
                    inputs.fail(path("scopes", name), unknown_scope_message(name, suggestions))
        return CheckResult(inputs.values, inputs.failures)

    def _grant_exactly(self, client_id: str, names: list[str]) -> list[str]:
        """Make the client hold exactly ``names``; returns the scope names it holds afterwards."""
        zidentity = self.tenant.zidentity
        catalog = zidentity.catalog()
        resources = catalog.client_resources(names)
        try:
            record = zidentity.set_client_fields(client_id, {"clientResources": resources})
        except NotFound:
            raise Gone(
                f"API client {client_id} does not exist in the tenant; create it (ApiClient) first, or "
                "run `pulumi refresh` if it was deleted outside Pulumi"
            ) from None
        return catalog.names_of(record)

    def create(self, props: dict[str, Any]) -> CreateResult:
        # A client this process has just created with exactly these scopes (``ApiClient``'s
        # ``initial_scopes``) needs no write: its own create answered what the tenant holds. Nothing
        # is written, so nothing another writer did can be reverted; a change made in between shows
        # on the next refresh like any other console edit. Otherwise: the verified write.
        client_id = str(props["client_id"])
        names = declared_names(props)
        zidentity = self.tenant.zidentity
        created = zidentity.created_here(client_id)
        if created is not None and zidentity.catalog().names_of(created) == names:
            return CreateResult(client_id, _outputs(props, names))
        granted = self._grant_exactly(client_id, names)
        return CreateResult(client_id, _outputs(props, granted))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        zidentity = self.tenant.zidentity
        record = zidentity.clients_snapshot().get(id_)
        if record is None:
            return ReadResult("", {})
        live = zidentity.catalog().names_of(record)
        old_scopes = props.get("scopes") or {}
        inputs = {"client_id": id_, "scopes": {name: old_scopes.get(name, {}) for name in live}}
        return ReadResult(id_, _outputs(inputs, live), inputs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        names = declared_names(news)
        if names == sorted(olds.get("granted") or []) and names == declared_names(olds):
            granted = names  # only justifications/expiry changed: metadata lives in state
        else:
            granted = self._grant_exactly(id_, names)
        return UpdateResult(_outputs(news, granted))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        try:
            self.tenant.zidentity.set_client_fields(id_, {"clientResources": []})
        except NotFound:
            return  # the client is gone, and its scopes with it


class ScopeAssignment(Resource, module="zidentity", name="ScopeAssignment"):
    """All scopes of one API client (type ``pulumi-python:dynamic/zidentity:ScopeAssignment``).

    Exclusive: scopes granted to the client by any other means are removed on the next ``up`` and show
    as drift after ``refresh``. ``scopes`` maps scope names to metadata (``justification``,
    ``expires``) so a plan shows ``scopes["scim:write"]: ADD`` for one new grant.
    """

    granted: pulumi.Output[list]
    """Sorted names of the scopes the client holds in the tenant."""

    def __init__(
        self, resource_name: str, *, opts: pulumi.ResourceOptions | None = None, **inputs: Any
    ) -> None:
        """Inputs as declared in ``TABLE`` (each is also an output of the same name):
        ``client_id`` and ``scopes`` required; ``scopes`` a map of scope name to
        ``{justification, expires}`` or a list of names (or an Output of either)."""
        props = TABLE.props(**inputs)
        super().__init__(ScopeAssignmentProvider(), resource_name, props, TABLE.options(opts))
