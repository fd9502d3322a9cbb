"""A thin SCIM 2.0 client (RFC 7644) on the shared transport: users, groups, batched membership.

Tolerances, because real servers differ (reference scim-ecosystem.md, zscaler-api.md §3.4):
- PATCH may answer 200 with the resource or 204 without; we never re-GET unless asked (`want_body`).
- Lists are paged with `startIndex`/`count`; servers that cap `count` (ZPA: 100) are followed by the
  number of resources actually returned, until `totalResults` is reached or a page comes back empty.
- ZPA: group lists carry no `members` (members are read per group, only when needed); `active` may
  be the string "true"/"false" (normalized to a bool in every record we return); `active=false`
  deletes the user (a later read returns None).
- ETags: when the server sends them, membership PATCHes carry `If-Match`; on 412 the group is re-read,
  the pending changes are recomputed against its real members, and the PATCH is sent again.
- Errors use the SCIM error body (`detail`, `scimType`).

Membership changes are batched: at most `scimBatchSize` member changes per PATCH request, so a
10,000-member group is never sent (or replaced) in one request, and a 1% churn costs 2 requests.
"""

from __future__ import annotations

import copy
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote

import httpx

from providers.tenant.errors import (
    ApiError,
    Conflict,
    NotFound,
    OutcomeUnknown,
    PreconditionFailed,
)
from providers.tenant.idempotent import Create, create_idempotently, one_named
from providers.tenant.snapshot import Record, SharedListing
from providers.tenant.transport import Auth, HttpTransport

log = logging.getLogger("providers.tenant")

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SCIM_JSON = "application/scim+json"
PAGE_SIZE = 1000  # asked for; servers may return fewer (ZPA caps at 100) and we follow what they send
MAX_PAGES = 100_000
MEMBER_RECOVERIES = 8  # re-reads per change_members call after a 412 (other writers)
_FILTER_UNSUPPORTED = frozenset({400, 501})
MEMBER_READ_THREADS = 4  # concurrent per-group reads where lists omit members (within any rateLimit)


