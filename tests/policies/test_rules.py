"""Each rule of scope-guardrails with passing and failing resources, validated directly through the
CrossGuard policy objects (the same objects the pack serves)."""

from __future__ import annotations

import pytest
from pulumi_policy import EnforcementLevel
from pulumi_policy.proxy import UnknownValueError

from policies import rules
from policies.rules import API_CLIENT, CLIENT_SECRET, SCIM_GROUP, SCOPE_ASSIGNMENT
from tests.policies.builders import (
    POLICIES,
    UNKNOWN,
    UNKNOWN_NUMBER,
    client,
    scopes,
    secret,
    validate_resource,
    validate_stack,
)

# The list, with each rule's default enforcement level.
EXPECTED_LEVELS = {
    "no-wildcard-scopes": EnforcementLevel.MANDATORY,
    "scopes-in-catalog": EnforcementLevel.MANDATORY,
    "write-scopes-justified": EnforcementLevel.MANDATORY,
    "read-only-purposes": EnforcementLevel.MANDATORY,
    "secret-max-lifetime": EnforcementLevel.MANDATORY,
    "secret-overlap-minimum": EnforcementLevel.MANDATORY,
    "secret-overlap-within-lifetime": EnforcementLevel.MANDATORY,
    "client-has-rotating-secret": EnforcementLevel.MANDATORY,
    "client-has-owner": EnforcementLevel.MANDATORY,
    "max-scopes-per-client": EnforcementLevel.ADVISORY,
    "privileged-groups-exclusive": EnforcementLevel.MANDATORY,
    "unique-client-names": EnforcementLevel.MANDATORY,
    "client-in-stack": EnforcementLevel.MANDATORY,
}


def test_every_rule_is_in_the_pack_with_its_default_level() -> None:
    assert {name: p.enforcement_level for name, p in POLICIES.items()} == EXPECTED_LEVELS


def test_config_schemas_carry_defaults() -> None:
    defaults = {
        name: {
            k: v.get("default") for k, v in (p.config_schema.properties if p.config_schema else {}).items()
        }
        for name, p in POLICIES.items()
    }
    assert defaults["secret-max-lifetime"] == {"maxLifetimeDays": 90}
    assert defaults["max-scopes-per-client"] == {"maxScopes": 8}
    assert defaults["privileged-groups-exclusive"] == {"privilegedGroups": ["*quarantine*", "*admin*"]}
    assert defaults["client-has-rotating-secret"] == {"requireSchedule": True}
    assert defaults["secret-overlap-minimum"] == {"minimumDays": 1}
    assert defaults["secret-overlap-within-lifetime"] == {"marginDays": 0}


# --- no-wildcard-scopes ----------------------------------------------------------------------------


def test_specific_scopes_pass_the_wildcard_rule() -> None:
    assert validate_resource("no-wildcard-scopes", SCOPE_ASSIGNMENT, {"scopes": {"scim:read": {}}}) == []


@pytest.mark.parametrize("scope", ["*", "*:*", "scim:*", "admin", "ADMIN", "ziam:admin"])
def test_wildcard_and_all_powerful_scopes_fail(scope: str) -> None:
    (message,) = validate_resource("no-wildcard-scopes", SCOPE_ASSIGNMENT, {"scopes": {scope: {}}})
    assert repr(scope) in message


def test_forbidden_scopes_are_configurable_but_wildcards_never_pass() -> None:
    config = {"forbiddenScopes": []}
    assert validate_resource("no-wildcard-scopes", SCOPE_ASSIGNMENT, {"scopes": {"admin": {}}}, config) == []
    assert validate_resource("no-wildcard-scopes", SCOPE_ASSIGNMENT, {"scopes": {"scim:*": {}}}, config) != []


def test_rules_ignore_other_resource_types() -> None:
    assert validate_resource("no-wildcard-scopes", API_CLIENT, {"scopes": {"*": {}}}) == []


# --- scopes-in-catalog -----------------------------------------------------------------------------


def test_catalog_scopes_pass() -> None:
    props = {"scopes": {"scim:read": {}, "Role:ZDX Read Only": {}}}
    assert validate_resource("scopes-in-catalog", SCOPE_ASSIGNMENT, props) == []


def test_scope_outside_the_catalog_fails_with_a_suggestion() -> None:
    messages = validate_resource("scopes-in-catalog", SCOPE_ASSIGNMENT, {"scopes": {"scim:wrte": {}}})
    assert messages == ["scope 'scim:wrte' is not in the tenant's scope catalog; did you mean scim:write?"]


