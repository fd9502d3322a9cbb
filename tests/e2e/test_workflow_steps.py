"""The shell steps of `.github/workflows/preview.yml` and `drift.yml`, run as written with the real CLI
against the emulator: the pull-request comment body and the drift job's exit code come out right."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.e2e.harness import PASSPHRASE, REPO_ROOT, ProjectStack, client_model, model
from tests.e2e.workflow_runner import run_job
from tests.support.emulator import RunningEmulator, run_emulator

WORKFLOWS = REPO_ROOT / ".github" / "workflows"


def checkout(stack: ProjectStack) -> dict[str, str]:
    """Make the stack's directory look like the checkout the job runs in; return the job's env."""
    for name in (".venv", "policies"):
        link = stack.dir / name
        if not link.exists():
            link.symlink_to(REPO_ROOT / name)
    credentials = stack.emulator.credentials
    return {
        **stack.env,
        # What the workflows' `env:` blocks take from repository secrets and variables; the endpoints
        # are the emulator's URLs where a real tenant would use ZSCALER_VANITY_DOMAIN and ZSCALER_CLOUD.
        "SCOPE_MANAGER_TOKEN_URL": credentials["token_url"],
        "SCOPE_MANAGER_API_URL": credentials["api_url"],
        "SCOPE_MANAGER_SCIM_URL": credentials["scim_url"],
        "SCOPE_MANAGER_CLIENT_ID": credentials["client_id"],
        "SCOPE_MANAGER_CLIENT_SECRET": credentials["client_secret"],
        "SCOPE_MANAGER_SCIM_TOKEN": credentials["scim_token"],
        "STACK": stack.stack,
        "EXPIRING_DAYS": "14",
        "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
        "PULUMI_SKIP_UPDATE_CHECK": "true",
    }


def test_preview_workflow_turns_a_scope_grant_into_the_pr_comment(
    tmp_path: Path, emulator: RunningEmulator, prefix: str
) -> None:
    stack = ProjectStack(
        tmp_path, emulator, model({"sync": client_model(["scim:read"], name=f"{prefix}-sync")})
    )
    stack.up()
    stack.set_model(model({"sync": client_model(["scim:read", "scim:write"], name=f"{prefix}-sync")}))

    job = run_job(WORKFLOWS / "preview.yml", "preview", stack.dir, checkout(stack))

    assert not job.failed, {k: s.log for k, s in job.steps.items() if s.outcome == "failure"}
    assert job.steps["validate"].outputs["exit_code"] == "0"
    assert job.steps["preview"].outputs["exit_code"] == "0"
    comment = (stack.dir / "report.md").read_text()
    assert "**`sync`**" in comment
    assert "granted **`scim:write`**" in comment
    assert "justification: e2e needs scim:write" in comment  # the justification travels with the grant
    assert "scim:read" not in comment  # unchanged scopes are not news
    assert "pulumi preview failed" not in comment
    assert comment.strip() in job.summary


def test_preview_workflow_fails_and_says_why_in_the_comment_on_a_mandatory_violation(
    tmp_path: Path, emulator: RunningEmulator, prefix: str
) -> None:
    stack = ProjectStack(
        tmp_path, emulator, model({"sync": client_model(["scim:read"], name=f"{prefix}-sync")})
    )
    stack.up()
    wide = client_model(["scim:read", "ziam:admin"], name=f"{prefix}-sync")
    stack.set_model(model({"sync": wide}))
    emulator.reset_stats()

    job = run_job(WORKFLOWS / "preview.yml", "preview", stack.dir, checkout(stack))

    assert job.failed
    # scopectl validate runs the pack's rules offline, so the job stops before it previews anything.
    assert job.steps["validate"].outputs["exit_code"] == "1"
    assert job.steps["preview"].outcome == "skipped"
    comment = (stack.dir / "report.md").read_text()
    assert "no-wildcard-scopes" in comment and "ziam:admin" in comment
    assert [r for r in emulator.requests() if r["method"] != "GET" and "token" not in r["path"]] == []


def test_drift_workflow_exits_zero_on_a_clean_tenant_and_non_zero_on_drift(
    tmp_path: Path, prefix: str
) -> None:
    # A tenant of its own: `scopectl audit` rightly reports the other tests' clients as undeclared.
    with run_emulator(tmp_path / "tenant") as emulator, emulator.admin_http() as admin:
        admin.base_url = emulator.credentials["api_url"] + "/ziam/admin/api/v1"
        check_drift_job(tmp_path / "work", emulator, admin, prefix)


def check_drift_job(workdir: Path, emulator: RunningEmulator, admin: httpx.Client, prefix: str) -> None:
    stack = ProjectStack(
        workdir, emulator, model({"sync": client_model(["scim:read"], name=f"{prefix}-sync")})
    )
    stack.up()
    env = checkout(stack)

    clean = run_job(WORKFLOWS / "drift.yml", "drift", stack.dir, env, event_name="schedule")
    client_id = stack.resources()["sync"]["id"]
    admin.delete(f"/api-clients/{client_id}").raise_for_status()
    drifted = run_job(WORKFLOWS / "drift.yml", "drift", stack.dir, env, event_name="schedule")

    final = "Fail on drift (so GitHub notifies)"
    assert clean.steps["refresh"].outputs["exit_code"] == "0"
    assert {s.name: s.outcome for s in clean.steps.values()}[final] == "success", clean.steps
    assert {s.name: s.outcome for s in drifted.steps.values()}[final] == "failure"
    assert drifted.steps["refresh"].outputs["report_exit"] == "2"
    assert "refresh found drift in declared objects" in next(
        s.log for s in drifted.steps.values() if s.name == final
    )
    assert (stack.dir / "refresh-report.md").exists()
