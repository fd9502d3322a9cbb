"""Compare what a stack declares with what the tenant holds: the drift `scopectl audit` reports.

Pure: takes the model's desired state (as of a day) and a `LiveTenant`, returns findings. It sees
what `pulumi refresh` cannot: objects nobody declared (refresh only reads what is in state), and
secrets that are about to expire (refresh only compares inputs). Objects are matched by their tenant
names: API clients by name, groups by displayName, users by userName (SCIM names compare without
case, RFC 7643).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass

from access_model import AccessModel, DesiredClient, DesiredState
from scopectl.live import LiveClient, LiveTenant

# Finding kinds, in the order a report lists them (most urgent first).
UNDECLARED_CLIENT = "undeclared_client"
MISSING_OBJECT = "missing_object"
UNDECLARED_SCOPE = "undeclared_scope"
EXPIRED_GRANT = "expired_grant"
MISSING_SCOPE = "missing_scope"
SECRET_EXPIRED = "secret_expired"
SECRET_MISSING = "secret_missing"
SECRET_EXPIRING = "secret_expiring"
SECRET_UNREADABLE = "secret_unreadable"
SECRET_NOT_IN_STATE = "secret_not_in_state"  # found by scopectl.state (audit --state)
MEMBER_ADDED = "member_added"
MEMBER_REMOVED = "member_removed"
SETTING_CHANGED = "setting_changed"
DORMANT_CLIENT = "dormant_client"

KIND_ORDER = (
    UNDECLARED_CLIENT,
    MISSING_OBJECT,
    UNDECLARED_SCOPE,
    EXPIRED_GRANT,
    MISSING_SCOPE,
    SECRET_EXPIRED,
    SECRET_MISSING,
    SECRET_EXPIRING,
    SECRET_UNREADABLE,
    SECRET_NOT_IN_STATE,
    MEMBER_ADDED,
    MEMBER_REMOVED,
    SETTING_CHANGED,
    DORMANT_CLIENT,
)


@dataclass(frozen=True)
class Drift:
    """One difference. `subject` is the object's kind ("client", "group", "user"); `key` its name in
    the access model (None when undeclared); `name` its tenant name; `item` the scope, member or
    secret concerned; `detail` a sentence for people."""

    kind: str
    subject: str
    name: str
    detail: str
    key: str | None = None
    item: str | None = None
    privileged: bool = False
    # Reported, but not a reason to fail: the state the model itself declares (a client declared
    # `enabled: false` is dormant on purpose).
    declared: bool = False


@dataclass(frozen=True)
class _ClientRules:
    """How clients are judged: the expiry window, the clock, and which scopes are write/admin."""

    expiring_days: int
    now: dt.datetime
    is_privileged: Callable[[str], bool]


def find_drift(
    model: AccessModel,
    desired: DesiredState,
    live: LiveTenant,
    *,
    expiring_days: int,
    now: dt.datetime,
    is_privileged: Callable[[str], bool],
) -> list[Drift]:
    found: list[Drift] = []
    if live.read_zidentity:
        found += _clients(model, desired, live, _ClientRules(expiring_days, now, is_privileged))
    if live.read_scim:
        found += _groups(desired, live)
        found += _users(desired, live)
    return sorted(found, key=lambda d: (KIND_ORDER.index(d.kind), d.subject, d.name.casefold(), d.item or ""))


# -- clients ---------------------------------------------------------------------------------------


def _clients(model: AccessModel, desired: DesiredState, live: LiveTenant, rules: _ClientRules) -> list[Drift]:
    found: list[Drift] = []
    declared_names = {c.name for c in desired.clients.values()}
    by_name: dict[str, LiveClient] = {}
    for client in live.clients:
        by_name.setdefault(client.name, client)
    for client in live.clients:
        if client.name in declared_names or client.id == live.admin_client_id:
            continue
        scopes = ", ".join(client.scopes) or "no scopes"
        found.append(
            Drift(
                UNDECLARED_CLIENT,
                "client",
                client.name,
                f"exists in the tenant but no stack declares it (scopes: {scopes})",
                item=client.id,
                privileged=any(rules.is_privileged(s) for s in client.scopes),
            )
        )

    for key, declared in desired.clients.items():
        actual = by_name.get(declared.name)
        if actual is None:
            found.append(
                Drift(MISSING_OBJECT, "client", declared.name, "declared but not in the tenant", key=key)
            )
            continue

        scope_drift = functools.partial(_scope_drift, key=key, name=declared.name, rules=rules)
        granted_in_model = model.clients[key].scopes
        for scope in sorted(set(actual.scopes) - set(declared.scopes)):
            grant = granted_in_model.get(scope)
            if grant is not None and grant.expires is not None and grant.expires < desired.today:
                detail = (
                    f"the grant expired on {grant.expires.isoformat()} but the scope is still granted "
                    "(the next `pulumi up` revokes it)"
                )
                found.append(scope_drift(EXPIRED_GRANT, scope, detail))
            else:
                found.append(scope_drift(UNDECLARED_SCOPE, scope, "granted in the tenant but not declared"))
        for scope in sorted(set(declared.scopes) - set(actual.scopes)):
            found.append(scope_drift(MISSING_SCOPE, scope, "declared but not granted in the tenant"))
        found += _client_settings(key, declared, actual)
        found += _secret_health(key, declared.name, actual, rules.expiring_days, rules.now)
    found += _dormant(desired, live, rules.now)
    return found


def _dormant(desired: DesiredState, live: LiveTenant, now: dt.datetime) -> list[Drift]:
    """Clients that can obtain no token: disabled, or (where their secrets were read) without a live
    secret. Unused credentials are attack surface: remove the client, or enable it and `pulumi up`."""
    key_by_name = {c.name: key for key, c in desired.clients.items()}
    disabled_on_purpose = {c.name for c in desired.clients.values() if not c.enabled}
    found = []
    for client in live.clients:
        if client.id == live.admin_client_id:
            continue
        key = key_by_name.get(client.name)
        if not client.enabled:
            detail = "dormant: disabled in the tenant, so it obtains no token"
            on_purpose = client.name in disabled_on_purpose
            if on_purpose:
                detail += " (declared `enabled: false`: reported, not counted as drift)"
            found.append(
                Drift(
                    DORMANT_CLIENT,
                    "client",
                    client.name,
                    detail,
                    key=key,
                    item="disabled",
                    declared=on_purpose,
                )
            )
        if client.secrets is not None and not any(
            s.expires_at is None or s.expires_at > now for s in client.secrets
        ):
            detail = "dormant: no live secret (none, or all expired), so nothing can obtain a token for it"
            found.append(Drift(DORMANT_CLIENT, "client", client.name, detail, key=key, item="no live secret"))
    return found


def _scope_drift(kind: str, scope: str, detail: str, *, key: str, name: str, rules: _ClientRules) -> Drift:
    return Drift(kind, "client", name, detail, key=key, item=scope, privileged=rules.is_privileged(scope))


def _client_settings(key: str, declared: DesiredClient, actual: LiveClient) -> list[Drift]:
    changes = []
    if declared.enabled != actual.enabled:
        changes.append(("enabled", declared.enabled, actual.enabled))
    if (
        actual.access_token_lifetime is not None
        and declared.access_token_lifetime != actual.access_token_lifetime
    ):
        changes.append(
            ("access_token_lifetime", declared.access_token_lifetime, actual.access_token_lifetime)
        )
    if (declared.description or None) != (actual.description or None):
        changes.append(("description", declared.description, actual.description))
    return [
        Drift(
            SETTING_CHANGED,
            "client",
            declared.name,
            f"declared {_show(want)}, tenant has {_show(have)}",
            key=key,
            item=name,
        )
        for name, want, have in changes
    ]


def _secret_health(
    key: str, name: str, client: LiveClient, expiring_days: int, now: dt.datetime
) -> list[Drift]:
    if client.secrets_error is not None:
        return [
            Drift(
                SECRET_UNREADABLE,
                "client",
                name,
                f"secrets could not be read: {client.secrets_error}",
                key=key,
            )
        ]
    if client.secrets is None:
        return []
    if not client.secrets:
        return [Drift(SECRET_MISSING, "client", name, "has no secret (deleted out of band?)", key=key)]
    dated = [s for s in client.secrets if s.expires_at is not None]
    if not dated:
        return []
    newest = max(dated, key=lambda s: s.expires_at)  # type: ignore[arg-type, return-value]
    assert newest.expires_at is not None
    when = newest.expires_at.strftime("%Y-%m-%d %H:%M UTC")
    left = newest.expires_at - now
    if newest.expires_at <= now:
        kind, detail = SECRET_EXPIRED, f"every secret has expired (the newest on {when})"
    elif left <= dt.timedelta(days=expiring_days):
        days = left.days
        kind, detail = (
            SECRET_EXPIRING,
            f"the newest secret expires {when} (in {days} day{'s' if days != 1 else ''})",
        )
    else:
        return []
    return [Drift(kind, "client", name, detail, key=key, item=newest.id)]


# -- directory -------------------------------------------------------------------------------------


def _groups(desired: DesiredState, live: LiveTenant) -> list[Drift]:
    found: list[Drift] = []
    by_name = {g.display_name.casefold(): g for g in live.groups}
    for key, declared in desired.groups.items():
        actual = by_name.get(declared.display_name.casefold())
        if actual is None:
            found.append(
                Drift(
                    MISSING_OBJECT, "group", declared.display_name, "declared but not in the tenant", key=key
                )
            )
            continue
        want = {m.casefold(): m for m in declared.members}
        have = {m.casefold(): m for m in actual.members}
        have |= {other.casefold(): other for other in actual.other_members}
        if declared.exclusive:
            found += [
                Drift(MEMBER_ADDED, "group", declared.display_name, "member not declared (added by hand?)",
                      key=key, item=have[folded])
                for folded in sorted(have.keys() - want.keys())
            ]  # fmt: skip
        found += [
            Drift(MEMBER_REMOVED, "group", declared.display_name,
                  "declared member is missing (removed by hand?)", key=key, item=want[folded])
            for folded in sorted(want.keys() - have.keys())
        ]  # fmt: skip
    return found


def _users(desired: DesiredState, live: LiveTenant) -> list[Drift]:
    found: list[Drift] = []
    by_name = {u.user_name.casefold(): u for u in live.users}
    for key, declared in desired.users.items():
        actual = by_name.get(declared.user_name.casefold())
        if actual is None:
            # A declared-inactive user that is gone is what on_delete/ZPA deactivation leaves behind.
            if declared.active:
                found.append(
                    Drift(
                        MISSING_OBJECT, "user", declared.user_name, "declared but not in the tenant", key=key
                    )
                )
            continue
        if declared.active != actual.active:
            state = "active" if actual.active else "deactivated"
            want = "active" if declared.active else "inactive"
            found.append(
                Drift(
                    SETTING_CHANGED,
                    "user",
                    declared.user_name,
                    f"declared {want}, tenant has it {state}",
                    key=key,
                    item="active",
                )
            )
    return found


def _show(value: object) -> str:
    if value is None or value == "":
        return "(unset)"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, str) else str(value)