def filter_string(value: str) -> str:
    """A SCIM filter string literal: quotes and backslashes escaped (RFC 7644 §3.4.2.2 uses JSON)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def scim_bool(value: Any) -> bool | Any:
    """`"true"`/`"false"` (ZPA) -> bool; anything else unchanged."""
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return value


def normalize(record: Record) -> Record:
    """Make a SCIM resource uniform: `active` as a bool (ZPA sends strings)."""
    if "active" in record:
        record["active"] = scim_bool(record["active"])
    return record


def member_ids(group: Mapping[str, Any]) -> list[str]:
    """Member ids of a group record (`members[].value`)."""
    return [str(m["value"]) for m in group.get("members") or [] if isinstance(m, dict) and "value" in m]


class ScimClient:
    """Users and groups of one SCIM service provider; safe to share between threads."""

    def __init__(
        self,
        transport: HttpTransport,
        auth: Auth,
        scim_url: str,
        *,
        batch_size: int = 100,
        snapshot_ttl: float = 30.0,
        page_size: int = PAGE_SIZE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`clock` times the shared listings (the `Tenant`'s clock, so tests control their freshness)."""
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self._transport = transport
        self._auth = auth
        self._base = scim_url.rstrip("/")
        self.batch_size = batch_size
        self.page_size = page_size
        self._users = SharedListing("scim-users", self._load_users, snapshot_ttl, clock=clock)
        self._groups = SharedListing("scim-groups", self._load_groups, snapshot_ttl, clock=clock)
        self._versions: dict[str, str] = {}
        self._group_names = GroupNames(self._list_group_names, snapshot_ttl, clock)
        # Learned from the first group listing: False on servers that list groups without members
        # (ZPA), where a listing cannot answer `get_group` and is not worth building for it.
        self._lists_members: bool | None = None

    def __repr__(self) -> str:
        return f"ScimClient({self._base!r}, batch_size={self.batch_size})"

    @property
    def auth(self) -> Auth:
        """How this client authenticates (the static SCIM token, or the API client's OAuth token)."""
        return self._auth

    # -- plumbing ---------------------------------------------------------------------------------
    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Accept": f"{SCIM_JSON}, application/json", **kwargs.pop("headers", {})}
        if "json_body" in kwargs:
            headers.setdefault("Content-Type", SCIM_JSON)
        return self._transport.request(
            method, self._base + path, auth=self._auth, kind="scim", headers=headers, **kwargs
        )

    def _list_all(self, path: str, params: Mapping[str, str] | None = None) -> list[Record]:
        """Every resource of a list: `startIndex` advances by what the server actually returned."""
        resources: list[Record] = []
        start = 1
        for _ in range(MAX_PAGES):
            query = {**(params or {}), "startIndex": start, "count": self.page_size}
            body = self._transport.json(self._request("GET", path, params=query))
            page = body.get("Resources") or []
            resources.extend(normalize(r) for r in page)
            if not page:
                break
            start += len(page)
            total = _as_int(body.get("totalResults"))
            if total is not None and start > total:
                break
        return resources

    def _invalidate(self) -> None:
        # A user write changes group member lists (deletion) and a group write changes users'
        # `groups`; both listings go, which keeps the rule simple and always correct.
        self._users.invalidate()
        self._groups.invalidate()

    def _remember_version(self, resource_id: str, response: httpx.Response, body: Any = None) -> None:
        version = response.headers.get("etag")
        if version is None and isinstance(body, dict):
            version = (body.get("meta") or {}).get("version")
        if version:
            self._versions[resource_id] = version
        else:
            self._versions.pop(resource_id, None)

    @staticmethod
    def _item(kind: str, resource_id: str) -> str:
        return f"/{kind}/" + quote(resource_id, safe="")

    def _get(self, kind: str, resource_id: str) -> Record | None:
        response = self._request("GET", self._item(kind, resource_id), ok_statuses=frozenset({404}))
        if response.status_code == 404:
            self._versions.pop(resource_id, None)
            return None
        body = self._transport.json(response)
        self._remember_version(resource_id, response, body)
        return normalize(body)

    def _body_or_none(self, response: httpx.Response, resource_id: str) -> Record | None:
        if response.status_code == 204 or not response.content:
            self._remember_version(resource_id, response)
            return None
        body = self._transport.json(response)
        self._remember_version(resource_id, response, body)
        return normalize(body)

    def _create(self, kind: str, body: Mapping[str, Any], attribute: str) -> Record:
        """POST a resource; after a lost response, find what the first attempt made by its unique
        `attribute` (`idempotent.create_idempotently`)."""
        name = str(body.get(attribute) or "")

        def send() -> Record:
            response = self._request("POST", f"/{kind}", json_body=dict(body), idempotent=False)
            created = normalize(self._transport.json(response))
            if created.get("id"):
                self._remember_version(str(created["id"]), response, created)
            return created

        create = Create(
            send=send,
            find=(lambda: self._find_live(kind, attribute, name)) if name else None,
            check_made_by=lambda found: self._check_made_by(kind, body, found),
            invalidate=self._invalidate,
            what=f"SCIM {kind} {attribute} {name!r}",
            path=httpx.URL(self._base).path + f"/{kind}",
        )
        return create_idempotently(create, self._transport.retry_budget())

    def _check_made_by(self, kind: str, body: Mapping[str, Any], found: Record) -> None:
        """Raise `Conflict` unless `found` (looked up by its unique name after a lost create response)
        can be what `body` created: every attribute the create set that the server keeps must match.
        One that does not held the name before (the lost answer was a 409): it stays a clash, as a
        plain create reports it, and is never handed back as ours for a provider to take over."""
        if not _has_attributes_of(body, found):
            name = body.get("userName") or body.get("displayName")
            raise Conflict(
                409,
                "POST",
                httpx.URL(self._base).path + f"/{kind}",
                f"{name!r} already exists in {kind} (id {found.get('id')}) and is not the one this "
                "create made: the name was taken before",
            )

    # -- users ------------------------------------------------------------------------------------
    def _load_users(self) -> dict[str, Record]:
        return {str(u["id"]): u for u in self._list_all("/Users")}

    def users_snapshot(self) -> Mapping[str, Record]:
        """id -> user from one listing shared by all callers in this process (read-only records)."""
        return self._users.get()

    def list_users(self, filter: str | None = None) -> list[Record]:
        """Every user (or those matching a SCIM `filter`), from a fresh paged listing."""
        return self._list_all("/Users", {"filter": filter} if filter else None)

    def get_user(self, user_id: str) -> Record | None:
        """One user or None; answered from a fresh snapshot when there is one."""
        snapshot = self._users.for_single_read()
        if snapshot is not None:
            found = snapshot.get(user_id)
            return copy.deepcopy(found) if found is not None else None
        return self._get("Users", user_id)

    def find_user(self, user_name: str) -> Record | None:
        """The user with this userName (compared case-insensitively, as RFC 7643 says), or None."""
        snapshot = self._users.for_single_read()
        if snapshot is not None:
            return _one_match(snapshot.values(), "userName", user_name, "users")
        return self._find_user_live(user_name)

    def _find_live(self, kind: str, attribute: str, value: str) -> Record | None:
        """Look a resource up by its unique name with a SCIM `eq` filter, bypassing snapshots; on a
        server without filter support, in a listing of every resource of that kind."""
        try:
            found = self._list_all(f"/{kind}", {"filter": f"{attribute} eq {filter_string(value)}"})
        except ApiError as exc:
            if exc.status not in _FILTER_UNSUPPORTED:
                raise
            found = list((self._users if kind == "Users" else self._groups).get().values())
        return _one_match(found, attribute, value, kind.lower())

    def _find_user_live(self, user_name: str) -> Record | None:
        return self._find_live("Users", "userName", user_name)

    def create_user(self, body: Mapping[str, Any]) -> Record:
        """Create a user; a lost response is resolved by its userName instead of creating twice."""
        return self._create("Users", {"schemas": [USER_SCHEMA], **body}, "userName")

    def _replace(self, kind: str, schema: str, resource_id: str, body: Mapping[str, Any]) -> Record | None:
        """PUT a whole resource; its body, or None when the server answered without one."""
        try:
            response = self._request(
                "PUT", self._item(kind, resource_id), json_body={"schemas": [schema], **body}
            )
        finally:
            self._invalidate()
        return self._body_or_none(response, resource_id)

    def _delete(self, kind: str, resource_id: str) -> None:
        """DELETE a resource; one that is already gone (404) counts as deleted."""
        try:
            self._request("DELETE", self._item(kind, resource_id), ok_statuses=frozenset({404}))
        finally:
            self._invalidate()
            self._versions.pop(resource_id, None)

    def replace_user(self, user_id: str, body: Mapping[str, Any]) -> Record | None:
        """Full replace (PUT). Returns the user, or None if the server answered without a body."""
        return self._replace("Users", USER_SCHEMA, user_id, body)

    def patch_user(
        self, user_id: str, ops: list[Mapping[str, Any]], *, want_body: bool = False
    ) -> Record | None:
        """PATCH with the given operations (they should be idempotent, e.g. `replace`).

        Returns the user when the server sends it (200); on 204 returns None, or re-reads it if
        `want_body`. On ZPA, `active=false` deletes the user: the re-read then gives None.
        """
        try:
            response = self._request(
                "PATCH", self._item("Users", user_id), json_body=_patch_body(ops), idempotent=True
            )
        finally:
            self._invalidate()
        body = self._body_or_none(response, user_id)
        if body is None and want_body:
            return self._get("Users", user_id)
        return body

    def delete_user(self, user_id: str) -> None:
        """Delete a user; one that is already gone counts as deleted."""
        self._delete("Users", user_id)

    # -- groups -----------------------------------------------------------------------------------
    def _load_groups(self) -> dict[str, Record]:
        groups = self._list_all("/Groups")
        if any("members" in g for g in groups):
            # The server lists members: a group without the attribute has none.
            self._lists_members = True
            for group in groups:
                group.setdefault("members", [])
        elif groups and self._lists_members is None:
            self._lists_members = False
        for group in groups:
            version = (group.get("meta") or {}).get("version")
            if version and group.get("id"):
                self._versions[str(group["id"])] = version
        return {str(g["id"]): g for g in groups}

    def groups_snapshot(self) -> Mapping[str, Record]:
        """id -> group from one shared listing. Records carry `members` when the server lists them;
        on servers that omit members in lists (ZPA) they do not, and `get_group` reads them."""
        return self._groups.get()

    def list_groups(self, filter: str | None = None, include_members: bool = False) -> list[Record]:
        """Every group (or those matching `filter`), fresh. Without `include_members` the server is
        asked to leave members out; with it, members are read per group where the list omits them."""
        params: dict[str, str] = {}
        if filter:
            params["filter"] = filter
        if not include_members:
            params["excludedAttributes"] = "members"
        groups = self._list_all("/Groups", params)
        if include_members:
            if any("members" in g for g in groups):
                for group in groups:
                    group.setdefault("members", [])
            elif groups:
                # The server (ZPA) lists no members: one GET per group, a few at a time.
                with ThreadPoolExecutor(max_workers=min(MEMBER_READ_THREADS, len(groups))) as pool:
                    fulls = list(pool.map(lambda g: self._get("Groups", str(g["id"])), groups))
                for group, full in zip(groups, fulls, strict=True):
                    group["members"] = (full or {}).get("members") or []
        else:
            for group in groups:
                group.pop("members", None)
        return groups

    def get_group(self, group_id: str) -> Record | None:
        """One group with its members, or None. Answered from a fresh snapshot when it lists members."""
        if self._lists_members is False:
            return self._get("Groups", group_id)
        snapshot = self._groups.for_single_read()
        if snapshot is not None:
            found = snapshot.get(group_id)
            if found is None:
                return None
            if "members" in found:
                return copy.deepcopy(found)
        return self._get("Groups", group_id)

    def find_group(self, display_name: str) -> Record | None:
        """The group with this displayName (case-insensitive), or None. Its record may lack members
        on servers that omit them in lists; use `get_group` for those."""
        snapshot = self._groups.peek()
        if snapshot is not None:
            return _one_match(snapshot.values(), "displayName", display_name, "groups")
        return self._find_group_live(display_name)

    def _find_group_live(self, display_name: str) -> Record | None:
        return self._find_live("Groups", "displayName", display_name)

    def group_named(self, display_name: str) -> Record | None:
        """The group with this displayName (case-insensitive; `id` and `displayName` only), or None,
        answered from a listing of every group's name at most `snapshot_ttl` old and kept current
        with this process's own group creates, renames and deletes.

        Why not a create that the server refuses on a clash, as for users: SCIM does not make a
        group's displayName unique (RFC 7643 §4.2, uniqueness "none"), so a create would quietly make
        a second group. Why not a lookup per create: 500 groups would cost 500 searches, where one
        listing of names answers them all. A group someone else creates after that listing is seen
        once the listing is `snapshot_ttl` old, the same freshness `find_group` accepts.
        """
        return self._group_names.find(display_name)

    def _list_group_names(self) -> list[Record]:
        return [{"id": g.get("id"), "displayName": g.get("displayName")} for g in self.list_groups()]

    def create_group(self, body: Mapping[str, Any]) -> Record:
        """Create a group. Members beyond one batch are added by batched PATCH after the create, so a
        big group never travels in one request; a lost response is resolved by displayName."""
        full = {"schemas": [GROUP_SCHEMA], **body}
        members = member_ids(full)
        if len(members) > self.batch_size:
            full["members"] = []
        created = self._create("Groups", full, "displayName")
        self._group_names.put(created)
        if len(members) > self.batch_size:
            self.set_members(str(created["id"]), members)
            created["members"] = [{"value": m} for m in members]
        return created

    def patch_group(
        self,
        group_id: str,
        ops: list[Mapping[str, Any]],
        *,
        etag: str | None = None,
        want_body: bool = False,
    ) -> Record | None:
        """PATCH a group (ops should be idempotent). Sends `If-Match` when a version is known; on 412
        re-reads the group and retries once with its current version."""
        if any(str(op.get("path") or "").casefold() != "members" for op in ops):
            self._group_names.forget()  # a rename (or a replace without a path) may change the name
        try:
            response = self._patch_group_once(group_id, ops, etag, idempotent=True)
        except PreconditionFailed:
            self._reread_group(group_id)  # stores the current version for the retry
            response = self._patch_group_once(group_id, ops, None, idempotent=True)
        body = self._body_or_none(response, group_id)
        if body is None and want_body:
            return self._get("Groups", group_id)
        return body

    def _reread_group(self, group_id: str) -> Record:
        """The group as it is now (its version remembered), after a PATCH met a change or was lost;
        `NotFound` if it was deleted meanwhile."""
        current = self._get("Groups", group_id)
        if current is None:
            raise NotFound(404, "PATCH", self._path("Groups", group_id), "group no longer exists") from None
        return current

    def _path(self, kind: str, resource_id: str) -> str:
        return httpx.URL(self._base + self._item(kind, resource_id)).path

    def _patch_group_once(
        self, group_id: str, ops: list[Mapping[str, Any]], etag: str | None, *, idempotent: bool
    ) -> httpx.Response:
        version = etag or self._versions.get(group_id)
        headers = {"If-Match": version} if version else {}
        try:
            return self._request(
                "PATCH",
                self._item("Groups", group_id),
                json_body=_patch_body(ops),
                headers=headers,
                idempotent=idempotent,
            )
        finally:
            self._invalidate()

    def rename_group(self, group_id: str, display_name: str) -> Record | None:
        return self.patch_group(group_id, [{"op": "replace", "path": "displayName", "value": display_name}])

    def change_members(
        self,
        group_id: str,
        add: Iterable[str] = (),
        remove: Iterable[str] = (),
        *,
        etag: str | None = None,
    ) -> dict[str, int]:
        """Add and remove members in PATCH requests of at most `batch_size` member changes each.

        Returns `{"added": n, "removed": n, "requests": n}`. If the group changed under us (412 on
        `If-Match`) or a PATCH's outcome is unknown (connection lost), the group is re-read and the
        remaining changes are recomputed against its real members before going on, so nothing is
        added twice or removed that is not there.
        """
        pending_add = list(dict.fromkeys(str(i) for i in add))
        pending_remove = list(dict.fromkeys(str(i) for i in remove))
        both = sorted(set(pending_add) & set(pending_remove))
        if both:
            raise ValueError(f"ids both added and removed: {', '.join(both[:5])}")
        result = {"added": 0, "removed": 0, "requests": 0}
        recoveries = 0
        budget = self._transport.retry_budget()
        version = etag
        while pending_remove or pending_add:
            batch_remove = pending_remove[: self.batch_size]
            batch_add = pending_add[: self.batch_size - len(batch_remove)]
            ops: list[dict[str, Any]] = [
                {"op": "remove", "path": f"members[value eq {filter_string(i)}]"} for i in batch_remove
            ]
            if batch_add:
                ops.append({"op": "add", "path": "members", "value": [{"value": i} for i in batch_add]})
            try:
                response = self._patch_group_once(group_id, ops, version, idempotent=False)
            except (PreconditionFailed, OutcomeUnknown) as exc:
                recoveries += 1
                if isinstance(exc, PreconditionFailed) and recoveries > MEMBER_RECOVERIES:
                    raise
                if isinstance(exc, OutcomeUnknown) and not budget.wait():
                    raise
                log.info("members of group %s: %s; re-reading before going on", group_id, type(exc).__name__)
                present = set(member_ids(self._reread_group(group_id)))
                pending_add = [i for i in pending_add if i not in present]
                pending_remove = [i for i in pending_remove if i in present]
                version = None  # the re-read stored the current version
                continue
            finally:
                result["requests"] += 1
            self._remember_version(group_id, response)
            version = None
            result["removed"] += len(batch_remove)
            result["added"] += len(batch_add)
            pending_remove = pending_remove[len(batch_remove) :]
            pending_add = pending_add[len(batch_add) :]
        return result

    def set_members(self, group_id: str, ids: Iterable[str]) -> dict[str, int]:
        """Make the group's members exactly `ids`: read it once, then `change_members` with the diff."""
        current = self.get_group(group_id)
        if current is None:
            raise NotFound(404, "GET", self._path("Groups", group_id), "group does not exist")
        wanted = list(dict.fromkeys(str(i) for i in ids))
        present = member_ids(current)
        present_set, wanted_set = set(present), set(wanted)
        version = (current.get("meta") or {}).get("version")
        return self.change_members(
            group_id,
            add=[i for i in wanted if i not in present_set],
            remove=[i for i in present if i not in wanted_set],
            etag=version,
        )

    def delete_group(self, group_id: str) -> None:
        """Delete a group; one that is already gone counts as deleted."""
        try:
            self._delete("Groups", group_id)
        finally:
            self._group_names.remove(group_id)


