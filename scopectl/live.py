"""Read what a tenant holds, in as few requests as the APIs allow, into plain records.

Clients, users and groups each come from one shared paged listing (`clients_snapshot`,
`users_snapshot`, `groups_snapshot`), not one GET per object. Two things have no bulk listing and are
read per object, only where needed: the secrets of the clients asked for (the API lists secrets per
client), and the members of a group on servers that leave members out of group lists (ZPA).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from providers.tenant import (
    DeadlineExceeded,
    Tenant,
    TenantError,
    client_fields,
    group_fields,
    user_fields,
)
from scopectl.errors import ScopectlError
from scopectl.markdown import plural
from scopectl.progress import Progress

_PARALLEL_READS = 4  # per-object reads in flight; the tenant's rate limiter still applies


@dataclass(frozen=True)
class LiveSecret:
    id: str
    created_at: dt.datetime | None
    expires_at: dt.datetime | None


@dataclass
class LiveClient:
    id: str
    name: str
    description: str | None
    enabled: bool
    access_token_lifetime: int | None
    scopes: list[str]
    # None: not read (only the clients asked for are); a string: why they could not be read.
    secrets: list[LiveSecret] | None = None
    secrets_error: str | None = None


@dataclass
class LiveUser:
    id: str
    user_name: str
    active: bool
    given_name: str | None
    family_name: str | None
    emails: list[str]
    external_id: str | None


@dataclass
class LiveGroup:
    id: str
    display_name: str
    external_id: str | None
    members: list[str]  # userNames of the members that are users of this tenant
    # Members that are not users of this tenant (nested groups, unknown ids), described for people.
    other_members: list[str] = field(default_factory=list)


@dataclass
class LiveTenant:
    clients: list[LiveClient] = field(default_factory=list)
    users: list[LiveUser] = field(default_factory=list)
    groups: list[LiveGroup] = field(default_factory=list)
    catalog: list[str] = field(default_factory=list)
    admin_client_id: str | None = None  # the API client whose credentials scopectl itself uses
    read_zidentity: bool = False
    read_scim: bool = False


def read_tenant(
    tenant: Tenant,
    progress: Progress,
    *,
    zidentity: bool,
    scim: bool,
    secrets_of: Iterable[str] | None = None,
    admin_client_id: str | None = None,
) -> LiveTenant:
    """Snapshot the tenant. `secrets_of` names the clients (by tenant name) whose secrets to read;
    None reads every client's secrets (export). TenantErrors become ScopectlErrors."""
    live = LiveTenant(admin_client_id=admin_client_id)
    try:
        if zidentity:
            _read_clients(tenant, live, progress, secrets_of)
        if scim:
            _read_directory(tenant, live, progress)
    except TenantError as exc:
        raise ScopectlError(f"reading the tenant failed: {exc}") from None
    return live


def _read_clients(
    tenant: Tenant, live: LiveTenant, progress: Progress, secrets_of: Iterable[str] | None
) -> None:
    progress.step("reading the scope catalog and API clients")
    catalog = tenant.zidentity.catalog()
    live.catalog = catalog.all_names()
    records = list(tenant.zidentity.clients_snapshot().values())
    live.clients = [_client(record, catalog.names_of(record)) for record in records]
    live.clients.sort(key=lambda c: c.name)
    live.read_zidentity = True
    progress.step(
        f"{plural(len(live.clients), 'API client')}, {plural(len(live.catalog), 'scope')} in the catalog"
    )

    wanted = None if secrets_of is None else set(secrets_of)
    targets = [c for c in live.clients if wanted is None or c.name in wanted]
    if not targets:
        return
    progress.step(f"reading the secrets of {len(targets)} clients (the API lists secrets per client)")
    with ThreadPoolExecutor(max_workers=_PARALLEL_READS) as pool:
        for client, (secrets, error) in zip(
            targets, pool.map(lambda c: _secrets(tenant, c.id), targets), strict=True
        ):
            client.secrets, client.secrets_error = secrets, error


def _client(record: dict[str, Any], scopes: list[str]) -> LiveClient:
    fields = client_fields(record)  # the providers' mapping: audit sees what refresh sees
    return LiveClient(
        id=str(record.get("id", "")),
        name=fields["name"],
        description=fields["description"] or None,
        enabled=fields["enabled"],
        access_token_lifetime=fields["access_token_lifetime"],
        scopes=sorted(scopes),
    )


def _secrets(tenant: Tenant, client_id: str) -> tuple[list[LiveSecret] | None, str | None]:
    try:
        records = tenant.zidentity.list_secrets(client_id)
    except DeadlineExceeded:
        raise  # the command is out of time: an error, not one client's unreadable secrets
    except TenantError as exc:
        return None, str(exc)
    return [
        LiveSecret(
            id=str(r.get("id", "")),
            created_at=_epoch(r.get("createdAt")),
            expires_at=_epoch(r.get("expiresAt")),
        )
        for r in records
    ], None


def _epoch(value: Any) -> dt.datetime | None:
    """Epoch seconds (the API's unit; the console's milliseconds are recognised too)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    if number > 1e11:
        number /= 1000
    return dt.datetime.fromtimestamp(number, tz=dt.UTC)


def _read_directory(tenant: Tenant, live: LiveTenant, progress: Progress) -> None:
    progress.step("reading SCIM users")
    users = tenant.scim.users_snapshot()
    live.users = sorted((_user(r) for r in users.values()), key=lambda u: u.user_name.casefold())
    progress.step(f"{plural(len(live.users), 'user')}; reading SCIM groups")
    user_names = {u.id: u.user_name for u in live.users}
    groups = list(tenant.scim.groups_snapshot().values())
    group_names = {str(g.get("id")): str(g.get("displayName", "")) for g in groups}
    without_members = [g for g in groups if "members" not in g]
    if without_members:
        progress.step(
            f"the server lists groups without members: reading {len(without_members)} groups one by one"
        )
        with ThreadPoolExecutor(max_workers=_PARALLEL_READS) as pool:
            full = list(pool.map(lambda g: tenant.scim.get_group(str(g["id"])) or g, without_members))
        by_id = {str(g["id"]): g for g in full}
        groups = [by_id.get(str(g["id"]), g) for g in groups]
    live.groups = sorted(
        (_group(r, user_names, group_names) for r in groups), key=lambda g: g.display_name.casefold()
    )
    live.read_scim = True
    progress.step(plural(len(live.groups), "group"))


def _user(record: dict[str, Any]) -> LiveUser:
    fields = user_fields(record)  # the providers' mapping: the primary email first
    return LiveUser(
        id=str(record.get("id", "")),
        user_name=fields["user_name"],
        active=fields["active"],
        given_name=fields["given_name"] or None,
        family_name=fields["family_name"] or None,
        emails=fields["emails"],
        external_id=fields["external_id"] or None,
    )


def _group(record: dict[str, Any], user_names: dict[str, str], group_names: dict[str, str]) -> LiveGroup:
    fields = group_fields(record)
    displays = {
        str(m.get("value")): m.get("display") for m in record.get("members") or [] if isinstance(m, dict)
    }
    members, others = [], []
    for member_id in fields["member_ids"]:
        if member_id in user_names:
            members.append(user_names[member_id])
        elif member_id in group_names:
            others.append(f"group {group_names[member_id]!r}")
        else:
            others.append(f"{displays.get(member_id) or member_id!r} (not a user of this tenant)")
    return LiveGroup(
        id=str(record.get("id", "")),
        display_name=fields["display_name"],
        external_id=fields["external_id"] or None,
        members=sorted(members, key=str.casefold),
        other_members=sorted(others),
    )
