"""The scope catalog the emulator seeds: one resource server, services, and their scopes.

Ids are derived from names by hashing, so every emulator tenant has the same ids. That keeps test
fixtures and docs stable while still using the real API's composite ``<serviceId>::<roleId>`` form
(opaque 13-character lowercase ids, as in recorded Zscaler traffic).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from emulator.hashing import ID_ALPHABET

AUDIENCE = "https://api.zscaler.com"
RESOURCE_SERVER_NAME = "Zscaler APIs"


def stable_id(label: str) -> str:
    """A 13-character lowercase id derived from ``label`` (same shape as real ZIdentity ids)."""
    number = int.from_bytes(hashlib.sha256(label.encode()).digest()[:12], "big")
    chars = []
    for _ in range(13):
        number, digit = divmod(number, len(ID_ALPHABET))
        chars.append(ID_ALPHABET[digit])
    return "".join(chars)


@dataclass(frozen=True)
class Service:
    name: str
    display_name: str
    scope_names: tuple[str, ...]

    @property
    def id(self) -> str:
        return stable_id(f"service:{self.name}")


SERVICES: tuple[Service, ...] = (
    Service("ZIAM", "ZIdentity Administration", ("ziam:admin", "ziam:read")),
    Service("SCIM", "SCIM Provisioning", ("scim:read", "scim:write")),
    Service("SYNC", "Directory Sync", ("sync:profile:read",)),
    Service("CONNECTOR", "Cloud & Branch Connector", ("connector:read", "connector:write")),
    Service("ZIA", "Zscaler Internet Access", ("Role:API_Role01",)),
    Service("ZPA", "Zscaler Private Access", ("Scope:Default: Role:API Full Access",)),
    Service("ZDX", "Zscaler Digital Experience", ("Role:ZDX Read Only",)),
)


def scope_id(service: Service, scope_name: str) -> str:
    return f"{service.id}::{stable_id(f'scope:{scope_name}')}"


RESOURCE_SERVER_ID = stable_id(f"resource-server:{RESOURCE_SERVER_NAME}")


def resource_server_record() -> dict:
    """The catalog record exactly as ``GET /resource-servers/{id}`` serves it."""
    return {
        "id": RESOURCE_SERVER_ID,
        "name": RESOURCE_SERVER_NAME,
        "displayName": RESOURCE_SERVER_NAME,
        "description": "Zscaler APIs endpoint",
        "primaryAud": AUDIENCE,
        "defaultApi": True,
        "serviceScopes": [
            {
                "service": {"id": service.id, "name": service.name, "displayName": service.display_name},
                "scopes": [{"id": scope_id(service, name), "name": name} for name in service.scope_names],
            }
            for service in SERVICES
        ],
    }


def scope_id_by_name() -> dict[str, str]:
    """Scope name -> composite id, for seeding and tests."""
    return {name: scope_id(service, name) for service in SERVICES for name in service.scope_names}
