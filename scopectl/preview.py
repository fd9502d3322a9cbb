"""Read `pulumi preview --json` (the engine's PreviewDigest) into one change per resource.

The digest lists steps, not resources: a replacement is three steps (`replace`,
`create-replacement`, `delete-replaced`) for one URN, and a reviewer must see it once. This module
validates the document's shape (naming the exact place that is wrong) and collapses the steps; it
knows nothing about clients or scopes. The shape is the Pulumi engine's PreviewDigest
(`sdk/go/common/display/json.go` in pulumi/pulumi; `pkg/backend/display/json.go` builds it).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from providers.tenant import scrub_credentials
from scopectl.errors import ScopectlError
from scopectl.resource_types import Urn

# Step ops grouped by what they mean for a reviewer.
_REPLACEMENT_OPS = frozenset(
    {"replace", "create-replacement", "delete-replaced", "discard-replaced", "import-replacement"}
)
_KIND_OF_OP = {
    "create": "create",
    "import": "import",
    "update": "update",
    "delete": "delete",
    "discard": "delete",
    "same": "same",
    "read": "same",
    "refresh": "same",  # unless the states differ: see _refresh_kind
}
# When one URN has several non-replacement steps (rare), the strongest one describes it.
_STRENGTH = {"delete": 5, "create": 4, "import": 3, "update": 2, "other": 1, "same": 0}

NO_CHANGE_KINDS = frozenset({"same"})


@dataclass(frozen=True)
class ResourceChange:
    """What happens to one resource (one URN), with only the parts of its states a report reads.

    `old_inputs`/`new_inputs` are the resource's inputs before and after (None when it does not
    exist on that side). They still hold `"[secret]"` placeholders and must never be printed whole.
    """

    urn: str
    type: str
    name: str
    kind: str  # create | import | update | replace | delete | same | other
    ops: tuple[str, ...]
    old_inputs: Mapping[str, Any] | None
    new_inputs: Mapping[str, Any] | None
    old_outputs: Mapping[str, Any] | None
    diff_reasons: tuple[str, ...] = ()
    replace_reasons: tuple[str, ...] = ()
    detailed_diff: Mapping[str, str] = field(default_factory=dict)  # property path -> kind
    parent: str | None = None
    dependencies: tuple[str, ...] = ()
    property_dependencies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    resource_id: str | None = None

    @property
    def changed(self) -> bool:
        return self.kind not in NO_CHANGE_KINDS


@dataclass(frozen=True)
class Diagnostic:
    severity: str
    message: str
    urn: str | None


@dataclass(frozen=True)
class PreviewDocument:
    """A parsed digest: one change per URN in first-seen order, plus the engine's diagnostics."""

    stack: str | None
    project: str | None
    changes: tuple[ResourceChange, ...]
    diagnostics: tuple[Diagnostic, ...]
    change_summary: Mapping[str, int]

    @property
    def has_changes(self) -> bool:
        if any(change.changed for change in self.changes):
            return True
        # Steps of unchanged resources are usually omitted, but a digest whose steps were filtered
        # (or written by an older CLI) still says in its summary whether anything moves.
        return bool(self.unattributed_changes)

    @property
    def unattributed_changes(self) -> dict[str, int]:
        """Changes the summary counts but no step shows (op -> count); empty when the steps explain them.

        `pulumi refresh --preview-only --json` is the usual source: the engine records each refresh
        step before it reads the resource, so every step carries the old state twice while the summary
        counts what drifted (pulumi/pulumi#16278). A report must then say so rather than "no changes".
        """
        if any(change.changed for change in self.changes):
            return {}
        return {op: n for op, n in self.change_summary.items() if n and op not in ("same", "read")}


