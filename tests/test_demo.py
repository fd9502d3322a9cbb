"""`scripts/demo`: it takes a supported `pulumi` from PATH, else the pinned engine build (scripts/engine),
else it starts (or reuses) the emulator and ends with one line saying what to install. The end-to-end
test runs the whole demo twice in a copy of the project through the real CLI."""

from __future__ import annotations

import json
import os
import runpy
import shutil
import signal
import socket
import stat
import subprocess
import sys
import textwrap
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pulumi
import pytest
import yaml

from access_model import read_stack_access
from providers.tenant import AUDIENCE
from tests.support.analyzer_double import PolicyPackHost, StackResource
from tests.support.emulator import RunningEmulator
from tests.support.engine_double import Engine, ProviderProcess
from tests.support.pulumi_cli import environment_with_pulumi

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "scripts" / "demo"
MISSING_CLI = "error: no Pulumi CLI 3.272.0 or newer on PATH, and no Go toolchain to build one"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _path_without(*programs: str) -> str:
    dirs = os.environ.get("PATH", "").split(os.pathsep)
    return os.pathsep.join(d for d in dirs if d and not any((Path(d) / p).exists() for p in programs))


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
        "HOME": str(tmp_path / "home"),
        # No CLI, no Go to build one, and an empty engine cache: the machine a new user may have.
        "PATH": _path_without("pulumi", "go"),
        "SCOPE_MANAGER_ENGINE_CACHE": str(tmp_path / "engine-cache"),
        "DEMO_PORT": str(_free_port()),
        "DEMO_TENANT_DIR": str(tenant),
    }
    (tmp_path / "home").mkdir()
    try:
        yield env
    finally:
        _stop_emulator(tenant)


def _copy_of_project(project: Path) -> Path:
    """The checkout's files as they are in the working tree (tracked, and new ones git does not ignore)
    and a link to its .venv, so a demo run writes its .pulumi-state and .tenant there and never into
    the real checkout."""
    tracked = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for name in tracked.splitlines():
        if (ROOT / name).is_file():
            target = project / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target)
    (project / ".venv").symlink_to(ROOT / ".venv")
    return project


def _run_demo(env: dict[str, str], cwd: Path = ROOT, script: Path = DEMO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(script)], cwd=cwd, env=env, capture_output=True, text=True, timeout=180)


def test_without_cli_or_go_demo_starts_the_emulator_and_says_what_to_install(
    demo_env: dict[str, str],
) -> None:
    port = int(demo_env["DEMO_PORT"])
    tenant = Path(demo_env["DEMO_TENANT_DIR"])

    first = _run_demo(demo_env)

    assert first.returncode == 3, first.stderr
    assert f"Emulator: http://127.0.0.1:{port}" in first.stdout
    assert "starting the emulator" in first.stderr
    assert first.stderr.count(MISSING_CLI) == 1
    assert "https://www.pulumi.com/docs/install/" in first.stderr
    assert "https://go.dev/doc/install" in first.stderr
    assert _healthy(port)
    credentials = tenant / "credentials.json"
    assert stat.S_IMODE(tenant.stat().st_mode) == 0o700  # as the README says
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
    assert second.stderr.count(MISSING_CLI) == 1


def test_a_cli_older_than_the_sdk_pin_is_not_used(demo_env: dict[str, str], tmp_path: Path) -> None:
    old_cli = _stand_in_pulumi(tmp_path / "old-bin")
    env = {
        **demo_env,
        "PATH": f"{old_cli.parent}{os.pathsep}{demo_env['PATH']}",
        "FAKE_PULUMI_VERSION": "v3.100.0",
        "FAKE_PULUMI_LOG": str(tmp_path / "calls.log"),
    }

    result = _run_demo(env)

    assert result.returncode == 3, result.stderr
    assert f"{old_cli} is version 'v3.100.0', older than the SDK pin 3.272.0" in result.stderr
    assert result.stderr.count(MISSING_CLI) == 1
    calls = [json.loads(line)["argv"] for line in (tmp_path / "calls.log").read_text().splitlines()]
    assert calls == [["version"]]  # asked its version, then never used


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


