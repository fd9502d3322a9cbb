"""`pulumi preview --json` documents from the real Pulumi engine, for the `scopectl report` tests.

The fixtures in tests/scopectl/fixtures/real_engine/ were written by this module with the pinned CLI
against the emulator; regenerate them after a CLI upgrade with

    PATH="$(scripts/engine):$PATH" .venv/bin/python -m tests.scopectl.real_engine_previews

tests/e2e/test_report_fixtures.py captures one scenario again and checks that the engine still writes
the shape the stored fixture has, so the fixtures cannot silently go stale.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "real_engine"
SYNC_SCOPES = ["scim:read", "scim:write", "sync:profile:read", "connector:read", "connector:write"]


def _clients(sync_scopes: list[str], rotation: str = "") -> dict[str, Any]:
    from tests.e2e.harness import client_model

    secret = {"lifetime_days": 90, "renew_before_days": 14, "rotate_every_days": 76}
    return {
        "directory-sync": client_model(
            sync_scopes,
            name="directory-sync-connector",
            secret={**secret, **({"rotation": rotation} if rotation else {})},
        ),
        "reporting": client_model(["scim:read"], name="reporting-integration", purpose="reporting"),
    }


def _groups() -> tuple[dict[str, Any], dict[str, Any]]:
    users = {
        "ann": {"user_name": "ann.lee@contractor.example", "given_name": "Ann", "family_name": "Lee"},
        "raj": {"user_name": "raj.patel@contractor.example", "given_name": "Raj", "family_name": "Patel"},
    }
    groups = {
        "contractors": {
            "display_name": "Contractors",
            "exclusive": True,
            "members": ["ann.lee@contractor.example"],
        }
    }
    return users, groups


def _preview(stack: Any) -> dict[str, Any]:
    """`pulumi preview --json --show-sames`, as the preview workflow runs it (exit code not checked:
    a blocked preview still prints its JSON)."""
    return json.loads(stack.preview("--json", "--show-sames").stdout)


def create(stack_factory: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
    from tests.e2e.harness import model

    users, groups = _groups()
    return _preview(stack_factory(model(_clients(SYNC_SCOPES), users=users, groups=groups)))


def grant_and_revoke(stack_factory: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
    from tests.e2e.harness import model

    users, groups = _groups()
    stack = stack_factory(model(_clients(SYNC_SCOPES), users=users, groups=groups))
    stack.up()
    changed = [s for s in SYNC_SCOPES if s != "connector:write"] + ["ziam:read"]
    groups["contractors"]["members"] = ["raj.patel@contractor.example"]
    stack.set_model(model(_clients(changed), users=users, groups=groups))
    return _preview(stack)


def rotation(stack_factory: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
    from tests.e2e.harness import model

    stack = stack_factory(model(_clients(SYNC_SCOPES)))
    stack.up()
    stack.set_model(model(_clients(SYNC_SCOPES, rotation="incident-42")))
    return _preview(stack)


SCENARIOS: dict[str, Callable[[Callable[[dict[str, Any]], Any]], dict[str, Any]]] = {
    "create": create,
    "grant-and-revoke": grant_and_revoke,
    "rotation": rotation,
}


def load(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def main() -> int:
    from tests.e2e.harness import ProjectStack
    from tests.support.emulator import run_emulator

    FIXTURES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        for index, (name, scenario) in enumerate(SCENARIOS.items()):
            with run_emulator(root / f"tenant-{index}") as emulator:
                document = scenario(
                    lambda access, i=index, e=emulator: ProjectStack(root / f"w{i}", e, access)
                )
            (FIXTURES / f"{name}.json").write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
            print(f"wrote {name}.json", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
