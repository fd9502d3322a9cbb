"""`scripts/demo`: on a machine without the Pulumi CLI it starts (or reuses) the emulator, tries the
standard installer within a time limit, and ends with one install instruction. With the CLI on PATH
(user machines, CI) the end-to-end test runs the whole demo twice in a copy of the project."""

from __future__ import annotations

import json
import os
import runpy
import shutil
import signal
import socket
import stat
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import httpx
import pulumi
import pytest

from access_model import read_stack_access
from tests.support.analyzer_double import PolicyPackHost, StackResource
from tests.support.emulator import RunningEmulator
from tests.support.engine_double import Engine, ProviderProcess

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "scripts" / "demo"
INSTALL_HINT = "curl -fsSL https://get.pulumi.com | sh"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _path_without_pulumi() -> str:
    dirs = os.environ.get("PATH", "").split(os.pathsep)
    return os.pathsep.join(d for d in dirs if d and not (Path(d) / "pulumi").exists())


def _stop_emulator(tenant_dir: Path) -> None:
    """Stop the emulator the demo started (its pid is in the pid file), and only that process."""
    pid_file = tenant_dir / "emulator.pid"
    if not pid_file.exists():
        return
    pid = int(pid_file.read_text().strip())
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.kill(pid, signal.SIGKILL)


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_emulator/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture
def demo_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    tenant = tmp_path / "tenant"
    env = {
        **os.environ,
        "HOME": str(tmp_path / "home"),  # no ~/.pulumi/bin, and an installer could not touch the real HOME
        "PATH": _path_without_pulumi(),
        "DEMO_PORT": str(_free_port()),
        "DEMO_TENANT_DIR": str(tenant),
        "DEMO_INSTALL_TIMEOUT": "15",
    }
    (tmp_path / "home").mkdir()
    try:
        yield env
    finally:
        _stop_emulator(tenant)


def _run_demo(env: dict[str, str], cwd: Path = ROOT, script: Path = DEMO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(script)], cwd=cwd, env=env, capture_output=True, text=True, timeout=180)


def test_without_pulumi_cli_demo_starts_the_emulator_and_says_how_to_install(
    demo_env: dict[str, str],
) -> None:
    port = int(demo_env["DEMO_PORT"])
    tenant = Path(demo_env["DEMO_TENANT_DIR"])

    first = _run_demo(demo_env)

    assert first.returncode == 3, first.stderr
    assert f"Emulator: http://127.0.0.1:{port}" in first.stdout
    assert "starting the emulator" in first.stderr
    assert "trying the standard installer (https://get.pulumi.com)" in first.stderr
    assert first.stderr.count("Pulumi CLI not found") == 1
    assert INSTALL_HINT in first.stderr
    assert _healthy(port)
    credentials = tenant / "credentials.json"
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    assert json.loads(credentials.read_text())["api_url"] == f"http://127.0.0.1:{port}"
    # No credential is printed.
    secrets = json.loads(credentials.read_text())
    for key in ("client_secret", "scim_token", "control_token"):
        assert secrets[key] not in first.stdout + first.stderr

    pid = (tenant / "emulator.pid").read_text()
    second = _run_demo(demo_env)

    assert second.returncode == 3
    assert f"reusing the emulator at http://127.0.0.1:{port}" in second.stderr
    assert "starting the emulator" not in second.stderr
    assert (tenant / "emulator.pid").read_text() == pid
    assert second.stderr.count("Pulumi CLI not found") == 1


def test_port_taken_by_something_else_is_named(demo_env: dict[str, str], tmp_path: Path) -> None:
    """A healthy server on the port whose credentials are not in the data dir: refuse, say what to do."""
    other_tenant = tmp_path / "other"
    emulator = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "python"),
            "-m",
            "emulator",
            "--port",
            demo_env["DEMO_PORT"],
            "--data-dir",
            str(other_tenant),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert emulator.stdout is not None and "emulator listening" in emulator.stdout.readline()
        result = _run_demo(demo_env)
        assert result.returncode == 1
        assert f"something already answers on http://127.0.0.1:{demo_env['DEMO_PORT']}" in result.stderr
        assert "DEMO_PORT=8788 ./scripts/demo" in result.stderr
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)