# --- the demo's pulumi commands, with a stand-in for the CLI -------------------------------------------
#
# The Pulumi CLI cannot be installed here, so this stand-in does what the real one does to files: `stack
# init` writes the new stack's encryption salt into the Pulumi.<stack>.yaml next to the Pulumi.yaml it
# finds (from --cwd), `config set` writes into --config-file or else into that same file, and a secret
# can only be set in a file that holds the stack's own salt. It records every call.
_FAKE_PULUMI = textwrap.dedent(
    """\
    import base64, json, os, secrets, sys
    from pathlib import Path
    import yaml

    argv = sys.argv[1:]
    with open(os.environ["FAKE_PULUMI_LOG"], "a") as log:
        log.write(json.dumps({"cwd": os.getcwd(), "argv": argv}) + "\\n")
    if argv == ["version"]:
        print(os.environ.get("FAKE_PULUMI_VERSION", "v3.999.0-stand-in"))
        sys.exit(0)

    def take(flag):
        if flag in argv:
            i = argv.index(flag)
            value = argv[i + 1]
            del argv[i : i + 2]
            return value
        return None

    cwd = Path(take("--cwd") or os.getcwd())
    config_file = take("--config-file")
    secret = "--secret" in argv
    words = [a for a in argv if not a.startswith("-")]
    project = next(d for d in (cwd, *cwd.parents) if (d / "Pulumi.yaml").is_file())
    name = yaml.safe_load((project / "Pulumi.yaml").read_text())["name"]
    backend = Path(os.environ["PULUMI_BACKEND_URL"].removeprefix("file://"))
    record = backend / ".pulumi" / "stacks" / name / "dev.json"
    target = Path(config_file) if config_file else project / "Pulumi.dev.yaml"

    def fail(message):
        print("error: " + message, file=sys.stderr)
        sys.exit(255)

    def load(path):
        return (yaml.safe_load(path.read_text()) or {}) if path.is_file() else {}

    if words[:2] == ["stack", "select"]:
        if not record.is_file():
            fail("no stack named 'dev' found")
    elif words[:2] == ["stack", "init"]:
        if record.is_file():
            fail("stack 'dev' already exists")
        salt = "v1:" + secrets.token_hex(8)
        record.parent.mkdir(parents=True, exist_ok=True)
        record.write_text(json.dumps({"salt": salt}))
        document = load(target)  # the real CLI rewrites the whole file (comments are lost)
        document["encryptionsalt"] = salt
        target.write_text(yaml.safe_dump(document))
    elif words[:2] == ["config", "set"]:
        key = words[2]
        value = words[3] if len(words) > 3 else sys.stdin.read()
        document = load(target)
        if secret:
            if document.get("encryptionsalt") != json.loads(record.read_text())["salt"]:
                fail(f"{target} does not hold the encryption salt of stack dev")
            value = {"secure": "v1:" + base64.b64encode(value.encode()).decode()}
        document.setdefault("config", {})[key] = value
        target.write_text(yaml.safe_dump(document))
    elif words[:1] == ["up"]:
        config = load(target).get("config", {})
        missing = [k for k in ("tokenUrl", "apiUrl", "clientId", "clientSecret", "scimToken")
                   if "scope-manager:" + k not in config]
        if missing or "scope-manager:access" not in config:
            fail(f"{target} lacks {missing or 'the access model'}")
        print("Resources: 10 created")
    elif words[:2] == ["stack", "output"]:
        print("client_ids      {...}\\nclient_secrets  [secret]")
    else:
        fail(f"the stand-in does not know {words}")
    """
)


def _stand_in_pulumi(bin_dir: Path) -> Path:
    bin_dir.mkdir()
    script = bin_dir / "pulumi"
    script.write_text(f"#!{sys.executable}\n" + _FAKE_PULUMI)
    script.chmod(0o755)
    return script


@dataclass
class StandIn:
    """A copy of the project, the environment that puts the stand-in CLI first on PATH, and its log."""

    project: Path
    env: dict[str, str]
    log: Path

    def run_demo(self) -> subprocess.CompletedProcess[str]:
        return _run_demo(self.env, cwd=self.project, script=self.project / "scripts" / "demo")

    def calls(self, *command: str) -> list[list[str]]:
        """The argv of every recorded call that starts with `command`."""
        lines = self.log.read_text().splitlines() if self.log.exists() else []
        calls = [json.loads(line)["argv"] for line in lines]
        return [argv for argv in calls if argv[: len(command)] == list(command)]


