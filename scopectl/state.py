"""What a stack's state holds, for `scopectl audit --state FILE`: the secrets the stack created.

The file is the output of `pulumi stack export` (a deployment: `{"version": 3, "deployment":
{"resources": [...]}}`). Each `ClientSecret` resource records its tenant ids in plain outputs
(`secret_id`, `client_id`); its value is an encrypted output that is never read here. A secret on a
managed client that no `ClientSecret` in state holds was minted by hand or left by a failed create:
nobody in the stack has its value, it does not rotate, and the audit reports it
(`secret_not_in_state`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from access_model import DesiredState
from scopectl import drift as d
from scopectl.errors import ScopectlError
from scopectl.live import LiveTenant

CLIENT_SECRET_TYPE = "pulumi-python:dynamic/zidentity:ClientSecret"
# Holds the previous secret through a rotation's overlap window (`previous_secret_id`).
PREVIOUS_SECRET_TYPE = "pulumi-python:dynamic/zidentity:PreviousSecret"
SECRET_HOLDER_TYPES = frozenset({CLIENT_SECRET_TYPE, PREVIOUS_SECRET_TYPE})


@dataclass(frozen=True)
class StackState:
    """(client id, secret id) of every `ClientSecret` in the state, and the stack it belongs to."""

    path: Path
    stack: str | None
    secrets: frozenset[tuple[str, str]]


def read_state(path: Path, stack: str | None) -> StackState:
    """Parse `pulumi stack export` output; refuse another stack's state (`stack` is the audited one)."""
    where = f"--state {path}"
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScopectlError(f"{where}: no such file") from None
    except (OSError, ValueError, RecursionError) as exc:
        raise ScopectlError(f"{where}: not a readable JSON file ({type(exc).__name__})") from None
    deployment = document.get("deployment") if isinstance(document, dict) else None
    resources = deployment.get("resources") if isinstance(deployment, dict) else None
    if not isinstance(resources, list):
        raise ScopectlError(
            f"{where}: not a stack export (no deployment.resources); write one with "
            "`pulumi stack export --stack NAME --file state.json`"
        )
    stacks = {_stack_of(r.get("urn")) for r in resources if isinstance(r, dict)} - {None}
    state_stack = next(iter(stacks)) if len(stacks) == 1 else None
    if stack is not None and state_stack is not None and _short(stack) != state_stack:
        raise ScopectlError(f"{where}: this is the state of stack {state_stack!r}, not of {_short(stack)!r}")
    held = set()
    for resource in resources:
        if not isinstance(resource, dict) or resource.get("type") not in SECRET_HOLDER_TYPES:
            continue
        outputs = resource.get("outputs")
        client_id = outputs.get("client_id") if isinstance(outputs, dict) else None
        if not isinstance(outputs, dict) or not isinstance(client_id, str) or not client_id:
            continue
        held.update((client_id, secret_id) for secret_id in _secret_ids(outputs, resource.get("id")))
    return StackState(path, state_stack, frozenset(held))


def _secret_ids(outputs: dict[str, Any], resource_id: Any) -> set[str]:
    """The resource's id, `secret_id`, and any other output named `*secret_id` / `*secret_ids` (a
    previous secret kept through a rotation overlap is the stack's too)."""
    ids = {resource_id} if isinstance(resource_id, str) and resource_id else set()
    for key, value in outputs.items():
        if key.endswith("secret_id") and isinstance(value, str) and value:
            ids.add(value)
        elif key.endswith("secret_ids") and isinstance(value, list):
            ids.update(v for v in value if isinstance(v, str) and v)
    return ids


def _stack_of(urn: Any) -> str | None:
    """`urn:pulumi:dev::scope-manager::type::name` -> `dev`."""
    if not isinstance(urn, str) or not urn.startswith("urn:pulumi:"):
        return None
    return urn.removeprefix("urn:pulumi:").split("::", 1)[0] or None


def _short(stack: str) -> str:
    return stack.rsplit("/", 1)[-1]  # org/project/dev -> dev


def secrets_not_in_state(desired: DesiredState, live: LiveTenant, state: StackState) -> list[d.Drift]:
    """A finding for every secret of a declared client that no `ClientSecret` in state holds."""
    keys = {client.name: key for key, client in desired.clients.items()}
    found = []
    for client in live.clients:
        key = keys.get(client.name)
        if key is None or not client.secrets:
            continue
        for secret in client.secrets:
            if (client.id, secret.id) in state.secrets:
                continue
            dates = [
                f"{label} {when.strftime('%Y-%m-%d')}"
                for label, when in (("created", secret.created_at), ("expires", secret.expires_at))
                if when is not None
            ]
            when = f" ({', '.join(dates)})" if dates else ""
            detail = (
                f"secret {secret.id}{when} is not held by the stack (not in its state): minted by hand or "
                "left by a failed create, so nobody in the stack has its value and it never rotates; revoke "
                "it once nothing uses it"
            )
            found.append(
                d.Drift(d.SECRET_NOT_IN_STATE, "client", client.name, detail, key=key, item=secret.id)
            )
    return found
