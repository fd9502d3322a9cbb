"""Build an access model that reproduces a live tenant (the pure half of `scopectl export`).

Every object gets `adopt: true`, so the first `pulumi up` takes the existing client, group or user
over instead of creating a duplicate (Pulumi cannot import dynamic resources). What the tenant cannot
tell us (a client's owner and purpose, why it holds a write scope) is left out on purpose and listed
as a TODO: the policy pack rejects the plan until a person fills it in, which is the point.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from common.limits import (
    ACCESS_TOKEN_LIFETIME,
    EXPORT_ROTATE_EVERY_DAYS,
    RENEW_BEFORE_DAYS,
    SECRET_LIFETIME_DAYS,
)
from scopectl.live import LiveClient, LiveGroup, LiveTenant, LiveUser

_KEY_CHARS = re.compile(r"[^A-Za-z0-9_-]+")
_MAX_KEY = 63
# Every exported client gets a secret the stack rotates: secrets of the default lifetime, renewed the
# default days before expiry, rotated on schedule just before the renewal window opens (90, 14, 76),
# which the policy pack accepts.
DEFAULT_SECRET = {
    "lifetime_days": SECRET_LIFETIME_DAYS.default,
    "renew_before_days": RENEW_BEFORE_DAYS.default,
    "rotate_every_days": EXPORT_ROTATE_EVERY_DAYS,
}


@dataclass
class ExportedModel:
    """The `scope-manager:access` value plus what a person must still decide, per object key."""

    access: dict[str, Any]
    todo_scopes: dict[str, list[str]] = field(default_factory=dict)  # client key -> write/admin scopes
    skipped_members: dict[str, list[str]] = field(default_factory=dict)  # group key -> non-user members
    excluded_client: LiveClient | None = None
    undeclarable_clients: list[tuple[LiveClient, str]] = field(default_factory=list)  # (client, why)


def undeclarable_name(name: str) -> str | None:
    """Why a tenant's client name cannot be declared in the model (None: it can).

    The tenant keeps names the model refuses (the console trims nothing): a name with whitespace at
    either end would be changed by any declaration, so such a client is set aside, named in the output,
    rather than exported into a stack file that does not validate.
    """
    if not name.strip():
        return "its name is blank"
    if name != name.strip():
        return "its name starts or ends with whitespace, which a stack file cannot declare"
    return None


def build_model(
    live: LiveTenant,
    is_privileged: Callable[[str], bool],
    *,
    include_groups: bool = True,
    include_users: bool = True,
) -> ExportedModel:
    exported = ExportedModel(access={})
    if live.read_zidentity:
        exported.access["catalog"] = sorted(live.catalog)
        clients: dict[str, Any] = {}
        keys = _Keys()
        for client in live.clients:
            if client.id == live.admin_client_id:
                exported.excluded_client = client
                continue
            why = undeclarable_name(client.name)
            if why is not None:
                exported.undeclarable_clients.append((client, why))
                continue
            key = keys.make(client.name, prefix="client")
            clients[key] = _client(client)
            privileged = [s for s in client.scopes if is_privileged(s)]
            if privileged:
                exported.todo_scopes[key] = privileged
        exported.access["clients"] = clients
    if live.read_scim and include_groups:
        groups: dict[str, Any] = {}
        keys = _Keys()
        for group in live.groups:
            key = keys.make(group.display_name, prefix="group")
            groups[key] = _group(group)
            if group.other_members:
                exported.skipped_members[key] = list(group.other_members)
        exported.access["groups"] = groups
    if live.read_scim and include_users:
        keys = _Keys()
        exported.access["users"] = {
            keys.make(_user_key_source(u), prefix="user"): _user(u) for u in live.users
        }
    return exported


def _client(client: LiveClient) -> dict[str, Any]:
    body: dict[str, Any] = {"name": client.name}
    if client.description:
        body["description"] = client.description
    body["enabled"] = client.enabled
    body["access_token_lifetime"] = client.access_token_lifetime or ACCESS_TOKEN_LIFETIME.default
    body["adopt"] = True
    body["scopes"] = {scope: {} for scope in client.scopes}
    body["secret"] = dict(DEFAULT_SECRET)
    return body


def _group(group: LiveGroup) -> dict[str, Any]:
    body: dict[str, Any] = {"display_name": group.display_name, "exclusive": True, "adopt": True}
    if group.external_id:
        body["external_id"] = group.external_id
    body["members"] = list(group.members)
    return body


def _user(user: LiveUser) -> dict[str, Any]:
    body: dict[str, Any] = {"user_name": user.user_name}
    if user.given_name:
        body["given_name"] = user.given_name
    if user.family_name:
        body["family_name"] = user.family_name
    emails = list(dict.fromkeys(e for e in user.emails if "@" in e and " " not in e))
    if emails:
        body["emails"] = emails
    body["active"] = user.active
    if user.external_id:
        body["external_id"] = user.external_id
    body["adopt"] = True
    return body


def _user_key_source(user: LiveUser) -> str:
    return user.user_name.split("@", 1)[0] if "@" in user.user_name else user.user_name


class _Keys:
    """Logical names (Pulumi resource names) from tenant names: valid per the schema, unique."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def make(self, name: str, prefix: str) -> str:
        base = _KEY_CHARS.sub("-", name.strip()).strip("-_") or prefix
        if not base[0].isalpha():
            base = f"{prefix}-{base}"
        base = base[:_MAX_KEY]
        key, counter = base, 2
        while key.casefold() in self._taken:
            suffix = f"-{counter}"
            key = base[: _MAX_KEY - len(suffix)] + suffix
            counter += 1
        self._taken.add(key.casefold())
        return key