@pytest.fixture
def stand_in(demo_env: dict[str, str], tmp_path: Path) -> StandIn:
    log = tmp_path / "pulumi-calls.jsonl"
    env = {
        **demo_env,
        "PATH": f"{_stand_in_pulumi(tmp_path / 'bin').parent}{os.pathsep}{demo_env['PATH']}",
        "FAKE_PULUMI_LOG": str(log),
    }
    return StandIn(_copy_of_project(tmp_path / "project"), env, log)


def test_demo_configures_secrets_in_an_untracked_file_and_leaves_pulumi_dev_yaml_unchanged(
    stand_in: StandIn, demo_env: dict[str, str]
) -> None:
    project = stand_in.project
    tracked = project / "Pulumi.dev.yaml"
    stack_config = project / ".pulumi-state" / "Pulumi.dev.yaml"
    original = tracked.read_bytes()

    first = stand_in.run_demo()

    assert first.returncode == 0, first.stdout + first.stderr
    assert tracked.read_bytes() == original
    (init,) = stand_in.calls("stack", "init")
    assert init[init.index("--cwd") + 1] == str(project / ".pulumi-state" / "stack-init")
    configuring = [*stand_in.calls("config", "set"), *stand_in.calls("up")]
    assert len(configuring) == 7
    for argv in configuring:
        assert argv[argv.index("--config-file") + 1] == str(stack_config), argv
    (up,) = stand_in.calls("up")
    assert up[up.index("--policy-pack") + 1] == "policies" and "--yes" in up
    assert stat.S_IMODE(stack_config.stat().st_mode) == 0o600
    document = yaml.safe_load(stack_config.read_text())
    salt = document["encryptionsalt"]
    assert document["config"]["scope-manager:clientSecret"].keys() == {"secure"}
    assert document["config"]["scope-manager:scimToken"].keys() == {"secure"}
    assert read_stack_access(stack_config) == read_stack_access(tracked)
    credentials = json.loads((Path(demo_env["DEMO_TENANT_DIR"]) / "credentials.json").read_text())
    seen = first.stdout + first.stderr + stack_config.read_text() + stand_in.log.read_text()
    for key in ("client_secret", "scim_token", "control_token"):
        assert credentials[key] not in seen
    assert f"--config-file {stack_config}" in first.stdout  # how to run pulumi by hand afterwards

    # A user edits the tracked model; the next run applies the edit, reuses the stack and its salt.
    edited = original.replace(b"Nightly access report", b"Hourly access report")
    assert edited != original
    tracked.write_bytes(edited)
    stand_in.log.unlink()

    second = stand_in.run_demo()

    assert second.returncode == 0, second.stdout + second.stderr
    assert tracked.read_bytes() == edited
    assert stand_in.calls("stack", "init") == []
    assert yaml.safe_load(stack_config.read_text())["encryptionsalt"] == salt
    reporting = read_stack_access(stack_config)["clients"]["reporting"]
    assert reporting["description"].startswith("Hourly access report")


def test_demo_carries_over_the_salt_an_older_demo_wrote_into_pulumi_dev_yaml(
    stand_in: StandIn,
) -> None:
    """Older demos put the stack's salt into the tracked file; a stack made then keeps working."""
    project = stand_in.project
    record = project / ".pulumi-state" / ".pulumi" / "stacks" / "scope-manager" / "dev.json"
    record.parent.mkdir(parents=True)
    record.write_text(json.dumps({"salt": "v1:older-demo"}))
    tracked = project / "Pulumi.dev.yaml"
    tracked.write_text("encryptionsalt: v1:older-demo\n" + tracked.read_text())
    dirty = tracked.read_bytes()

    result = stand_in.run_demo()

    assert result.returncode == 0, result.stdout + result.stderr
    assert stand_in.calls("stack", "init") == []
    stack_config = yaml.safe_load((project / ".pulumi-state" / "Pulumi.dev.yaml").read_text())
    assert stack_config["encryptionsalt"] == "v1:older-demo"
    assert tracked.read_bytes() == dirty  # the demo leaves restoring it to the user (docs say how)


