"""`scopectl report` on preview documents of every step kind, as a reviewer reads them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from scopectl.__main__ import main
from tests.scopectl import previews as pv

ROOT = Path(__file__).resolve().parents[2]

JUSTIFIED_WRITE = {"justification": "creates and updates users (CHG-1234)", "expires": "2027-06-30"}


def run_report(tmp_path: Path, document: dict | str, *args: str, capsys) -> tuple[int, str, str]:
    path = tmp_path / "preview.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    code = main(["report", str(path), *args])
    out, err = capsys.readouterr()
    return code, out, err


def report_json(tmp_path: Path, document: dict, capsys) -> tuple[int, dict]:
    code, out, _ = run_report(tmp_path, document, "--format", "json", capsys=capsys)
    return code, json.loads(out)


def new_client_steps(key: str, scopes: dict) -> list[dict]:
    return [
        pv.step("create", pv.API_CLIENT, key, new=pv.client_state(key)),
        pv.step(
            "create",
            pv.SCOPE_ASSIGNMENT,
            f"{key}-scopes",
            new=pv.scopes_state(key, scopes, client_id=pv.UNKNOWN),
        ),
        pv.step(
            "create",
            pv.CLIENT_SECRET,
            f"{key}-secret",
            new=pv.secret_state(key, rotation="schedule:2026-10-01"),
        ),
    ]


# -- step kinds ------------------------------------------------------------------------------------


def test_created_client_lists_its_scopes_with_write_scope_highlighted_and_justified(tmp_path, capsys):
    document = pv.digest(new_client_steps("directory-sync", {"scim:read": {}, "scim:write": JUSTIFIED_WRITE}))

    code, out, _ = run_report(tmp_path, document, capsys=capsys)

    assert code == 2
    assert "**`directory-sync`** — **created**" in out
    assert "- granted `scim:read`\n" in out
    assert (
        "- granted **`scim:write`** ⚠️ write/admin — justification: creates and updates users (CHG-1234)"
        in out
    )
    assert "expires 2027-06-30" in out
    assert "- secret created" in out


def test_write_scope_without_justification_is_called_out(tmp_path, capsys):
    document = pv.digest(new_client_steps("reporting", {"scim:write": {}}))

    _, out, _ = run_report(tmp_path, document, capsys=capsys)

    assert "**`scim:write`** ⚠️ write/admin — justification: **none**" in out


def test_update_shows_only_scopes_granted_revoked_and_edited(tmp_path, capsys):
    old = pv.scopes_state(
        "sync", {"scim:read": {}, "connector:read": {}, "scim:write": {"justification": "old"}}
    )
    new = pv.scopes_state(
        "sync", {"scim:read": {}, "scim:write": {"justification": "CHG-9"}, "connector:write": {}}
    )
    document = pv.digest(
        [
            pv.step(
                "update",
                pv.SCOPE_ASSIGNMENT,
                "sync-scopes",
                old,
                new,
                diff_reasons=["scopes"],
                detailed_diff={
                    'scopes["connector:read"]': {"kind": "delete", "inputDiff": True},
                    'scopes["connector:write"]': {"kind": "add", "inputDiff": True},
                    'scopes["scim:write"].justification': {"kind": "update", "inputDiff": True},
                },
            )
        ],
        same=3,
    )

    code, report = report_json(tmp_path, document, capsys)

    assert code == 2
    [client] = report["clients"]
    assert client["key"] == "sync"  # found through the dependency on the unchanged ApiClient
    assert client["lifecycle"] == "unchanged"
    assert [g["scope"] for g in client["scopes_granted"]] == ["connector:write"]
    assert client["scopes_granted"][0]["privileged"] is True
    assert [g["scope"] for g in client["scopes_revoked"]] == ["connector:read"]
    assert [(g["scope"], g["justification"]) for g in client["scopes_amended"]] == [("scim:write", "CHG-9")]
    assert client["secret"] is None


def test_client_settings_update_lists_changed_fields(tmp_path, capsys):
    old = pv.client_state("sync", client_id="cid-sync")
    new = pv.client_state("sync", client_id="cid-sync", enabled=False, access_token_lifetime=900)
    document = pv.digest([pv.step("update", pv.API_CLIENT, "sync", old, new, diff_reasons=["enabled"])])

    _, out, _ = run_report(tmp_path, document, capsys=capsys)

    assert "**`sync`** — updated" in out
    assert "- `enabled`: true → false" in out
    assert "- `access_token_lifetime`: 3600 → 900" in out
    assert "`description`" not in out


def test_replacement_triple_counts_once_with_schedule_reason(tmp_path, capsys):
    old = pv.secret_state("sync", rotation="schedule:2026-07-03")
    new = pv.secret_state("sync", rotation="schedule:2026-10-01")
    document = pv.digest(pv.replacement(pv.CLIENT_SECRET, "sync-secret", old, new, ["rotation"]))

    code, report = report_json(tmp_path, document, capsys)

    assert code == 2
    assert len(report["clients"]) == 1
    secret = report["clients"][0]["secret"]
    assert secret["action"] == "rotate"
    assert secret["reasons"] == ["schedule"]
    assert secret["details"] == ["scheduled rotation: new period from 2026-10-01"]
    assert report["summary"]["secrets_rotating"] == 1


def test_manual_rotation_is_told_apart_from_schedule(tmp_path, capsys):
    old = pv.secret_state("sync", rotation="schedule:2026-10-01")
    new = pv.secret_state("sync", rotation="schedule:2026-10-01 manual:incident INC-42 leaked in a log")
    document = pv.digest(pv.replacement(pv.CLIENT_SECRET, "sync-secret", old, new, ["rotation"]))

    _, out, _ = run_report(tmp_path, document, capsys=capsys)

    assert "- secret **rotates** (manual): manual rotation: incident INC-42 leaked in a log" in out
    assert "schedule" not in out.split("rotates")[1].split("\n")[0].replace("schedule:", "")


def test_rotation_due_by_expiry_names_the_expiry_date(tmp_path, capsys):
    old = pv.secret_state("sync", rotation="schedule:2026-10-01", expires_at="2026-11-30T00:00:00Z")
    new = pv.secret_state("sync", rotation="schedule:2026-10-01")
    document = pv.digest(pv.replacement(pv.CLIENT_SECRET, "sync-secret", old, new, ["expires_at"]))

    _, out, _ = run_report(tmp_path, document, capsys=capsys)

    assert "- secret **rotates** (expiry): the current secret expires 2026-11-30T00:00:00Z" in out


def test_rotation_shows_when_the_previous_secret_is_revoked_and_the_whole_scope_set(tmp_path, capsys):
    """Each rotation is a chance to re-evaluate scopes: the report lists every scope the rotating
    client holds (unchanged ones too, from their `same` step) with its justification."""
    old = pv.secret_state("sync", rotation="schedule:2026-07-03")
    new = pv.secret_state("sync", rotation="schedule:2026-10-01")
    held = {"scim:read": {"justification": "reads the delta"}, "scim:write": JUSTIFIED_WRITE}
    scopes = pv.scopes_state("sync", held)
    document = pv.digest(
        [
            pv.step("same", pv.SCOPE_ASSIGNMENT, "sync-scopes", old=scopes, new=scopes),
            *pv.replacement(pv.CLIENT_SECRET, "sync-secret", old, new, ["rotation"]),
            pv.step(
                "update",
                pv.PREVIOUS_SECRET,
                "sync-previous-secret",
                old=pv.previous_secret_state("sync"),
                new=pv.previous_secret_state(
                    "sync", previous="valid until 2026-10-08 (overlap of 7 days)", revoke_on="2026-10-08"
                ),
            ),
        ]
    )

    code, out, _ = run_report(tmp_path, document, capsys=capsys)
    _, report = report_json(tmp_path, document, capsys)

    assert code == 2
    assert "- secret **rotates** (schedule)" in out
    assert (
        "- the previous secret stays valid until 2026-10-08 (overlap of 7 days), then a later run revokes it"
        in out
    )
    assert "- scopes the rotating client holds (re-evaluate them with the new secret):" in out
    assert "  - `scim:read` — justification: reads the delta" in out
    assert "  - **`scim:write`** ⚠️ write/admin — justification: creates and updates users (CHG-1234)" in out
    (client,) = report["clients"]
    assert [g["scope"] for g in client["scope_set"]] == ["scim:read", "scim:write"]
    assert client["previous_secret"] == "valid until 2026-10-08 (overlap of 7 days)"
    assert report["summary"]["secrets_rotating"] == 1


def test_the_run_that_ends_an_overlap_window_shows_the_revocation(tmp_path, capsys):
    revoke = "previous secret of `sync` will be revoked: overlap ended on 2026-10-08"
    document = pv.digest(
        [
            pv.step(
                "update",
                pv.PREVIOUS_SECRET,
                "sync-previous-secret",
                old=pv.previous_secret_state("sync", previous="valid until 2026-10-08 (overlap of 7 days)"),
                new=pv.previous_secret_state("sync", previous=revoke, revoke_on="2026-10-08"),
            )
        ]
    )

    code, out, _ = run_report(tmp_path, document, capsys=capsys)

    assert code == 2
    assert "**`sync`**" in out
    assert "- previous secret of `sync` will be revoked: overlap ended on 2026-10-08" in out.replace("\\", "")


def test_deleted_client_revokes_its_scopes_and_secret(tmp_path, capsys):
    document = pv.digest(
        [
            pv.step("delete", pv.CLIENT_SECRET, "old-secret", pv.secret_state("old")),
            pv.step("delete", pv.SCOPE_ASSIGNMENT, "old-scopes", pv.scopes_state("old", {"ziam:admin": {}})),
            pv.step("delete", pv.API_CLIENT, "old", pv.client_state("old", client_id="cid-old")),
        ]
    )

    code, out, _ = run_report(tmp_path, document, capsys=capsys)

    assert code == 2
    assert "**`old`** — **deleted**" in out
    assert "- revoked ~~`ziam:admin`~~ ⬇️ write/admin access removed" in out
    assert "- secret revoked" in out


def test_group_members_joining_and_leaving(tmp_path, capsys):
    old = pv.group_state("contractors", ["ann@contractor.example", "bob@contractor.example"])
    new = pv.group_state("contractors", ["bob@contractor.example", "cy@contractor.example"])
    document = pv.digest(
        [pv.step("update", pv.SCIM_GROUP, "contractors", old, new, diff_reasons=["members"])]
    )

    code, out, _ = run_report(tmp_path, document, capsys=capsys)

    assert code == 2
    assert "- 1 joining: `cy@contractor.example`" in out
    assert "- 1 leaving: `ann@contractor.example`" in out
    assert "bob@contractor.example" not in out  # unchanged members are not listed


def test_users_activated_and_deactivated(tmp_path, capsys):
    document = pv.digest(
        [
            pv.step(
                "update",
                pv.SCIM_USER,
                "ann",
                pv.user_state("ann", "ann@x.example"),
                pv.user_state("ann", "ann@x.example", active=False),
            ),
            pv.step(
                "update",
                pv.SCIM_USER,
                "bob",
                pv.user_state("bob", "bob@x.example", active=False),
                pv.user_state("bob", "bob@x.example"),
            ),
            pv.step("delete", pv.SCIM_USER, "cy", pv.user_state("cy", "cy@x.example")),
        ]
    )

    _, report = report_json(tmp_path, document, capsys)

    by_key = {u["key"]: u for u in report["users"]}
    assert by_key["ann"]["activation"] == "deactivated"
    assert by_key["bob"]["activation"] == "activated"
    assert (by_key["cy"]["lifecycle"], by_key["cy"]["activation"]) == ("deleted", "deactivated")


def test_only_same_steps_means_no_changes_and_exit_zero(tmp_path, capsys):
    client = pv.client_state("sync", client_id="cid-sync")
    document = pv.digest([pv.step("same", pv.API_CLIENT, "sync", client, client)])

    code, out, _ = run_report(tmp_path, document, capsys=capsys)

    assert code == 0
    assert "**No changes.**" in out


def test_empty_preview_of_an_unchanged_stack_exits_zero(tmp_path, capsys):
    document = {"steps": None, "changeSummary": {"same": 9}, "diagnostics": []}

    code, out, _ = run_report(tmp_path, document, capsys=capsys)

    assert code == 0
    assert "**No changes.**" in out


# -- pulumi refresh --preview-only --json ------------------------------------------------------------


def refresh_digest(steps: list[dict], summary: dict[str, int]) -> dict:
    """A refresh digest: one `refresh` step per resource, the counts in `changeSummary`."""
    return {**pv.digest(steps), "changeSummary": summary}


def test_refresh_step_that_reads_back_a_different_state_is_drift(tmp_path, capsys):
    declared = pv.group_state("contractors", ["ann@example.com"])
    live = pv.group_state("contractors", ["ann@example.com", "eve@example.com"])
    client = pv.client_state("sync", client_id="cid-sync")
    document = refresh_digest(
        [
            pv.step("refresh", pv.API_CLIENT, "sync", client, client),
            pv.step("refresh", pv.SCIM_GROUP, "contractors", declared, live),
        ],
        {"update": 1, "same": 1},
    )

    code, payload = report_json(tmp_path, document, capsys)

    assert code == 2
    [group] = payload["groups"]
    assert group["joining"] == ["eve@example.com"] and group["leaving"] == []
    assert payload["clients"] == [] and payload["unattributed_changes"] == {}


def test_refresh_digest_whose_steps_hide_the_drift_says_what_the_summary_counts(tmp_path, capsys):
    """The engine records refresh steps before reading the resource (pulumi/pulumi#16278): each step
    holds the old state twice and only the summary knows what drifted. That is drift, not "no changes"."""
    client = pv.client_state("sync", client_id="cid-sync")
    group = pv.group_state("contractors", ["ann@example.com"])
    document = refresh_digest(
        [
            pv.step("refresh", pv.API_CLIENT, "sync", client, client),
            pv.step("refresh", pv.SCIM_GROUP, "contractors", group, group),
        ],
        {"update": 1, "delete": 1, "same": 0},
    )

    code, out, _ = run_report(tmp_path, document, "--title", "Drift in declared objects", capsys=capsys)
    json_code, payload = report_json(tmp_path, document, capsys)

    assert code == json_code == 2
    assert "**No changes.**" not in out
    assert "The summary counts 1 to update, 1 to delete, but no step says which resources" in out
    assert "pulumi refresh --preview-only --diff" in out
    assert payload["unattributed_changes"] == {"update": 1, "delete": 1}


def test_refresh_that_reads_everything_back_unchanged_is_clean(tmp_path, capsys):
    client = pv.client_state("sync", client_id="cid-sync")
    document = refresh_digest([pv.step("refresh", pv.API_CLIENT, "sync", client, client)], {"same": 1})

    code, out, _ = run_report(tmp_path, document, capsys=capsys)

    assert code == 0
    assert "**No changes.**" in out


def test_preview_errors_are_shown(tmp_path, capsys):
    document = pv.digest(
        [], diagnostics=[{"urn": "", "message": "error: preview failed: bad scope", "severity": "error"}]
    )

    _, out, _ = run_report(tmp_path, document, capsys=capsys)

    assert "#### Preview errors" in out
    assert "preview failed: bad scope" in out


# -- secrets and states --------------------------------------------------------------------------------


def test_never_prints_secret_values_or_whole_states(tmp_path, capsys):
    old = pv.secret_state("sync", rotation="schedule:2026-07-03")
    new = pv.secret_state("sync", rotation="schedule:2026-10-01")
    # A preview holds "[secret]" in place of every secret; plant real-looking values in fields the
    # report must never read, as an engine bug or a hand-edited file might, to prove they stay out.
    old["outputs"]["value"] = "zs-LEAKED-SECRET-VALUE-1"
    old["outputs"]["__provider"] = "gASVLEAKED-PICKLE"
    steps = pv.replacement(pv.CLIENT_SECRET, "sync-secret", old, new, ["rotation"])
    steps += new_client_steps("reporting", {"scim:read": {}})
    document = pv.digest(steps)

    for fmt in ("markdown", "json"):
        _, out, _ = run_report(tmp_path, document, "--format", fmt, capsys=capsys)
        assert "LEAKED" not in out
        assert "[secret]" not in out
        assert "__provider" not in out
        assert "secret_id" not in out and "sec-sync" not in out


def test_secret_scope_map_is_reported_as_hidden_not_printed(tmp_path, capsys):
    old = pv.scopes_state("sync", {"scim:read": {}})
    new = pv.scopes_state("sync", {})
    new["inputs"]["scopes"] = pv.SECRET
    document = pv.digest([pv.step("update", pv.SCOPE_ASSIGNMENT, "sync-scopes", old, new)])

    code, out, _ = run_report(tmp_path, document, capsys=capsys)

    assert code == 2
    assert "scopes change (the preview hides the values" in out


# -- size ------------------------------------------------------------------------------------------


def test_three_hundred_changed_clients_fit_one_pr_comment_and_say_what_was_cut(tmp_path, capsys):
    steps = []
    for index in range(300):
        key = f"integration-{index:03d}"
        scopes = {"scim:write": {"justification": f"ticket CHG-{index:05d} " + "x" * 120}, "scim:read": {}}
        scopes |= {f"Role:API_Role{n:02d}": {} for n in range(6)}
        steps += new_client_steps(key, scopes)
    document = pv.digest(steps)

    code, out, _ = run_report(tmp_path, document, capsys=capsys)
    _, full = report_json(tmp_path, document, capsys)

    assert code == 2
    assert len(out) <= 60_000
    shown = out.count(" — **created**")
    assert 0 < shown < 300
    assert "**Cut to fit a PR comment:** " in out
    assert f"{300 - shown} of 300 clients" in out
    assert "--format json" in out
    assert len(full["clients"]) == 300  # JSON is never cut


def test_max_chars_bounds_the_markdown(tmp_path, capsys):
    steps = [s for i in range(40) for s in new_client_steps(f"c{i}", {"scim:read": {}})]

    _, out, _ = run_report(tmp_path, pv.digest(steps), "--max-chars", "3000", capsys=capsys)

    assert len(out) <= 3000
    assert "of 40 clients not shown" in out


def test_huge_group_change_lists_a_bounded_number_of_members(tmp_path, capsys):
    old = pv.group_state("all-staff", [])
    new = pv.group_state("all-staff", [f"user{n:05d}@example.com" for n in range(5000)])
    document = pv.digest([pv.step("update", pv.SCIM_GROUP, "all-staff", old, new)])

    _, out, _ = run_report(tmp_path, document, capsys=capsys)

    assert "- 5000 joining: " in out
    assert "… and 4950 more" in out
    assert len(out) < 10_000


# -- malformed input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "empty input"),
        ("{not json", "not JSON (line 1, column 2"),
        ("[1, 2]", "not a Pulumi preview document: the top level is a list"),
        ('{"deployment": {}}', "no 'steps' key (this looks like a stack export or state file)"),
        ('{"steps": {}}', "'steps' is an object, expected a list"),
        ('{"steps": [{"op": "create"}]}', "steps[0].urn is missing"),
        ('{"steps": [{"op": "create", "urn": "abc"}]}', "steps[0].urn: not a Pulumi URN"),
        (
            '{"steps": [{"op": "create", "urn": "urn:pulumi:dev::p::t::n", "newState": {"inputs": []}}]}',
            "steps[0].newState.inputs is a list, expected an object",
        ),
    ],
)
def test_malformed_input_is_an_error_naming_what_is_wrong(tmp_path, capsys, content, message):
    code, out, err = run_report(tmp_path, content, capsys=capsys)

    assert code == 1
    assert out == ""
    assert message in err
    assert err.startswith("scopectl report: error: ")


def test_preview_of_another_stack_is_an_error_naming_both(tmp_path, capsys):
    document = pv.digest(new_client_steps("sync", {"scim:read": {}}))  # URNs of stack "dev"

    wrong, _, err = run_report(tmp_path, document, "--stack", "prod", capsys=capsys)
    right, _, _ = run_report(tmp_path, document, "--stack", "dev", capsys=capsys)
    qualified, _, _ = run_report(tmp_path, document, "--stack", "acme/scope-manager/dev", capsys=capsys)

    assert wrong == 1
    assert "a preview of stack 'dev', but --stack is 'prod'" in err
    assert right == qualified == 2  # Pulumi Cloud names (org/project/dev) match the URN's short name


def test_missing_file_is_an_error(tmp_path, capsys):
    code = main(["report", str(tmp_path / "nope.json")])

    assert code == 1
    assert "nope.json: no such file" in capsys.readouterr().err


def test_cli_reads_stdin_and_exits_two_on_changes():
    document = pv.digest(new_client_steps("sync", {"scim:read": {}}))
    result = subprocess.run(
        [sys.executable, "-m", "scopectl", "report", "-"],
        input=json.dumps(document),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )

    assert result.returncode == 2, result.stderr
    assert "**`sync`** — **created**" in result.stdout


def test_usage_errors_exit_one_not_two():
    result = subprocess.run(
        [sys.executable, "-m", "scopectl", "report"], capture_output=True, text=True, cwd=ROOT, timeout=60
    )

    assert result.returncode == 1
    assert "PREVIEW_JSON" in result.stderr


def test_unwritable_output_is_an_error_naming_the_path(tmp_path, capsys):
    document = pv.digest(new_client_steps("sync", {"scim:read": {}}))
    target = tmp_path / "no-such-dir" / "report.md"

    code, _, err = run_report(tmp_path, document, "--output", str(target), capsys=capsys)

    assert code == 1
    assert f"{target}: cannot write" in err


# -- hardening: leaks and unreadable input (issue 13) ---------------------------------------------------

PLANTED_JWT = (
    "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJjbGllbnQtMSIsInNjb3BlIjoic2NpbTpyZWFkIn0."
    "c2lnbmF0dXJlLXZhbHVl"
)
PLANTED_SECRET = "Zx9_kQ2mP4vR8tY1uI3oL6aS5dF7gH0jK2lZxCvBnMq"  # shaped like the tenant's secrets
PLANTED_BEARER = "sk9Fq2Lw7Xe3Rt8Yu1"


def test_diagnostics_are_scrubbed_of_tokens_and_secrets_in_markdown_and_json(tmp_path, capsys):
    messages = [
        f"error: POST /oauth2/v1/token failed; the server echoed access_token={PLANTED_JWT}",
        f"error: create failed for client 'sync': clientSecret={PLANTED_SECRET}",
        f"error: program printed headers {{'Authorization': 'Bearer {PLANTED_BEARER}'}}",
        f"error: unexpected secret {PLANTED_SECRET[::-1]} in the answer",
        "error: A bearer token is required",
    ]
    document = pv.digest(
        new_client_steps("sync", {"scim:read": {}}),
        diagnostics=[{"urn": "", "message": message, "severity": "error"} for message in messages],
    )

    for fmt in ("markdown", "json"):
        _, out, err = run_report(tmp_path, document, "--format", fmt, capsys=capsys)
        for planted in (PLANTED_JWT, PLANTED_SECRET, PLANTED_SECRET[::-1], PLANTED_BEARER):
            assert planted not in out and planted not in err, (fmt, planted)
        assert "redacted" in out
        assert "A bearer token is required" in out, "words stay readable"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("[" * 100_000 + "]" * 100_000, "JSON nested too deeply"),
        ('{"steps": [], "changeSummary": {"same": ' + "9" * 5000 + "}}", "a number with too many digits"),
    ],
    ids=["nested-100000", "5000-digit-integer"],
)
def test_hostile_json_is_one_line_naming_the_file_not_a_traceback(tmp_path, capsys, content, problem):
    code, out, err = run_report(tmp_path, content, capsys=capsys)

    assert code == 1
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith(f"scopectl report: error: {tmp_path / 'preview.json'}: ")
    assert problem in err