def load_preview(text: str, source: str) -> PreviewDocument:
    """Parse the JSON text of a preview digest read from `source` (a path or "stdin")."""
    if not text.strip():
        raise ScopectlError(f"{source}: empty input; expected the output of `pulumi preview --json`")
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScopectlError(
            f"{source}: not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
            "expected the output of `pulumi preview --json`"
        ) from None
    except RecursionError:
        raise ScopectlError(
            f"{source}: JSON nested too deeply to read; expected the output of `pulumi preview --json`"
        ) from None
    except ValueError as exc:  # Python's int limit: "Exceeds the limit (4300 digits) ..."
        problem = "a number with too many digits" if "digits" in str(exc) else str(exc)
        raise ScopectlError(
            f"{source}: unreadable JSON ({problem}); expected the output of `pulumi preview --json`"
        ) from None
    return parse_preview(raw, source)


def parse_preview(raw: Any, source: str) -> PreviewDocument:
    """Validate the digest's shape and collapse its steps into one change per URN."""
    if not isinstance(raw, dict):
        raise ScopectlError(
            f"{source}: not a Pulumi preview document: the top level is {_json_type(raw)}, expected an "
            "object with a 'steps' list (the output of `pulumi preview --json`)"
        )
    if "steps" not in raw:
        hint = " (this looks like a stack export or state file)" if "deployment" in raw else ""
        raise ScopectlError(
            f"{source}: not a Pulumi preview document: no 'steps' key{hint}; "
            "expected the output of `pulumi preview --json`"
        )
    steps = raw["steps"]
    if steps is None:  # the engine writes null when there are no steps at all
        steps = []
    if not isinstance(steps, list):
        raise ScopectlError(f"{source}: 'steps' is {_json_type(steps)}, expected a list")

    grouped: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for index, step in enumerate(steps):
        _check_step(step, index, source)
        grouped.setdefault(step["urn"], []).append((index, step))

    changes = tuple(_collapse(urn, group, source) for urn, group in grouped.items())
    stack = project = None
    if changes:
        first = Urn.parse(changes[0].urn)
        stack, project = first.stack, first.project
    return PreviewDocument(
        stack=stack,
        project=project,
        changes=changes,
        diagnostics=_diagnostics(raw.get("diagnostics"), source),
        change_summary=_change_summary(raw.get("changeSummary"), source),
    )


def _check_step(step: Any, index: int, source: str) -> None:
    where = f"{source}: steps[{index}]"
    if not isinstance(step, dict):
        raise ScopectlError(f"{where} is {_json_type(step)}, expected an object")
    for key in ("op", "urn"):
        if not isinstance(step.get(key), str) or not step[key]:
            raise ScopectlError(f"{where}.{key} is missing or not a non-empty string")
    try:
        Urn.parse(step["urn"])
    except ValueError as exc:
        raise ScopectlError(f"{where}.urn: {exc}") from None
    for key in ("oldState", "newState"):
        state = step.get(key)
        if state is None:
            continue
        if not isinstance(state, dict):
            raise ScopectlError(f"{where}.{key} is {_json_type(state)}, expected an object")
        for part in ("inputs", "outputs"):
            if state.get(part) is not None and not isinstance(state[part], dict):
                raise ScopectlError(f"{where}.{key}.{part} is {_json_type(state[part])}, expected an object")
    for key in ("diffReasons", "replaceReasons"):
        value = step.get(key)
        if value is not None and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            raise ScopectlError(f"{where}.{key} is not a list of strings")
    detailed = step.get("detailedDiff")
    if detailed is not None and not isinstance(detailed, dict):
        raise ScopectlError(f"{where}.detailedDiff is {_json_type(detailed)}, expected an object or null")


