"""`scopectl report` on `pulumi preview --json` written by the real engine (stored fixtures)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from scopectl.__main__ import main
from tests.scopectl.real_engine_previews import FIXTURES


def report(name: str, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    code = main(["report", str(FIXTURES / f"{name}.json"), *extra])
    return code, capsys.readouterr().out


def test_a_grant_and_a_revoke_read_as_exactly_those_and_the_member_swap(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, markdown = report("grant-and-revoke", capsys)

    assert code == 2
    assert "scopes 1 granted, 1 revoked; 0 secrets rotating" in markdown
    assert "- granted `ziam:read` — justification: e2e needs ziam:read" in markdown
    assert "- revoked ~~`connector:write`~~ ⬇️ write/admin access removed" in markdown
    assert "- 1 joining: `raj.patel@contractor.example`" in markdown
    assert "- 1 leaving: `ann.lee@contractor.example`" in markdown
    for unchanged in ("`scim:read`", "`scim:write`", "`sync:profile:read`", "**`reporting`**"):
        assert unchanged not in markdown


def test_a_manual_rotation_is_the_only_change(capsys: pytest.CaptureFixture[str]) -> None:
    code, markdown = report("rotation", capsys)

    assert code == 2
    assert "1 secret rotating" in markdown
    assert "secret **rotates** (manual): manual rotation: incident-42" in markdown
    # The PreviousSecret's update says until when the old secret stays valid, and the unchanged scope
    # set (a `same` step) is listed in full for re-evaluation.
    assert re.search(
        r"- the previous secret stays valid until \d{4}-\d\d-\d\d \(overlap of 7 days\)", markdown
    )
    assert "  - **`connector:write`** ⚠️ write/admin — justification: e2e needs connector:write" in markdown
    assert "granted" not in markdown.split("#### Clients", 1)[1]


def test_a_new_stack_lists_every_grant_with_write_scopes_marked(capsys: pytest.CaptureFixture[str]) -> None:
    code, markdown = report("create", capsys)

    assert code == 2
    assert "**2 clients** changed (2 created, 0 deleted; scopes 6 granted" in markdown
    assert "- granted **`scim:write`** ⚠️ write/admin — justification: e2e needs scim:write" in markdown
    assert "No least-privilege findings." in markdown


def test_the_json_report_of_real_output_names_the_same_changes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "report.json"
    assert main(["report", str(FIXTURES / "grant-and-revoke.json"), "--format", "json", "-o", str(out)]) == 2
    document = json.loads(out.read_text())
    text = json.dumps(document)
    assert "ziam:read" in text and "connector:write" in text
