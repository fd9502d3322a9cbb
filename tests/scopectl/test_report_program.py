"""`scopectl report` on previews built from what the real program registers for the dev stack and for
edits a reviewer would see in a pull request (program run under set_mocks, see program_previews.py)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from access_model import read_stack_access
from scopectl.__main__ import main
from tests.scopectl.program_previews import preview_between
from tests.support.program_double import ROOT, ProgramRun, run_program

DEV = read_stack_access(ROOT / "Pulumi.dev.yaml")
# The dev secrets rotate every 76 days; 2026-11-22 lies in the period that began on 2026-10-22, the
# next one begins on 2027-01-06.
TODAY = "2026-11-22"
NEXT_PERIOD = "2027-01-06"


def program(access=DEV, today: str = TODAY, *, preview: bool = False) -> ProgramRun:
    run = run_program(access, env={"SCOPE_MANAGER_TODAY": today}, preview=preview)
    assert run.error is None, run.error
    return run


@pytest.fixture(scope="module")
def deployed() -> ProgramRun:
    return program()


def report(tmp_path: Path, document: dict, capsys, *args: str) -> tuple[int, dict, str]:
    path = tmp_path / "preview.json"
    path.write_text(json.dumps(document))
    code = main(["report", str(path), "--format", "json", *args])
    as_json = json.loads(capsys.readouterr().out)
    assert main(["report", str(path), *args]) == code
    return code, as_json, capsys.readouterr().out


def edited(change) -> dict:
    access = copy.deepcopy(DEV)
    change(access)
    return access


def finding_keys(payload: dict) -> set[tuple[str, str, str]]:
    return {(f["level"], f["rule"], f["resource"]) for f in payload["findings"]}


def test_first_preview_of_the_dev_stack(tmp_path, capsys):
    code, payload, markdown = report(tmp_path, preview_between(None, program(preview=True)), capsys)

    assert code == 2
    clients = {c["key"]: c for c in payload["clients"]}
    assert set(clients) == {"directory-sync", "reporting"}
    sync = clients["directory-sync"]
    assert (sync["lifecycle"], sync["tenant_name"]) == ("created", "directory-sync-connector")
    granted = {g["scope"]: g for g in sync["scopes_granted"]}
    assert sorted(granted) == [
        "connector:read",
        "connector:write",
        "scim:read",
        "scim:write",
        "sync:profile:read",
    ]
    assert granted["scim:write"]["privileged"] and granted["connector:write"]["privileged"]
    assert not granted["scim:read"]["privileged"]
    assert (
        granted["scim:write"]["justification"]
        == "creates, updates and deactivates users and groups (CHG-1234)"
    )
    assert sync["secret"]["action"] == "create"
    groups = {g["key"]: g for g in payload["groups"]}
    assert groups["contractors"]["joining"] == ["ann.lee@contractor.example", "raj.patel@contractor.example"]
    assert {u["key"] for u in payload["users"]} == {"contractor-ann", "contractor-raj"}
    # The dev model passes every rule of the pack, stack-wide ones included (nothing is unchanged here).
    assert payload["findings"] == [] and payload["stack_rules_skipped"] == []
    assert "No least-privilege findings." in markdown
    assert "plaintext-of" not in markdown + json.dumps(payload)


def test_unchanged_stack_reports_no_changes(tmp_path, capsys, deployed):
    code, payload, markdown = report(tmp_path, preview_between(deployed, program(preview=True)), capsys)

    assert code == 0
    assert payload["has_changes"] is False
    assert "**No changes.**" in markdown


def test_write_scope_for_a_reporting_client_is_flagged_by_the_pack_rules(tmp_path, capsys, deployed):
    access = edited(lambda a: a["clients"]["reporting"]["scopes"].update({"scim:write": {}}))

    code, payload, markdown = report(
        tmp_path, preview_between(deployed, program(access, preview=True)), capsys
    )

    assert code == 2
    [client] = payload["clients"]
    assert client["key"] == "reporting"
    assert [(g["scope"], g["privileged"], g["justification"]) for g in client["scopes_granted"]] == [
        ("scim:write", True, None)
    ]
    assert finding_keys(payload) == {
        ("mandatory", "write-scopes-justified", "reporting-scopes"),
        ("mandatory", "read-only-purposes", "reporting-scopes"),
    }
    assert "**`scim:write`** ⚠️ write/admin — justification: **none**" in markdown
    assert "**2 mandatory**" in markdown
    assert "|---|---|---|---|\n| **mandatory** | `read-only-purposes` | `reporting-scopes` |" in markdown


def test_without_unchanged_resources_stack_rules_are_skipped_and_said_so(tmp_path, capsys, deployed):
    access = edited(lambda a: a["clients"]["reporting"]["scopes"].update({"scim:write": {}}))
    document = preview_between(deployed, program(access, preview=True), show_sames=False)

    _, payload, markdown = report(tmp_path, document, capsys)

    assert finding_keys(payload) == {("mandatory", "write-scopes-justified", "reporting-scopes")}
    assert "read-only-purposes" in payload["stack_rules_skipped"]
    assert "`pulumi preview --json --show-sames`" in markdown


def test_policy_config_sets_levels_like_the_pack(tmp_path, capsys, deployed):
    access = edited(lambda a: a["clients"]["reporting"]["scopes"].update({"scim:write": {}}))
    config = tmp_path / "policy-config.json"
    config.write_text(json.dumps({"write-scopes-justified": "advisory", "read-only-purposes": "disabled"}))
    document = preview_between(deployed, program(access, preview=True))

    _, payload, _ = report(tmp_path, document, capsys, "--policy-config", str(config))

    assert finding_keys(payload) == {("advisory", "write-scopes-justified", "reporting-scopes")}


def test_scheduled_rotation_replaces_both_secrets_and_nothing_else(tmp_path, capsys, deployed):
    document = preview_between(deployed, program(today=NEXT_PERIOD, preview=True))

    code, payload, markdown = report(tmp_path, document, capsys)

    assert code == 2
    assert {c["key"]: (c["secret"]["action"], c["secret"]["reasons"]) for c in payload["clients"]} == {
        "directory-sync": ("rotate", ["schedule"]),
        "reporting": ("rotate", ["schedule"]),
    }
    assert all(not c["scopes_granted"] and not c["scopes_revoked"] for c in payload["clients"])
    assert payload["groups"] == [] and payload["users"] == []
    assert (
        markdown.count(f"secret **rotates** (schedule): scheduled rotation: new period from {NEXT_PERIOD}")
        == 2
    )


def test_manual_rotation_names_its_reason(tmp_path, capsys, deployed):
    access = edited(lambda a: a["clients"]["reporting"]["secret"].update({"rotation": "INC-2026-11-03"}))

    _, payload, markdown = report(tmp_path, preview_between(deployed, program(access, preview=True)), capsys)

    [client] = payload["clients"]
    assert (client["key"], client["secret"]["reasons"]) == ("reporting", ["manual"])
    assert "manual rotation: INC-2026-11-03" in markdown


def test_expired_contract_removes_the_member_and_deactivates_the_user(tmp_path, capsys, deployed):
    document = preview_between(deployed, program(today="2027-04-01", preview=True))

    _, payload, markdown = report(tmp_path, document, capsys)

    [group] = payload["groups"]
    assert (group["key"], group["joining"], group["leaving"]) == (
        "contractors",
        [],
        ["raj.patel@contractor.example"],
    )
    [user] = payload["users"]
    assert (user["key"], user["activation"]) == ("contractor-raj", "deactivated")
    assert "- 1 leaving: `raj.patel@contractor.example`" in markdown


def test_removing_a_client_deletes_it_with_its_scopes_and_secret(tmp_path, capsys, deployed):
    access = edited(lambda a: a["clients"].pop("reporting"))

    code, payload, markdown = report(
        tmp_path, preview_between(deployed, program(access, preview=True)), capsys
    )

    assert code == 2
    [client] = payload["clients"]
    assert (client["key"], client["lifecycle"]) == ("reporting", "deleted")
    assert [g["scope"] for g in client["scopes_revoked"]] == ["scim:read"]
    assert client["secret"]["action"] == "revoke"
    assert "**`reporting`** (`reporting-integration`) — **deleted**" in markdown
