"""Run the `scope-guardrails` pack's rules on an access model, offline: `scopectl validate`'s gate.

The pack judges the resources the program declares. This module declares the same resources on paper
from the desired state (what `__main__.py` passes to `ApiClient`, `ScopeAssignment`, `ClientSecret`,
`ScimUser` and `ScimGroup`, linked the way the program links them: a client's scope set and secret take
`client_id` from it), and runs `policies.rules.evaluate` on them with the same policy config the pack
takes. It models `pulumi up`: every value is known, as in the pack's stack analysis after a deployment.
tests/scopectl/test_validate_policy.py checks that the pack, served by `python -m pulumi.policy` and fed
what the real program declares, reports the same findings at the same levels.

Each finding carries the model path it is about (`clients.sync.scopes["scim:write"]`), built from the
resource it was found on and the property path the rule names (`Violation.where`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from access_model import ClientSettings, DesiredState, GroupSettings, UserSettings, settings_of
from access_model.paths import format_path
from policies import rules

PROJECT = "scope-manager"
# The resource classes' own defaults for inputs the program leaves unset (a None in the model).
_CLIENT_DEFAULTS = {"description": "", "owner": "", "purpose": ""}


@dataclass(frozen=True)
class PlannedResource:
    type: str
    name: str
    urn: str
    props: dict[str, Any]
    base: tuple[str | int, ...]  # where the resource's properties live in the model
    dependencies: tuple[str, ...] = ()
    property_dependencies: Mapping[str, tuple[str, ...]] | None = None

    def as_rule_input(self) -> dict[str, Any]:
        """The resource as `policies.rules` (and the pack's crossguard wrappers) hand it to a rule."""
        return {
            "type": self.type,
            "urn": self.urn,
            "name": self.name,
            "props": self.props,
            "dependencies": list(self.dependencies),
            "property_dependencies": {k: list(v) for k, v in (self.property_dependencies or {}).items()},
        }


@dataclass(frozen=True)
class ModelFinding:
    rule: str
    level: str  # mandatory | advisory
    resource: str  # the Pulumi resource name the pack would report
    path: str  # the place in the access model
    message: str


def _urn(stack: str, type_: str, name: str, parent_type: str | None = None) -> str:
    qualified = f"{parent_type}${type_}" if parent_type else type_
    return f"urn:pulumi:{stack}::{PROJECT}::{qualified}::{name}"


def _inputs(item: Any, kind: type) -> dict[str, Any]:
    """As the program's `_inputs`: the kind's settings without the key, tuples as lists, unset dropped."""
    return {
        name: list(value) if isinstance(value, tuple) else value
        for name, value in settings_of(item, kind).items()
        if name != "key" and value is not None
    }


def planned_resources(state: DesiredState, stack: str = "dev") -> list[PlannedResource]:
    """The resources the program declares for `state`, in its order, with `pulumi up`'s known values."""
    out: list[PlannedResource] = []
    for key, client in state.clients.items():
        client_urn = _urn(stack, rules.API_CLIENT, key)
        client_id = f"offline-{key}"  # stands in for the tenant's id: only links matter to the rules
        props = {**_CLIENT_DEFAULTS, **_inputs(client, ClientSettings), "client_id": client_id}
        out.append(PlannedResource(rules.API_CLIENT, key, client_urn, props, ("clients", key)))
        link = {"dependencies": (client_urn,), "property_dependencies": {"client_id": (client_urn,)}}
        out.append(
            PlannedResource(
                rules.SCOPE_ASSIGNMENT,
                f"{key}-scopes",
                _urn(stack, rules.SCOPE_ASSIGNMENT, f"{key}-scopes", rules.API_CLIENT),
                {"client_id": client_id, "scopes": {s: dict(m) for s, m in client.scopes.items()}},
                ("clients", key),
                **link,
            )
        )
        out.append(
            PlannedResource(
                rules.CLIENT_SECRET,
                f"{key}-secret",
                _urn(stack, rules.CLIENT_SECRET, f"{key}-secret", rules.API_CLIENT),
                {
                    "client_id": client_id,
                    "lifetime_days": client.secret.lifetime_days,
                    "renew_before_days": client.secret.renew_before_days,
                    "rotation": client.secret.rotation,
                    "overlap_days": client.secret.overlap_days,
                },
                ("clients", key, "secret"),
                **link,
            )
        )
    for key, user in state.users.items():
        urn = _urn(stack, rules.SCIM_USER, key)
        out.append(PlannedResource(rules.SCIM_USER, key, urn, _inputs(user, UserSettings), ("users", key)))
    for key, group in state.groups.items():
        props = {**_inputs(group, GroupSettings), "members": list(group.members)}
        out.append(
            PlannedResource(rules.SCIM_GROUP, key, _urn(stack, rules.SCIM_GROUP, key), props, ("groups", key))
        )
    return out


def evaluate_model(
    state: DesiredState, policy_config: Mapping[str, Any] | None = None, stack: str = "dev"
) -> list[ModelFinding]:
    """The pack's findings for the model, each placed in the model (rules run in the pack's order)."""
    resources = planned_resources(state, stack)
    by_urn = {r.urn: r for r in resources}
    findings = []
    for found in rules.evaluate([r.as_rule_input() for r in resources], policy_config):
        resource = by_urn.get(found.urn or "")
        if resource is None:
            path, name = "(top level)", "stack"
        else:
            # The model uses the resources' property names, so the paths join directly.
            path = format_path((*resource.base, *found.where))
            name = resource.name
        findings.append(ModelFinding(found.rule, found.level, name, path, found.message))
    return findings
