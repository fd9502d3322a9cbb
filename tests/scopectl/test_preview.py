"""`scopectl.preview`: `pulumi preview --json` (the engine's PreviewDigest) read into one change per
resource, on digests the real engine wrote (tests/scopectl/fixtures/real_engine) and on built ones
for the step shapes those do not contain; malformed documents are errors that name the bad place."""

from __future__ import annotations

import json

import pytest

from scopectl.errors import ScopectlError
from scopectl.preview import load_preview, parse_preview
from tests.scopectl import previews as pv
from tests.scopectl.real_engine_previews import FIXTURES


def real(name: str):
    path = FIXTURES / f"{name}.json"
    return load_preview(path.read_text(), str(path))


def by_name(document):
    return {change.name: change for change in document.changes}


# -- digests written by the real engine --------------------------------------------------------------


def test_a_new_stack_is_one_create_per_resource_with_no_old_side() -> None:
    document = real("create")

    assert (document.stack, document.project) == ("dev", "scope-manager")
    assert document.has_changes
    assert {change.kind for change in document.changes} == {"create"}
    assert all(change.old_inputs is None and change.old_outputs is None for change in document.changes)
    changes = by_name(document)
    assert changes["reporting-scopes"].type == pv.SCOPE_ASSIGNMENT
    assert set(changes["reporting-scopes"].new_inputs["scopes"]) == {"scim:read"}
    assert changes["contractors"].type == pv.SCIM_GROUP


def test_a_child_resource_gets_its_own_type_and_its_client_as_parent_and_dependency() -> None:
    changes = by_name(real("create"))
    secret, client = changes["directory-sync-secret"], changes["directory-sync"]

    # The URN's type is qualified with the parent's (`ApiClient$ClientSecret`); the change's is its own.
    assert "$" in secret.urn
    assert secret.type == pv.CLIENT_SECRET
    assert secret.parent == client.urn
    assert client.urn in secret.dependencies


def test_an_update_keeps_both_sides_and_unchanged_resources_stay_listed_as_same() -> None:
    document = real("grant-and-revoke")
    changes = by_name(document)

    scopes = changes["directory-sync-scopes"]
    assert scopes.kind == "update" and scopes.changed
    assert "ziam:read" in scopes.new_inputs["scopes"] and "ziam:read" not in scopes.old_inputs["scopes"]
    assert "connector:write" in scopes.old_inputs["scopes"]
    assert "connector:write" not in scopes.new_inputs["scopes"]
    # An existing resource's tenant id is known, so a report can link a scope set to its client.
    assert changes["directory-sync"].resource_id
    assert changes["directory-sync"].old_outputs["client_id"] == changes["directory-sync"].resource_id

    changed = {change.name for change in document.changes if change.changed}
    assert changed == {"directory-sync-scopes", "contractors"}
    assert changes["reporting"].kind == "same"
    assert document.change_summary == {"same": 10, "update": 2}


def test_a_rotation_is_one_replace_change_carrying_both_rotation_values() -> None:
    changes = by_name(real("rotation"))

    secret = changes["directory-sync-secret"]
    assert secret.kind == "replace"
    assert secret.replace_reasons == ("rotation",)
    assert "manual:incident-42" in secret.new_inputs["rotation"]
    assert "manual:" not in secret.old_inputs["rotation"]
    assert changes["directory-sync-previous-secret"].kind == "update"


# -- step shapes ------------------------------------------------------------------------------------


def test_the_three_steps_of_a_replacement_are_one_change() -> None:
    old = pv.secret_state("sync", rotation="schedule:2026-07-01")
    new = pv.secret_state("sync", rotation="schedule:2026-09-15")
    document = parse_preview(
        pv.digest(pv.replacement(pv.CLIENT_SECRET, "sync-secret", old, new, ["rotation"])), "preview.json"
    )

    (change,) = document.changes
    assert change.kind == "replace"
    assert change.ops == ("create-replacement", "replace", "delete-replaced")
    assert change.old_inputs["rotation"] == "schedule:2026-07-01"
    assert change.new_inputs["rotation"] == "schedule:2026-09-15"
    assert change.replace_reasons == ("rotation",)


def test_a_delete_has_no_new_side_and_a_create_no_old_side() -> None:
    gone = pv.client_state("legacy", client_id="cid-legacy")
    document = parse_preview(
        pv.digest(
            [
                pv.step("delete", pv.API_CLIENT, "legacy", old=gone, new=gone),
                pv.step("create", pv.API_CLIENT, "fresh", old=gone, new=pv.client_state("fresh")),
            ]
        ),
        "preview.json",
    )

    legacy, fresh = document.changes
    assert (legacy.kind, legacy.new_inputs, legacy.old_inputs["name"]) == ("delete", None, "legacy")
    assert (fresh.kind, fresh.old_inputs, fresh.new_inputs["name"]) == ("create", None, "fresh")


def test_changes_keep_the_order_resources_first_appear_in() -> None:
    steps = [
        pv.step("create", pv.SCIM_USER, "zed", new=pv.user_state("zed", "zed@example.com")),
        pv.step("create", pv.SCIM_USER, "amy", new=pv.user_state("amy", "amy@example.com")),
    ]
    document = parse_preview(pv.digest(steps), "preview.json")

    assert [change.name for change in document.changes] == ["zed", "amy"]


