"""The validated access model as typed, immutable objects.

`parse` is the only way in: it validates first and raises `InvalidModelError` with every problem, so
code holding an `AccessModel` never has to re-check types, names or dates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any

from access_model.errors import InvalidModelError
from access_model.validation import (
    DEFAULT_LIFETIME_DAYS,
    DEFAULT_OVERLAP_DAYS,
    DEFAULT_RENEW_BEFORE_DAYS,
    default_overlap_days,
    normalize,
    validate,
)
from common.limits import ACCESS_TOKEN_LIFETIME

DEFAULT_ACCESS_TOKEN_LIFETIME: int = ACCESS_TOKEN_LIFETIME.default  # type: ignore[assignment]


@dataclass(frozen=True)
class Grant:
    """One scope granted to a client; valid through `expires` (inclusive) when set."""

    justification: str | None = None
    expires: dt.date | None = None


@dataclass(frozen=True)
class SecretPolicy:
    """How a client's secret lives: its lifetime, when it is renewed, and when it is rotated."""

    lifetime_days: int = DEFAULT_LIFETIME_DAYS
    renew_before_days: int = DEFAULT_RENEW_BEFORE_DAYS
    rotate_every_days: int | None = None
    rotation: str = ""
    overlap_days: int = DEFAULT_OVERLAP_DAYS


@dataclass(frozen=True)
class ClientSettings:
    """What an API client is, apart from its scopes and secret. The same in the model and in the desired
    state, and every field but `key` is an `ApiClient` input of the same name (the program passes them
    through with `settings_of`)."""

    key: str
    name: str
    description: str | None
    owner: str | None
    purpose: str | None
    enabled: bool
    access_token_lifetime: int
    adopt: bool


@dataclass(frozen=True)
class Client(ClientSettings):
    scopes: Mapping[str, Grant]
    secret: SecretPolicy


@dataclass(frozen=True)
class Member:
    user_name: str
    expires: dt.date | None = None


@dataclass(frozen=True)
class GroupSettings:
    """A SCIM group apart from its members; every field but `key` is a `ScimGroup` input."""

    key: str
    display_name: str
    exclusive: bool
    external_id: str | None
    adopt: bool


@dataclass(frozen=True)
class Group(GroupSettings):
    members: tuple[Member, ...]


@dataclass(frozen=True)
class UserSettings:
    """A SCIM user as declared; every field but `key` is a `ScimUser` input. `active` is what the model
    says; the desired state turns it off after the user's `expires` date."""

    key: str
    user_name: str
    given_name: str | None
    family_name: str | None
    emails: tuple[str, ...]
    active: bool
    external_id: str | None
    on_delete: str
    adopt: bool


@dataclass(frozen=True)
class User(UserSettings):
    expires: dt.date | None


def settings_of(item: ClientSettings | GroupSettings | UserSettings, kind: type) -> dict[str, Any]:
    """The values of the fields `kind` (one of the *Settings classes) declares, read from `item` (a model
    object or its desired state): one place that copies them, so a new setting cannot be forgotten."""
    return {f.name: getattr(item, f.name) for f in fields(kind)}


@dataclass(frozen=True)
class AccessModel:
    clients: Mapping[str, Client] = field(default_factory=dict)
    groups: Mapping[str, Group] = field(default_factory=dict)
    users: Mapping[str, User] = field(default_factory=dict)
    catalog: tuple[str, ...] | None = None


def parse(raw: Any, source: str = "access model") -> AccessModel:
    """Validate `raw` (the value of `scope-manager:access`) and build the model.

    Raises InvalidModelError listing every problem; nothing is built from an invalid model.
    """
    errors = validate(raw)
    if errors:
        raise InvalidModelError(errors, source)
    data = normalize(raw)
    return AccessModel(
        clients=_frozen({k: _client(k, v) for k, v in (data.get("clients") or {}).items()}),
        groups=_frozen({k: _group(k, v) for k, v in (data.get("groups") or {}).items()}),
        users=_frozen({k: _user(k, v) for k, v in (data.get("users") or {}).items()}),
        catalog=tuple(data["catalog"]) if "catalog" in data else None,
    )


def _frozen(items: dict[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(items)


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _client(key: str, raw: dict[str, Any]) -> Client:
    secret = raw.get("secret") or {}
    return Client(
        key=key,
        name=raw.get("name", key),
        description=raw.get("description"),
        owner=raw.get("owner"),
        purpose=raw.get("purpose"),
        enabled=raw.get("enabled", True),
        access_token_lifetime=raw.get("access_token_lifetime", DEFAULT_ACCESS_TOKEN_LIFETIME),
        adopt=raw.get("adopt", False),
        scopes=_frozen(
            {
                scope: Grant(
                    justification=(g or {}).get("justification"), expires=_date((g or {}).get("expires"))
                )
                for scope, g in (raw.get("scopes") or {}).items()
            }
        ),
        secret=SecretPolicy(
            lifetime_days=secret.get("lifetime_days", DEFAULT_LIFETIME_DAYS),
            renew_before_days=secret.get("renew_before_days", DEFAULT_RENEW_BEFORE_DAYS),
            rotate_every_days=secret.get("rotate_every_days"),
            rotation=secret.get("rotation", ""),
            overlap_days=secret.get("overlap_days", _default_overlap(secret)),
        ),
    )


def _default_overlap(secret: dict[str, Any]) -> int:
    renew = secret.get("renew_before_days", DEFAULT_RENEW_BEFORE_DAYS)
    return default_overlap_days(renew, secret.get("rotate_every_days"))


def _group(key: str, raw: dict[str, Any]) -> Group:
    members = tuple(
        Member(m) if isinstance(m, str) else Member(m["user"], _date(m.get("expires")))
        for m in raw.get("members") or []
    )
    return Group(
        key=key,
        display_name=raw["display_name"],
        members=members,
        exclusive=raw.get("exclusive", True),
        external_id=raw.get("external_id"),
        adopt=raw.get("adopt", False),
    )


def _user(key: str, raw: dict[str, Any]) -> User:
    return User(
        key=key,
        user_name=raw["user_name"],
        given_name=raw.get("given_name"),
        family_name=raw.get("family_name"),
        emails=tuple(raw.get("emails") or ()),
        active=raw.get("active", True),
        expires=_date(raw.get("expires")),
        external_id=raw.get("external_id"),
        on_delete=raw.get("on_delete", "deactivate"),
        adopt=raw.get("adopt", False),
    )