def test_catalog_comes_from_policy_config() -> None:
    props = {"scopes": {"reports:read": {}}}
    assert validate_resource("scopes-in-catalog", SCOPE_ASSIGNMENT, props) != []
    assert (
        validate_resource("scopes-in-catalog", SCOPE_ASSIGNMENT, props, {"catalog": ["reports:read"]}) == []
    )


# --- write-scopes-justified ------------------------------------------------------------------------


def test_justified_write_scopes_and_unjustified_read_scopes_pass() -> None:
    props = {"scopes": {"scim:write": {"justification": "CHG-1"}, "scim:read": {}}}
    assert validate_resource("write-scopes-justified", SCOPE_ASSIGNMENT, props) == []


@pytest.mark.parametrize(
    ("scope", "metadata"),
    [
        ("scim:write", {}),
        ("connector:write", {"justification": "   "}),
        ("ziam:admin", {"expires": "2027-01-01"}),
        ("Scope:Default: Role:API Full Access", {}),
    ],
)
def test_write_admin_and_full_access_scopes_need_a_justification(scope: str, metadata: dict) -> None:
    (message,) = validate_resource("write-scopes-justified", SCOPE_ASSIGNMENT, {"scopes": {scope: metadata}})
    assert f"scope {scope!r} can change data but has no justification" in message


def test_write_markers_are_configurable() -> None:
    props = {"scopes": {"reports:export": {}}}
    assert validate_resource("write-scopes-justified", SCOPE_ASSIGNMENT, props) == []
    config = {"writeMarkers": ["export"]}
    assert validate_resource("write-scopes-justified", SCOPE_ASSIGNMENT, props, config) != []


def test_unknown_justification_is_not_judged_in_preview() -> None:
    props = {"scopes": {"scim:write": {"justification": UNKNOWN}}}
    with pytest.raises(UnknownValueError) as raised:
        validate_resource("write-scopes-justified", SCOPE_ASSIGNMENT, props)
    assert (
        raised.value.message
        == "string value at .scopes.scim:write.justification can't be known during preview"
    )


# --- max-scopes-per-client (advisory) --------------------------------------------------------------


def test_eight_scopes_pass_nine_fail_and_the_limit_is_configurable() -> None:
    eight = {"scopes": {f"s{i}:read": {} for i in range(8)}}
    nine = {"scopes": {f"s{i}:read": {} for i in range(9)}}
    assert validate_resource("max-scopes-per-client", SCOPE_ASSIGNMENT, eight) == []
    assert validate_resource("max-scopes-per-client", SCOPE_ASSIGNMENT, nine) == [
        "the client holds 9 scopes, more than 8; split it by job"
    ]
    assert validate_resource("max-scopes-per-client", SCOPE_ASSIGNMENT, nine, {"maxScopes": 9}) == []


# --- secret-max-lifetime ---------------------------------------------------------------------------


def test_secret_lifetime_limit() -> None:
    assert validate_resource("secret-max-lifetime", CLIENT_SECRET, {"lifetime_days": 90}) == []
    assert validate_resource("secret-max-lifetime", CLIENT_SECRET, {"lifetime_days": 120}) == [
        "secret lifetime is 120 days, more than the allowed 90"
    ]
    assert (
        validate_resource(
            "secret-max-lifetime", CLIENT_SECRET, {"lifetime_days": 120}, {"maxLifetimeDays": 180}
        )
        == []
    )


def test_unknown_lifetime_is_reported_as_unknown_not_passed() -> None:
    with pytest.raises(UnknownValueError) as raised:
        validate_resource("secret-max-lifetime", CLIENT_SECRET, {"lifetime_days": UNKNOWN_NUMBER})
    assert raised.value.message == "number value at .lifetime_days can't be known during preview"


# --- secret-overlap-minimum / secret-overlap-within-lifetime -------------------------------------


