"""Check a policy config document (`pulumi preview --policy-pack-config FILE`, `scopectl --policy-config`)
before any rule runs, and say everything that is wrong with it at once.

What the Pulumi engine itself checks, and how (pkg/resource/analyzer/config.go):

- every top-level value is an enforcement level string (`advisory`, `mandatory`, `remediate`,
  `disabled`) or an object whose `enforcementLevel`, if present, is one of them;
- each policy's properties (defaults merged with the given ones) are validated with JSON Schema
  against `{"type": "object", "properties": <the policy's configSchema properties>}`.

`engine_problems` does exactly that, with jsonschema and the same schemas the pack declares (each
`Rule.config_schema`, sent as `configSchema` in GetAnalyzerInfo), so a config the engine refuses is
refused here, naming the same keys. `problems` adds two checks the engine does not make, because a
misspelling that is silently ignored leaves a limit or a level the user did not choose: a name that
is neither `all` nor a rule of the pack, and a setting a rule does not have. Each problem names the
key, the value, and the allowed choices.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from jsonschema import Draft7Validator
from jsonschema.exceptions import ValidationError

from common.suggest import did_you_mean
from policies.rules import RULES_BY_NAME, Rule

LEVELS = ("advisory", "mandatory", "remediate", "disabled")
ALL = "all"
_LEVEL_KEY = "enforcementLevel"


class PolicyConfigError(ValueError):
    """The policy config cannot be used; `problems` lists each bad key with its value and the choices."""

    def __init__(self, problems: Sequence[str], source: str = "policy config") -> None:
        self.problems = list(problems)
        self.source = source
        count = len(self.problems)
        lines = [f"{source} is invalid ({count} problem{'s' if count != 1 else ''}):"]
        lines += [f"  - {problem}" for problem in self.problems]
        super().__init__("\n".join(lines))


def engine_schema(rule: Rule) -> dict[str, Any]:
    """The JSON Schema the engine validates a rule's properties with (its `convertSchema`)."""
    schema: dict[str, Any] = {"type": "object"}
    if rule.config_schema:
        schema["properties"] = {key: dict(spec) for key, spec in rule.config_schema.items()}
    return schema


def engine_problems(document: Any) -> list[str]:
    """The problems the Pulumi engine reports for this document (its level parsing and its JSON Schema
    validation of each rule's merged properties), in our wording."""
    return [problem for problem, engine in _check(document) if engine]


def problems(document: Any) -> list[str]:
    """Every problem: the engine's, plus unknown rule names and unknown settings of a rule."""
    return [problem for problem, _ in _check(document)]


def check(document: Any, source: str = "policy config") -> dict[str, Any]:
    """`document` when it is a valid policy config; PolicyConfigError listing every problem otherwise."""
    found = problems(document)
    if found:
        raise PolicyConfigError(found, source)
    return dict(document)


def rule_problems(rule: Rule, given: Mapping[str, Any]) -> list[str]:
    """Problems with the properties one rule was configured with (what the pack receives from the engine,
    enforcement level already split off)."""
    return [problem for problem, _ in _properties(rule, dict(given))]


# --- the checks --------------------------------------------------------------------------------------


def _check(document: Any) -> list[tuple[str, bool]]:
    """(problem, the engine reports it too) pairs, in the document's order."""
    if not isinstance(document, Mapping):
        return [(f"the policy config must be a JSON object keyed by rule name; got {_show(document)}", True)]
    found: list[tuple[str, bool]] = []
    for name, value in document.items():
        rule = RULES_BY_NAME.get(name)
        if name != ALL and rule is None:
            found.append(
                (
                    f"{name}: no such rule{did_you_mean(name, [*RULES_BY_NAME, ALL])} "
                    f"(rules: {ALL}, {', '.join(RULES_BY_NAME)})",
                    False,
                )
            )
            continue
        if isinstance(value, str):
            if value not in LEVELS:
                found.append((_bad_level(name, value), True))
            continue
        if not isinstance(value, Mapping):
            found.append(
                (
                    f"{name}: {_show(value)} must be an enforcement level ({', '.join(LEVELS)}) or an object "
                    f"of settings",
                    True,
                )
            )
            continue
        given = dict(value)
        if _LEVEL_KEY in given:
            level = given.pop(_LEVEL_KEY)
            if not isinstance(level, str) or level not in LEVELS:
                found.append((_bad_level(f"{name}.{_LEVEL_KEY}", level), True))
        if rule is not None:
            found += _properties(rule, given)
        elif given:  # "all" takes only a level
            found.append((f"{ALL}: takes only {_LEVEL_KEY}; got {', '.join(sorted(given))}", False))
    return found


def _properties(rule: Rule, given: dict[str, Any]) -> list[tuple[str, bool]]:
    found: list[tuple[str, bool]] = []
    allowed = list(rule.config_schema)
    for key in given:
        if key not in rule.config_schema:
            choices = f"settings of {rule.name}: {', '.join(allowed)}" if allowed else f"{rule.name} has none"
            found.append(
                (f"{rule.name}.{key}: unknown setting{did_you_mean(key, allowed)} ({choices})", False)
            )
    if not rule.config_schema:
        return found
    merged = rule.config(given)
    validator = Draft7Validator(engine_schema(rule))
    for error in sorted(validator.iter_errors(merged), key=lambda e: [str(p) for p in e.absolute_path]):
        found.append((_explain(rule, error), True))
    return found


def _explain(rule: Rule, error: ValidationError) -> str:
    path = list(error.absolute_path)
    setting = str(path[0]) if path else ""
    where = rule.name + (f".{setting}" if setting else "") + "".join(f"[{p}]" for p in path[1:])
    spec = rule.config_schema.get(setting, {})
    return f"{where}: {_show(error.instance)} is not allowed; allowed: {_allowed(spec)}"


def _allowed(spec: Mapping[str, Any]) -> str:
    kind = spec.get("type")
    if kind == "integer":
        return "a whole number" + (f" of at least {spec['minimum']}" if "minimum" in spec else "")
    if kind == "boolean":
        return "true or false"
    if kind == "array":
        return "a list of strings"
    return json.dumps(dict(spec))


def _bad_level(where: str, value: Any) -> str:
    return f"{where}: {_show(value)} is not an enforcement level; allowed: {', '.join(LEVELS)}"


def _show(value: Any) -> str:
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return json.dumps(value)


__all__ = [
    "ALL",
    "LEVELS",
    "PolicyConfigError",
    "check",
    "engine_problems",
    "engine_schema",
    "problems",
    "rule_problems",
]
