"""ZIdentity (OneAPI) admin API: API clients, their secrets and the scope catalog.

Paths are under `{apiUrl}/ziam/admin/api/v1`. Lists use `offset`/`limit` pages; `next_link` is used
only as a "has more" signal (it points at another host on the real API) and `totalRecord` is not
trusted (real responses have counted hidden records).

Reliability rules kept here:
- `create_client` is idempotent: when a create's response is lost (the transport raises
  `OutcomeUnknown`) the client is looked up by name before anything is re-sent, and a re-sent create
  that clashes on the name returns the object the first attempt made. Names are unique per tenant.
  A client found that way counts as ours only if it has the fields the create set; otherwise the
  name was taken before (the lost answer was a 409) and it is a `Conflict`, as a plain create says.
- `create_secret` cannot recover a lost response: the value is shown only once. It lists the secrets
  before creating, and after a lost response deletes the orphan (an id that was not there before) and
  creates again, so the caller always holds the value of the one secret that stays.
- Updates of one client are serialized per process (`modify_client` reads fresh, changes, PUTs), so
  the `ApiClient` and `ScopeAssignment` providers cannot overwrite each other's change.
- Across processes (two stacks, two CI jobs, a run racing a console edit) no lock helps and the API
  has no `If-Match`: every write re-reads the client after its PUT and compares the fields it owns
  (`set_client_fields`). A field back at the value this write read before its PUT was reverted by
  another writer's stale full replace: the write is made again on a fresh read (a few times, with
  jittered backoff). A field holding a third value was changed on purpose by another writer: the
  write fails with `ConcurrentUpdate` naming the field rather than overwrite that change.
  What this cannot see: a stale PUT that lands after the verifying read (see docs/providers.md).
"""

from __future__ import annotations

import copy
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import quote

import httpx

from providers.tenant.catalog import ScopeCatalog
from providers.tenant.errors import (
    ConcurrentUpdate,
    Conflict,
    ConnectionFailed,
    OutcomeUnknown,
)
from providers.tenant.idempotent import Create, create_idempotently, one_named
from providers.tenant.snapshot import Record, SharedListing
from providers.tenant.transport import Auth, HttpTransport

log = logging.getLogger("providers.tenant")

PAGE_SIZE = 1000  # the API's maximum `limit`; 256 clients (the tenant cap) fit in one page
MAX_PAGES = 10_000  # a guard against a server that never stops saying "more"
_WRITABLE_FIELDS = ("name", "description", "status", "accessTokenLifeTime", "clientAuthentication")
MAX_WRITE_ATTEMPTS = 4  # PUTs of one verified write before a field that keeps being reverted fails it
MAX_SETTLE = 2.0  # seconds; cap of the wait between a PUT and the read that verifies it
MIN_SETTLE = 0.25
"""Seconds; floor of that wait. Another writer's stale PUT is in flight for about as long as our own
read and write took, unless its process is not scheduled: on a busy machine a few milliseconds of
loopback become a stall of tens or hundreds (bench/concurrency_cross_process.py on bare loopback with
two CPU burners: 2 silent reverts in 48 rounds without the floor, 0 in 96 with it). Against a real
tenant a read and a write take longer than this anyway, so the floor costs nothing there."""
# API field -> the access model's name for it, which is what an error about a conflict names.
FIELD_LABELS = {
    "name": "name",
    "description": "description",
    "status": "enabled",
    "accessTokenLifeTime": "access_token_lifetime",
    "clientResources": "scopes",
}


_DISABLED_WORDS = frozenset({"false", "disabled", "inactive", "0"})


def status_enabled(status: Any) -> bool:
    """Whether an API client's `status` says enabled. The API sends a boolean, but records written by
    the console or older gateways carry strings ("false", "DISABLED"); `bool("false")` is True, so
    every reader of `status` goes through here. A missing status means enabled (the API's default)."""
    if status is None:
        return True
    if isinstance(status, bool):
        return status
    if isinstance(status, int | float):
        return status != 0
    return str(status).strip().lower() not in _DISABLED_WORDS


