"""Build resources the way the engine hands them to policies, and run one policy on them directly.

`validate_resource`/`validate_stack` call the CrossGuard policy object's own `validate` with the same
argument objects the SDK's analyzer servicer builds (properties behind `unknown_checking_proxy`), so the
wrappers in `policies.crossguard` are exercised together with the rules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import PolicyResource, PolicyResourceOptions, ResourceValidationArgs, StackValidationArgs
from pulumi_policy.proxy import unknown_checking_proxy

from policies import rules
from policies.crossguard import policies

POLICIES = {policy.name: policy for policy in policies()}
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
UNKNOWN_NUMBER = "3eeb2bf0-c639-47a8-9e75-3b44932eb421"


def urn_of(type_: str, name: str) -> str:
    return f"urn:pulumi:dev::scope-manager::{type_}::{name}"


def _options() -> PolicyResourceOptions:
    return PolicyResourceOptions(False, [], None, [], None, [], None)


def validate_resource(policy_name: str, type_: str, props: Mapping[str, Any], config: Mapping | None = None):
    """Messages the policy reports for one resource (raises UnknownValueError like under the servicer)."""
    messages: list[str] = []
    args = ResourceValidationArgs(
        type_,
        unknown_checking_proxy(dict(props)),
        urn_of(type_, "r"),
        "r",
        _options(),
        None,
        dict(config or {}),
    )
    POLICIES[policy_name].validate(args, lambda message, urn=None: messages.append(message))
    return messages


@dataclass
class Res:
    """A resource of a stack as AnalyzeStack sees it (final outputs plus dependencies)."""

    type: str
    name: str
    props: dict[str, Any]
    depends_on: Sequence[Res] = ()
    client: Res | None = None  # the ApiClient this resource takes client_id from (a property dependency)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def urn(self) -> str:
        return urn_of(self.type, self.name)


def validate_stack(policy_name: str, resources: Sequence[Res], config: Mapping | None = None):
    """(message, urn) pairs the stack policy reports."""
    objects = {
        r.urn: PolicyResource(
            r.type, unknown_checking_proxy(dict(r.props)), r.urn, r.name, _options(), None, None, [], {}
        )
        for r in resources
    }
    for r in resources:
        deps = [*r.depends_on, *([r.client] if r.client else [])]
        objects[r.urn].dependencies = [objects[d.urn] for d in deps if d.urn in objects]
        if r.client is not None and r.client.urn in objects:
            objects[r.urn].property_dependencies = {"client_id": [objects[r.client.urn]]}
    found: list[tuple[str, str | None]] = []
    args = StackValidationArgs(list(objects.values()), dict(config or {}))
    POLICIES[policy_name].validate(args, lambda message, urn=None: found.append((message, urn)))
    return found


def client(key: str, **props: Any) -> Res:
    """An ApiClient whose resource name is `key` (its tenant `name` defaults to the key)."""
    base = {"name": key, "owner": "team@example.com", "purpose": "integration", "client_id": f"cli-{key}"}
    return Res(rules.API_CLIENT, key, {**base, **props})


def scopes(
    owner: Res | None, scope_map: Mapping[str, Any], name: str | None = None, client_id: Any = UNKNOWN
) -> Res:
    return Res(
        rules.SCOPE_ASSIGNMENT,
        name or f"{owner.name if owner else 'orphan'}-scopes",
        {"client_id": client_id, "scopes": dict(scope_map)},
        client=owner,
    )


def secret(owner: Res | None, name: str | None = None, client_id: Any = UNKNOWN, **props: Any) -> Res:
    base = {
        "client_id": client_id,
        "lifetime_days": 90,
        "renew_before_days": 14,
        "rotation": "schedule:2026-10-22",
        "overlap_days": 7,
        "value": "s3cr3t-plaintext-value",
    }
    return Res(
        rules.CLIENT_SECRET,
        name or f"{owner.name if owner else 'orphan'}-secret",
        {**base, **props},
        client=owner,
    )
