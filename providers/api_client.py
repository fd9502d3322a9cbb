"""``zidentity:ApiClient``: one OAuth API client of the ZIdentity admin API (not its scopes or secrets).

The client's scopes belong to ``ScopeAssignment`` and its secrets to ``ClientSecret``; this resource
only owns name, description, status and token lifetime. It is *created* with its declared scopes
(``initial_scopes``, a create-only input) so that a new client and its scope set cost one request: the
``ScopeAssignment`` created next finds the scopes already granted by this process's own create and
writes nothing (see ``ScopeAssignmentProvider.create``). Every write goes through
``ZIdentityClient.set_client_fields`` carrying only the fields this update changes (declared new vs
old), laid over a fresh read and verified after the PUT, so it neither clobbers the scopes another
resource just set nor a concurrent change to another field by another process (two stacks, a console
edit), and it fails naming the field when another writer changed the same one.
"""

from __future__ import annotations

import logging
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, ReadResult, Resource, UpdateResult

from common.limits import ACCESS_TOKEN_LIFETIME
from providers import _inputs as p
from providers._base import TenantProvider, gone, name_taken, without_provider_key
from providers._check import Inputs, is_unknown, name_problem, path
from providers.tenant import Conflict, NotFound, client_fields

log = logging.getLogger("providers")


def check_initial_scopes(inputs: Inputs) -> None:
    """``initial_scopes``: scope names (checked against the catalog by the ``ScopeAssignment``, which
    owns them; a name the catalog lacks fails that resource's check in the same preview)."""
    key = "initial_scopes"
    value = inputs.news.get(key)
    if value is None:
        value = []
    if is_unknown(value):
        inputs.values[key] = []  # unknown in a preview: the client is created without, as before
        return
    if not isinstance(value, list | tuple) or not all(isinstance(name, str) for name in value):
        inputs.fail(key, f"{key} must be a list of scope names, got {value!r}")
        return
    for name in value:
        problem = name_problem(name)
        if problem:
            inputs.fail(path(key, name), f"scope name {problem}")
    inputs.values[key] = sorted(set(value))


TABLE = p.InputTable(
    p.name("name"),
    p.string("description"),
    p.flag("enabled", True),
    p.integer("access_token_lifetime", ACCESS_TOKEN_LIFETIME),
    p.string("owner", state_only=True),
    p.string("purpose", state_only=True),
    p.flag("adopt", False, state_only=True),
    p.created_with("initial_scopes", check_initial_scopes, default=[]),
    p.output("client_id"),
)
"""The resource's properties (``providers._inputs``). Never replaced: a rename is an update."""


def desired_fields(inputs: dict[str, Any]) -> dict[str, Any]:
    """The tenant fields this resource owns, in the API's camelCase wire format."""
    return {
        "name": inputs["name"],
        "description": inputs.get("description") or "",
        "status": bool(inputs.get("enabled", True)),
        "accessTokenLifeTime": int(inputs["access_token_lifetime"]),
    }