def test_an_overlap_shorter_than_the_minimum_fails() -> None:
    assert validate_resource("secret-overlap-minimum", CLIENT_SECRET, {"overlap_days": 1}) == []
    assert validate_resource("secret-overlap-minimum", CLIENT_SECRET, {"overlap_days": 0}) == [
        "overlap_days is 0, shorter than the required 1: a rotation would revoke the secret consumers "
        "hold before they can read the new one"
    ]
    # A secret that declares no overlap_days (not this program's) is not judged.
    assert validate_resource("secret-overlap-minimum", CLIENT_SECRET, {}) == []
    config = {"minimumDays": 3}
    assert validate_resource("secret-overlap-minimum", CLIENT_SECRET, {"overlap_days": 2}, config) != []
    assert validate_resource("secret-overlap-minimum", CLIENT_SECRET, {"overlap_days": 3}, config) == []


def test_an_overlap_that_would_outlive_the_secret_fails() -> None:
    ok = {"lifetime_days": 90, "renew_before_days": 14, "overlap_days": 14}
    assert validate_resource("secret-overlap-within-lifetime", CLIENT_SECRET, ok) == []
    assert validate_resource("secret-overlap-within-lifetime", CLIENT_SECRET, {**ok, "overlap_days": 15}) == [
        "overlap_days 15 exceeds renew_before_days 14: a secret renewed when its renewal window opens "
        "would expire before its overlap window ends"
    ]
    short_lived = {"lifetime_days": 30, "renew_before_days": 40, "overlap_days": 30}
    assert validate_resource("secret-overlap-within-lifetime", CLIENT_SECRET, short_lived) == [
        "overlap_days 30 is not below lifetime_days 30: the previous secret would expire before its "
        "overlap window ends"
    ]
    margin = {"marginDays": 3}
    assert validate_resource("secret-overlap-within-lifetime", CLIENT_SECRET, ok, margin) == [
        "overlap_days 14 + marginDays 3 exceeds renew_before_days 14: a secret renewed when its renewal "
        "window opens would expire before its overlap window ends"
    ]


def test_an_unknown_overlap_is_reported_as_unknown_not_passed() -> None:
    with pytest.raises(UnknownValueError):
        validate_resource("secret-overlap-minimum", CLIENT_SECRET, {"overlap_days": UNKNOWN_NUMBER})


# --- client-has-owner ------------------------------------------------------------------------------


def test_client_with_owner_passes() -> None:
    assert validate_resource("client-has-owner", API_CLIENT, {"name": "a", "owner": "team@example.com"}) == []


@pytest.mark.parametrize("props", [{"name": "a"}, {"name": "a", "owner": ""}, {"name": "a", "owner": "  "}])
def test_client_without_owner_fails(props: dict) -> None:
    assert validate_resource("client-has-owner", API_CLIENT, props) == [
        "the client has no owner; set owner to the team or person who answers for it"
    ]


# --- privileged-groups-exclusive -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("display_name", "exclusive", "violates"),
    [
        ("Quarantine", True, False),
        ("Quarantine", False, True),
        ("Tenant Admins", False, True),
        ("Contractors", False, False),
    ],
)
def test_privileged_groups_must_be_exclusive(display_name: str, exclusive: bool, violates: bool) -> None:
    messages = validate_resource(
        "privileged-groups-exclusive", SCIM_GROUP, {"display_name": display_name, "exclusive": exclusive}
    )
    assert bool(messages) is violates


def test_privileged_group_names_are_configurable() -> None:
    props = {"display_name": "Contractors", "exclusive": False}
    config = {"privilegedGroups": ["contractors"]}
    assert validate_resource("privileged-groups-exclusive", SCIM_GROUP, props, config) == [
        "group 'Contractors' is privileged, so its membership must be exclusive (exclusive: true), "
        "or members added by hand would stay"
    ]


# --- read-only-purposes (stack) --------------------------------------------------------------------


def test_reporting_client_with_read_scopes_passes() -> None:
    reporting = client("reporting", purpose="reporting")
    stack = [reporting, scopes(reporting, {"scim:read": {}, "Role:ZDX Read Only": {}})]
    assert validate_stack("read-only-purposes", stack) == []


@pytest.mark.parametrize("scope", ["scim:write", "Role:API_Role01", "ziam:admin"])
def test_reporting_client_with_write_or_unclear_scope_fails(scope: str) -> None:
    reporting = client("reporting", purpose="reporting")
    assignment = scopes(reporting, {"scim:read": {}, scope: {"justification": "x"}})
    assert validate_stack("read-only-purposes", [reporting, assignment]) == [
        (
            "client 'reporting' has purpose 'reporting' and may hold read scopes only, "
            f"but is granted {scope!r}",
            assignment.urn,
        )
    ]


