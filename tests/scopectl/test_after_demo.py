"""After `./scripts/demo`, `scopectl audit --stack dev` and `scopectl export` need no flags; an error
about a missing endpoint names the flag, the config keys and the environment variables, one a line."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from scopectl.__main__ import main
from tests.scopectl.tenant_setup import console_client, tenant_environment

SCRIPT = Path(sys.executable).parent / "scopectl"
MODEL = {"catalog": ["scim:read", "scim:write"], "clients": {}}


def demo_project(root: Path, credentials_file: Path) -> Path:
    """A project as ./scripts/demo leaves it: the tracked stack file holds only the model; the untracked
    .pulumi-state/Pulumi.dev.yaml holds the emulator's endpoints, its client id and the encrypted
    credentials; .tenant/credentials.json is the emulator's own."""
    credentials = json.loads(credentials_file.read_text())
    (root / "Pulumi.yaml").write_text("name: scope-manager\nruntime: python\n")
    (root / "Pulumi.dev.yaml").write_text(yaml.safe_dump({"config": {"scope-manager:access": MODEL}}))
    (root / ".pulumi-state").mkdir()
    config = {
        "scope-manager:access": MODEL,
        "scope-manager:tokenUrl": credentials["token_url"],
        "scope-manager:apiUrl": credentials["api_url"],
        "scope-manager:scimUrl": credentials["scim_url"],
        "scope-manager:clientId": credentials["client_id"],
        "scope-manager:clientSecret": {"secure": "v1:c2FsdA==:ZW5jcnlwdGVk"},
        "scope-manager:scimToken": {"secure": "v1:c2FsdA==:ZW5jcnlwdGVk"},
    }
    demo_config = root / ".pulumi-state" / "Pulumi.dev.yaml"
    demo_config.write_text(yaml.safe_dump({"encryptionsalt": "v1:c2FsdA==:x", "config": config}))
    (root / ".tenant").mkdir(mode=0o700)
    shutil.copy(credentials_file, root / ".tenant" / "credentials.json")
    return root


@pytest.fixture
def no_tenant_environment(monkeypatch):
    tenant_environment(monkeypatch, "", "")
    monkeypatch.delenv("SCOPE_MANAGER_CLIENT_SECRET")
    monkeypatch.delenv("SCOPE_MANAGER_SCIM_TOKEN")


def test_audit_after_the_demo_needs_no_flags(tenant, tmp_path, capsys, no_tenant_environment):
    project = demo_project(tmp_path, tenant.data_dir / "credentials.json")

    clean = main(["audit", "--stack", "dev", "--cwd", str(project)])
    captured = capsys.readouterr()
    assert clean == 0, captured.err
    assert "tenant: the local emulator; credentials from" in captured.err

    with tenant.admin_http() as http:  # an out-of-band change: a client made in the console
        console_client(http, "console-made")

    assert main(["audit", "--stack", "dev", "--cwd", str(project), "--quiet"]) == 2
    assert "console-made" in capsys.readouterr().out


@pytest.mark.skipif(not SCRIPT.is_file(), reason="scopectl is not installed in this interpreter's venv")
def test_installed_audit_runs_from_a_subdirectory_of_the_project(tenant, tmp_path, no_tenant_environment):
    project = demo_project(tmp_path, tenant.data_dir / "credentials.json")
    elsewhere = project / "docs"
    elsewhere.mkdir()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}

    result = subprocess.run(
        [str(SCRIPT), "audit", "--stack", "dev", "--quiet"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert "No drift." in result.stdout


def test_export_after_the_demo_needs_no_flags(tenant, tmp_path, capsys, no_tenant_environment, monkeypatch):
    project = demo_project(tmp_path, tenant.data_dir / "credentials.json")
    monkeypatch.chdir(project)

    code = main(["export", "--quiet"])

    out = capsys.readouterr().out
    assert code == 0
    assert "scope-manager:access" in out
    assert json.loads((project / ".tenant" / "credentials.json").read_text())["client_secret"] not in out


def test_the_emulators_credentials_never_go_to_other_endpoints(
    tenant, tmp_path, capsys, no_tenant_environment
):
    project = demo_project(tmp_path, tenant.data_dir / "credentials.json")
    stack = project / ".pulumi-state" / "Pulumi.dev.yaml"
    document = yaml.safe_load(stack.read_text())
    document["config"]["scope-manager:apiUrl"] = "https://api.zsapi.net"
    document["config"]["scope-manager:tokenUrl"] = "https://acme.zslogin.net/oauth2/v1/token"
    stack.write_text(yaml.safe_dump(document))

    code = main(["audit", "--stack", "dev", "--cwd", str(project), "--quiet"])

    err = capsys.readouterr().err
    assert code == 1
    assert "clientSecret is missing" in err and "encrypted (secure:)" in err


def test_a_missing_endpoint_names_flag_config_keys_and_environment_each_on_its_own_line(
    tmp_path, capsys, no_tenant_environment
):
    (tmp_path / "Pulumi.yaml").write_text("name: scope-manager\nruntime: python\n")
    model = {"clients": {"app": {"owner": "a@example.com", "secret": {"rotate_every_days": 30}}}}
    (tmp_path / "Pulumi.dev.yaml").write_text(yaml.safe_dump({"config": {"scope-manager:access": model}}))

    code = main(["audit", "--stack", "dev", "--cwd", str(tmp_path), "--quiet"])

    lines = capsys.readouterr().err.splitlines()
    assert code == 1
    [flag] = [line for line in lines if "--credentials-file FILE" in line]
    [config] = [line for line in lines if "scope-manager:tokenUrl" in line]
    [env] = [line for line in lines if "SCOPE_MANAGER_API_URL" in line]
    assert len({flag, config, env}) == 3
    assert flag.strip().startswith("flag:") and config.strip().startswith("stack config:")
    assert env.strip().startswith("environment:")
    assert "ZSCALER_VANITY_DOMAIN" in env and "scope-manager:vanityDomain" in config


def test_an_explicit_stack_file_is_not_redirected_by_the_demos_config(
    tenant, tmp_path, capsys, no_tenant_environment, monkeypatch
):
    project = demo_project(tmp_path, tenant.data_dir / "credentials.json")
    monkeypatch.setenv("SCOPE_MANAGER_TOKEN_URL", "http://127.0.0.1:9/oauth2/v1/token")
    monkeypatch.setenv("SCOPE_MANAGER_API_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("SCOPE_MANAGER_CLIENT_ID", "cid")
    monkeypatch.setenv("SCOPE_MANAGER_CLIENT_SECRET", "not-the-emulators")

    code = main(["audit", "--stack-file", str(project / "Pulumi.dev.yaml"), "--cwd", str(project), "--quiet"])

    assert code == 1
    assert "cannot connect to http://127.0.0.1:9" in capsys.readouterr().err
