"""End to end with the real Pulumi CLI: preview, up, refresh and destroy of the providers on the emulator.

These run wherever ``pulumi`` is on PATH (developer machines, GitHub Actions) and are skipped otherwise.
Every test makes its own throwaway project that imports the same ``providers`` package, a local file
backend (``pulumi login file://...``), passphrase-encrypted secrets, and stack config pointing at the
module's emulator; it destroys its stack on the way out. Tests do not depend on each other's order, so
they also hold when pytest-xdist spreads them over workers.

How the CLI is driven, and why:

- The environment is the caller's minus every ``PULUMI_*``, ``SCOPE_MANAGER_*`` and ``ZSCALER_*``
  variable, plus ``PULUMI_HOME``/``PULUMI_BACKEND_URL`` in the test's directory,
  ``PULUMI_CONFIG_PASSPHRASE`` and ``PULUMI_SKIP_UPDATE_CHECK``: nothing of the developer's own Pulumi
  setup or tenant credentials leaks in, and nothing is written outside the temporary directory.
- ``Pulumi.yaml`` names the project's ``.venv`` as the Python runtime's ``virtualenv``. The engine
  passes runtime options to the dynamic provider plugin as ``PULUMI_RUNTIME_VIRTUALENV``, so the
  ``pulumi-resource-pulumi-python`` shim runs ``python -m pulumi.dynamic`` from that venv too;
  ``PYTHONPATH`` (inherited by the program and the plugin) makes ``providers`` importable in both.
- Provider config values go to ``pulumi config set [--secret] KEY`` on stdin, not on the command line:
  secrets stay out of the process list, and a value starting with ``-`` cannot be taken for a flag.
- The assertions on ``preview --json`` rely on the engine turning a provider's DIFF_UNKNOWN into a
  detailed diff keyed by property path (``scopes["scim:write"]``), as Pulumi 3.x engines of the last
  years do (``diffResource`` in the step generator).
- ``--non-interactive`` on every command; ``--yes --skip-preview`` on up, refresh and destroy.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from providers._base import SECRET_STACK_KEYS, config_from_credentials
from providers.tenant import writable_client_body
from tests.e2e.harness import hermetic_env, run_pulumi
from tests.support.emulator import RunningEmulator
from tests.support.pulumi_cli import require_pulumi

REPO_ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _pulumi_cli() -> None:
    """Every test here needs the CLI: skipped without one, failed without one under CI=true."""
    require_pulumi()


PROGRAM = '''
"""Throwaway stack for the end-to-end tests: one client with scopes and a secret, a user, a group."""
import pulumi

from providers import ApiClient, ClientSecret, ScimGroup, ScimUser, ScopeAssignment

config = pulumi.Config("e2e")
prefix = config.require("prefix")
scopes = [s for s in config.require("scopes").split(",") if s]
client = ApiClient("reporting", name=f"{prefix}-reporting", owner="e2e@example.com", purpose="reporting")
ScopeAssignment("reporting-scopes", client_id=client.id, scopes={name: {} for name in scopes})
secret = ClientSecret("reporting-secret", client_id=client.id, rotation=config.get("rotation") or "")
user = ScimUser("ann", user_name=f"ann@{prefix}.example", given_name="Ann", family_name="Lee")
ScimGroup("quarantine", display_name=f"{prefix} Quarantine", members=[f"ann@{prefix}.example"],
          opts=pulumi.ResourceOptions(depends_on=[user]))
pulumi.export("client_id", client.id)
pulumi.export("secret_value", secret.value)
'''

SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d"
"""The key Pulumi state uses to mark a secret value (``{SECRET_SIGNATURE: ..., "ciphertext": ...}``)."""


class Stack:
    """A Pulumi project + stack in a temporary directory, driven through the CLI."""

    def __init__(self, workdir: Path, emulator: RunningEmulator, prefix: str) -> None:
        self.dir = workdir / "project"
        self.dir.mkdir()
        (workdir / "state").mkdir()
        (self.dir / "__main__.py").write_text(PROGRAM)
        (self.dir / "Pulumi.yaml").write_text(
            "name: scope-manager-e2e\n"
            "runtime:\n"
            "  name: python\n"
            "  options:\n"
            f"    virtualenv: {REPO_ROOT / '.venv'}\n"
        )
        self.env = hermetic_env(workdir)
        self.pulumi("login", f"file://{workdir / 'state'}")
        self.pulumi("stack", "init", "dev", "--secrets-provider", "passphrase")
        for key, value in config_from_credentials(emulator.credentials).items():
            secret_flag = ["--secret"] if key in SECRET_STACK_KEYS else ["--plaintext"]
            self.pulumi("config", "set", *secret_flag, key, stdin=value)
        self.set(prefix=prefix, scopes="scim:read")

    def pulumi(self, *args: str, stdin: str | None = None) -> str:
        """Run one CLI command in the project; a failure raises with the command's whole output."""
        return run_pulumi(self.dir, self.env, *args, stdin=stdin, check=True).stdout

    def set(self, **values: str) -> None:
        for key, value in values.items():
            self.pulumi("config", "set", "--plaintext", f"e2e:{key}", value)

    def preview(self) -> dict[str, Any]:
        return json.loads(self.pulumi("preview", "--json"))

    def up(self) -> None:
        self.pulumi("up", "--yes", "--skip-preview")

    def resources(self) -> dict[str, dict[str, Any]]:
        """Resource name -> its state, from ``pulumi stack export`` (secrets stay encrypted)."""
        deployment = json.loads(self.pulumi("stack", "export"))["deployment"]
        return {r["urn"].rsplit("::", 1)[-1]: r for r in deployment.get("resources") or []}


