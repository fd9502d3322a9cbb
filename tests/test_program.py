"""The program (`__main__.py`) under `pulumi.runtime.set_mocks`: what it declares, how the resources are
wired, and that an invalid model declares nothing."""

from __future__ import annotations

import pulumi
import pytest
import yaml

from access_model import load_yaml, read_stack_access
from tests.access_model.invalid_models import CASES, Case
from tests.support.program_double import ROOT, ProgramRun, is_secret, run_program

# 2026-11-22 lies in the 76-day rotation period that began on 2026-10-22 (see test_desired_state.py).
TODAY = {"SCOPE_MANAGER_TODAY": "2026-11-22"}


@pytest.fixture(scope="module")
def dev() -> ProgramRun:
    run = run_program(read_stack_access(ROOT / "Pulumi.dev.yaml"), env=TODAY)
    assert run.error is None, run.error
    return run


def test_dev_model_declares_one_client_scope_set_and_secret_per_client_then_users_and_groups(
    dev: ProgramRun,
) -> None:
    assert set(dev.by_type("zidentity:ApiClient")) == {"directory-sync", "reporting"}
    assert set(dev.by_type("zidentity:ScopeAssignment")) == {"directory-sync-scopes", "reporting-scopes"}
    assert set(dev.by_type("zidentity:ClientSecret")) == {"directory-sync-secret", "reporting-secret"}
    assert set(dev.by_type("zidentity:PreviousSecret")) == {
        "directory-sync-previous-secret",
        "reporting-previous-secret",
    }
    assert set(dev.by_type("scim:User")) == {"contractor-ann", "contractor-raj"}
    assert set(dev.by_type("scim:Group")) == {"quarantine", "contractors"}
    assert len(dev.registrations) == 12


def test_api_client_inputs(dev: ProgramRun) -> None:
    client = dev.by_type("zidentity:ApiClient")["directory-sync"].plain_inputs
    assert client == {
        "name": "directory-sync-connector",
        "description": "Provisions users and groups from the HR system into the directory",
        "owner": "identity-platform@example.com",
        "purpose": "provisioning",
        "enabled": True,
        "access_token_lifetime": 3600,
        "adopt": False,
        # Created with its scopes, the ScopeAssignment's names exactly (it owns them afterwards).
        "initial_scopes": sorted(
            dev.by_type("zidentity:ScopeAssignment")["directory-sync-scopes"].plain_inputs["scopes"]
        ),
    }
    reporting = dev.by_type("zidentity:ApiClient")["reporting"].plain_inputs
    assert (reporting["name"], reporting["purpose"], reporting["access_token_lifetime"]) == (
        "reporting-integration",
        "reporting",
        900,
    )


def test_scope_assignments_carry_the_scope_map_with_justifications(dev: ProgramRun) -> None:
    sync = dev.by_type("zidentity:ScopeAssignment")["directory-sync-scopes"].plain_inputs["scopes"]
    assert sorted(sync) == [
        "connector:read",
        "connector:write",
        "scim:read",
        "scim:write",
        "sync:profile:read",
    ]
    assert sync["scim:write"] == {
        "justification": "creates, updates and deactivates users and groups (CHG-1234)"
    }
    assert dev.by_type("zidentity:ScopeAssignment")["reporting-scopes"].plain_inputs["scopes"] == {
        "scim:read": {}
    }


def test_secrets_get_lifetime_and_the_rotation_derived_from_the_schedule(dev: ProgramRun) -> None:
    for name in ("directory-sync-secret", "reporting-secret"):
        secret = dev.by_type("zidentity:ClientSecret")[name].plain_inputs
        assert {k: secret[k] for k in ("lifetime_days", "renew_before_days", "rotation")} == {
            "lifetime_days": 90,
            "renew_before_days": 14,
            "rotation": "schedule:2026-10-22",
        }


def test_scope_assignment_and_secret_take_client_id_from_their_client(dev: ProgramRun) -> None:
    clients = dev.by_type("zidentity:ApiClient")
    for key in ("directory-sync", "reporting"):
        client_urn = clients[key].urn
        for child in (
            dev.by_type("zidentity:ScopeAssignment")[f"{key}-scopes"],
            dev.by_type("zidentity:ClientSecret")[f"{key}-secret"],
        ):
            assert child.property_dependencies["client_id"] == [client_urn]
            assert child.dependencies == [client_urn]
            assert child.parent == client_urn
            # The value the mocks gave the client's `client_id` output flowed into the child's input.
            assert child.plain_inputs["client_id"] == f"cli-{key}"