def writable_client_body(record: Mapping[str, Any]) -> dict[str, Any]:
    """A full-replace PUT body from a client record as read (drops read-only `id` and resolved names)."""
    body = {key: copy.deepcopy(record[key]) for key in _WRITABLE_FIELDS if key in record}
    body["clientResources"] = [
        {
            "id": resource["id"],
            "selectedScopes": [{"id": s["id"]} for s in resource.get("selectedScopes") or []],
        }
        for resource in record.get("clientResources") or []
    ]
    return body


def _fields_set_by(record: Mapping[str, Any], like: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The fields a create body sets (those of `like`, default the record itself), comparable
    between the body sent and the record read back: no description is an empty one, and scopes
    are a set of (resource server, scope) ids."""
    keys = like if like is not None else record
    fields: dict[str, Any] = {}
    for key in ("name", "description", "status", "accessTokenLifeTime"):
        if key in keys:
            fields[key] = (record.get(key) or "") if key == "description" else record.get(key)
    if "clientResources" in keys:
        fields["clientResources"] = {
            (str(resource.get("id")), str(scope.get("id")))
            for resource in record.get("clientResources") or []
            for scope in resource.get("selectedScopes") or []
        }
    return fields


def _named(records: Iterable[Mapping[str, Any]], name: str) -> Record | None:
    """The one client named exactly `name` (client names are case-sensitive and unique per tenant)."""
    return one_named(records, "name", name, kind="API clients", fold_case=False)


def _as_epoch(value: Any) -> int | None:
    """An `expiresAt` as whole epoch seconds (the API sends an integer; tolerate a numeric string)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class SecretLedger:
    """What this process knows about API clients' secrets, so a create needs no listing first.

    A client this process created has no secret (the API creates none with it), and every secret
    this process creates or deletes for it afterwards is recorded, as is every listing of its secrets.
    For such a client the ledger is *complete*: the two-secret cap check and "is this the client's
    first secret" are answered without a request. For any other client (one an earlier run created)
    the ledger holds only the ids it has seen, which lets a lost create tell an orphan from an older
    secret, and callers list the secrets as before.

    The one assumption: nobody adds a secret to a client during the very run that created it (another
    writer would have to find a client minutes old). A listing of the client corrects the ledger.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: dict[str, dict[str, Record]] = {}
        self._complete: set[str] = set()

    def created_client(self, client_id: str) -> None:
        with self._lock:
            self._secrets[client_id] = {}
            self._complete.add(client_id)

    def forget_client(self, client_id: str) -> None:
        with self._lock:
            self._secrets.pop(client_id, None)
            self._complete.discard(client_id)

    def listed(self, client_id: str, secrets: list[Record]) -> None:
        with self._lock:
            self._secrets[client_id] = {str(s.get("id")): copy.deepcopy(s) for s in secrets}

    def added(self, client_id: str, secret: Mapping[str, Any]) -> None:
        kept = {key: copy.deepcopy(value) for key, value in secret.items() if key != "value"}
        with self._lock:
            self._secrets.setdefault(client_id, {})[str(secret.get("id"))] = kept

    def removed(self, client_id: str, secret_id: str) -> None:
        with self._lock:
            self._secrets.get(client_id, {}).pop(secret_id, None)

    def ids(self, client_id: str) -> set[str]:
        """Ids of the client's secrets this process has seen (complete or not)."""
        with self._lock:
            return set(self._secrets.get(client_id, {}))

    def complete(self, client_id: str) -> list[Record] | None:
        """The client's secrets when the ledger knows them all, else None."""
        with self._lock:
            if client_id not in self._complete:
                return None
            return [copy.deepcopy(s) for s in self._secrets.get(client_id, {}).values()]


def _comparable(record: Mapping[str, Any], key: str) -> Any:
    """One field of a client record or PUT body in a form that compares across both: no description
    is an empty one, `status` is a boolean whatever its spelling, scopes are a set of (resource
    server, scope) ids in any order."""
    value = record.get(key)
    if key == "description":
        return value or ""
    if key == "status":
        return status_enabled(value)
    if key == "accessTokenLifeTime" and isinstance(value, int | float | str) and not isinstance(value, bool):
        try:
            return int(value)
        except ValueError:
            return value
    if key == "clientResources":
        return frozenset(
            (str(resource.get("id")), str(scope.get("id")))
            for resource in value or []
            for scope in resource.get("selectedScopes") or []
        )
    return value


class ZIdentityClient:
    """API clients, secrets and the scope catalog of one tenant; safe to share between threads."""

    def __init__(
        self,
        transport: HttpTransport,
        auth: Auth,
        admin_api_url: str,
        snapshot_ttl: float,
        *,
        page_size: int = PAGE_SIZE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`clock` times the shared listing (the `Tenant`'s clock, so tests control its freshness)."""
        self.page_size = page_size
        self._transport = transport
        self._auth = auth
        self._base = admin_api_url.rstrip("/")
        self._clients = SharedListing("api-clients", self._load_clients, snapshot_ttl, clock=clock)
        self._catalog: ScopeCatalog | None = None
        self._catalog_lock = threading.Lock()
        self._client_locks: dict[str, threading.Lock] = {}
        self._client_locks_guard = threading.Lock()
        self._secrets = SecretLedger()
        self._created: dict[str, Record] = {}
        self._created_guard = threading.Lock()

    def __repr__(self) -> str:
        return f"ZIdentityClient({self._base!r})"

    @property
    def auth(self) -> Auth:
        """How this client authenticates (the API client's cached OAuth token)."""
        return self._auth

    # -- plumbing ---------------------------------------------------------------------------------
    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Accept": "application/json", **kwargs.pop("headers", {})}
        return self._transport.request(
            method, self._base + path, auth=self._auth, kind="zidentity", headers=headers, **kwargs
        )

    def _list_all(self, path: str, params: Mapping[str, str] | None = None) -> list[Record]:
        """Every record of a paged list: offset/limit pages until an empty page or no `next_link`."""
        records: list[Record] = []
        offset = 0
        for _ in range(MAX_PAGES):
            body = self._transport.json(
                self._request(
                    "GET", path, params={**(params or {}), "offset": offset, "limit": self.page_size}
                )
            )
            if isinstance(body, list):  # some endpoints answer a bare array
                records.extend(body)
                break
            page = body.get("records") or []
            records.extend(page)
            if not page or not body.get("next_link"):
                break
            offset += len(page)
        return records

    def _lock_for(self, client_id: str) -> threading.Lock:
        with self._client_locks_guard:
            return self._client_locks.setdefault(client_id, threading.Lock())

    @staticmethod
    def _item(client_id: str) -> str:
        return "/api-clients/" + quote(client_id, safe="")

    # -- API clients ------------------------------------------------------------------------------
    def _load_clients(self) -> dict[str, Record]:
        return {str(r["id"]): r for r in self._list_all("/api-clients")}

    def list_clients(self) -> list[Record]:
        """Every API client, from a fresh paged listing."""
        return self._list_all("/api-clients")

    def clients_snapshot(self) -> Mapping[str, Record]:
        """id -> client from one listing shared by every caller in this process (read-only records)."""
        return self._clients.get()

    def get_client(self, client_id: str) -> Record | None:
        """One client, or None if it does not exist. Answers from a fresh snapshot when there is one
        (or when a burst of reads makes one listing cheaper than many GETs)."""
        snapshot = self._clients.for_single_read()
        if snapshot is not None:
            found = snapshot.get(client_id)
            return copy.deepcopy(found) if found is not None else None
        response = self._request("GET", self._item(client_id), ok_statuses=frozenset({404}))
        return None if response.status_code == 404 else self._transport.json(response)

    def find_client_by_name(self, name: str) -> Record | None:
        """The client with exactly this name (case-sensitive), from the shared listing; None if absent."""
        return _named(self._clients.get().values(), name)

    def create_client(self, body: Mapping[str, Any]) -> Record:
        """Create a client; if a lost response left one behind, return that one instead of a duplicate
        (`idempotent.create_idempotently`; names are unique per tenant)."""
        name = body.get("name")
        path = "/api-clients"

        def send() -> Record:
            created = self._transport.json(
                self._request("POST", path, json_body=dict(body), idempotent=False)
            )
            if isinstance(created, dict) and created.get("id"):
                self._secrets.created_client(str(created["id"]))
            return created

        create = Create(
            send=send,
            find=(lambda: _named(self.list_clients(), name)) if isinstance(name, str) else None,
            check_made_by=lambda found: self._check_made_by(body, found, path),
            invalidate=self._clients.invalidate,
            what=f"API client {name!r}",
            path=httpx.URL(self._base + path).path,
        )
        record = create_idempotently(create, self._transport.retry_budget())
        if isinstance(record, dict) and record.get("id"):
            with self._created_guard:
                self._created[str(record["id"])] = copy.deepcopy(record)
        return record

    def created_here(self, client_id: str) -> Record | None:
        """The client as this process's own create left it, while this process has not written or
        deleted it since (a copy); None for any other client. What a resource created right after
        its client can take as the tenant's answer instead of reading it again."""
        with self._created_guard:
            found = self._created.get(client_id)
            return copy.deepcopy(found) if found is not None else None

    def _forget_created(self, client_id: str) -> None:
        with self._created_guard:
            self._created.pop(client_id, None)

    def _check_made_by(self, body: Mapping[str, Any], found: Record, path: str) -> None:
        """Raise `Conflict` unless `found` (looked up by name after a lost create response) can be
        the client `body` made: every field the create set must match. A client that held the name
        before (the lost answer was a 409) then stays a clash, as a plain create reports it, and is
        never handed back as ours for a provider to take over without `adopt`."""
        if _fields_set_by(body) != _fields_set_by(found, like=body):
            raise Conflict(
                409,
                "POST",
                httpx.URL(self._base + path).path,
                f"an API client named {body.get('name')!r} already exists (id {found.get('id')}) and is "
                "not the one this create made: the name was taken before",
            )

    def update_client(self, client_id: str, body: Mapping[str, Any]) -> Record:
        """Full replace (PUT). Raises `NotFound` if the client is gone."""
        with self._lock_for(client_id):
            return self._put_client(client_id, body)

    def _put_client(self, client_id: str, body: Mapping[str, Any]) -> Record:
        self._forget_created(client_id)
        try:
            response = self._request("PUT", self._item(client_id), json_body=dict(body))
        finally:
            self._clients.invalidate()
        if response.status_code == 204 or not response.content:
            fresh = self._request("GET", self._item(client_id))
            return self._transport.json(fresh)
        return self._transport.json(response)

    def modify_client(self, client_id: str, change: Callable[[Record], Mapping[str, Any]]) -> Record:
        """Read the client fresh, apply `change` to a writable body, PUT it, and verify the fields
        `change` set (those that differ from the fresh read) as `set_client_fields` does. Serialized
        per client id in this process."""

        def build(read: Record) -> tuple[dict[str, Any], list[str]]:
            body = dict(change(copy.deepcopy(read)))
            keys = set(body) | set(read)
            owned = [k for k in FIELD_LABELS if k in keys and _comparable(body, k) != _comparable(read, k)]
            return body, owned

        return self._write_verified(client_id, build)

    def set_client_fields(self, client_id: str, fields: Mapping[str, Any]) -> Record:
        """Set `fields` (API names: `description`, `clientResources`, ...) on the client and nothing
        else, verified: the one way the providers write a client record. Returns the record as read
        after the write.

        Each attempt reads the client fresh, lays `fields` over it (every other field is PUT back as
        read, so a concurrent change to a field this write does not own survives), PUTs, waits about as
        long as its own read and write took (a PUT another writer built from a read before ours is in
        flight for about that long; `settle_wait`), and reads again. Then, per owned field: our value
        means done; the value we read before our PUT means another writer's stale full replace
        reverted it, so the field is written again on a fresh read (at most `MAX_WRITE_ATTEMPTS` PUTs,
        jittered backoff between); any other value means another writer set that field on purpose,
        and `ConcurrentUpdate` names it instead of overwriting their change. Raises `NotFound` if the
        client is gone.
        """
        wanted = {key: copy.deepcopy(value) for key, value in fields.items()}

        def build(read: Record) -> tuple[dict[str, Any], list[str]]:
            return {**read, **copy.deepcopy(wanted)}, list(wanted)

        return self._write_verified(client_id, build)

    def _write_verified(
        self, client_id: str, build: Callable[[Record], tuple[dict[str, Any], list[str]]]
    ) -> Record:
        with self._lock_for(client_id):
            budget = self._transport.retry_budget()
            for attempt in range(1, MAX_WRITE_ATTEMPTS + 1):
                started = self._transport.now()
                read = writable_client_body(self._transport.json(self._request("GET", self._item(client_id))))
                body, owned = build(read)
                written = self._put_client(client_id, body)
                if not owned:
                    return written
                self._transport.pause(settle_wait(self._transport.now() - started))
                now = self._transport.json(self._request("GET", self._item(client_id)))
                self._clients.invalidate()
                moved = [key for key in owned if _comparable(now, key) != _comparable(body, key)]
                if not moved:
                    return now
                changed = [key for key in moved if _comparable(now, key) != _comparable(read, key)]
                if changed:
                    raise self._concurrent(client_id, changed, body, now, reverted=False, attempts=attempt)
                if attempt == MAX_WRITE_ATTEMPTS or not budget.wait():
                    raise self._concurrent(client_id, moved, body, now, reverted=True, attempts=attempt)
                log.info(
                    "API client %s: %s reverted by another writer's concurrent update; writing again",
                    client_id,
                    ", ".join(FIELD_LABELS.get(key, key) for key in moved),
                )
            raise AssertionError("unreachable")

    def _concurrent(
        self,
        client_id: str,
        keys: list[str],
        wrote: Mapping[str, Any],
        seen: Mapping[str, Any],
        *,
        reverted: bool,
        attempts: int,
    ) -> ConcurrentUpdate:
        """The error for fields that did not stick: each named, with what we wrote and what is there."""
        fields = {
            FIELD_LABELS.get(key, key): (self._shown(wrote, key), self._shown(seen, key)) for key in keys
        }
        parts = [f"{name}: this update wrote {w}, the tenant now has {s}" for name, (w, s) in fields.items()]
        names = ", ".join(fields)
        if reverted:
            why = (
                f"another writer's update kept putting back the previous {names} "
                f"({attempts} attempts, each re-read and written again)"
            )
        else:
            why = f"another writer changed {names} while this update was writing it; their change was kept"
        message = (
            f"API client {client_id}: concurrent update: {why} ({'; '.join(parts)}). Nothing was "
            "overwritten blindly: find the other writer (another stack, CI job or a console edit), then "
            "run `pulumi refresh` and `pulumi up` again"
        )
        return ConcurrentUpdate(client_id, fields, self._transport.redactor.scrub(message))

    def _shown(self, record: Mapping[str, Any], key: str) -> str:
        value = _comparable(record, key)
        if key == "clientResources":
            catalog = self._catalog
            pairs = sorted(value)
            names = [(catalog.name_of(scope) if catalog is not None else None) or scope for _, scope in pairs]
            return "[" + ", ".join(sorted(names)) + "]" if names else "no scopes"
        if key == "status":
            return "enabled" if value else "disabled"
        text = repr(value)
        return text if len(text) <= 80 else text[:77] + "..."

    def delete_client(self, client_id: str) -> None:
        """Delete; a client that is already gone counts as deleted."""
        try:
            self._request("DELETE", self._item(client_id), ok_statuses=frozenset({404}))
        finally:
            self._clients.invalidate()
            self._secrets.forget_client(client_id)
            self._forget_created(client_id)

    # -- secrets ----------------------------------------------------------------------------------
    def list_secrets(self, client_id: str) -> list[Record]:
        """Secrets of a client (values masked by the server). Raises `NotFound` if the client is gone."""
        body = self._transport.json(self._request("GET", self._item(client_id) + "/secrets"))
        # Tolerate an envelope, although the API answers a bare array.
        secrets = list(body.get("records") or []) if isinstance(body, dict) else list(body)
        self._secrets.listed(client_id, secrets)
        return secrets

    def secrets_of(self, client_id: str) -> list[Record]:
        """The client's secrets without a request when this process knows them all (it created the
        client, and every secret since went through it: see `SecretLedger`), else `list_secrets`."""
        known = self._secrets.complete(client_id)
        return known if known is not None else self.list_secrets(client_id)

    def create_secret(self, client_id: str, expires_at: int) -> Record:
        """Create a secret expiring at `expires_at` (epoch seconds); the result holds its `value`.

        A lost response cannot be recovered (the value is shown only once): the orphan it left is
        deleted and the secret created again, so the caller holds the value of the one secret that
        stays. The orphan is found without a listing before the create: it is a secret expiring at
        exactly `expires_at` that this process did not know of before (see `_delete_orphans`).
        """
        path = self._item(client_id) + "/secrets"
        known_before = self._secrets.ids(client_id)
        budget = self._transport.retry_budget()
        while True:
            try:
                created = self._transport.json(
                    self._request("POST", path, json_body={"expiresAt": int(expires_at)}, idempotent=False)
                )
            except OutcomeUnknown:
                self._delete_orphans(client_id, int(expires_at), known_before)
                if not budget.wait():
                    raise ConnectionFailed(
                        "POST",
                        httpx.URL(self._base + path).path,
                        f"create outcome unknown {budget.attempts} times",
                    ) from None
                continue
            self._transport.redactor.add(created.get("value"))
            self._secrets.added(client_id, created)
            return created

    def _delete_orphans(self, client_id: str, expires_at: int, known_before: set[str]) -> None:
        """Delete what a create whose answer was lost may have made: secrets expiring at the very
        second this create asked for that were not known before it. A secret of someone else's
        expiring at the same second and created meanwhile is the only thing this could mistake for
        an orphan; an earlier secret of the client never is, whether or not this process knew it
        (it cannot have been asked to expire at this second unless it was made within it)."""
        for secret in self.list_secrets(client_id):
            secret_id = str(secret.get("id"))
            if secret_id in known_before or _as_epoch(secret.get("expiresAt")) != expires_at:
                continue
            log.info("create secret for %r: response lost; deleting orphan %s", client_id, secret_id)
            self.delete_secret(client_id, secret_id)

    def delete_secret(self, client_id: str, secret_id: str) -> None:
        """Delete one secret; an already deleted secret (or client) counts as deleted."""
        path = self._item(client_id) + "/secrets/" + quote(secret_id, safe="")
        self._request("DELETE", path, ok_statuses=frozenset({404}))
        self._secrets.removed(client_id, secret_id)

    # -- scope catalog ----------------------------------------------------------------------------
    def catalog(self) -> ScopeCatalog:
        """The tenant's scope catalog, fetched once per process (the API offers it read-only)."""
        with self._catalog_lock:
            if self._catalog is None:
                self._catalog = ScopeCatalog.from_resource_servers(self._list_all("/resource-servers"))
            return self._catalog


def settle_wait(own_round_trip: float) -> float:
    """How long a verified write waits between its PUT and the read that verifies it: about as long
    as its own read and write took, at least `MIN_SETTLE`, at most `MAX_SETTLE`."""
    return min(MAX_SETTLE, max(MIN_SETTLE, own_round_trip))
