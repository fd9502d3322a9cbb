"""A Scope Manager stack driven through the real Pulumi CLI, as a user drives it.

`ProjectStack` is the project itself (its `__main__.py`, `Pulumi.yaml` runtime settings and the
`policies/` pack) in a temporary directory with its own file backend and Pulumi home, pointed at an
emulator. The access model goes where users put it, under `scope-manager:access` in
`Pulumi.<stack>.yaml`; tenant endpoints and credentials go in with `pulumi config set` (credentials
with `--secret`, on stdin). The environment is the caller's minus every `PULUMI_*`,
`SCOPE_MANAGER_*` and `ZSCALER_*` variable, so nothing of a developer's own setup leaks in.

Every command returns its exit code, stdout and stderr; `run(..., check=True)` raises with all of it.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

from providers._base import SECRET_STACK_KEYS, config_from_credentials
from tests.support.emulator import RunningEmulator
from tests.support.pulumi_cli import environment_with_pulumi, require_pulumi

REPO_ROOT = Path(__file__).resolve().parents[2]
POLICY_PACK = REPO_ROOT / "policies"
COMMAND_TIMEOUT_SECONDS = 600
PASSPHRASE = "e2e-passphrase-not-secret"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Result:
    """One CLI command's outcome."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def json(self) -> Any:
        return json.loads(self.stdout)


class CommandFailed(AssertionError):
    pass


def hermetic_env(workdir: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    inherited = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PULUMI_", "SCOPE_MANAGER_", "ZSCALER_"))
    }
    return environment_with_pulumi(
        {
            **inherited,
            "PULUMI_HOME": str(workdir / "pulumi-home"),
            "PULUMI_BACKEND_URL": f"file://{workdir / 'state'}",
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
            **(extra or {}),
        }
    )


