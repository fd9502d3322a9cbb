"""Wrap the plain rules of `policies.rules` into CrossGuard policies and build the pack.

Kept apart from `rules.py` so `scopectl` can import the rules without the policy SDK. The engine sends
resource properties wrapped in pulumi_policy's unknown-checking proxies; the wrappers hand the rules
plain data (unknowns stay the engine's sentinel strings) and turn a rule's `UnknownValue` into the
SDK's own `UnknownValueError`, so the engine reports its usual advisory "can't run policy ... during
preview" instead of a false pass or a crash.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyPack,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from policies.config import PolicyConfigError, rule_problems
from policies.rules import RULES, Rule, UnknownValue, Violation

PACK_NAME = "scope-guardrails"

_LEVELS = {
    "mandatory": EnforcementLevel.MANDATORY,
    "advisory": EnforcementLevel.ADVISORY,
    "disabled": EnforcementLevel.DISABLED,
}


def plain(value: Any) -> Any:
    """Plain dicts/lists from the SDK's proxies (which raise on reading an unknown value)."""
    if isinstance(value, Mapping):
        target = value["__target"] if not isinstance(value, dict) else value
        return {key: plain(item) for key, item in target.items()}
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        target = value["__target"] if not isinstance(value, list | tuple) else value
        return [plain(item) for item in target]
    return value


def _violations(rule: Rule, subject: Any, given_config: Mapping[str, Any]) -> list[Violation]:
    """Run a rule on plain data; a value unknown during preview becomes the SDK's UnknownValueError.

    The rule's config is checked first: the engine validates it against the rule's schema, but a
    setting the rule does not have passes there (and the analyzer can be driven without the engine), so
    a bad value stops here with one error naming each bad key instead of a ValueError from inside a rule.
    """
    problems = rule_problems(rule, given_config)
    if problems:
        raise PolicyConfigError(problems, f"the config of policy {rule.name!r}")
    try:
        return rule.check(subject, rule.config(given_config))
    except UnknownValue as error:
        raise UnknownValueError(error.sentinel, [str(p) for p in error.path]) from None


def _policy_fields(rule: Rule) -> dict[str, Any]:
    """What both policy kinds take from a rule besides their validate function."""
    return {
        "name": rule.name,
        "description": rule.description,
        "enforcement_level": _LEVELS[rule.level],
        "config_schema": _schema(rule),
    }


def resource_policy(rule: Rule) -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        if args.resource_type != rule.resource_type:
            return
        for violation in _violations(rule, plain(args.props), args.get_config()):
            report(violation.message, None)

    return ResourceValidationPolicy(**_policy_fields(rule), validate=validate)


def stack_policy(rule: Rule) -> StackValidationPolicy:
    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        resources = [
            {
                "type": r.resource_type,
                "urn": r.urn,
                "name": r.name,
                "props": plain(r.props),
                "dependencies": [d.urn for d in r.dependencies],
                "property_dependencies": {k: [d.urn for d in v] for k, v in r.property_dependencies.items()},
            }
            for r in args.resources
        ]
        for violation in _violations(rule, resources, args.get_config()):
            report(violation.message, violation.urn)

    return StackValidationPolicy(**_policy_fields(rule), validate=validate)


def _schema(rule: Rule) -> PolicyConfigSchema | None:
    if not rule.config_schema:
        return None
    return PolicyConfigSchema(properties={k: dict(v) for k, v in rule.config_schema.items()})


def policies() -> list[ResourceValidationPolicy | StackValidationPolicy]:
    return [resource_policy(r) if r.kind == "resource" else stack_policy(r) for r in RULES]


def serve() -> None:
    """Build the pack. PolicyPack's constructor starts the analyzer gRPC server and blocks forever."""
    PolicyPack(
        name=PACK_NAME,
        enforcement_level=EnforcementLevel.MANDATORY,
        policies=policies(),
        description="Least privilege for OAuth API clients, their scopes and secrets, and SCIM groups.",
    )