def test_groups_list_members_by_userName_and_wait_for_declared_users(dev: ProgramRun) -> None:
    users = dev.by_type("scim:User")
    contractors = dev.by_type("scim:Group")["contractors"]
    assert contractors.plain_inputs["members"] == {
        "ann.lee@contractor.example": True,
        "raj.patel@contractor.example": True,
    }
    assert sorted(contractors.dependencies) == sorted(
        [users["contractor-ann"].urn, users["contractor-raj"].urn]
    )
    assert contractors.plain_inputs["exclusive"] is True
    quarantine = dev.by_type("scim:Group")["quarantine"]
    assert quarantine.plain_inputs["members"] == {} and quarantine.plain_inputs["exclusive"] is True
    assert quarantine.dependencies == []
    order = [r.name for r in dev.registrations]
    assert order.index("contractor-ann") < order.index("contractors")


def test_users_are_declared_with_their_attributes(dev: ProgramRun) -> None:
    ann = dev.by_type("scim:User")["contractor-ann"].plain_inputs
    assert ann["user_name"] == "ann.lee@contractor.example"
    assert (ann["given_name"], ann["family_name"], ann["emails"]) == (
        "Ann",
        "Lee",
        ["ann.lee@contractor.example"],
    )
    assert ann["active"] is True and ann["on_delete"] == "deactivate"


def test_exports_ids_and_the_secrets_as_a_pulumi_secret(dev: ProgramRun) -> None:
    assert dev.outputs["client_ids"] == {"directory-sync": "cli-directory-sync", "reporting": "cli-reporting"}
    assert dev.outputs["group_ids"] == {"quarantine": "grp-quarantine", "contractors": "grp-contractors"}
    assert dev.outputs["user_ids"] == {
        "contractor-ann": "usr-contractor-ann",
        "contractor-raj": "usr-contractor-raj",
    }
    assert dev.outputs["client_secrets"] == {
        "directory-sync": "plaintext-of-directory-sync-secret",
        "reporting": "plaintext-of-reporting-secret",
    }
    assert dev.secret_outputs == {"client_secrets", "client_credentials"}


def test_client_credentials_give_each_client_its_current_secret_with_expiry_and_revoke_date(
    dev: ProgramRun,
) -> None:
    """The consumer's output: the current secret (from the PreviousSecret, which takes it over from the
    ClientSecret), its expiry, the next scheduled rotation and the day it would be revoked after it."""
    reporting = dev.outputs["client_credentials"]["reporting"]
    # 76-day periods: the one holding 2026-11-22 began 2026-10-22, so the next starts 2027-01-06; with
    # the default overlap of 7 days the current secret is revoked on 2027-01-13 at the earliest.
    assert reporting == {
        "client_id": "cli-reporting",
        "current": {
            "secret_id": "sec-reporting-secret",
            "value": "plaintext-of-reporting-secret",
            "expires_at": "2027-02-20T00:00:00Z",
            "rotates_on": "2027-01-06",
            "revoke_on": "2027-01-13",
        },
        "previous": None,
    }


def test_the_previous_secret_takes_the_current_one_from_the_client_secret(dev: ProgramRun) -> None:
    previous = dev.by_type("zidentity:PreviousSecret")["reporting-previous-secret"]
    assert previous.plain_inputs["client_key"] == "reporting"
    assert previous.plain_inputs["overlap_days"] == 7
    assert previous.plain_inputs["current_secret_id"] == "sec-reporting-secret"
    assert {"current_value", "previous_value"} <= set(previous.additional_secret_outputs)
    assert dev.by_type("zidentity:ClientSecret")["reporting-secret"].plain_inputs["overlap_days"] == 7


def test_secret_value_output_is_declared_secret(dev: ProgramRun) -> None:
    """The engine (not the mocks) applies additional_secret_outputs; check the program asks for it."""
    for secret in dev.by_type("zidentity:ClientSecret").values():
        assert "value" in secret.additional_secret_outputs


def test_the_provider_pickle_is_sent_as_a_secret(dev: ProgramRun) -> None:
    assert all(is_secret(r.inputs["__provider"]) for r in dev.registrations)


def test_expired_members_and_users_are_dropped_on_the_scheduled_run() -> None:
    run = run_program(read_stack_access(ROOT / "Pulumi.dev.yaml"), env={"SCOPE_MANAGER_TODAY": "2027-04-01"})
    assert run.error is None
    assert run.by_type("scim:Group")["contractors"].plain_inputs["members"] == {
        "ann.lee@contractor.example": True
    }
    assert run.by_type("scim:User")["contractor-raj"].plain_inputs["active"] is False
    infos = [message for level, message in run.logs if level == "INFO"]
    assert (
        "groups.contractors.members[1]: membership of raj.patel@contractor.example expired on 2027-03-31;"
        in (" ".join(infos))
    )