def _collapse(urn: str, group: list[tuple[int, dict[str, Any]]], source: str) -> ResourceChange:
    ops = tuple(step["op"] for _, step in group)
    old_state = _first_state(group, "oldState")
    new_state = _first_state(group, "newState")
    if any(op in _REPLACEMENT_OPS for op in ops):
        kind = "replace"
    else:
        kind = max((_step_kind(step) for _, step in group), key=_STRENGTH.__getitem__)
    if kind == "delete":
        new_state = None
    elif kind in ("create", "import"):
        old_state = None

    parsed = Urn.parse(urn)
    detailed: dict[str, str] = {}
    for _, step in group:
        for path, entry in (step.get("detailedDiff") or {}).items():
            detailed[path] = str(entry.get("kind", "update")) if isinstance(entry, dict) else "update"
    state = new_state or old_state or {}
    return ResourceChange(
        urn=urn,
        type=str(state.get("type") or parsed.type),
        name=parsed.name,
        kind=kind,
        ops=ops,
        old_inputs=_part(old_state, "inputs"),
        new_inputs=_part(new_state, "inputs"),
        old_outputs=_part(old_state, "outputs"),
        diff_reasons=_union(group, "diffReasons"),
        replace_reasons=_union(group, "replaceReasons"),
        detailed_diff=detailed,
        parent=state.get("parent") if isinstance(state.get("parent"), str) else None,
        dependencies=_dependencies(old_state, new_state),
        property_dependencies=_property_dependencies(new_state or old_state),
        resource_id=_resource_id(old_state, new_state),
    )


def _step_kind(step: dict[str, Any]) -> str:
    """What one step means for a reviewer. A refresh step is drift when it reads back a different
    state (an object edited out of band) and nothing to review when the state came back unchanged."""
    op = step["op"]
    if op != "refresh":
        return _KIND_OF_OP.get(op, "other")
    old, new = step.get("oldState"), step.get("newState")
    if isinstance(old, dict) and isinstance(new, dict):
        for part in ("inputs", "outputs"):
            if (old.get(part) or {}) != (new.get(part) or {}):
                return "update"
    return "same"


def _first_state(group: list[tuple[int, dict[str, Any]]], key: str) -> dict[str, Any] | None:
    # For a replacement the `replace` step carries both states; the others carry one each.
    ordered = sorted(group, key=lambda item: (item[1]["op"] != "replace", item[0]))
    for _, step in ordered:
        if isinstance(step.get(key), dict):
            return step[key]
    return None


def _part(state: Mapping[str, Any] | None, key: str) -> Mapping[str, Any] | None:
    if state is None:
        return None
    return state.get(key) or {}


def _union(group: list[tuple[int, dict[str, Any]]], key: str) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for _, step in group:
        for reason in step.get(key) or ():
            seen[reason] = None
    return tuple(seen)


def _dependencies(*states: Mapping[str, Any] | None) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for state in states:
        for dep in (state or {}).get("dependencies") or ():
            if isinstance(dep, str):
                seen[dep] = None
    return tuple(seen)


def _property_dependencies(state: Mapping[str, Any] | None) -> dict[str, tuple[str, ...]]:
    raw = (state or {}).get("propertyDependencies")
    if not isinstance(raw, dict):
        return {}
    return {
        str(key): tuple(urn for urn in urns if isinstance(urn, str))
        for key, urns in raw.items()
        if isinstance(urns, list)
    }


def _resource_id(*states: Mapping[str, Any] | None) -> str | None:
    for state in states:
        value = (state or {}).get("id")
        if isinstance(value, str) and value:
            return value
    return None


def _diagnostics(raw: Any, source: str) -> tuple[Diagnostic, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ScopectlError(f"{source}: 'diagnostics' is {_json_type(raw)}, expected a list")
    result = []
    for entry in raw:
        if isinstance(entry, dict):
            result.append(
                Diagnostic(
                    severity=str(entry.get("severity") or "info"),
                    # A provider or the program may have printed a credential in an error; the
                    # report lands in a PR comment, so every diagnostic is scrubbed here, once.
                    message=scrub_credentials(str(entry.get("message") or "")),
                    urn=entry.get("urn") if isinstance(entry.get("urn"), str) else None,
                )
            )
    return tuple(result)


def _change_summary(raw: Any, source: str) -> Mapping[str, int]:
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not all(isinstance(v, int) for v in raw.values()):
        raise ScopectlError(f"{source}: 'changeSummary' is not an object of counts")
    return dict(raw)


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return names.get(type(value), type(value).__name__)
