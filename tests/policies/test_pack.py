"""The pack as the Pulumi CLI runs it: `python -m pulumi.policy` in `policies/`, driven over gRPC.

The resources analyzed are what the real program declares for the dev model (captured under
`set_mocks`): per resource its checked inputs (Analyze), then all outputs with their dependencies
(AnalyzeStack), as the engine sends them during `pulumi up --policy-pack policies`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from access_model import read_stack_access
from tests.support.analyzer_double import UNKNOWN, Diagnostic, PolicyPackHost, StackResource
from tests.support.program_double import ROOT, ProgramRun, run_program

PACK_DIR = ROOT / "policies"
TODAY = {"SCOPE_MANAGER_TODAY": "2026-11-22"}


@pytest.fixture(scope="module")
def pack() -> Iterator[PolicyPackHost]:
    with PolicyPackHost(PACK_DIR, project="scope-manager", stack="dev") as host:
        host.configure_stack()
        yield host


@pytest.fixture(scope="module")
def preview_pack() -> Iterator[PolicyPackHost]:
    with PolicyPackHost(PACK_DIR, project="scope-manager", stack="dev", dry_run=True) as host:
        yield host


def _dev_model() -> dict:
    return read_stack_access(ROOT / "Pulumi.dev.yaml")


def _analyze_each(pack: PolicyPackHost, run: ProgramRun) -> dict[str, list[Diagnostic]]:
    return {r.name: pack.analyze(r.urn, r.type, r.inputs) for r in run.registrations}


def _stack(run: ProgramRun) -> list[StackResource]:
    return [
        StackResource(r.urn, r.type, r.outputs, r.dependencies, r.property_dependencies)
        for r in run.registrations
    ]


def test_pack_identifies_itself_with_every_policy(pack: PolicyPackHost) -> None:
    info = pack.info()
    assert info.name == "scope-guardrails" and info.supportsConfig
    assert len(info.policies) == 13


def test_dev_model_passes_every_policy(pack: PolicyPackHost) -> None:
    pack.configure()
    run = run_program(_dev_model(), env=TODAY)
    assert run.error is None
    assert all(diags == [] for diags in _analyze_each(pack, run).values())
    assert pack.analyze_stack(_stack(run)) == []


def test_mandatory_violations_reach_the_engine(pack: PolicyPackHost) -> None:
    model = _dev_model()
    model["clients"]["reporting"]["scopes"]["scim:write"] = {
        "justification": "writes the report back (CHG-9)"
    }
    model["clients"]["reporting"]["secret"] = {"lifetime_days": 180, "rotate_every_days": 150}
    run = run_program(model, env=TODAY)
    assert run.error is None
    pack.configure()

    per_resource = _analyze_each(pack, run)
    assert per_resource["reporting-secret"] == [
        Diagnostic(
            "secret-max-lifetime",
            "mandatory",
            "A client secret lives at most maxLifetimeDays (default 90).\n"
            "secret lifetime is 180 days, more than the allowed 90",
            "",
        )
    ]
    assert all(diags == [] for name, diags in per_resource.items() if name != "reporting-secret")

    stack_diagnostics = pack.analyze_stack(_stack(run))
    reporting_scopes = run.by_type("zidentity:ScopeAssignment")["reporting-scopes"]
    assert [(d.policy, d.level, d.urn) for d in stack_diagnostics] == [
        ("read-only-purposes", "mandatory", reporting_scopes.urn)
    ]
    assert "may hold read scopes only, but is granted 'scim:write'" in stack_diagnostics[0].message


def test_config_overrides_limits_and_levels(pack: PolicyPackHost) -> None:
    model = _dev_model()
    model["clients"]["reporting"]["scopes"]["scim:write"] = {
        "justification": "writes the report back (CHG-9)"
    }
    model["clients"]["reporting"]["secret"] = {"lifetime_days": 180, "rotate_every_days": 150}
    run = run_program(model, env=TODAY)
    reconciled = pack.configure(
        {
            "secret-max-lifetime": {"maxLifetimeDays": 180},
            "read-only-purposes": "advisory",
            "all": "mandatory",
        }
    )
    assert reconciled["secret-max-lifetime"]["props"] == {"maxLifetimeDays": 180}
    try:
        assert _analyze_each(pack, run)["reporting-secret"] == []
        stack_diagnostics = pack.analyze_stack(_stack(run))
        assert [(d.policy, d.level) for d in stack_diagnostics] == [("read-only-purposes", "advisory")]
    finally:
        pack.configure()


def test_disabled_policy_reports_nothing(pack: PolicyPackHost) -> None:
    pack.configure({"no-wildcard-scopes": "disabled"})
    try:
        diagnostics = pack.analyze(
            "urn:pulumi:dev::scope-manager::pulumi-python:dynamic/zidentity:ScopeAssignment::x",
            "pulumi-python:dynamic/zidentity:ScopeAssignment",
            {"client_id": "cli-x", "scopes": {"*": {}}},
        )
        assert [d.policy for d in diagnostics] == ["scopes-in-catalog"]
    finally:
        pack.configure()


def test_unknown_values_in_preview_give_the_engine_advisory(preview_pack: PolicyPackHost) -> None:
    preview_pack.configure()
    secret_type = "pulumi-python:dynamic/zidentity:ClientSecret"
    orphan = StackResource(
        f"urn:pulumi:dev::scope-manager::{secret_type}::s",
        secret_type,
        {"client_id": UNKNOWN, "rotation": ""},
    )
    diagnostics = preview_pack.analyze_stack([orphan])
    # Both stack rules that relate a secret to its client need the id; neither guesses.
    assert [(d.policy, d.level) for d in diagnostics] == [
        ("client-has-rotating-secret", "advisory"),
        ("client-in-stack", "advisory"),
    ]
    assert diagnostics[1].message == (
        "can't run policy 'client-in-stack' from policy pack 'scope-guardrails@v0.0.1' during preview: "
        "string value at .client_id can't be known during preview"
    )


def test_pack_process_never_prints_secret_values(pack: PolicyPackHost) -> None:
    run = run_program(_dev_model(), env=TODAY)
    pack.configure()
    pack.analyze_stack(_stack(run))
    assert not any("plaintext-of-" in line for line in pack.stderr_lines)


def test_unknown_resource_input_in_preview_gives_the_engine_advisory(preview_pack: PolicyPackHost) -> None:
    """A resource rule that needs a value the engine does not know yet is neither passed nor failed."""
    preview_pack.configure()
    secret_type = "pulumi-python:dynamic/zidentity:ClientSecret"
    diagnostics = preview_pack.analyze(
        f"urn:pulumi:dev::scope-manager::{secret_type}::s",
        secret_type,
        {"client_id": UNKNOWN, "lifetime_days": UNKNOWN, "rotation": ""},
    )
    assert [(d.policy, d.level) for d in diagnostics] == [
        ("secret-max-lifetime", "advisory"),
        ("secret-overlap-within-lifetime", "advisory"),
    ]
    for diagnostic in diagnostics:
        assert "during preview" in diagnostic.message and ".lifetime_days" in diagnostic.message