def test_expired_scope_grant_is_left_out_of_the_assignment() -> None:
    access = load_yaml(
        "clients:\n  svc:\n    owner: a@example.com\n    scopes:\n      scim:read: {}\n"
        "      scim:write: {justification: CHG-9, expires: 2026-11-21}\n",
        "test",
    )
    run = run_program(access, env=TODAY)
    assert run.error is None
    assert run.by_type("zidentity:ScopeAssignment")["svc-scopes"].plain_inputs["scopes"] == {"scim:read": {}}
    assert any("scim:write" in message and "expired on 2026-11-21" in message for _, message in run.logs)


def test_grants_expiring_within_a_week_are_logged_as_warnings() -> None:
    run = run_program(read_stack_access(ROOT / "Pulumi.dev.yaml"), env={"SCOPE_MANAGER_TODAY": "2027-03-28"})
    warnings = [message for level, message in run.logs if level == "WARNING"]
    assert warnings == [
        "groups.contractors.members[1]: membership of raj.patel@contractor.example"
        " expires in 3 days (2027-03-31)",
        'users["contractor-raj"].expires: user access expires in 3 days (2027-03-31)',
    ]


@pytest.mark.parametrize(
    ("today", "rotation"),
    [("2027-01-05", "schedule:2026-10-22"), ("2027-01-06", "schedule:2027-01-06")],
)
def test_rotation_value_changes_when_the_period_elapses(today: str, rotation: str) -> None:
    run = run_program(read_stack_access(ROOT / "Pulumi.dev.yaml"), env={"SCOPE_MANAGER_TODAY": today})
    assert run.by_type("zidentity:ClientSecret")["reporting-secret"].plain_inputs["rotation"] == rotation


def test_manual_rotation_forces_a_new_value() -> None:
    access = read_stack_access(ROOT / "Pulumi.dev.yaml")
    access["clients"]["reporting"]["secret"]["rotation"] = "incident-2026-11-20"
    run = run_program(access, env=TODAY)
    secrets = run.by_type("zidentity:ClientSecret")
    assert (
        secrets["reporting-secret"].plain_inputs["rotation"]
        == "schedule:2026-10-22 manual:incident-2026-11-20"
    )
    assert secrets["directory-sync-secret"].plain_inputs["rotation"] == "schedule:2026-10-22"


def test_empty_model_declares_nothing_and_exports_empty_maps() -> None:
    run = run_program({})
    assert run.error is None and run.registrations == []
    assert run.outputs["client_ids"] == {} and run.outputs["client_secrets"] == {}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_invalid_model_declares_nothing(case: Case) -> None:
    run = run_program(load_yaml(case.yaml, case.id))
    assert isinstance(run.error, pulumi.RunError), run.error
    assert f"  {case.path}: " in str(run.error)
    assert "stack config scope-manager:access is invalid" in str(run.error)
    assert run.registrations == []


def test_missing_access_model_declares_nothing() -> None:
    run = run_program(None)
    assert run.error is not None and "scope-manager:access" in str(run.error)
    assert run.registrations == []


def test_a_model_file_named_in_stack_config_is_declared_like_the_inline_model(tmp_path, monkeypatch) -> None:
    """`scope-manager:accessFile`, relative to the project directory, where the engine runs the program."""
    (tmp_path / "Pulumi.yaml").write_text("name: scope-manager\nruntime: python\n")
    (tmp_path / "access").mkdir()
    inline = read_stack_access(ROOT / "Pulumi.dev.yaml")
    (tmp_path / "access" / "dev.yaml").write_text(yaml.safe_dump(inline, sort_keys=False))
    monkeypatch.chdir(tmp_path)

    from_file = run_program(config={"scope-manager:accessFile": "access/dev.yaml"}, env=TODAY)

    assert from_file.error is None, from_file.error
    in_config = run_program(inline, env=TODAY)
    declared = {(r.type, r.name): r.plain_inputs for r in from_file.registrations}
    assert declared == {(r.type, r.name): r.plain_inputs for r in in_config.registrations}
    assert len(declared) == len(in_config.registrations) > 10


def test_a_model_file_and_an_inline_model_together_declare_nothing(tmp_path, monkeypatch) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: scope-manager\nruntime: python\n")
    (tmp_path / "dev.yaml").write_text("clients: {}\n")
    monkeypatch.chdir(tmp_path)

    run = run_program({}, config={"scope-manager:accessFile": "dev.yaml"})

    assert isinstance(run.error, pulumi.RunError), run.error
    assert "not both" in str(run.error) and run.registrations == []


def test_bad_today_override_is_named_and_declares_nothing() -> None:
    run = run_program({}, env={"SCOPE_MANAGER_TODAY": "tomorrow"})
    assert isinstance(run.error, pulumi.RunError)
    assert "SCOPE_MANAGER_TODAY='tomorrow' is not a date written YYYY-MM-DD" in str(run.error)
    assert run.registrations == []