@pytest.mark.e2e
@pytest.mark.skipif(
    shutil.which("pulumi") is None, reason="needs the Pulumi CLI on PATH (cannot be installed here)"
)
def test_demo_end_to_end_twice(tmp_path: Path) -> None:  # pragma: no cover - runs where the CLI exists
    project = tmp_path / "project"
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    for name in tracked.splitlines():
        target = project / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    (project / ".venv").symlink_to(ROOT / ".venv")
    tenant = project / ".tenant"
    env = {**os.environ, "DEMO_PORT": str(_free_port()), "PULUMI_CONFIG_PASSPHRASE": "e2e-test"}
    try:
        first = _run_demo(env, cwd=project, script=project / "scripts" / "demo")
        assert first.returncode == 0, first.stdout + first.stderr
        assert "client_ids" in first.stdout and "[secret]" in first.stdout
        second = _run_demo(env, cwd=project, script=project / "scripts" / "demo")
        assert second.returncode == 0, second.stdout + second.stderr
        assert "reusing the emulator" in second.stderr
        preview = subprocess.run(
            ["pulumi", "preview", "--expect-no-changes", "--policy-pack", "policies", "--non-interactive"],
            cwd=project,
            env={**env, "PULUMI_BACKEND_URL": f"file://{project / '.pulumi-state'}"},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert preview.returncode == 0, preview.stdout + preview.stderr
    finally:
        _stop_emulator(tenant)


# --- what `pulumi up --policy-pack policies` does in the demo, without the CLI -----------------------


def test_dev_model_deploys_to_the_emulator_through_the_real_plugin_and_passes_the_pack(
    emulator: RunningEmulator,
) -> None:
    """The demo's chain with an engine double in place of the CLI: the real program, the real provider
    plugin (`python -m pulumi.dynamic`) against a real emulator, and the real policy pack."""
    credentials = emulator.credentials
    config = {
        "scope-manager:tokenUrl": credentials["token_url"],
        "scope-manager:apiUrl": credentials["api_url"],
        "scope-manager:clientId": credentials["client_id"],
        "scope-manager:clientSecret": credentials["client_secret"],
        "scope-manager:scimUrl": credentials["scim_url"],
        "scope-manager:scimToken": credentials["scim_token"],
    }
    access = read_stack_access(ROOT / "Pulumi.dev.yaml")

    def program() -> None:
        pulumi.runtime.set_all_config({"scope-manager:access": json.dumps(access)})
        runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__")

    plugin = ProviderProcess(
        ROOT, config=config, secret_keys={"scope-manager:clientSecret", "scope-manager:scimToken"}
    )
    engine = Engine(plugin)
    with plugin, PolicyPackHost(ROOT / "policies") as pack:
        plugin.configure()
        pack.configure()
        try:
            first = engine.run(program)
            assert sorted(step.op for step in first) == ["create"] * 10

            for state in engine.state.values():
                assert pack.analyze(state.urn, state.type, state.inputs) == [], state.urn
            stack = [StackResource(s.urn, s.type, s.outputs, s.dependencies) for s in engine.state.values()]
            assert pack.analyze_stack(stack) == []

            granted = {
                s.urn.rsplit("::", 1)[-1]: s.outputs["granted"]
                for s in engine.state.values()
                if s.type.endswith("ScopeAssignment")
            }
            assert granted == {
                "directory-sync-scopes": [
                    "connector:read",
                    "connector:write",
                    "scim:read",
                    "scim:write",
                    "sync:profile:read",
                ],
                "reporting-scopes": ["scim:read"],
            }
            with httpx.Client(
                base_url=credentials["scim_url"],
                headers={"Authorization": f"Bearer {credentials['scim_token']}"},
                timeout=30,
            ) as scim:
                groups = scim.get("/Groups", params={"filter": 'displayName eq "Contractors"'}).json()
            (contractors,) = groups["Resources"]
            assert len(contractors["members"]) == 2

            second = engine.run(program)
            assert {step.op for step in second} == {"same"}

            secret_values = [
                s.outputs["value"]["value"] for s in engine.state.values() if s.type.endswith("ClientSecret")
            ]
            assert len(secret_values) == 2
            logs = "\n".join(plugin.stderr_lines + pack.stderr_lines)
            assert not any(value in logs for value in secret_values)
        finally:
            pulumi.runtime.set_all_config({})
            if engine.state:
                engine.destroy()