@pytest.mark.e2e
def test_demo_end_to_end_twice(tmp_path: Path) -> None:
    """The README's main job through the real CLI: the first run applies the dev stack with the
    policy pack and prints what it made without a secret; the second changes nothing."""
    project = _copy_of_project(tmp_path / "project")
    tracked_stack_file = (project / "Pulumi.dev.yaml").read_bytes()
    tenant = project / ".tenant"
    env = environment_with_pulumi(
        {**os.environ, "DEMO_PORT": str(_free_port()), "PULUMI_CONFIG_PASSPHRASE": "e2e-test"}
    )
    try:
        first = _run_demo(env, cwd=project, script=project / "scripts" / "demo")
        assert first.returncode == 0, first.stdout + first.stderr
        assert "Policies:" in first.stdout and "scope-guardrails" in first.stdout
        assert "+ 13 created" in first.stdout  # 12 resources (a PreviousSecret per client) and the stack
        assert "client_ids" in first.stdout and "[secret]" in first.stdout
        credentials = json.loads((tenant / "credentials.json").read_text())
        for key in ("client_secret", "scim_token", "control_token"):
            assert credentials[key] not in first.stdout + first.stderr
        second = _run_demo(env, cwd=project, script=project / "scripts" / "demo")
        assert second.returncode == 0, second.stdout + second.stderr
        assert "reusing the emulator" in second.stderr
        assert "13 unchanged" in second.stdout
        assert "created" not in second.stdout.split("Resources:")[-1]
        preview = subprocess.run(
            [
                "pulumi",
                "preview",
                "--expect-no-changes",
                "--policy-pack",
                "policies",
                "--config-file",
                str(project / ".pulumi-state" / "Pulumi.dev.yaml"),
                "--non-interactive",
            ],
            cwd=project,
            env={**env, "PULUMI_BACKEND_URL": f"file://{project / '.pulumi-state'}"},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert preview.returncode == 0, preview.stdout + preview.stderr
        assert (project / "Pulumi.dev.yaml").read_bytes() == tracked_stack_file

        # After the demo, the installed scopectl audits the dev stack with no flags, from another
        # directory of the project: clean now, drift (exit 2) after a client made in the console.
        scopectl = ROOT / ".venv" / "bin" / "scopectl"
        elsewhere = project / "docs"
        audit_env = {k: v for k, v in env.items() if not k.startswith(("SCOPE_MANAGER_", "ZSCALER_"))}

        def audit() -> subprocess.CompletedProcess[str]:
            command = [str(scopectl), "audit", "--stack", "dev", "--quiet"]
            return subprocess.run(
                command, cwd=elsewhere, env=audit_env, capture_output=True, text=True, timeout=120
            )

        clean = audit()
        assert clean.returncode == 0, clean.stdout + clean.stderr
        credentials = json.loads((tenant / "credentials.json").read_text())
        with httpx.Client(base_url=credentials["api_url"], timeout=30) as http:
            token = http.post(
                credentials["token_url"],
                data={
                    "grant_type": "client_credentials",
                    "client_id": credentials["client_id"],
                    "client_secret": credentials["client_secret"],
                    "audience": AUDIENCE,
                },
            ).json()["access_token"]
            http.post(
                "/ziam/admin/api/v1/api-clients",
                headers={"Authorization": f"Bearer {token}"},
                json={
                    "name": "made-in-the-console",
                    "status": True,
                    "accessTokenLifeTime": 3600,
                    "clientAuthentication": {"authType": "SECRET"},
                    "clientResources": [],
                },
            ).raise_for_status()
        drifted = audit()
        assert drifted.returncode == 2, drifted.stdout + drifted.stderr
        assert "made-in-the-console" in drifted.stdout
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
            assert sorted(step.op for step in first) == ["create"] * 12

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


def test_help_describes_the_demo_and_its_settings() -> None:
    result = subprocess.run([str(DEMO), "--help"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0
    assert "Usage: ./scripts/demo [-h|--help]" in result.stdout
    for setting in ("PULUMI_CONFIG_PASSPHRASE", "DEMO_PORT", "DEMO_TENANT_DIR", "SCOPE_MANAGER_PULUMI"):
        assert setting in result.stdout


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--port", "1"], {}, "error: unknown argument '--port'"),
        ([], {"DEMO_PORT": "abc"}, "error: DEMO_PORT='abc' is not a TCP port (1-65535)"),
        ([], {"DEMO_PORT": "70000"}, "error: DEMO_PORT='70000' is not a TCP port (1-65535)"),
    ],
)
def test_bad_arguments_and_settings_stop_before_anything_starts(
    args: list[str], env: dict[str, str], message: str, tmp_path: Path
) -> None:
    tenant = tmp_path / "tenant"
    result = subprocess.run(
        [str(DEMO), *args],
        env={**os.environ, "DEMO_TENANT_DIR": str(tenant), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert not tenant.exists()
