"""Preview documents built from what the real program (`__main__.py`) registers.

`tests.support.program_double.run_program` runs the program under `set_mocks` and keeps each
RegisterResource exactly as the engine receives it (URN with its parent chain, inputs with secret
wrappers, dependencies, propertyDependencies, additional secret outputs). `preview_between` turns two
such runs (the deployed stack and the edited one) into the `pulumi preview --json` document the engine
would print: states blinded the way `display/json.go` blinds them, and the steps the engine's step
generator would plan for this project's resources (ClientSecret replaced when `rotation` changes,
every other change an update, as the providers' diff rules say in docs/architecture.md).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from tests.support.program_double import ProgramRun, is_secret

SECRET = "[secret]"
STACK_URN = "urn:pulumi:dev::scope-manager::pulumi:pulumi:Stack::scope-manager-dev"
_REPLACE_ON = {"pulumi-python:dynamic/zidentity:ClientSecret": ("rotation",)}


def blind(value: Any) -> Any:
    """Secret values become "[secret]", as `massagePropertyValue` does for `--json`."""
    if is_secret(value):
        return SECRET
    if isinstance(value, dict):
        return {k: blind(v) for k, v in value.items()}
    if isinstance(value, list):
        return [blind(v) for v in value]
    return value


def states(run: ProgramRun) -> dict[str, dict[str, Any]]:
    """URN -> ResourceV3 as a preview step carries it."""
    result = {}
    for reg in run.registrations:
        outputs = blind({"__provider": SECRET, **reg.outputs})
        for key in reg.additional_secret_outputs:
            if key in outputs:
                outputs[key] = SECRET
        result[reg.urn] = {
            "urn": reg.urn,
            "custom": True,
            "id": f"{reg.name}-id",
            "type": reg.type,
            "inputs": blind(reg.inputs),
            "outputs": outputs,
            "parent": reg.parent or STACK_URN,
            "dependencies": reg.dependencies,
            "propertyDependencies": reg.property_dependencies,
            "provider": "",
        }
    return result


def preview_between(old: ProgramRun | None, new: ProgramRun, *, show_sames: bool = True) -> dict[str, Any]:
    """The digest of previewing `new` against a stack deployed from `old` (None: a new stack)."""
    before = states(old) if old else {}
    after = states(new)
    # The root stack's step is always listed (`isRootStack` in display/json.go) and counted.
    root = {"urn": STACK_URN, "custom": False, "type": "pulumi:pulumi:Stack", "inputs": {}, "outputs": {}}
    root_op = "same" if old else "create"
    steps: list[dict[str, Any]] = [{"op": root_op, "urn": STACK_URN, "provider": "", "newState": root}]
    summary: Counter[str] = Counter({root_op: 1})
    for urn, state in after.items():
        previous = before.get(urn)
        if previous is None:
            steps.append({"op": "create", "urn": urn, "provider": "", "newState": state})
            summary["create"] += 1
            continue
        state = {**state, "id": previous["id"], "outputs": previous["outputs"]}
        changed = sorted(
            k
            for k in set(previous["inputs"]) | set(state["inputs"])
            if not k.startswith("__") and previous["inputs"].get(k) != state["inputs"].get(k)
        )
        if not changed:
            summary["same"] += 1
            if show_sames:
                steps.append(
                    {"op": "same", "urn": urn, "provider": "", "oldState": previous, "newState": state}
                )
            continue
        replace_keys = [k for k in changed if k in _REPLACE_ON.get(state["type"], ())]
        if replace_keys:
            for op in ("create-replacement", "replace", "delete-replaced"):
                step = {
                    "op": op,
                    "urn": urn,
                    "provider": "",
                    "oldState": previous,
                    "replaceReasons": replace_keys,
                }
                if op != "delete-replaced":
                    step["newState"] = state
                steps.append(step)
            summary["replace"] += 1
        else:
            steps.append(
                {"op": "update", "urn": urn, "provider": "", "oldState": previous, "newState": state,
                 "diffReasons": changed, "detailedDiff": None}
            )  # fmt: skip
            summary["update"] += 1
    for urn, state in before.items():
        if urn not in after:
            steps.append({"op": "delete", "urn": urn, "provider": "", "oldState": state})
            summary["delete"] += 1
    return {
        "config": {"scope-manager:clientSecret": SECRET},
        "steps": steps,
        "diagnostics": [],
        "duration": 1,
        "changeSummary": dict(summary),
        "maybeCorrupt": False,
    }
