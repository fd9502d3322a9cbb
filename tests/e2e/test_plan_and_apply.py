"""What a reviewer reads in `pulumi preview --diff`, and that an applied stack is a true no-op."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from tests.e2e.harness import ProjectStack, changed_steps, client_model, model, writes
from tests.support.emulator import RunningEmulator

MANY_SCOPES = ["scim:read", "scim:write", "sync:profile:read", "connector:read", "connector:write"]


def granted_scopes(admin: httpx.Client, client_id: str) -> set[str]:
    client = admin.get(f"/api-clients/{client_id}").json()
    return {s["name"] for r in client["clientResources"] for s in r["selectedScopes"]}


def test_one_grant_and_one_revoke_read_as_those_two_scopes_and_nothing_else(
    tmp_path: Path, emulator: RunningEmulator, admin: httpx.Client, prefix: str
) -> None:
    stack = ProjectStack(
        tmp_path, emulator, model({"sync": client_model(MANY_SCOPES, name=f"{prefix}-sync")})
    )
    stack.up()
    client_id = stack.resources()["sync"]["id"]
    new_scopes = [s for s in MANY_SCOPES if s != "connector:write"] + ["ziam:read"]
    stack.set_model(model({"sync": client_model(new_scopes, name=f"{prefix}-sync")}))

    text = stack.preview("--diff")

    assert text.returncode == 0, text.output
    # The changed resource is the scope set alone, and its diff names exactly the two scopes.
    assert re.search(r"^\s*~ pulumi-python:dynamic/zidentity:ScopeAssignment: \(update\)", text.stdout, re.M)
    assert re.search(r"^\s*\+ ziam:read\s*: \{", text.stdout, re.M), text.stdout
    assert re.search(r"^\s*- connector:write\s*: \{", text.stdout, re.M), text.stdout
    untouched = [s for s in MANY_SCOPES if s != "connector:write"]
    for scope in untouched:
        assert not re.search(rf"^\s*[-+~] {re.escape(scope)}\s*:", text.stdout, re.M), scope
    assert re.search(r"^\s*~ 1 to update$", text.stdout, re.M)
    digest = stack.preview_json()
    steps = changed_steps(digest)
    assert list(steps) == ["sync-scopes"]
    assert set(steps["sync-scopes"]["detailedDiff"]) == {
        'scopes["ziam:read"]',
        'scopes["connector:write"]',
    }

    stack.up()

    assert granted_scopes(admin, client_id) == set(new_scopes)


def test_after_up_a_preview_expecting_no_changes_passes_and_writes_nothing(
    tmp_path: Path, emulator: RunningEmulator, prefix: str
) -> None:
    stack = ProjectStack(
        tmp_path,
        emulator,
        model(
            {"sync": client_model(MANY_SCOPES, name=f"{prefix}-sync")},
            users={"ann": {"user_name": f"ann@{prefix}.example", "given_name": "Ann", "family_name": "Lee"}},
            groups={
                "quarantine": {
                    "display_name": f"{prefix} Quarantine",
                    "exclusive": True,
                    "members": [f"ann@{prefix}.example"],
                }
            },
        ),
    )
    before_up = stack.preview("--expect-no-changes")
    assert before_up.returncode != 0  # the guard can fail: there is work to do

    stack.up()
    emulator.reset_stats()
    after_up = stack.preview("--expect-no-changes", "--diff")

    assert after_up.returncode == 0, after_up.output
    assert re.search(r"^\s*\d+ unchanged$", after_up.stdout, re.M), after_up.stdout
    assert writes(emulator.requests()) == []
