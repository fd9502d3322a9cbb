"""End to end with the real Pulumi CLI: preview, up, refresh and destroy of the providers on the emulator.

These run wherever ``pulumi`` is on PATH (developer machines, GitHub Actions) and are skipped otherwise.
Each test module makes a throwaway project that imports the same ``providers`` package, logs in to a
local file backend, encrypts secrets with a passphrase, and points the stack config at an emulator.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.emulator import RunningEmulator, run_emulator

REPO_ROOT = Path(__file__).resolve().parents[2]
PULUMI = shutil.which("pulumi")

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        PULUMI is None,
        reason="Pulumi CLI not on PATH; install it from https://www.pulumi.com/docs/install/ to run the "
        "end-to-end tests",
    ),
]

PROGRAM = '''
"""Throwaway stack for the end-to-end tests: one client with scopes and a secret, a user, a group."""
import pulumi

from providers import ApiClient, ClientSecret, ScimGroup, ScimUser, ScopeAssignment

config = pulumi.Config("e2e")
scopes = [s for s in config.require("scopes").split(",") if s]
client = ApiClient("reporting", name="e2e-reporting", owner="e2e@example.com", purpose="reporting")
ScopeAssignment("reporting-scopes", client_id=client.id, scopes={name: {} for name in scopes})
secret = ClientSecret("reporting-secret", client_id=client.id, rotation=config.get("rotation") or "")
user = ScimUser("ann", user_name="ann@e2e.example", given_name="Ann", family_name="Lee")
ScimGroup("quarantine", display_name="E2E Quarantine", members=["ann@e2e.example"],
          opts=pulumi.ResourceOptions(depends_on=[user]))
pulumi.export("client_id", client.id)
pulumi.export("secret_value", secret.value)
'''


class Stack:
    """A Pulumi project + stack in a temporary directory, driven through the CLI."""

    def __init__(self, workdir: Path, emulator: RunningEmulator) -> None:
        self.dir = workdir / "project"
        self.dir.mkdir()
        (self.dir / "__main__.py").write_text(PROGRAM)
        (self.dir / "Pulumi.yaml").write_text(
            "name: scope-manager-e2e\n"
            "runtime:\n"
            "  name: python\n"
            "  options:\n"
            "    toolchain: pip\n"
            f"    virtualenv: {REPO_ROOT / '.venv'}\n"
        )
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("SCOPE_MANAGER_", "ZSCALER_"))},
            "PULUMI_HOME": str(workdir / "pulumi-home"),
            "PULUMI_CONFIG_PASSPHRASE": "e2e-passphrase-not-secret",
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DIY_BACKEND_URL": f"file://{workdir / 'state'}",
            "PYTHONPATH": str(REPO_ROOT),
        }
        (workdir / "state").mkdir()
        self.pulumi("login", f"file://{workdir / 'state'}")
        self.pulumi("stack", "init", "dev", "--secrets-provider", "passphrase")
        credentials = emulator.credentials
        for key, value, secret in (
            ("tokenUrl", credentials["token_url"], False),
            ("apiUrl", credentials["api_url"], False),
            ("clientId", credentials["client_id"], False),
            ("clientSecret", credentials["client_secret"], True),
            ("scimUrl", credentials["scim_url"], False),
            ("scimToken", credentials["scim_token"], True),
        ):
            self.pulumi("config", "set", *(["--secret"] if secret else []), f"scope-manager:{key}", value)
        self.set(scopes="scim:read")

    def pulumi(self, *args: str) -> str:
        result = subprocess.run(
            [str(PULUMI), *args, "--non-interactive"],
            cwd=self.dir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if result.returncode != 0:
            raise AssertionError(f"pulumi {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def set(self, **values: str) -> None:
        for key, value in values.items():
            self.pulumi("config", "set", f"e2e:{key}", value)

    def preview(self) -> dict[str, Any]:
        return json.loads(self.pulumi("preview", "--json"))

    def export(self) -> dict[str, Any]:
        return json.loads(self.pulumi("stack", "export"))


def changed(digest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """URN name -> step for every step that is not 'same'."""
    return {step["urn"].rsplit("::", 1)[-1]: step for step in digest["steps"] if step["op"] != "same"}


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEmulator]:
    with run_emulator(tmp_path_factory.mktemp("e2e") / "tenant") as running:
        yield running


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, emulator: RunningEmulator) -> Iterator[Stack]:
    created = Stack(tmp_path_factory.mktemp("e2e-stack"), emulator)
    yield created
    created.pulumi("destroy", "--yes", "--skip-preview")


def admin(emulator: RunningEmulator) -> httpx.Client:
    client = emulator.admin_http()
    client.base_url = emulator.credentials["api_url"] + "/ziam/admin/api/v1"
    return client


def test_preview_then_up_creates_everything_with_the_secret_encrypted(
    stack: Stack, emulator: RunningEmulator
) -> None:
    digest = stack.preview()
    assert digest["changeSummary"].get("create") == 6  # 5 resources + the stack

    stack.pulumi("up", "--yes", "--skip-preview")

    state = stack.export()
    resources = {r["urn"].rsplit("::", 1)[-1]: r for r in state["deployment"]["resources"]}
    assert resources["reporting"]["type"] == "pulumi-python:dynamic/zidentity:ApiClient"
    secret_outputs = resources["reporting-secret"]["outputs"]
    assert secret_outputs["value"].get("4dabf18193072939515e22adb298388d"), "value stored as a secret"
    assert "ciphertext" in secret_outputs["value"]
    with admin(emulator) as api:
        client = api.get(f"/api-clients/{resources['reporting']['id']}").json()
    assert client["name"] == "e2e-reporting"
    assert changed(stack.preview()) == {}


def test_one_more_scope_previews_as_one_added_entry(stack: Stack) -> None:
    stack.set(scopes="scim:read,scim:write")

    steps = changed(stack.preview())

    assert list(steps) == ["reporting-scopes"]
    assert set(steps["reporting-scopes"]["detailedDiff"]) == {'scopes["scim:write"]'}
    stack.pulumi("up", "--yes", "--skip-preview")


def secret_ids(stack: Stack) -> list[str]:
    return [
        r["id"] for r in stack.export()["deployment"]["resources"] if r["urn"].endswith("::reporting-secret")
    ]


def test_a_rotation_previews_as_a_replacement_and_leaves_one_new_secret(
    stack: Stack, emulator: RunningEmulator
) -> None:
    (old_id,) = secret_ids(stack)
    stack.set(rotation="manual:e2e")

    steps = changed(stack.preview())

    assert steps["reporting-secret"]["op"] == "replace"
    assert steps["reporting-secret"]["replaceReasons"] == ["rotation"]
    stack.pulumi("up", "--yes", "--skip-preview")
    (new_id,) = secret_ids(stack)
    assert new_id != old_id
    client_id = next(
        r["id"] for r in stack.export()["deployment"]["resources"] if r["urn"].endswith("::reporting")
    )
    with admin(emulator) as api:
        assert [s["id"] for s in api.get(f"/api-clients/{client_id}/secrets").json()] == [new_id]


def test_refresh_sees_console_drift_and_up_reverts_it(stack: Stack, emulator: RunningEmulator) -> None:
    resources = {r["urn"].rsplit("::", 1)[-1]: r for r in stack.export()["deployment"]["resources"]}
    client_id = resources["reporting"]["id"]
    with admin(emulator) as api:
        record = api.get(f"/api-clients/{client_id}").json()
        record["description"] = "edited in the console"
        body = {k: record[k] for k in ("name", "description", "status", "accessTokenLifeTime")}
        body["clientAuthentication"] = record["clientAuthentication"]
        body["clientResources"] = [
            {"id": r["id"], "selectedScopes": [{"id": s["id"]} for s in r["selectedScopes"]]}
            for r in record["clientResources"]
        ]
        api.put(f"/api-clients/{client_id}", json=body).raise_for_status()

    stack.pulumi("refresh", "--yes", "--skip-preview")
    assert list(changed(stack.preview())) == ["reporting"]
    stack.pulumi("up", "--yes", "--skip-preview")

    with admin(emulator) as api:
        assert api.get(f"/api-clients/{client_id}").json()["description"] == ""
    assert changed(stack.preview()) == {}


def test_destroy_removes_what_the_stack_made(stack: Stack, emulator: RunningEmulator) -> None:
    client_id = next(
        r["id"] for r in stack.export()["deployment"]["resources"] if r["urn"].endswith("::reporting")
    )

    stack.pulumi("destroy", "--yes", "--skip-preview")

    with admin(emulator) as api:
        assert api.get(f"/api-clients/{client_id}").status_code == 404
    assert [
        r
        for r in stack.export()["deployment"].get("resources") or []
        if r["type"].startswith("pulumi-python")
    ] == []