def changed(digest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Resource name -> step for every step of ``preview --json`` that changes something.

    The default provider's own step is left out: it is the engine's, not the program's.
    """
    return {
        step["urn"].rsplit("::", 1)[-1]: step
        for step in digest["steps"]
        if step["op"] != "same" and "::pulumi:providers:" not in step["urn"]
    }


@pytest.fixture
def stack(tmp_path: Path, emulator: RunningEmulator, request: pytest.FixtureRequest) -> Iterator[Stack]:
    """A fresh stack whose tenant objects carry names unique to the test; destroyed afterwards."""
    prefix = "e2e-" + request.node.name.removeprefix("test_")[:24].replace("_", "-").strip("-")
    created = Stack(tmp_path, emulator, prefix)
    yield created
    created.pulumi("destroy", "--yes", "--skip-preview")


@pytest.fixture
def deployed(stack: Stack) -> Stack:
    """The stack after one ``pulumi up``."""
    stack.up()
    return stack


def test_preview_then_up_creates_everything_with_the_secret_encrypted(
    stack: Stack, admin: httpx.Client
) -> None:
    digest = stack.preview()
    assert digest["changeSummary"].get("create") == 6  # 5 resources + the stack

    stack.up()

    resources = stack.resources()
    assert resources["reporting"]["type"] == "pulumi-python:dynamic/zidentity:ApiClient"
    secret_value = resources["reporting-secret"]["outputs"]["value"]
    assert secret_value.get(SECRET_SIGNATURE), "value stored as a secret"
    assert "ciphertext" in secret_value
    client = admin.get(f"/api-clients/{resources['reporting']['id']}").json()
    assert client["name"].endswith("-reporting")
    assert changed(stack.preview()) == {}


def test_one_more_scope_previews_as_one_added_entry(deployed: Stack, admin: httpx.Client) -> None:
    deployed.set(scopes="scim:read,scim:write")

    steps = changed(deployed.preview())

    assert list(steps) == ["reporting-scopes"]
    assert steps["reporting-scopes"]["op"] == "update"
    assert set(steps["reporting-scopes"]["detailedDiff"]) == {'scopes["scim:write"]'}
    deployed.up()
    client = admin.get(f"/api-clients/{deployed.resources()['reporting']['id']}").json()
    granted = {s["name"] for r in client["clientResources"] for s in r["selectedScopes"]}
    assert granted == {"scim:read", "scim:write"}


def test_a_rotation_previews_as_a_replacement_and_leaves_one_new_secret(
    deployed: Stack, admin: httpx.Client
) -> None:
    before = deployed.resources()
    old_id = before["reporting-secret"]["id"]
    deployed.set(rotation="manual:e2e")

    steps = changed(deployed.preview())

    assert steps["reporting-secret"]["op"] == "replace"
    assert steps["reporting-secret"]["replaceReasons"] == ["rotation"]
    deployed.up()
    new_id = deployed.resources()["reporting-secret"]["id"]
    assert new_id != old_id
    client_id = before["reporting"]["id"]
    assert [s["id"] for s in admin.get(f"/api-clients/{client_id}/secrets").json()] == [new_id]


def test_refresh_sees_console_drift_and_up_reverts_it(deployed: Stack, admin: httpx.Client) -> None:
    client_id = deployed.resources()["reporting"]["id"]
    body = writable_client_body(admin.get(f"/api-clients/{client_id}").json())
    body["description"] = "edited in the console"
    admin.put(f"/api-clients/{client_id}", json=body).raise_for_status()

    deployed.pulumi("refresh", "--yes", "--skip-preview")
    assert list(changed(deployed.preview())) == ["reporting"]
    deployed.up()

    assert admin.get(f"/api-clients/{client_id}").json()["description"] == ""
    assert changed(deployed.preview()) == {}


def test_destroy_removes_what_the_stack_made(deployed: Stack, admin: httpx.Client) -> None:
    client_id = deployed.resources()["reporting"]["id"]

    deployed.pulumi("destroy", "--yes", "--skip-preview")

    assert admin.get(f"/api-clients/{client_id}").status_code == 404
    assert [r for r in deployed.resources().values() if r["type"].startswith("pulumi-python")] == []