def test_a_refresh_step_is_drift_only_when_it_reads_back_a_different_state() -> None:
    before = pv.group_state("contractors", ["ann@example.com"])
    edited = pv.group_state("contractors", ["ann@example.com", "eve@example.com"])

    def refresh(new, summary):  # the engine's summary counts what each refresh found, not "refresh"
        raw = pv.digest([pv.step("refresh", pv.SCIM_GROUP, "contractors", old=before, new=new)])
        return parse_preview({**raw, "changeSummary": summary}, "refresh.json")

    drifted = refresh(edited, {"update": 1})
    unchanged = refresh(before, {"same": 1})

    assert drifted.changes[0].kind == "update" and drifted.has_changes
    assert unchanged.changes[0].kind == "same" and not unchanged.has_changes


def test_changes_the_summary_counts_but_no_step_shows_are_reported_not_hidden() -> None:
    raw = pv.digest([])
    raw["changeSummary"] = {"same": 4, "update": 2}

    document = parse_preview(raw, "refresh.json")

    assert document.changes == ()
    assert document.has_changes
    assert document.unattributed_changes == {"update": 2}


def test_null_steps_are_an_unchanged_stack() -> None:
    raw = pv.digest([])
    raw["steps"] = None
    raw["changeSummary"] = {"same": 3}

    document = parse_preview(raw, "preview.json")

    assert document.changes == () and document.stack is None
    assert not document.has_changes and document.unattributed_changes == {}


def test_diff_details_and_property_dependencies_are_read() -> None:
    old = pv.client_state("sync", client_id="cid-sync")
    new = pv.client_state("sync", client_id="cid-sync", description="edited")
    new["propertyDependencies"] = {"client_id": [pv.urn(pv.API_CLIENT, "other")], "bad": "not-a-list"}
    step = pv.step(
        "update",
        pv.API_CLIENT,
        "sync",
        old=old,
        new=new,
        diff_reasons=["description"],
        detailed_diff={"description": {"kind": "update"}, "owner": "odd"},
    )

    (change,) = parse_preview(pv.digest([step]), "preview.json").changes

    assert change.diff_reasons == ("description",)
    assert change.detailed_diff == {"description": "update", "owner": "update"}
    assert change.property_dependencies == {"client_id": (pv.urn(pv.API_CLIENT, "other"),)}
    assert change.resource_id == "cid-sync"


def test_diagnostics_are_kept_with_credentials_scrubbed() -> None:
    token = (
        "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZG1pbiIsImV4cCI6MTcwMDAwMDAwMH0.c2lnbmF0dXJlLXZhbHVlLTEyMzQ1Njc4"
    )
    raw = pv.digest(
        [],
        diagnostics=[
            {"severity": "error", "message": f"401 with Authorization: Bearer {token}", "urn": "u"},
            {"message": "plain note"},
            "not an object",
        ],
    )

    diagnostics = parse_preview(raw, "preview.json").diagnostics

    assert [(d.severity, d.urn) for d in diagnostics] == [("error", "u"), ("info", None)]
    assert token not in diagnostics[0].message and "401 with Authorization" in diagnostics[0].message
    assert diagnostics[1].message == "plain note"


# -- documents that are not a preview ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "p.json: empty input; expected the output of `pulumi preview --json`"),
        ('{\n  "steps": [,]\n}', "p.json: not JSON (line 2, column"),
        ("[1, 2]", "p.json: not a Pulumi preview document: the top level is a list"),
        ('{"deployment": {}}', "no 'steps' key (this looks like a stack export or state file)"),
        ('{"steps": {}}', "p.json: 'steps' is an object, expected a list"),
        ('{"steps": [7]}', "p.json: steps[0] is a number, expected an object"),
        ('{"steps": [{"op": "create"}]}', "p.json: steps[0].urn is missing or not a non-empty string"),
        ('{"steps": [{"op": "create", "urn": "nope"}]}', "p.json: steps[0].urn: not a Pulumi URN: 'nope'"),
        ('{"steps": [], "changeSummary": {"same": "3"}}', "'changeSummary' is not an object of counts"),
        ('{"steps": [], "diagnostics": {}}', "'diagnostics' is an object, expected a list"),
        ("[" * 100_000, "JSON nested too deeply to read"),
        ('{"steps": [], "n": ' + "9" * 5000 + "}", "unreadable JSON (a number with too many digits)"),
    ],
)
def test_a_document_that_is_not_a_preview_is_an_error_naming_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ScopectlError) as caught:
        load_preview(text, "p.json")

    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        ({"newState": []}, "steps[0].newState is a list, expected an object"),
        ({"oldState": {"inputs": "x"}}, "steps[0].oldState.inputs is a string, expected an object"),
        ({"diffReasons": [1]}, "steps[0].diffReasons is not a list of strings"),
        ({"replaceReasons": "rotation"}, "steps[0].replaceReasons is not a list of strings"),
        ({"detailedDiff": ["name"]}, "steps[0].detailedDiff is a list, expected an object or null"),
    ],
)
def test_a_malformed_step_is_an_error_naming_its_index_and_field(patch: dict, message: str) -> None:
    step = {**pv.step("create", pv.SCIM_USER, "ann", new=pv.user_state("ann", "ann@example.com")), **patch}

    with pytest.raises(ScopectlError) as caught:
        load_preview(json.dumps({"steps": [step]}), "p.json")

    assert f"p.json: {message}" == str(caught.value)
