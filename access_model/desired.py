"""From the access model to what the program declares, as of a given day.

Time-bound grants are evaluated here, once: a scope, group membership or user whose `expires` date
has passed is left out (or, for a user, declared inactive), so the next scheduled preview plans the
revocation; one that expires within `WARN_WITHIN_DAYS` produces a warning. Expiry dates are inclusive:
a grant that expires on 2026-06-30 is still declared on that day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from access_model.model import (
    AccessModel,
    Client,
    ClientSettings,
    Group,
    GroupSettings,
    User,
    UserSettings,
    settings_of,
)
from access_model.paths import format_path
from access_model.rotation import next_rotation, rotation_value

WARN_WITHIN_DAYS = 7


@dataclass(frozen=True)
class DesiredSecret:
    lifetime_days: int
    renew_before_days: int
    rotation: str
    overlap_days: int = 0
    # The next scheduled rotation (None without a schedule): the current secret becomes the previous
    # one that day, and is revoked overlap_days later.
    rotates_on: dt.date | None = None


@dataclass(frozen=True)
class DesiredClient(ClientSettings):
    """One API client with its complete live scope set and its secret."""

    scopes: dict[str, dict[str, str]]
    secret: DesiredSecret


@dataclass(frozen=True)
class DesiredGroup(GroupSettings):
    """A group with the userNames of its current (not expired) members, sorted."""

    members: tuple[str, ...]


@dataclass(frozen=True)
class DesiredUser(UserSettings):
    """A user with `active` as of the day: false once the user's `expires` date has passed."""


@dataclass(frozen=True)
class Notice:
    """One dated remark about the model, with the exact path it is about (so scopectl can show its
    line): `kind` is "expiring" (within WARN_WITHIN_DAYS) or "expired" (left out of the desired state)."""

    kind: str
    path: str
    message: str


@dataclass(frozen=True)
class DesiredState:
    """What the program declares. `warnings` are grants about to expire; `expired` names each grant
    left out because its date has passed (the program logs both; neither is an error)."""

    today: dt.date
    clients: dict[str, DesiredClient]
    groups: dict[str, DesiredGroup]
    users: dict[str, DesiredUser]
    warnings: tuple[str, ...]
    expired: tuple[str, ...]
    notices: tuple[Notice, ...] = ()  # the same remarks, each with its path and message apart


class _Clock:
    """Collects warnings and expiries while the state is derived, against one fixed `today`."""

    def __init__(self, today: dt.date) -> None:
        self.today = today
        self.warnings: list[str] = []
        self.expired: list[str] = []
        self.notices: list[Notice] = []

    def still_valid(
        self,
        expires: dt.date | None,
        path: tuple[str | int, ...],
        what: str,
        consequence: str = "left out, so the next run revokes it",
        future: str = "will be revoked",
    ) -> bool:
        if expires is None:
            return True
        where = format_path(path)
        days_left = (expires - self.today).days
        if days_left < 0:
            self.expired.append(f"{where}: {what} expired on {expires.isoformat()}; {consequence}")
            gone = f"{what} expired on {expires.isoformat()}, {future}"
            self.notices.append(Notice("expired", where, gone))
            return False
        if days_left <= WARN_WITHIN_DAYS:
            when = "today" if days_left == 0 else f"in {days_left} day{'s' if days_left != 1 else ''}"
            self.warnings.append(f"{where}: {what} expires {when} ({expires.isoformat()})")
            self.notices.append(Notice("expiring", where, f"{what} expires {when} ({expires.isoformat()})"))
        return True


def desired_state(model: AccessModel, today: dt.date) -> DesiredState:
    """Everything the program should declare on `today` (injectable, so tests and rehearsals can ask
    "what would the run on 2027-01-01 do?")."""
    clock = _Clock(today)
    return DesiredState(
        today=today,
        clients={key: _client(c, clock) for key, c in model.clients.items()},
        groups={key: _group(g, clock) for key, g in model.groups.items()},
        users={key: _user(u, clock) for key, u in model.users.items()},
        warnings=tuple(clock.warnings),
        expired=tuple(clock.expired),
        notices=tuple(clock.notices),
    )


def _client(client: Client, clock: _Clock) -> DesiredClient:
    scopes: dict[str, dict[str, str]] = {}
    for scope, grant in sorted(client.scopes.items()):
        if not clock.still_valid(grant.expires, ("clients", client.key, "scopes", scope), "grant"):
            continue
        metadata: dict[str, Any] = {}
        if grant.justification:
            metadata["justification"] = grant.justification
        if grant.expires:
            metadata["expires"] = grant.expires.isoformat()
        scopes[scope] = metadata
    secret = client.secret
    return DesiredClient(
        **settings_of(client, ClientSettings),
        scopes=scopes,
        secret=DesiredSecret(
            lifetime_days=secret.lifetime_days,
            renew_before_days=secret.renew_before_days,
            rotation=rotation_value(clock.today, secret.rotate_every_days, secret.rotation),
            overlap_days=secret.overlap_days,
            rotates_on=(
                next_rotation(clock.today, secret.rotate_every_days) if secret.rotate_every_days else None
            ),
        ),
    )


def _group(group: Group, clock: _Clock) -> DesiredGroup:
    members = [
        m.user_name
        for index, m in enumerate(group.members)
        if clock.still_valid(
            m.expires, ("groups", group.key, "members", index), f"membership of {m.user_name}"
        )
    ]
    return DesiredGroup(**settings_of(group, GroupSettings), members=tuple(sorted(members)))


def _user(user: User, clock: _Clock) -> DesiredUser:
    active = user.active and clock.still_valid(
        user.expires,
        ("users", user.key, "expires"),
        "user access",
        "the user is declared inactive",
        "the user will be deactivated",
    )
    return DesiredUser(**{**settings_of(user, UserSettings), "active": active})
