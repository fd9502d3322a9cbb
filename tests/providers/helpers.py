"""Small helpers shared by the provider tests: request counting and reading the tenant directly."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from providers.tenant import writable_client_body
from tests.support.emulator import RunningEmulator

WRITE_METHODS = ("POST ", "PUT ", "PATCH ", "DELETE ")


def writes(stats: Mapping[str, int]) -> dict[str, int]:
    """The write requests among emulator stats (token requests excluded)."""
    return {
        route: count
        for route, count in stats.items()
        if route.startswith(WRITE_METHODS) and "/oauth2/" not in route and count
    }


def requests_during(tenant: RunningEmulator, action: Any) -> dict[str, int]:
    """Run ``action()`` and return the emulator's request counts for it alone."""
    tenant.reset_stats()
    action()
    return {route: count for route, count in tenant.stats().items() if count}


def client_record(admin: httpx.Client, client_id: str) -> dict[str, Any] | None:
    response = admin.get(f"/api-clients/{client_id}")
    if response.status_code == 404:
        return None
    response.raise_for_status()
    return response.json()


def clients_named(admin: httpx.Client, name: str) -> list[dict[str, Any]]:
    response = admin.get("/api-clients", params={"limit": 1000})
    response.raise_for_status()
    return [record for record in response.json()["records"] if record["name"] == name]


def edit_client(admin: httpx.Client, client_id: str, **changes: Any) -> None:
    """Change a client the way the admin console does: read it, change fields, PUT it back."""
    record = client_record(admin, client_id)
    if record is None:
        raise LookupError(f"no API client {client_id}")
    body = writable_client_body(record)
    body.update(changes)
    admin.put(f"/api-clients/{client_id}", json=body).raise_for_status()


def scope_names(record: Mapping[str, Any]) -> list[str]:
    """Scope names granted to a client record (as the admin API resolves them on read)."""
    resources = record.get("clientResources") or []
    return sorted(scope["name"] for resource in resources for scope in resource["selectedScopes"])
