"""`scopectl validate` names `file:line:column` for every problem, hints at wrong indentation, knows
the calendar, reports expired grants, and stays JSON with `--format json` whatever goes wrong."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from scopectl.__main__ import main

HEAD = """\
config:
  scope-manager:access:
    catalog: [scim:read, scim:write]
    clients:
      sync:
        owner: team@example.com
        purpose: provisioning
"""


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text(HEAD + textwrap.indent(textwrap.dedent(body), " " * 8))
    return path


def run_json(path: Path, capsys) -> tuple[int, dict]:
    code = main(["validate", "--stack-file", str(path), "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def test_every_schema_and_semantic_error_has_line_and_column(tmp_path, capsys):
    path = write(
        tmp_path,
        """\
        scopes:
          scim:read: {}
          scim:wrte: {}
        secret:
          lifetime_days: 900
          renew_before_days: 5
        colour: blue
        """,
    )
    code = main(["validate", "--stack-file", str(path)])

    out = capsys.readouterr().out.splitlines()
    assert code == 1
    assert (
        f'{path}:10:11: clients.sync.scopes["scim:wrte"]: '
        "unknown scope (not in catalog); did you mean scim:write?" in out
    )
    assert f"{path}:12:11: clients.sync.secret.lifetime_days: must be at most 365 (got 900)" in out
    assert any(line.startswith(f"{path}:14:9: clients.sync.colour: unknown key") for line in out)


def test_a_missing_required_key_points_at_its_object(tmp_path, capsys):
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text(HEAD + "    groups:\n      admins:\n        members: []\n")

    code, payload = run_json(path, capsys)

    assert code == 1
    [error] = payload["errors"]
    assert (error["path"], error["line"], error["column"]) == ("groups.admins.display_name", 9, 7)


def test_a_justification_indented_one_level_too_shallow_gets_an_indentation_hint(tmp_path, capsys):
    path = write(
        tmp_path,
        """\
        scopes:
          scim:write:
          justification: writes users (CHG-1)
        secret: {rotate_every_days: 30}
        """,
    )
    code, payload = run_json(path, capsys)

    assert code == 1
    hinted = [e for e in payload["errors"] if e["path"] == "clients.sync.scopes.justification"]
    assert hinted and all(e["line"] == 10 and e["column"] == 11 for e in hinted)
    assert (
        "the indentation looks wrong: `justification` (line 10, column 11) is at the level of "
        in hinted[0]["hint"]
    )
    assert (
        'indent it under `scim:write` to make it a setting of clients.sync.scopes["scim:write"]'
        in hinted[0]["hint"]
    )


def test_a_dedented_secret_block_gets_an_indentation_hint(tmp_path, capsys):
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text(HEAD + "      secret:\n        lifetime_days: 30\n")

    code, payload = run_json(path, capsys)

    assert code == 1
    [error] = payload["errors"]
    assert error["path"] == "clients.secret.lifetime_days" and (error["line"], error["column"]) == (9, 9)
    assert (
        "`secret` (line 8, column 7) is at the level of `sync` above it, so it is read as a client"
        in error["hint"]
    )
    assert "indent it under `sync`" in error["hint"]


def test_a_secret_key_without_its_block_gets_a_hint_too(tmp_path, capsys):
    path = write(tmp_path, "secret:\nlifetime_days: 30\n")

    _, payload = run_json(path, capsys)

    [error] = [e for e in payload["errors"] if e["path"] == "clients.sync.lifetime_days"]
    assert "read as a setting of clients.sync; indent it under `secret`" in error["hint"]


def test_an_unknown_key_that_fits_nowhere_gets_no_hint(tmp_path, capsys):
    path = write(tmp_path, "colour: blue\n")
    _, payload = run_json(path, capsys)
    assert "hint" not in payload["errors"][0]


@pytest.mark.parametrize(
    ("day", "reason"),
    [
        ("2027-02-30", "there is no such date: 2027-02-30 (February 2027 has 28 days)"),
        ("2027-04-31", "there is no such date: 2027-04-31 (April 2027 has 30 days)"),
        ("2026-13-01", "there is no such date: 2026-13-01 (month 13 does not exist; months run 01-12)"),
    ],
)
def test_an_impossible_date_says_there_is_no_such_date(tmp_path, capsys, day, reason):
    path = write(tmp_path, f"scopes:\n  scim:read: {{expires: {day}}}\n")
    _, payload = run_json(path, capsys)
    [error] = payload["errors"]
    assert error["message"] == reason and error["line"] == 9


def test_a_leap_day_is_a_date(tmp_path, capsys):
    path = write(tmp_path, "scopes:\n  scim:read: {expires: 2028-02-29}\nsecret: {rotate_every_days: 30}\n")
    code, payload = run_json(path, capsys)
    assert payload["errors"] == [] and code == 0


def test_a_grant_that_has_expired_is_reported_as_revoked_next_run(tmp_path, capsys):
    path = write(
        tmp_path,
        """\
        scopes:
          scim:read: {}
          scim:write: {justification: backfill (CHG-2), expires: 2020-01-31}
        secret: {rotate_every_days: 30}
        """,
    )
    code = main(["validate", "--stack-file", str(path)])

    err = capsys.readouterr().err
    assert code == 0
    assert (
        f'{path}:10:11: warning: clients.sync.scopes["scim:write"]: '
        "grant expired on 2020-01-31, will be revoked"
    ) in err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("config:\n  scope-manager:access:\n    clients: [\n", "YAML syntax error"),
        ("config:\n  other: 1\n", "missing: the stack file declares no access model"),
    ],
)
def test_json_stays_json_on_yaml_syntax_errors_and_missing_models(tmp_path, capsys, text, message):
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text(text)

    code, payload = run_json(path, capsys)

    assert code == 1 and payload["valid"] is False
    [error] = payload["errors"]
    assert message in error["message"]
    if "syntax" in message:
        assert error["line"] == 4 and error["column"] == 1


def test_json_stays_json_for_a_missing_stack(tmp_path, capsys):
    (tmp_path / "Pulumi.yaml").write_text("name: scope-manager\n")
    code = main(["validate", "--stack", "prod", "--cwd", str(tmp_path), "--format", "json"])
    payload = json.loads(capsys.readouterr().out)
    assert code == 1 and "no Pulumi.prod.yaml" in payload["errors"][0]["message"]


def test_json_stays_json_for_a_bad_policy_config(tmp_path, capsys):
    path = write(tmp_path, "secret: {rotate_every_days: 30}\n")
    config = tmp_path / "policy.json"
    config.write_text('{"all": "blocking"}')
    code = main(["validate", "--stack-file", str(path), "--format", "json", "--policy-config", str(config)])
    payload = json.loads(capsys.readouterr().out)
    assert code == 1 and "blocking" in payload["errors"][0]["message"]
