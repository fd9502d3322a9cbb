"""Least-privilege findings for a preview, from the policy pack's own rules (`policies.rules`).

`pulumi preview --json` records no policy results, so the report runs the same plain-Python rules the
`scope-guardrails` pack runs, on the inputs each resource will have after the change. Deleted
resources are not judged. Stack-level rules (a secret per client, read-only purposes, unique names)
need every resource of the stack; a preview lists unchanged resources only with `--show-sames`, so
without it those rules are skipped and the report says so rather than guessing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from policies import rules
from policies.config import PolicyConfigError
from policies.config import check as check_policy_config
from scopectl.errors import ScopectlError
from scopectl.preview import PreviewDocument
from scopectl.resource_types import API_CLIENT, UNKNOWN_SENTINEL, Urn

# The rules that need every resource of the stack (skipped when the preview leaves some out).
_STACK_RULE_NAMES = tuple(rule.name for rule in rules.RULES if rule.kind == "stack")


@dataclass(frozen=True)
class Finding:
    level: str  # mandatory | advisory
    rule: str
    resource: str  # the resource's Pulumi name, or "stack"
    message: str


@dataclass(frozen=True)
class Findings:
    items: list[Finding]
    stack_rules_skipped: bool  # the preview omitted unchanged resources

    @property
    def stack_rule_names(self) -> list[str]:
        return list(_STACK_RULE_NAMES)


def is_privileged_scope(name: str) -> bool:
    """A write/admin scope, by the same test the `write-scopes-justified` rule applies."""
    return rules.is_write_scope(name)


def load_policy_config(path: Path | None) -> dict[str, Any] | None:
    """The JSON policy config document also given to `pulumi preview --policy-pack-config`."""
    if path is None:
        return None
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScopectlError(f"--policy-config {path}: no such file") from None
    except (OSError, ValueError) as exc:
        raise ScopectlError(f"--policy-config {path}: not a readable JSON file ({exc})") from None
    try:
        return check_policy_config(document, f"--policy-config {path}")
    except PolicyConfigError as exc:
        raise ScopectlError(str(exc)) from None


def evaluate(document: PreviewDocument, policy_config: Mapping[str, Any] | None = None) -> Findings:
    resources = [_resource(change) for change in document.changes if _judged(change)]
    complete = _lists_every_resource(document)
    config = dict(policy_config or {})
    if not complete:
        config.update(dict.fromkeys(_STACK_RULE_NAMES, "disabled"))
    found = rules.evaluate(resources, config)
    items = [Finding(level=f.level, rule=f.rule, resource=_name(f.urn), message=f.message) for f in found]
    return Findings(items=items, stack_rules_skipped=not complete and bool(resources))


def _judged(change) -> bool:
    return change.new_inputs is not None and change.type != "pulumi:pulumi:Stack"


def _resource(change) -> dict[str, Any]:
    props = {k: v for k, v in (change.new_inputs or {}).items() if not k.startswith("__")}
    if change.type == API_CLIENT:
        # Stack rules match a secret to its client by client_id when no dependency links them; an
        # existing client's id is in its outputs, a new one's is not known yet.
        client_id = (change.old_outputs or {}).get("client_id") or change.resource_id
        if isinstance(client_id, str) and client_id and client_id != UNKNOWN_SENTINEL:
            props.setdefault("client_id", client_id)
    return {
        "type": change.type,
        "urn": change.urn,
        "name": change.name,
        "props": props,
        "dependencies": list(change.dependencies),
        "property_dependencies": {k: list(v) for k, v in change.property_dependencies.items()},
    }


def _lists_every_resource(document: PreviewDocument) -> bool:
    """True when unchanged resources are in the document (`--show-sames`), so stack rules see all."""
    expected_same = document.change_summary.get("same", 0)
    listed_same = sum(1 for change in document.changes if change.kind == "same")
    return listed_same >= expected_same


def _name(urn: str | None) -> str:
    if not urn:
        return "stack"
    try:
        return Urn.parse(urn).name
    except ValueError:
        return urn