class GroupNames:
    """Every group's id and displayName from one listing, fresh for `ttl` seconds, kept current with
    this process's own group writes (`ScimClient.group_named`). Thread-safe; one load at a time."""

    def __init__(self, load: Callable[[], list[Record]], ttl: float, clock: Callable[[], float]) -> None:
        self._load, self._ttl, self._clock = load, ttl, clock
        self._lock = threading.Lock()
        self._groups: dict[str, Record] | None = None
        self._taken_at = 0.0

    def find(self, display_name: str) -> Record | None:
        with self._lock:
            if self._groups is None or self._clock() - self._taken_at >= self._ttl:
                started = self._clock()
                self._groups = {str(g["id"]): g for g in self._load() if g.get("id")}
                self._taken_at = started
            return _one_match(self._groups.values(), "displayName", display_name, "groups")

    def put(self, group: Mapping[str, Any]) -> None:
        with self._lock:
            if self._groups is not None and group.get("id"):
                self._groups[str(group["id"])] = {"id": group["id"], "displayName": group.get("displayName")}

    def remove(self, group_id: str) -> None:
        with self._lock:
            if self._groups is not None:
                self._groups.pop(group_id, None)

    def forget(self) -> None:
        with self._lock:
            self._groups = None


def _patch_body(ops: list[Mapping[str, Any]]) -> dict[str, Any]:
    return {"schemas": [PATCH_SCHEMA], "Operations": [dict(op) for op in ops]}


def _has_attributes_of(body: Mapping[str, Any], record: Mapping[str, Any]) -> bool:
    """Whether `record` carries the attributes `body` set, where the server keeps them (names
    compared case-insensitively, emails by address, sub-attributes such as `name.givenName` one by
    one; `members` are left out, as big groups get theirs after the create)."""
    for key, sent in body.items():
        if key in ("schemas", "members") or key not in record:
            continue
        kept = record[key]
        if key in ("userName", "displayName"):
            same = str(kept).casefold() == str(sent).casefold()
        elif key == "emails":
            same = {str(e.get("value")).casefold() for e in kept or []} == {
                str(e.get("value")).casefold() for e in sent or []
            }
        elif isinstance(sent, Mapping) and isinstance(kept, Mapping):
            same = all(kept.get(sub) == value for sub, value in sent.items() if sub in kept)
        else:
            same = scim_bool(kept) == scim_bool(sent)
        if not same:
            return False
    return True


def _as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _one_match(records: Iterable[Mapping[str, Any]], attribute: str, wanted: str, kind: str) -> Record | None:
    """The one resource with this userName/displayName, compared case-insensitively (RFC 7643)."""
    return one_named(records, attribute, wanted, kind=kind, fold_case=True)