def test_other_purposes_may_hold_write_scopes() -> None:
    sync = client("sync", purpose="provisioning")
    assert validate_stack("read-only-purposes", [sync, scopes(sync, {"scim:write": {}})]) == []


def test_assignment_is_matched_to_its_client_by_known_client_id_too() -> None:
    """After `up` (or in a preview JSON without property dependencies) ids are known and equal."""
    audit = client("audit", purpose="audit")
    orphan_link = scopes(None, {"scim:write": {}}, name="audit-scopes", client_id="cli-audit")
    assert len(validate_stack("read-only-purposes", [audit, orphan_link])) == 1


def test_read_only_purposes_are_configurable() -> None:
    sync = client("sync", purpose="provisioning")
    stack = [sync, scopes(sync, {"scim:write": {}})]
    assert len(validate_stack("read-only-purposes", stack, {"readOnlyPurposes": ["provisioning"]})) == 1


# --- client-has-rotating-secret (stack) ------------------------------------------------------------


def test_client_with_a_scheduled_secret_passes() -> None:
    a = client("a")
    assert validate_stack("client-has-rotating-secret", [a, secret(a)]) == []


def test_client_without_a_secret_fails() -> None:
    a = client("a")
    assert validate_stack("client-has-rotating-secret", [a]) == [
        ("client 'a' has no ClientSecret in this stack", a.urn)
    ]


def test_secret_without_a_schedule_fails_unless_configured_otherwise() -> None:
    a = client("a")
    stack = [a, secret(a, rotation="manual:incident-4")]
    assert validate_stack("client-has-rotating-secret", stack) == [
        ("the secret of client 'a' has no rotation schedule; set secret.rotate_every_days", a.urn)
    ]
    assert validate_stack("client-has-rotating-secret", stack, {"requireSchedule": False}) == []


# --- unique-client-names (stack) -------------------------------------------------------------------


def test_distinct_client_names_pass() -> None:
    assert validate_stack("unique-client-names", [client("a"), client("b")]) == []


def test_duplicate_client_names_fail_case_insensitively() -> None:
    first, second = client("a", name="Reporting"), client("b", name="reporting")
    assert validate_stack("unique-client-names", [first, second]) == [
        ("API client name 'reporting' is also used by a; names must be unique", second.urn)
    ]


# --- client-in-stack (stack) -----------------------------------------------------------------------


def test_secret_and_scopes_of_a_declared_client_pass() -> None:
    a = client("a")
    assert validate_stack("client-in-stack", [a, secret(a), scopes(a, {"scim:read": {}})]) == []


def test_secret_of_a_client_outside_the_stack_fails() -> None:
    stray = secret(None, name="stray-secret", client_id="cli-someone-else")
    stray_scopes = scopes(None, {"scim:read": {}}, name="stray-scopes", client_id="cli-someone-else")
    assert validate_stack("client-in-stack", [client("a"), stray, stray_scopes]) == [
        (
            "secret 'stray-secret' belongs to no API client declared in this stack; "
            "take client_id from an ApiClient of the stack",
            stray.urn,
        ),
        (
            "scope assignment 'stray-scopes' belongs to no API client declared in this stack; "
            "take client_id from an ApiClient of the stack",
            stray_scopes.urn,
        ),
    ]


def test_secret_with_unknown_client_and_no_link_is_not_judged_in_preview() -> None:
    with pytest.raises(UnknownValueError) as raised:
        validate_stack("client-in-stack", [client("a"), secret(None, name="s", client_id=UNKNOWN)])
    assert raised.value.message == "string value at .client_id can't be known during preview"


# --- across rules ----------------------------------------------------------------------------------


def test_no_message_ever_contains_a_secret_value() -> None:
    a = client("a", owner="")
    stack = [
        a,
        client("b", name="a"),
        secret(a, lifetime_days=365),
        secret(None, name="x", client_id="cli-x"),
    ]
    found = [m for name in POLICIES if POLICIES[name] for m in _all_messages(name, stack)]
    assert found, "the stack above breaks several rules"
    assert not any("s3cr3t" in message for message in found)


def _all_messages(name: str, stack) -> list[str]:
    rule = rules.RULES_BY_NAME[name]
    if rule.kind == "stack":
        return [m for m, _ in validate_stack(name, stack)]
    return [m for r in stack for m in validate_resource(name, r.type, r.props)]