def changed_fields(olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
    """The tenant fields an update from `olds` to `news` changes: what this writer owns in that write."""
    before = desired_fields(olds) if olds.get("name") is not None else {}
    return {key: value for key, value in desired_fields(news).items() if before.get(key) != value}


def inputs_from_record(record: dict[str, Any], old: dict[str, Any]) -> dict[str, Any]:
    """Inputs as the live client says they are, keeping the metadata only state knows. An unreadable
    token lifetime reads as 0, so refresh shows it as drift and the next ``up`` writes the declared one."""
    inputs = client_fields(record)
    inputs["access_token_lifetime"] = inputs["access_token_lifetime"] or 0
    return {**inputs, **TABLE.kept(old)}


def left_by_a_failed_create(
    zidentity: Any, existing: dict[str, Any], wanted: dict[str, Any], scopes: list[str]
) -> bool:
    """True when `existing` is what a create of `wanted` with `scopes` leaves behind and nothing has
    touched since: exactly the fields and scopes it was created with, and no secrets.

    A create whose answer was lost, and whose recovery then failed too, leaves such a client without
    state; the next run recognises it and takes it over instead of refusing it as someone else's
    ("already exists; set adopt: true"). A client anyone has granted another scope or issued a secret
    is never taken over this way.
    """
    fields = {key: existing.get(key) for key in ("name", "status", "accessTokenLifeTime")}
    fields["description"] = existing.get("description") or ""
    if fields != wanted or zidentity.catalog().names_of(existing) != scopes:
        return False
    if zidentity.list_secrets(str(existing["id"])):
        return False
    log.info("API client %r: taking over the client a failed create left behind", wanted["name"])
    return True


def _outputs(inputs: dict[str, Any], client_id: str) -> dict[str, Any]:
    return {**without_provider_key(inputs), "client_id": client_id}


class ApiClientProvider(TenantProvider):
    """CRUD for ``zidentity:ApiClient``. Stable API: state pickles this class by module and name."""

    table = TABLE

    def create(self, props: dict[str, Any]) -> CreateResult:
        # Create first and look up only on a clash: one request in the common case, and the tenant's
        # own uniqueness check decides, not a listing that may be a moment old.
        zidentity = self.tenant.zidentity
        wanted = desired_fields(props)
        scopes = sorted(props.get("initial_scopes") or [])
        resources = zidentity.catalog().client_resources(scopes) if scopes else []
        body = {**wanted, "clientAuthentication": {"authType": "SECRET"}, "clientResources": resources}
        try:
            record = zidentity.create_client(body)
        except Conflict:
            existing = zidentity.find_client_by_name(wanted["name"])
            if existing is None:
                raise  # a conflict that is not about the name (e.g. the tenant's client limit)
            if props.get("adopt"):
                record = zidentity.set_client_fields(str(existing["id"]), wanted)
            elif left_by_a_failed_create(zidentity, existing, wanted, scopes):
                record = existing
            else:
                raise name_taken(f"an API client named {wanted['name']!r}", existing["id"], "name") from None
        client_id = str(record["id"])
        return CreateResult(client_id, _outputs(props, client_id))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        record = self.tenant.zidentity.clients_snapshot().get(id_)
        if record is None:
            return ReadResult("", {})
        inputs = inputs_from_record(dict(record), props)
        return ReadResult(id_, _outputs(inputs, id_), inputs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        # This update's change is the fields whose declared value changed; only those are written (and
        # verified), so a concurrent change to another field by another writer is not reverted.
        # owner/purpose/adopt alone live in state only.
        changed = changed_fields(olds, news)
        if changed:
            try:
                self.tenant.zidentity.set_client_fields(id_, changed)
            except NotFound:
                raise gone(f"API client {id_} ({news['name']!r})") from None
        return UpdateResult(_outputs(news, id_))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        # Deleting the client also revokes its secrets and tokens (platform behaviour).
        self.tenant.zidentity.delete_client(id_)


class ApiClient(Resource, module="zidentity", name="ApiClient"):
    """An OAuth API client (type ``pulumi-python:dynamic/zidentity:ApiClient``).

    Its scopes are a separate ``ScopeAssignment`` and its secrets separate ``ClientSecret`` resources,
    so a plan shows a scope grant or a rotation as its own step. ``initial_scopes`` (pass the same
    names as the ``ScopeAssignment``) only says what the client is created with, which saves the
    scope write after it; once the client exists it is never diffed, so a later grant or revoke shows
    on the ``ScopeAssignment`` alone.
    """

    client_id: pulumi.Output[str]
    """The client's id in the tenant (also the OAuth ``client_id``)."""

    def __init__(
        self, resource_name: str, *, opts: pulumi.ResourceOptions | None = None, **inputs: Any
    ) -> None:
        """Inputs as declared in ``TABLE`` (each is also an output of the same name):
        ``name`` required; ``description``, ``enabled``, ``access_token_lifetime``, ``owner``,
        ``purpose``, ``adopt``, ``initial_scopes`` default as the table says."""
        props = TABLE.props(**inputs)
        super().__init__(ApiClientProvider(), resource_name, props, TABLE.options(opts))
