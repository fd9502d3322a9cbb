"""Build `pulumi preview --json` documents (PreviewDigest) the way the engine writes them.

Shape from the engine's `sdk/go/common/display/json.go` (see docs/scopectl.md): every secret value is
blinded as "[secret]", `__provider` included; a replacement is a `replace` step plus
`create-replacement` and `delete-replaced` steps for the same URN; unchanged resources are usually
omitted; `changeSummary` counts steps by op.
"""

from __future__ import annotations

import copy
from collections import Counter
from typing import Any

STACK = "dev"
PROJECT = "scope-manager"
SECRET = "[secret]"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

API_CLIENT = "pulumi-python:dynamic/zidentity:ApiClient"
SCOPE_ASSIGNMENT = "pulumi-python:dynamic/zidentity:ScopeAssignment"
CLIENT_SECRET = "pulumi-python:dynamic/zidentity:ClientSecret"
PREVIOUS_SECRET = "pulumi-python:dynamic/zidentity:PreviousSecret"
SCIM_GROUP = "pulumi-python:dynamic/scim:Group"
SCIM_USER = "pulumi-python:dynamic/scim:User"
STACK_TYPE = "pulumi:pulumi:Stack"


def urn(type_: str, name: str) -> str:
    if type_ == STACK_TYPE:
        return f"urn:pulumi:{STACK}::{PROJECT}::{type_}::{PROJECT}-{STACK}"
    return f"urn:pulumi:{STACK}::{PROJECT}::{type_}::{name}"


def state(
    type_: str,
    name: str,
    inputs: dict[str, Any],
    outputs: dict[str, Any] | None = None,
    *,
    id_: str = "",
    dependencies: tuple[str, ...] = (),
) -> dict[str, Any]:
    """A ResourceV3 as `oldState`/`newState` carry it (dynamic resources: `__provider` is secret)."""
    full_inputs = {"__provider": SECRET, **inputs}
    full_outputs = {"__provider": SECRET, **(outputs if outputs is not None else inputs)}
    return {
        "urn": urn(type_, name),
        "custom": True,
        "id": id_,
        "type": type_,
        "inputs": full_inputs,
        "outputs": full_outputs,
        "parent": urn(STACK_TYPE, ""),
        "dependencies": list(dependencies),
        "provider": "",
        "propertyDependencies": {},
    }


def step(
    op: str,
    type_: str,
    name: str,
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
    *,
    diff_reasons: list[str] | None = None,
    replace_reasons: list[str] | None = None,
    detailed_diff: dict[str, Any] | None = None,
) -> dict[str, Any]:
    result: dict[str, Any] = {"op": op, "urn": urn(type_, name), "provider": ""}
    if old is not None:
        result["oldState"] = copy.deepcopy(old)
    if new is not None:
        result["newState"] = copy.deepcopy(new)
    if diff_reasons is not None:
        result["diffReasons"] = diff_reasons
    if replace_reasons is not None:
        result["replaceReasons"] = replace_reasons
    result["detailedDiff"] = detailed_diff
    return result


def replacement(type_: str, name: str, old: dict[str, Any], new: dict[str, Any], reasons: list[str]) -> list:
    """The three steps the engine emits for one create-before-delete replacement."""
    return [
        step("create-replacement", type_, name, old, new, replace_reasons=reasons),
        step("replace", type_, name, old, new, replace_reasons=reasons),
        step("delete-replaced", type_, name, old, None, replace_reasons=reasons),
    ]


def digest(steps: list[dict[str, Any]], *, same: int = 0, diagnostics: list | None = None) -> dict[str, Any]:
    summary = Counter(s["op"] for s in steps)
    if same:
        summary["same"] += same
    return {
        "config": {"scope-manager:clientSecret": SECRET, "scope-manager:apiUrl": "http://127.0.0.1:8787"},
        "steps": steps,
        "diagnostics": diagnostics or [],
        "duration": 1_234_000_000,
        "changeSummary": dict(summary),
        "maybeCorrupt": False,
    }


# -- resources as the program declares them ----------------------------------------------------------


def client_state(key: str, *, client_id: str = "", **overrides: Any) -> dict[str, Any]:
    inputs = {
        "name": key,
        "description": f"{key} integration",
        "enabled": True,
        "access_token_lifetime": 3600,
        "owner": "identity-platform@example.com",
        "purpose": "integration",
        "adopt": False,
        **overrides,
    }
    outputs = {**inputs, "client_id": client_id or UNKNOWN}
    return state(API_CLIENT, key, inputs, outputs, id_=client_id)


def scopes_state(
    key: str, scopes: dict[str, dict[str, Any]], *, client_id: str | None = None
) -> dict[str, Any]:
    inputs = {"client_id": client_id or f"cid-{key}", "scopes": scopes}
    outputs = {**inputs, "granted": sorted(scopes)}
    return state(
        SCOPE_ASSIGNMENT,
        f"{key}-scopes",
        inputs,
        outputs,
        id_=f"cid-{key}",
        dependencies=(urn(API_CLIENT, key),),
    )


def secret_state(key: str, *, rotation: str = "", expires_at: str = "2027-01-01T00:00:00Z") -> dict[str, Any]:
    inputs = {"client_id": f"cid-{key}", "lifetime_days": 90, "renew_before_days": 14, "rotation": rotation}
    outputs = {
        **inputs,
        "secret_id": f"sec-{key}",
        "value": SECRET,
        "expires_at": expires_at,
        "created_at": "2026-10-03T00:00:00Z",
    }
    return state(
        CLIENT_SECRET,
        f"{key}-secret",
        inputs,
        outputs,
        id_=f"sec-{key}",
        dependencies=(urn(API_CLIENT, key),),
    )


def previous_secret_state(key: str, *, previous: str = "", revoke_on: str = "") -> dict[str, Any]:
    """A PreviousSecret as the program declares it; `previous` is the note check derives."""
    inputs = {
        "client_id": f"cid-{key}",
        "client_key": key,
        "overlap_days": 7,
        "current_secret_id": f"sec-{key}",
        "current_value": SECRET,
        "current_expires_at": "2027-01-01T00:00:00Z",
        "previous_secret_id": "sec-old" if previous else "",
        "previous_revoke_on": revoke_on,
        "previous": previous,
    }
    return state(
        PREVIOUS_SECRET,
        f"{key}-previous-secret",
        inputs,
        {**inputs, "previous_value": SECRET, "previous_live": bool(previous)},
        id_=f"cid-{key}-previous",
        dependencies=(urn(API_CLIENT, key), urn(CLIENT_SECRET, f"{key}-secret")),
    )


def group_state(key: str, members: list[str], display_name: str | None = None) -> dict[str, Any]:
    inputs = {
        "display_name": display_name or key.title(),
        "members": dict.fromkeys(members, True),
        "external_id": "",
        "exclusive": True,
        "adopt": False,
    }
    return state(SCIM_GROUP, key, inputs, {**inputs, "group_id": f"g-{key}"}, id_=f"g-{key}")


def user_state(
    key: str, user_name: str, *, active: bool = True, on_delete: str = "deactivate"
) -> dict[str, Any]:
    inputs = {
        "user_name": user_name,
        "given_name": "Ann",
        "family_name": "Lee",
        "emails": [user_name],
        "active": active,
        "external_id": "",
        "on_delete": on_delete,
        "adopt": False,
    }
    return state(SCIM_USER, key, inputs, {**inputs, "user_id": f"u-{key}"}, id_=f"u-{key}")
