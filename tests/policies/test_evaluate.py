"""`policies.rules.evaluate`: the rules over plain resource dicts, as `scopectl report` runs them on the
resources of a `pulumi preview --json` (where the engine records no policy results)."""

from __future__ import annotations

from policies import rules
from policies.rules import API_CLIENT, CLIENT_SECRET, SCOPE_ASSIGNMENT, UNKNOWN_VALUES, Finding, evaluate

CLIENT_URN = "urn:pulumi:dev::scope-manager::pulumi-python:dynamic/zidentity:ApiClient::reporting"
UNKNOWN = next(iter(sorted(UNKNOWN_VALUES)))


def _stack(scope_map: dict, purpose: str = "reporting") -> list[dict]:
    client = {
        "type": API_CLIENT,
        "urn": CLIENT_URN,
        "name": "reporting",
        "props": {"name": "reporting-integration", "owner": "sec@example.com", "purpose": purpose},
    }
    link = {"property_dependencies": {"client_id": [CLIENT_URN]}, "dependencies": [CLIENT_URN]}
    assignment = {
        "type": SCOPE_ASSIGNMENT,
        "urn": CLIENT_URN.replace("ApiClient::reporting", "ScopeAssignment::reporting-scopes"),
        "name": "reporting-scopes",
        "props": {"client_id": "04da6b54-80e4-46f7-96ec-b56ff0331ba9", "scopes": scope_map},
        **link,
    }
    secret = {
        "type": CLIENT_SECRET,
        "urn": CLIENT_URN.replace("ApiClient::reporting", "ClientSecret::reporting-secret"),
        "name": "reporting-secret",
        "props": {
            "client_id": "[secret]",
            "lifetime_days": 90,
            "rotation": "schedule:2026-10-22",
            "value": "[secret]",
        },
        **link,
    }
    return [client, assignment, secret]


def test_compliant_stack_has_no_findings() -> None:
    assert evaluate(_stack({"scim:read": {}})) == []


def test_findings_name_rule_level_and_resource() -> None:
    resources = _stack({"scim:read": {}, "scim:write": {}})
    findings = evaluate(resources)
    assert [(f.rule, f.level, f.urn) for f in findings] == [
        ("write-scopes-justified", "mandatory", resources[1]["urn"]),
        ("read-only-purposes", "mandatory", resources[1]["urn"]),
    ]


def test_policy_config_document_sets_levels_and_limits() -> None:
    resources = _stack({f"s{i}:read": {} for i in range(3)}, purpose="integration")
    config = {"all": "advisory", "scopes-in-catalog": "disabled", "max-scopes-per-client": {"maxScopes": 2}}
    assert evaluate(resources, config) == [
        Finding(
            "max-scopes-per-client",
            "advisory",
            "the client holds 3 scopes, more than 2; split it by job",
            resources[1]["urn"],
        )
    ]


def test_unknown_value_becomes_an_advisory_finding() -> None:
    resources = _stack({"scim:write": {"justification": UNKNOWN}}, purpose="integration")
    (finding,) = evaluate(resources)
    assert (finding.rule, finding.level) == ("write-scopes-justified", "advisory")
    assert finding.message.startswith("can't run during preview: .scopes.scim:write.justification")


def test_unknown_scope_metadata_is_not_taken_for_a_missing_justification() -> None:
    resources = _stack({"scim:write": UNKNOWN}, purpose="integration")
    (finding,) = evaluate(resources)
    assert (finding.rule, finding.level) == ("write-scopes-justified", "advisory")
    assert finding.message.startswith("can't run during preview: .scopes.scim:write ")


def test_scope_classification() -> None:
    assert rules.is_write_scope("scim:write") and rules.is_write_scope("Scope:Default: Role:API Full Access")
    assert not rules.is_write_scope("scim:read")
    assert rules.is_read_scope("Role:ZDX Read Only") and rules.is_read_scope("sync:profile:read")
    assert not rules.is_read_scope("Role:API_Role01")  # says neither: counts as power
