"""Policy config is checked before any rule runs: every bad key, value and the allowed choices in one
error, in scopectl and in the pack, and the same verdicts as the engine's schema validation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from google.protobuf import json_format
from jsonschema import Draft7Validator

from policies import config as policy_config
from policies.rules import RULES, RULES_BY_NAME, SCOPE_ASSIGNMENT
from scopectl.__main__ import main
from tests.support.analyzer_double import PolicyPackHost
from tests.support.program_double import ROOT

PACK_DIR = ROOT / "policies"

# (document, the problems it must produce, in order); each names the key, the value and the choices.
BAD = [
    (
        {"max-scopes-per-client": {"maxScopes": "x"}},
        ['max-scopes-per-client.maxScopes: "x" is not allowed; allowed: a whole number of at least 1'],
    ),
    (
        {"max-scopes-per-client": {"maxScopes": 0}},
        ["max-scopes-per-client.maxScopes: 0 is not allowed; allowed: a whole number of at least 1"],
    ),
    (
        {"all": "blocking"},
        ['all: "blocking" is not an enforcement level; allowed: advisory, mandatory, remediate, disabled'],
    ),
    (
        {"client-has-owner": {"enforcementLevel": "blocking"}},
        [
            'client-has-owner.enforcementLevel: "blocking" is not an enforcement level; '
            "allowed: advisory, mandatory, remediate, disabled"
        ],
    ),
    (
        {"secret-max-lifetime": {"maxLifetimeDays": True}},
        ["secret-max-lifetime.maxLifetimeDays: true is not allowed; allowed: a whole number of at least 1"],
    ),
    (
        {"client-has-rotating-secret": {"requireSchedule": "yes"}},
        ['client-has-rotating-secret.requireSchedule: "yes" is not allowed; allowed: true or false'],
    ),
    (
        {"scopes-in-catalog": {"catalog": ["scim:read", 7]}},
        ["scopes-in-catalog.catalog[1]: 7 is not allowed; allowed: a list of strings"],
    ),
]
# Not checked by the engine, refused here because a misspelling would be silently ignored.
STRICTER = [
    (
        {"max-scope-per-client": "advisory"},
        "max-scope-per-client: no such rule; did you mean max-scopes-per-client?",
    ),
    (
        {"max-scopes-per-client": {"maxScope": 3}},
        "max-scopes-per-client.maxScope: unknown setting; did you mean maxScopes?",
    ),
]


@pytest.mark.parametrize(("document", "expected"), BAD)
def test_engine_checks_name_each_bad_key_value_and_the_choices(document, expected):
    assert policy_config.problems(document) == expected
    assert policy_config.engine_problems(document) == expected


@pytest.mark.parametrize(("document", "expected"), STRICTER)
def test_misspelled_rules_and_settings_are_errors_the_engine_would_ignore(document, expected):
    [problem] = policy_config.problems(document)
    assert problem.startswith(expected)
    assert policy_config.engine_problems(document) == []


def test_valid_documents_pass():
    for document in (
        {},
        {"all": "advisory"},
        {"all": {"enforcementLevel": "mandatory"}},
        {"max-scopes-per-client": {"enforcementLevel": "mandatory", "maxScopes": 5}},
        {"read-only-purposes": "disabled", "scopes-in-catalog": {"catalog": ["a"]}},
    ):
        assert policy_config.problems(document) == [], document


def test_every_problem_is_in_one_error():
    document = {"max-scopes-per-client": {"maxScopes": "x"}, "all": "blocking", "client-has-ownr": "advisory"}
    with pytest.raises(policy_config.PolicyConfigError) as caught:
        policy_config.check(document, "cfg.json")
    text = str(caught.value)
    assert text.startswith("cfg.json is invalid (3 problems):")
    assert "maxScopes" in text and "blocking" in text and "did you mean client-has-owner?" in text


@pytest.mark.parametrize(
    ("document", "needle"),
    [
        ({"max-scopes-per-client": {"maxScopes": "x"}}, 'maxScopes: "x" is not allowed'),
        ({"all": "blocking"}, 'all: "blocking" is not an enforcement level'),
        ({"write-scope-justified": "mandatory"}, "did you mean write-scopes-justified?"),
    ],
)
@pytest.mark.parametrize("command", ["report", "validate"])
def test_scopectl_exits_one_with_the_problem_and_no_traceback(tmp_path, capsys, document, needle, command):
    config = tmp_path / "policy.json"
    config.write_text(json.dumps(document))
    if command == "report":
        (tmp_path / "preview.json").write_text(json.dumps({"steps": [], "changeSummary": {}}))
        argv = ["report", str(tmp_path / "preview.json")]
    else:
        argv = ["validate", "--stack-file", str(ROOT / "Pulumi.dev.yaml")]

    code = main([*argv, "--policy-config", str(config)])

    err = capsys.readouterr().err
    assert code == 1
    assert needle in err
    assert "allowed:" in err or "did you mean" in err
    assert "Traceback" not in err


# --- the pack and the engine ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pack() -> Iterator[PolicyPackHost]:
    with PolicyPackHost(PACK_DIR, project="scope-manager", stack="dev") as host:
        yield host


def test_the_schemas_checked_here_are_the_ones_the_pack_declares_to_the_engine(pack):
    """The engine validates each policy's config against the configSchema the pack sends in
    GetAnalyzerInfo, wrapped as {"type": "object", "properties": ...}; ours are the same schemas."""
    served = {
        policy.name: json_format.MessageToDict(policy.configSchema.properties)
        for policy in pack.info().policies
    }
    for rule in RULES:
        assert policy_config.engine_schema(rule).get("properties", {}) == served[rule.name], rule.name


@pytest.mark.parametrize(("document", "expected"), BAD + [(d, []) for d, _ in STRICTER])
def test_engine_verdicts_match_validating_against_the_served_schemas(pack, document, expected):
    """Validate the merged properties against the schemas the served pack declares, as the engine does;
    our engine_problems refuse exactly the documents that validation refuses."""
    served = {p.name: json_format.MessageToDict(p.configSchema.properties) for p in pack.info().policies}
    engine_refuses = False
    for name, value in document.items():
        if name not in served:
            continue  # the engine skips config for policies the pack does not have
        if isinstance(value, str):
            engine_refuses |= value not in policy_config.LEVELS
            continue
        given = {k: v for k, v in value.items() if k != "enforcementLevel"}
        engine_refuses |= value.get("enforcementLevel", "advisory") not in policy_config.LEVELS
        merged = RULES_BY_NAME[name].config(given)
        schema = {"type": "object", "properties": served[name]} if served[name] else {"type": "object"}
        engine_refuses |= any(True for _ in Draft7Validator(schema).iter_errors(merged))
    if "all" in document and isinstance(document["all"], str):
        engine_refuses |= document["all"] not in policy_config.LEVELS
    assert bool(policy_config.engine_problems(document)) is engine_refuses


def test_the_pack_refuses_a_bad_setting_with_one_error_naming_it(pack):
    """The analyzer can be configured without the engine's schema check (and unknown settings pass that
    check): the pack itself stops with the problem instead of a ValueError inside the rule."""
    pack.configure({"max-scopes-per-client": {"maxScopes": "x"}})
    try:
        with pytest.raises(grpc.RpcError) as caught:
            pack.analyze(
                f"urn:pulumi:dev::scope-manager::{SCOPE_ASSIGNMENT}::x-scopes",
                SCOPE_ASSIGNMENT,
                {"client_id": "cli-x", "scopes": {"scim:read": {}}},
            )
        details = caught.value.details()
        assert "the config of policy 'max-scopes-per-client' is invalid (1 problem)" in details
        assert (
            'max-scopes-per-client.maxScopes: "x" is not allowed; allowed: a whole number of at least 1'
            in details
        )
        assert "invalid literal for int()" not in details
    finally:
        pack.configure()


def test_report_config_file_missing_is_a_clear_error(tmp_path, capsys):
    code = main(["report", str(tmp_path / "p.json"), "--policy-config", str(Path(tmp_path / "nope.json"))])
    assert code == 1 and "no such file" in capsys.readouterr().err


def test_report_reads_the_projects_policy_config_by_default(tmp_path, capsys, monkeypatch):
    """The file the workflows give the pack (`policy-config.json` beside Pulumi.yaml) is the report's too."""
    (tmp_path / "Pulumi.yaml").write_text("name: scope-manager\n")
    (tmp_path / "policy-config.json").write_text('{"all": "blocking"}')
    (tmp_path / "preview.json").write_text(json.dumps({"steps": [], "changeSummary": {}}))
    monkeypatch.chdir(tmp_path)

    assert main(["report", "preview.json"]) == 1
    assert 'all: "blocking" is not an enforcement level' in capsys.readouterr().err