def run_pulumi(
    cwd: Path,
    env: dict[str, str],
    *args: str,
    stdin: str | None = None,
    check: bool = False,
    timeout: float = COMMAND_TIMEOUT_SECONDS,
) -> Result:
    """One CLI command, `--non-interactive`, in `cwd`; `check=True` raises with its whole output."""
    completed = subprocess.run(
        [str(require_pulumi()), *args, "--non-interactive"],
        cwd=cwd,
        env=env,
        input=stdin,
        stdin=subprocess.DEVNULL if stdin is None else None,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    result = Result(tuple(args), completed.returncode, completed.stdout, completed.stderr)
    if check and result.returncode != 0:
        raise CommandFailed(
            f"pulumi {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
        )
    return result


class ProjectStack:
    """The Scope Manager project with one stack, in `workdir`, managing the emulator's tenant."""

    def __init__(
        self,
        workdir: Path,
        emulator: RunningEmulator,
        model: dict[str, Any],
        stack: str = "dev",
        credentials: dict[str, str] | None = None,
    ) -> None:
        self.workdir = workdir
        self.emulator = emulator
        self.stack = stack
        self.dir = workdir / "project"
        self.dir.mkdir(parents=True)
        (workdir / "state").mkdir()
        project = yaml.safe_load((REPO_ROOT / "Pulumi.yaml").read_text())
        project["runtime"]["options"]["virtualenv"] = str(REPO_ROOT / ".venv")
        (self.dir / "Pulumi.yaml").write_text(yaml.safe_dump(project, sort_keys=False))
        (self.dir / "__main__.py").symlink_to(REPO_ROOT / "__main__.py")
        self.env = hermetic_env(workdir)
        self.policy_config: Path | None = None  # --policy-pack-config for every preview and up
        self.run("stack", "init", stack, "--secrets-provider", "passphrase", check=True)
        self.set_credentials(credentials or emulator.credentials)
        self.set_model(model)

    # -- configuration -------------------------------------------------------------------------
    @property
    def stack_file(self) -> Path:
        return self.dir / f"Pulumi.{self.stack}.yaml"

    def set_credentials(self, credentials: dict[str, str]) -> None:
        for key, value in config_from_credentials(credentials).items():
            flag = "--secret" if key in SECRET_STACK_KEYS else "--plaintext"
            self.run("config", "set", flag, key, stdin=value, check=True)

    def set_model(self, model: dict[str, Any]) -> None:
        """Write the access model into the stack file, as a user edits `Pulumi.<stack>.yaml` (in place of
        a model file the stack named, if any)."""
        document = yaml.safe_load(self.stack_file.read_text()) or {}
        document.setdefault("config", {})["scope-manager:access"] = model
        document["config"].pop("scope-manager:accessFile", None)
        self.stack_file.write_text(yaml.safe_dump(document, sort_keys=False))

    # -- commands ------------------------------------------------------------------------------
    def run(
        self,
        *args: str,
        stdin: str | None = None,
        check: bool = False,
        env: dict[str, str] | None = None,
        timeout: float = COMMAND_TIMEOUT_SECONDS,
    ) -> Result:
        return run_pulumi(
            self.dir, {**self.env, **(env or {})}, *args, stdin=stdin, check=check, timeout=timeout
        )

    def set_policy_config(self, config: dict[str, Any]) -> None:
        """Use `config` as --policy-pack-config of every later preview and up."""
        self.policy_config = self.workdir / "policy-config.json"
        self.policy_config.write_text(json.dumps(config))

    def policy_arguments(self, policy: bool = True) -> tuple[str, ...]:
        if not policy:
            return ()
        config = ("--policy-pack-config", str(self.policy_config)) if self.policy_config else ()
        return ("--policy-pack", str(POLICY_PACK), *config)

    def up(self, *extra: str, policy: bool = True, env: dict[str, str] | None = None) -> Result:
        return self.run(
            "up", "--yes", "--skip-preview", *self.policy_arguments(policy), *extra, env=env, check=True
        )

    def preview(self, *extra: str, policy: bool = True, env: dict[str, str] | None = None) -> Result:
        return self.run("preview", *self.policy_arguments(policy), *extra, env=env)

    def preview_json(self, *extra: str, env: dict[str, str] | None = None) -> dict[str, Any]:
        result = self.preview("--json", *extra, env=env)
        if result.returncode != 0:
            raise CommandFailed(f"pulumi preview --json exited {result.returncode}:\n{result.output}")
        return result.json()

    def destroy(self) -> Result:
        return self.run("destroy", "--yes", "--skip-preview", check=True)

    def resources(self) -> dict[str, dict[str, Any]]:
        """Resource name -> its state, from `pulumi stack export` (secrets stay encrypted)."""
        deployment = self.run("stack", "export", check=True).json()["deployment"]
        return {r["urn"].rsplit("::", 1)[-1]: r for r in deployment.get("resources") or []}


def scim_client(emulator: RunningEmulator) -> httpx.Client:
    """The emulator's SCIM API with its bearer token, for editing the directory by hand."""
    return httpx.Client(
        base_url=emulator.credentials["scim_url"],
        headers={"Authorization": f"Bearer {emulator.credentials['scim_token']}"},
        timeout=30.0,
    )


def changed_steps(digest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Resource name -> step, for every step of `preview --json` that changes something.

    Steps of the engine's own default provider are left out."""
    return {
        step["urn"].rsplit("::", 1)[-1]: step
        for step in digest.get("steps") or []
        if step["op"] != "same" and "::pulumi:providers:" not in step["urn"]
    }


def writes(requests: Iterable[dict[str, Any]]) -> list[tuple[str, str]]:
    """The (method, path) of every request that changes the tenant (token requests excluded)."""
    return [
        (r["method"], r["path"])
        for r in requests
        if r["method"] in WRITE_METHODS and not r["path"].endswith("/oauth2/v1/token")
    ]


def client_model(
    scopes: Iterable[str], *, name: str, purpose: str = "provisioning", secret: dict[str, Any] | None = None
) -> dict[str, Any]:
    """One client of an access model, every scope justified (so the policy pack passes it)."""
    return {
        "name": name,
        "description": f"{name} (end-to-end test)",
        "owner": "e2e@example.com",
        "purpose": purpose,
        "scopes": {scope: {"justification": f"e2e needs {scope}"} for scope in scopes},
        "secret": secret or {"lifetime_days": 90, "renew_before_days": 14, "rotate_every_days": 76},
    }


def dev_catalog() -> list[str]:
    """The scope catalog of the dev stack (the emulator's scopes), for test models."""
    document = yaml.safe_load((REPO_ROOT / "Pulumi.dev.yaml").read_text())
    return list(document["config"]["scope-manager:access"]["catalog"])


def model(
    clients: dict[str, Any] | None = None,
    users: dict[str, Any] | None = None,
    groups: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An access model with the dev catalog and the given clients, users and groups."""
    document: dict[str, Any] = {"catalog": dev_catalog(), "clients": clients or {}}
    if users:
        document["users"] = users
    if groups:
        document["groups"] = groups
    return document
