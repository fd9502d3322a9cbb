"""Out-of-band changes under the real engine: `pulumi refresh --preview-only` reports each, and the
next `pulumi up --refresh` restores what the stack declares."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from providers.tenant import ScopeCatalog, writable_client_body
from tests.e2e.harness import ProjectStack, changed_steps, client_model, model, scim_client
from tests.support.emulator import RunningEmulator

PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def scope_names(record: dict) -> set[str]:
    return {s["name"] for r in record["clientResources"] for s in r["selectedScopes"]}


def test_refresh_reports_each_console_edit_and_up_restores_the_declared_state(
    tmp_path: Path, emulator: RunningEmulator, admin: httpx.Client, prefix: str
) -> None:
    users = {
        "ann": {"user_name": f"ann@{prefix}.example", "given_name": "Ann", "family_name": "Lee"},
        "bob": {"user_name": f"bob@{prefix}.example", "given_name": "Bob", "family_name": "Ray"},
    }
    groups = {
        "quarantine": {
            "display_name": f"{prefix} Quarantine",
            "exclusive": True,
            "members": [users["ann"]["user_name"]],
        }
    }
    clients = {
        "sync": client_model(["scim:read"], name=f"{prefix}-sync"),
        "report": client_model(["scim:read"], name=f"{prefix}-report", purpose="reporting"),
    }
    stack = ProjectStack(tmp_path, emulator, model(clients, users=users, groups=groups))
    stack.up()
    state = stack.resources()
    sync_id, report_id = state["sync"]["id"], state["report"]["id"]

    # 1. a scope granted in the console
    record = admin.get(f"/api-clients/{sync_id}").json()
    catalog = ScopeCatalog.from_resource_servers(admin.get("/resource-servers").json()["records"])
    body = writable_client_body(record)
    body["clientResources"] = catalog.client_resources(scope_names(record) | {"connector:read"})
    admin.put(f"/api-clients/{sync_id}", json=body).raise_for_status()
    # 2. a member added to the quarantine group by hand
    with scim_client(emulator) as directory:
        directory.patch(
            f"/Groups/{state['quarantine']['id']}",
            json={
                "schemas": [PATCH_OP],
                "Operations": [{"op": "add", "path": "members", "value": [{"value": state["bob"]["id"]}]}],
            },
        ).raise_for_status()
    # 3. the sync client's secret deleted
    admin.delete(f"/api-clients/{sync_id}/secrets/{state['sync-secret']['id']}").raise_for_status()
    # 4. the reporting client deleted
    admin.delete(f"/api-clients/{report_id}").raise_for_status()

    detected = stack.run("refresh", "--preview-only", "--expect-no-changes", "--diff")

    assert detected.returncode != 0, detected.output
    out = detected.stdout
    assert re.search(r"^\s*\+ connector:read\s*: \{", out, re.M), out  # the scope granted in the console
    assert re.search(rf"^\s*\+ .*bob@{re.escape(prefix)}\.example", out, re.M), (
        out
    )  # the member added by hand
    assert re.search(r"^\s*- pulumi-python:dynamic/zidentity:ApiClient: \(delete\)", out, re.M), out
    assert "report" in out
    assert re.search(r"~ pulumi-python:dynamic/zidentity:ClientSecret: \(update\)", out, re.M), out
    digest = stack.run("refresh", "--preview-only", "--json").json()
    assert {"sync-scopes", "quarantine", "sync-secret", "report"} <= set(changed_steps(digest))

    stack.run("up", "--refresh", "--yes", "--skip-preview", *stack.policy_arguments(), check=True)

    restored = stack.resources()
    assert scope_names(admin.get(f"/api-clients/{sync_id}").json()) == {"scim:read"}
    with scim_client(emulator) as directory:
        members = directory.get(f"/Groups/{state['quarantine']['id']}").json().get("members") or []
    assert [m["value"] for m in members] == [state["ann"]["id"]]
    live_secrets = [s["id"] for s in admin.get(f"/api-clients/{sync_id}/secrets").json()]
    assert live_secrets == [restored["sync-secret"]["id"]]
    assert admin.get(f"/api-clients/{restored['report']['id']}").json()["name"] == f"{prefix}-report"
    assert stack.run("refresh", "--preview-only", "--expect-no-changes").returncode == 0
