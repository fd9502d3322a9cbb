"""Taking over a live tenant, and giving it back: `scopectl export` + `pulumi up` adopt every object
without recreating any; `pulumi destroy` leaves the tenant as it was before the stack."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import yaml

from providers.tenant import ScopeCatalog
from tests.e2e.harness import REPO_ROOT, ProjectStack, client_model, model, scim_client, writes
from tests.support.emulator import RunningEmulator

SCIM_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
SCIM_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"


def tenant_snapshot(admin: httpx.Client, emulator: RunningEmulator) -> dict[str, Any]:
    """Every client (name, scopes, enabled), user (userName, active) and group (name, member count)."""
    clients = admin.get("/api-clients", params={"limit": 1000}).json()["records"]
    with scim_client(emulator) as directory:
        users = directory.get("/Users", params={"count": 1000}).json().get("Resources") or []
        groups = directory.get("/Groups", params={"count": 1000}).json().get("Resources") or []
    return {
        "clients": sorted(
            (
                c["name"],
                c.get("status"),
                tuple(sorted(s["name"] for r in c["clientResources"] for s in r["selectedScopes"])),
            )
            for c in clients
        ),
        "users": sorted((u["userName"], u.get("active", True)) for u in users),
        "groups": sorted((g["displayName"], len(g.get("members") or [])) for g in groups),
    }


def populate(admin: httpx.Client, emulator: RunningEmulator, prefix: str) -> None:
    """A tenant built by hand in the console: two clients with scopes, three users, one group."""
    catalog = ScopeCatalog.from_resource_servers(admin.get("/resource-servers").json()["records"])
    for name, scopes in (
        (f"{prefix}-sync", ["scim:read", "scim:write"]),
        (f"{prefix}-report", ["scim:read"]),
    ):
        body = {
            "name": name,
            "description": f"{name}, made in the console",
            "status": True,
            "accessTokenLifeTime": 3600,
            "clientAuthentication": {"authType": "SECRET"},
            "clientResources": catalog.client_resources(scopes),
        }
        admin.post("/api-clients", json=body).raise_for_status()
    with scim_client(emulator) as directory:
        ids = []
        for who in ("ann", "bob", "cy"):
            user = directory.post(
                "/Users",
                json={
                    "schemas": [SCIM_USER],
                    "userName": f"{who}@{prefix}.example",
                    "name": {"givenName": who, "familyName": "X"},
                },
            )
            user.raise_for_status()
            ids.append(user.json()["id"])
        directory.post(
            "/Groups",
            json={
                "schemas": [SCIM_GROUP],
                "displayName": f"{prefix} Contractors",
                "members": [{"value": i} for i in ids[:2]],
            },
        ).raise_for_status()


def test_export_then_up_adopts_every_object_with_no_create_or_delete(
    tmp_path: Path, emulator: RunningEmulator, admin: httpx.Client, prefix: str
) -> None:
    populate(admin, emulator, prefix)
    before = tenant_snapshot(admin, emulator)
    exported = tmp_path / "Pulumi.exported.yaml"
    credentials = tmp_path / "credentials.json"
    credentials.write_text(json.dumps(emulator.credentials))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "scopectl",
            "export",
            "--credentials-file",
            str(credentials),
            "-o",
            str(exported),
            "--quiet",
        ],
        cwd=REPO_ROOT,
        check=True,
        timeout=120,
    )
    access = yaml.safe_load(exported.read_text())["config"]["scope-manager:access"]
    ours = {k: c for k, c in access["clients"].items() if c["name"].startswith(prefix)}
    assert {c["name"] for c in ours.values()} == {f"{prefix}-sync", f"{prefix}-report"}
    # What a user fills in where export leaves TODOs: owners, purposes, justifications of write scopes.
    for client in access["clients"].values():
        client["owner"] = "platform@example.com"
        client["purpose"] = "provisioning"
        for scope, grant in client["scopes"].items():
            client["scopes"][scope] = {**(grant or {}), "justification": f"adopted: {scope}"}
    stack = ProjectStack(tmp_path / "stack", emulator, access)
    emulator.reset_stats()

    stack.up()

    # Users are created first and looked up on a 409 (one request in the common case), so a POST
    # that the tenant refused with 409 is an adoption, not a creation.
    created_or_deleted = [
        (r["method"], r["path"], r["status"])
        for r in emulator.requests()
        if (r["method"], r["path"]) in set(writes([r]))
        and r["status"] is not None
        and r["status"] < 300
        and (r["method"] == "DELETE" or (r["method"] == "POST" and not r["path"].endswith("/secrets")))
    ]
    assert created_or_deleted == []
    after = tenant_snapshot(admin, emulator)
    assert after == before
    adopted = stack.resources()
    assert all(adopted[key]["outputs"]["adopt"] is True for key in ours)


def test_destroy_leaves_the_tenant_as_before_and_deactivates_users_it_should_keep(
    tmp_path: Path, emulator: RunningEmulator, admin: httpx.Client, prefix: str
) -> None:
    before = tenant_snapshot(admin, emulator)
    users = {
        "ann": {
            "user_name": f"ann@{prefix}.example",
            "given_name": "Ann",
            "family_name": "Lee",
            "on_delete": "deactivate",
        },
        "bob": {
            "user_name": f"bob@{prefix}.example",
            "given_name": "Bob",
            "family_name": "Ray",
            "on_delete": "delete",
        },
    }
    groups = {
        "crew": {
            "display_name": f"{prefix} Crew",
            "exclusive": True,
            "members": [f"ann@{prefix}.example", f"bob@{prefix}.example"],
        }
    }
    stack = ProjectStack(
        tmp_path,
        emulator,
        model({"sync": client_model(["scim:read"], name=f"{prefix}-sync")}, users=users, groups=groups),
    )
    stack.up()
    assert tenant_snapshot(admin, emulator) != before

    stack.destroy()

    after = tenant_snapshot(admin, emulator)
    assert after["clients"] == before["clients"]
    assert after["groups"] == before["groups"]
    assert sorted(set(after["users"]) - set(before["users"])) == [(f"ann@{prefix}.example", False)]
    assert stack.resources() == {}
