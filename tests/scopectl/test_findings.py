"""`scopectl.findings`: the policy pack's least-privilege rules run on a preview (`evaluate`), the
policy config they take (`load_policy_config`), which scopes count as write/admin, and how the
findings reach the reviewer (order and levels in the report)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scopectl import report
from scopectl.errors import ScopectlError
from scopectl.findings import evaluate, is_privileged_scope, load_policy_config
from scopectl.preview import load_preview, parse_preview
from scopectl.review import build_review
from tests.scopectl import previews as pv
from tests.scopectl.real_engine_previews import FIXTURES

JUSTIFIED = {"justification": "creates users (CHG-1)"}
STACK_RULES = {"read-only-purposes", "client-has-rotating-secret", "unique-client-names", "client-in-stack"}


def new_client(key: str, scopes: dict, *, secret: bool = True, **client_inputs) -> list[dict]:
    steps = [
        pv.step("create", pv.API_CLIENT, key, new=pv.client_state(key, **client_inputs)),
        pv.step("create", pv.SCOPE_ASSIGNMENT, f"{key}-scopes", new=pv.scopes_state(key, scopes)),
    ]
    if secret:
        steps.append(
            pv.step(
                "create",
                pv.CLIENT_SECRET,
                f"{key}-secret",
                new=pv.secret_state(key, rotation="schedule:2026-10-01"),
            )
        )
    return steps


def findings_of(steps: list[dict], config: dict | None = None, *, same: int = 0):
    return evaluate(parse_preview(pv.digest(steps, same=same), "preview.json"), config)


def summary(found) -> list[tuple[str, str, str]]:
    return [(f.level, f.rule, f.resource) for f in found.items]


# -- what the rules find ----------------------------------------------------------------------------


def test_a_well_formed_new_stack_has_no_findings() -> None:
    found = findings_of(new_client("sync", {"scim:read": {}, "scim:write": JUSTIFIED}))

    assert found.items == [] and not found.stack_rules_skipped


def test_the_real_engines_new_stack_has_no_findings_and_runs_every_rule() -> None:
    path = FIXTURES / "create.json"

    found = evaluate(load_preview(path.read_text(), str(path)))

    assert found.items == [] and not found.stack_rules_skipped


def test_an_unjustified_write_scope_is_a_mandatory_finding_on_the_scope_set() -> None:
    found = findings_of(new_client("sync", {"scim:read": {}, "scim:write": {}}))

    (finding,) = found.items
    assert (finding.level, finding.rule, finding.resource) == (
        "mandatory",
        "write-scopes-justified",
        "sync-scopes",
    )
    assert "scim:write" in finding.message


def test_findings_come_in_the_packs_rule_order_with_each_rules_level() -> None:
    scopes = {f"connector:read{i}": {} for i in range(9)} | {"scim:*": {}, "scim:write": {}}
    steps = new_client("sync", scopes, owner="")

    found = findings_of(steps, {"scopes-in-catalog": "disabled"})

    assert summary(found) == [
        ("mandatory", "no-wildcard-scopes", "sync-scopes"),
        ("mandatory", "write-scopes-justified", "sync-scopes"),
        ("mandatory", "client-has-owner", "sync"),
        ("advisory", "max-scopes-per-client", "sync-scopes"),
    ]


def test_the_policy_config_sets_levels_and_turns_rules_off() -> None:
    steps = new_client("sync", {"scim:write": {}}, owner="")

    everything_advisory = findings_of(steps, {"all": "advisory"})
    owner_off = findings_of(steps, {"client-has-owner": "disabled"})

    assert summary(everything_advisory) == [
        ("advisory", "write-scopes-justified", "sync-scopes"),
        ("advisory", "client-has-owner", "sync"),
    ]
    assert summary(owner_off) == [("mandatory", "write-scopes-justified", "sync-scopes")]


def test_a_value_only_known_after_apply_makes_an_advisory_not_a_verdict() -> None:
    found = findings_of(new_client("sync", {"scim:read": {}}, owner=pv.UNKNOWN))

    (finding,) = found.items
    assert (finding.level, finding.rule) == ("advisory", "client-has-owner")
    assert "can't run during preview" in finding.message


def test_deleted_resources_are_not_judged() -> None:
    scopes = pv.scopes_state("legacy", {"scim:write": {}})
    steps = [
        pv.step(
            "delete", pv.API_CLIENT, "legacy", old=pv.client_state("legacy", client_id="cid-legacy", owner="")
        ),
        pv.step("delete", pv.SCOPE_ASSIGNMENT, "legacy-scopes", old=scopes),
    ]

    found = findings_of(steps)

    assert found.items == [] and not found.stack_rules_skipped


# -- stack rules need the whole stack ---------------------------------------------------------------


def test_stack_rules_run_when_the_preview_lists_every_resource() -> None:
    found = findings_of(new_client("sync", {"scim:read": {}}, secret=False))

    assert summary(found) == [("mandatory", "client-has-rotating-secret", "sync")]
    assert not found.stack_rules_skipped


def test_stack_rules_are_skipped_and_said_so_when_unchanged_resources_are_left_out() -> None:
    # Two unchanged resources (the secret among them, perhaps) are counted but not listed.
    steps = new_client("sync", {"scim:read": {}, "scim:write": {}}, secret=False)
    document = parse_preview(pv.digest(steps, same=2), "preview.json")

    found = evaluate(document)

    assert summary(found) == [("mandatory", "write-scopes-justified", "sync-scopes")]
    assert found.stack_rules_skipped
    assert set(found.stack_rule_names) == STACK_RULES
    # The reviewer is told which rules did not run rather than reading "no findings" for them.
    markdown = report.to_markdown(build_review(document, is_privileged_scope), found)
    assert all(f"`{name}`" in markdown for name in STACK_RULES)
    assert set(report.to_json(build_review(document, is_privileged_scope), found)["stack_rules_skipped"]) == (
        STACK_RULES
    )


def test_an_existing_client_is_matched_to_its_secret_by_client_id() -> None:
    """With --show-sames, an unchanged client is listed; its id (in its outputs) links it to a secret
    that names it only by client_id, so the stack rules do not call it secretless."""
    client = pv.client_state("sync", client_id="cid-sync")
    secret = pv.secret_state("sync", rotation="schedule:2026-10-01")
    secret["dependencies"] = []
    scopes = pv.scopes_state("sync", {"scim:read": {}})
    steps = [
        pv.step("same", pv.API_CLIENT, "sync", client, client),
        pv.step("same", pv.CLIENT_SECRET, "sync-secret", secret, secret),
        pv.step(
            "update", pv.SCOPE_ASSIGNMENT, "sync-scopes", scopes, pv.scopes_state("sync", {"ziam:read": {}})
        ),
    ]

    found = findings_of(steps)

    assert found.items == [] and not found.stack_rules_skipped


# -- write/admin scopes -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scope", "privileged"),
    [
        ("scim:write", True),
        ("ziam:admin", True),
        ("Scope:Default: Role:API Full Access", True),
        ("scim:read", False),
        ("sync:profile:read", False),
        ("Role:ZDX Read Only", False),
    ],
)
def test_write_and_admin_scopes_are_privileged(scope: str, privileged: bool) -> None:
    assert is_privileged_scope(scope) is privileged


# -- the policy config file -------------------------------------------------------------------------


def test_no_policy_config_file_means_the_packs_defaults() -> None:
    assert load_policy_config(None) is None


def test_a_policy_config_file_is_read_and_changes_what_evaluate_reports(tmp_path: Path) -> None:
    path = tmp_path / "policy.json"
    path.write_text(json.dumps({"write-scopes-justified": {"enforcementLevel": "advisory"}}))

    config = load_policy_config(path)
    found = findings_of(new_client("sync", {"scim:write": {}}), config)

    assert summary(found) == [("advisory", "write-scopes-justified", "sync-scopes")]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        ("{not json", "not a readable JSON file"),
        ('{"write-scope-justified": "advisory"}', "write-scope-justified: no such rule"),
        ('{"max-scopes-per-client": {"maxScopes": "eight"}}', "maxScopes"),
    ],
)
def test_an_unusable_policy_config_file_is_an_error_naming_it(tmp_path: Path, content, message: str) -> None:
    path = tmp_path / "policy.json"
    if content is not None:
        path.write_text(content)

    with pytest.raises(ScopectlError) as caught:
        load_policy_config(path)

    assert str(path) in str(caught.value)
    assert message in str(caught.value)


# -- what the reviewer reads ------------------------------------------------------------------------


def test_the_report_lists_mandatory_findings_before_advisory_ones() -> None:
    scopes = {f"connector:read{i}": {} for i in range(9)} | {"scim:write": {}}
    document = parse_preview(pv.digest(new_client("sync", scopes)), "preview.json")
    # In the pack's order the write-scope rule comes first; made advisory, it must be listed last.
    config = {
        "scopes-in-catalog": "disabled",
        "write-scopes-justified": "advisory",
        "max-scopes-per-client": "mandatory",
    }
    found = evaluate(document, config)
    review = build_review(document, is_privileged_scope)

    markdown = report.to_markdown(review, found)
    payload = report.to_json(review, found)

    assert [f.rule for f in found.items] == ["write-scopes-justified", "max-scopes-per-client"]
    rows = [line for line in markdown.splitlines() if line.startswith("| ") and "`sync-scopes`" in line]
    assert [row.split(" | ")[:2] for row in rows] == [
        ["| **mandatory**", "`max-scopes-per-client`"],
        ["| advisory", "`write-scopes-justified`"],
    ]
    assert payload["findings"] == [
        {"level": f.level, "rule": f.rule, "resource": f.resource, "message": f.message} for f in found.items
    ]
    assert payload["stack_rules_skipped"] == []
