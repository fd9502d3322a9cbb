"""The review neither overstates nor understates: adoption reads as adoption, a revocation as a
reduction of access, and the headline never says "no findings" while a rule could not run."""

from __future__ import annotations

import json
from pathlib import Path

from scopectl.__main__ import main
from tests.scopectl import previews as pv


def run(tmp_path: Path, document: dict, capsys, *args: str) -> tuple[int, str]:
    path = tmp_path / "preview.json"
    path.write_text(json.dumps(document))
    code = main(["report", str(path), *args])
    return code, capsys.readouterr().out


def adopted_client_steps() -> list[dict]:
    return [
        pv.step("create", pv.API_CLIENT, "legacy", new=pv.client_state("legacy", adopt=True)),
        pv.step(
            "create",
            pv.SCOPE_ASSIGNMENT,
            "legacy-scopes",
            new=pv.scopes_state("legacy", {"scim:read": {}, "scim:write": {"justification": "sync (CHG-1)"}}),
        ),
    ]


def test_an_adopted_clients_scopes_read_as_adoption_not_grants(tmp_path, capsys):
    document = pv.digest(adopted_client_steps())

    _, markdown = run(tmp_path, document, capsys)
    _, as_json = run(tmp_path, document, capsys, "--format", "json")

    payload = json.loads(as_json)
    [client] = payload["clients"]
    assert client["lifecycle"] == "adopted"
    assert client["scopes_granted"] == []
    assert [g["scope"] for g in client["scopes_adopted"]] == ["scim:read", "scim:write"]
    assert payload["summary"]["scopes_granted"] == 0 and payload["summary"]["scopes_adopted"] == 2
    assert "- granted" not in markdown
    assert "scopes adopted with the client" in markdown
    assert "scopes 0 granted, 0 revoked, 2 adopted" in markdown


def test_a_new_clients_scopes_are_still_grants(tmp_path, capsys):
    steps = adopted_client_steps()
    steps[0] = pv.step("create", pv.API_CLIENT, "legacy", new=pv.client_state("legacy"))
    _, markdown = run(tmp_path, pv.digest(steps), capsys)
    assert "- granted `scim:read`" in markdown and "adopted" not in markdown


def test_an_adopted_groups_members_are_not_joining(tmp_path, capsys):
    group = pv.group_state("admins", ["ann@example.com", "bob@example.com"])
    group["inputs"]["adopt"] = True
    group["outputs"]["adopt"] = True
    document = pv.digest([pv.step("create", pv.SCIM_GROUP, "admins", new=group)])

    _, markdown = run(tmp_path, document, capsys)
    _, as_json = run(tmp_path, document, capsys, "--format", "json")

    [review] = json.loads(as_json)["groups"]
    assert review["joining"] == [] and review["adopted_members"] == ["ann@example.com", "bob@example.com"]
    assert "joining:" not in markdown
    assert "2 members adopted with the group" in markdown
    assert "(0 joining, 0 leaving, 2 adopted)" in markdown


def test_a_revocation_looks_like_less_access_not_a_warning(tmp_path, capsys):
    old = pv.scopes_state("sync", {"scim:read": {}, "scim:write": {"justification": "x"}})
    new = pv.scopes_state("sync", {"scim:read": {}})
    document = pv.digest([pv.step("update", pv.SCOPE_ASSIGNMENT, "sync-scopes", old, new)])

    _, markdown = run(tmp_path, document, capsys)

    [line] = [ln for ln in markdown.splitlines() if "scim:write" in ln and ln.startswith("- ")]
    assert line == "- revoked ~~`scim:write`~~ ⬇️ write/admin access removed"
    assert "⚠️" not in line


def test_the_headline_never_claims_no_findings_while_stack_rules_were_skipped(tmp_path, capsys):
    steps = [
        pv.step(
            "update",
            pv.API_CLIENT,
            "sync",
            pv.client_state("sync", client_id="cid-sync"),
            pv.client_state("sync", client_id="cid-sync", description="new words"),
        )
    ]
    document = pv.digest(steps, same=4)  # four unchanged resources the preview leaves out

    _, markdown = run(tmp_path, document, capsys)

    assert "No least-privilege findings" not in markdown
    assert "No findings from the per-resource rules; the stack-wide rules (" in markdown
    assert "`read-only-purposes`" in markdown and "**were not run**" in markdown
    assert "`pulumi preview --json --show-sames`" in markdown


def test_with_every_resource_listed_no_findings_is_said_plainly(tmp_path, capsys):
    steps = [
        pv.step("same", pv.API_CLIENT, "sync", pv.client_state("sync", client_id="cid-sync")),
        pv.step("same", pv.SCOPE_ASSIGNMENT, "sync-scopes", pv.scopes_state("sync", {"scim:read": {}})),
        pv.step(
            "same", pv.CLIENT_SECRET, "sync-secret", pv.secret_state("sync", rotation="schedule:2026-10-01")
        ),
    ]
    _, markdown = run(tmp_path, pv.digest(steps), capsys)
    assert "No least-privilege findings." in markdown
