"""`scopectl validate` runs the policy pack's rules offline, with the pack's verdicts.

The comparison: each blocked model (tests/policies/blocked_models.py) and the dev model go through the
real program under set_mocks, and what it declares is analyzed by the pack served by
`python -m pulumi.policy` (resource rules on each resource's inputs, stack rules on all outputs with
their dependencies, as during `pulumi up`). `scopectl validate`'s findings on the same model must be
the same rules, at the same levels, on the same resources, with the same messages.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator

import pytest
import yaml

from access_model import desired_state, parse
from scopectl.__main__ import main
from scopectl.model_policy import evaluate_model
from tests.policies.blocked_models import BLOCKED_MODELS, TODAY, BlockedModel, dev_model
from tests.support.analyzer_double import PolicyPackHost, StackResource
from tests.support.program_double import ROOT, run_program

PACK_DIR = ROOT / "policies"


@pytest.fixture(scope="module")
def pack() -> Iterator[PolicyPackHost]:
    with PolicyPackHost(PACK_DIR, project="scope-manager", stack="dev") as host:
        host.configure_stack()
        host.configure()
        yield host


def pack_findings(pack: PolicyPackHost, access: dict) -> Counter:
    run = run_program(access, env={"SCOPE_MANAGER_TODAY": TODAY.isoformat()})
    assert run.error is None, run.error
    names = {r.urn: r.name for r in run.registrations}
    found: Counter = Counter()
    for r in run.registrations:
        for d in pack.analyze(r.urn, r.type, r.inputs):
            found[(d.policy, d.level, r.name, d.message.split("\n", 1)[-1])] += 1
    stack = [
        StackResource(r.urn, r.type, r.outputs, r.dependencies, r.property_dependencies)
        for r in run.registrations
    ]
    for d in pack.analyze_stack(stack):
        found[(d.policy, d.level, names.get(d.urn, "stack"), d.message.split("\n", 1)[-1])] += 1
    return found


def offline_findings(access: dict) -> Counter:
    state = desired_state(parse(access), TODAY)
    return Counter((f.rule, f.level, f.resource, f.message) for f in evaluate_model(state))


def test_dev_model_passes_both(pack):
    assert pack_findings(pack, dev_model()) == Counter()
    assert offline_findings(dev_model()) == Counter()


def test_at_least_twenty_models_each_blocked():
    assert len(BLOCKED_MODELS) >= 20
    assert len({m.id for m in BLOCKED_MODELS}) == len(BLOCKED_MODELS)
    for model in BLOCKED_MODELS:
        assert any(level == "mandatory" for _, level, _ in model.expected), model.id
        parse(model.model())  # each is a valid access model: only the pack objects


@pytest.mark.parametrize("blocked", BLOCKED_MODELS, ids=lambda m: m.id)
def test_validate_finds_what_the_pack_finds(pack, blocked: BlockedModel):
    access = blocked.model()

    served = pack_findings(pack, access)
    offline = offline_findings(access)

    assert offline == served
    assert sorted((rule, level, name) for rule, level, name, _ in offline.elements()) == sorted(
        blocked.expected
    )


@pytest.mark.parametrize("blocked", BLOCKED_MODELS[:3], ids=lambda m: m.id)
def test_validate_exits_one_naming_rule_and_place(tmp_path, capsys, blocked: BlockedModel, monkeypatch):
    monkeypatch.setenv("SCOPE_MANAGER_TODAY", TODAY.isoformat())  # not read by validate; dates are far
    stack = tmp_path / "Pulumi.dev.yaml"
    stack.write_text(yaml.safe_dump({"config": {"scope-manager:access": blocked.model()}}, sort_keys=False))

    code = main(["validate", "--stack-file", str(stack), "--format", "json"])

    payload = json.loads(capsys.readouterr().out)
    assert code == 1
    assert payload["valid"] is True and payload["policy_passed"] is False
    rules = sorted({f["rule"] for f in payload["findings"] if f["kind"] == "mandatory"})
    assert rules == sorted({r for r, level, _ in blocked.expected if level == "mandatory"})
    for finding in payload["findings"]:
        assert finding["line"] > 0 and finding["column"] > 0
        assert finding["path"].startswith(("clients", "groups", "users"))


def test_a_write_scope_without_justification_names_rule_and_line(tmp_path, capsys):
    text = (ROOT / "Pulumi.dev.yaml").read_text()
    needle = "            justification: creates, updates and deactivates users and groups (CHG-1234)\n"
    assert needle in text
    stack = tmp_path / "Pulumi.dev.yaml"
    stack.write_text(text.replace(needle, ""))
    line = text[: text.index(needle)].count("\n")  # the `scim:write:` line, now without a body

    code = main(["validate", "--stack-file", str(stack)])

    out = capsys.readouterr().out
    assert code == 1
    assert (
        f"{stack}:{line}:11: mandatory: [write-scopes-justified] "
        'clients["directory-sync"].scopes["scim:write"]: '
        "scope 'scim:write' can change data"
    ) in out


def test_advisory_findings_warn_and_exit_zero(tmp_path, capsys):
    config = tmp_path / "policy.json"
    config.write_text(json.dumps({"max-scopes-per-client": {"maxScopes": 2}}))
    code = main(["validate", "--stack-file", str(ROOT / "Pulumi.dev.yaml"), "--policy-config", str(config)])

    captured = capsys.readouterr()
    assert code == 0
    assert 'advisory: [max-scopes-per-client] clients["directory-sync"].scopes:' in captured.err
    assert "valid" in captured.out


def test_policy_config_levels_apply_like_in_the_pack(tmp_path, capsys):
    config = tmp_path / "policy.json"
    config.write_text(json.dumps({"client-has-owner": "advisory"}))
    stack = tmp_path / "Pulumi.dev.yaml"
    access = next(m for m in BLOCKED_MODELS if m.id == "no-owner").model()
    stack.write_text(yaml.safe_dump({"config": {"scope-manager:access": access}}))

    assert main(["validate", "--stack-file", str(stack), "--policy-config", str(config)]) == 0
    assert "advisory: [client-has-owner] clients.reporting.owner" in capsys.readouterr().err


def test_the_projects_policy_config_file_is_used_by_default(tmp_path, capsys):
    (tmp_path / "Pulumi.yaml").write_text("name: scope-manager\nruntime: python\n")
    access = next(m for m in BLOCKED_MODELS if m.id == "no-owner").model()
    (tmp_path / "Pulumi.dev.yaml").write_text(yaml.safe_dump({"config": {"scope-manager:access": access}}))
    assert main(["validate", "--stack", "dev", "--cwd", str(tmp_path)]) == 1
    (tmp_path / "policy-config.json").write_text(json.dumps({"client-has-owner": "disabled"}))
    capsys.readouterr()

    assert main(["validate", "--stack", "dev", "--cwd", str(tmp_path)]) == 0
