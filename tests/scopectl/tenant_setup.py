"""Put an emulator tenant into a known state for audit and export tests.

`apply_desired` plays the part of a finished `pulumi up`: it makes the tenant hold exactly what a
model declares (through the project's HTTP clients). Out-of-band edits in the tests themselves go
through raw HTTP (`emu.admin_http()`, SCIM with the IdP's bearer token), the way a person clicking in
a console or an IdP pushing users would change the tenant.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import httpx

from access_model import DesiredState
from providers.tenant import Tenant, TenantSettings

ADMIN_API = "/ziam/admin/api/v1"


@dataclass
class Applied:
    client_ids: dict[str, str] = field(default_factory=dict)  # model key -> tenant id
    secret_ids: dict[str, str] = field(default_factory=dict)
    user_ids: dict[str, str] = field(default_factory=dict)  # userName -> id
    group_ids: dict[str, str] = field(default_factory=dict)  # model key -> id
    # Every secret expires `secret_days` after this instant: a test counts days from it, not from the
    # day it was imported, so a run across midnight UTC counts from the day the secrets were made.
    secrets_made_at: float = 0.0

    @property
    def secrets_made_on(self) -> dt.date:
        return dt.datetime.fromtimestamp(self.secrets_made_at, dt.UTC).date()


def tenant_environment(monkeypatch, client_secret: str, scim_token: str) -> None:
    """The environment of a CI job whose stack file holds the secrets encrypted: only the two secrets
    are set, and no SCOPE_MANAGER_*/ZSCALER_* variable of the machine running the tests leaks in."""
    for name in list(os.environ):
        if name.startswith(("SCOPE_MANAGER_", "ZSCALER_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("SCOPE_MANAGER_CLIENT_SECRET", client_secret)
    monkeypatch.setenv("SCOPE_MANAGER_SCIM_TOKEN", scim_token)


def settings_of(credentials_file) -> TenantSettings:
    return TenantSettings.from_credentials_file(credentials_file)


def reset_tenant(settings: TenantSettings) -> None:
    """Delete every client but the admin client, every group and every user."""
    with Tenant(settings) as tenant:
        for client in tenant.zidentity.list_clients():
            if client["id"] != settings.client_id:
                tenant.zidentity.delete_client(client["id"])
        for group in tenant.scim.list_groups():
            tenant.scim.delete_group(group["id"])
        for user in tenant.scim.list_users():
            tenant.scim.delete_user(user["id"])


def apply_desired(settings: TenantSettings, desired: DesiredState, *, secret_days: int = 90) -> Applied:
    applied = Applied(secrets_made_at=time.time())
    with Tenant(settings) as tenant:
        catalog = tenant.zidentity.catalog()
        for key, client in desired.clients.items():
            body = {
                "name": client.name,
                "status": client.enabled,
                "accessTokenLifeTime": client.access_token_lifetime,
                "clientAuthentication": {"authType": "SECRET"},
                "clientResources": catalog.client_resources(client.scopes),
            }
            if client.description:
                body["description"] = client.description
            record = tenant.zidentity.create_client(body)
            applied.client_ids[key] = record["id"]
            expires = int(applied.secrets_made_at) + secret_days * 86400
            secret = tenant.zidentity.create_secret(record["id"], expires)
            applied.secret_ids[key] = secret["id"]
        for user in desired.users.values():
            body = {"userName": user.user_name, "active": user.active}
            if user.given_name or user.family_name:
                body["name"] = {"givenName": user.given_name, "familyName": user.family_name}
            if user.emails:
                body["emails"] = [{"value": e} for e in user.emails]
            applied.user_ids[user.user_name] = tenant.scim.create_user(body)["id"]
        for key, group in desired.groups.items():
            members = [{"value": applied.user_ids[m]} for m in group.members]
            applied.group_ids[key] = tenant.scim.create_group(
                {"displayName": group.display_name, "members": members}
            )["id"]
    return applied


def scim_http(credentials: dict) -> httpx.Client:
    """Raw SCIM calls with the IdP's bearer token (how an IdP or a person with a script edits)."""
    return httpx.Client(
        base_url=credentials["scim_url"],
        headers={
            "Authorization": f"Bearer {credentials['scim_token']}",
            "Content-Type": "application/scim+json",
        },
        timeout=30.0,
    )


def patch_members(credentials: dict, group_id: str, op: str, user_id: str) -> None:
    body = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [
            {"op": op, "path": "members", "value": [{"value": user_id}]}
            if op == "add"
            else {"op": "remove", "path": f'members[value eq "{user_id}"]'}
        ],
    }
    with scim_http(credentials) as http:
        http.patch(f"/Groups/{group_id}", json=body).raise_for_status()


def console_client(
    http: httpx.Client,
    name: str,
    scopes: Sequence[str] = (),
    *,
    enabled: bool = True,
    lifetime: int = 3600,
    description: str | None = None,
) -> str:
    """Create an API client by raw admin HTTP, as a person in the console does; returns its id."""
    body = {
        "name": name,
        "status": enabled,
        "accessTokenLifeTime": lifetime,
        "clientAuthentication": {"authType": "SECRET"},
        "clientResources": scope_ids(http, list(scopes)) if scopes else [],
    }
    if description is not None:
        body["description"] = description
    response = http.post(f"{ADMIN_API}/api-clients", json=body)
    response.raise_for_status()
    return str(response.json()["id"])


def scope_ids(http: httpx.Client, names: list[str]) -> list[dict]:
    """The `clientResources` body for scope names, read from the emulator's catalog by raw HTTP."""
    servers = http.get(f"{ADMIN_API}/resource-servers").json()["records"]
    by_name = {}
    for server in servers:
        for group in server.get("serviceScopes") or []:
            for scope in group.get("scopes") or []:
                by_name[scope["name"]] = (server["id"], scope["id"])
    resources: dict[str, list[dict]] = {}
    for name in names:
        server_id, scope_id = by_name[name]
        resources.setdefault(server_id, []).append({"id": scope_id})
    return [{"id": server_id, "selectedScopes": scopes} for server_id, scopes in resources.items()]


def set_client_scopes(http: httpx.Client, client_id: str, names: list[str]) -> None:
    """Full-replace a client's scopes through the admin API, as the console would."""
    record = http.get(f"{ADMIN_API}/api-clients/{client_id}").json()
    body = {
        "name": record["name"],
        "description": record.get("description"),
        "status": record["status"],
        "accessTokenLifeTime": record["accessTokenLifeTime"],
        "clientAuthentication": record["clientAuthentication"],
        "clientResources": scope_ids(http, names),
    }
    http.put(f"{ADMIN_API}/api-clients/{client_id}", json=body).raise_for_status()
