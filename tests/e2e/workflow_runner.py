"""Run a GitHub Actions job's `run:` steps here, as the runner would, against the emulator.

Each `run:` script runs unchanged with `bash -e` in the project directory, with the job's environment
(values supplied by the test: the stack, the backend, the tenant), the step's own `env:`, and fresh
`GITHUB_OUTPUT` / `GITHUB_STEP_SUMMARY` files. Step `if:` conditions and `${{ ... }}` expressions are
evaluated for the forms these workflows use: `always()`, `success()`, `steps.<id>.outputs.<name>`,
`steps.<id>.outcome`, `github.event_name`, `hashFiles(...)`, `==`, `!=`, `&&`, `||`.

`uses:` steps are not run; what they do the test environment already provides (the checkout is the
project directory, Python and the Pulumi CLI are on PATH) or the test reads directly (the PR comment is
`report.md`; artifacts are the files left in the directory). Steps whose name starts with one of
`skip_prefixes` (by default "Install": creating `.venv` and pip-installing, which the test's checkout
already has as a link to the project's `.venv`) are not run either.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


@dataclass
class StepResult:
    name: str
    ran: bool
    returncode: int | None = None
    outputs: dict[str, str] = field(default_factory=dict)
    log: str = ""

    @property
    def outcome(self) -> str:
        if not self.ran:
            return "skipped"
        return "success" if self.returncode == 0 else "failure"


@dataclass
class JobResult:
    steps: dict[str, StepResult]
    summary: str

    @property
    def failed(self) -> bool:
        return any(s.outcome == "failure" for s in self.steps.values())


def load_job(workflow: Path, job: str) -> dict[str, Any]:
    return yaml.safe_load(workflow.read_text())["jobs"][job]


class _Context:
    def __init__(self, steps: dict[str, StepResult], event_name: str, workdir: Path) -> None:
        self.steps = steps
        self.event_name = event_name
        self.workdir = workdir

    def evaluate(self, expression: str) -> Any:
        """The value of an Actions expression (the subset these workflows use)."""
        python = expression
        python = re.sub(r"\balways\(\)", "True", python)
        python = re.sub(
            r"\bsuccess\(\)", repr(not any(s.outcome == "failure" for s in self.steps.values())), python
        )
        python = re.sub(r"\bhashFiles\(([^)]*)\)", lambda m: repr(self._hash_files(m.group(1))), python)
        python = re.sub(
            r"\bsteps\.([\w-]+)\.outputs\.([\w-]+)",
            lambda m: repr(self._step(m.group(1)).outputs.get(m.group(2), "")),
            python,
        )
        python = re.sub(r"\bsteps\.([\w-]+)\.outcome", lambda m: repr(self._step(m.group(1)).outcome), python)
        python = re.sub(r"\bgithub\.event_name\b", repr(self.event_name), python)
        python = python.replace("&&", " and ").replace("||", " or ")
        # Our own workflow files, rewritten above into a comparison of literals; no names are reachable.
        return eval(python, {"__builtins__": {}}, {})

    def substitute(self, text: str) -> str:
        return EXPRESSION.sub(lambda m: str(self.evaluate(m.group(1))), text)

    def _step(self, step_id: str) -> StepResult:
        return self.steps.get(step_id) or StepResult(step_id, ran=False)

    def _hash_files(self, patterns: str) -> str:
        names = [p.strip().strip("'\"") for p in patterns.split(",")]
        return "hash" if any((self.workdir / n).exists() for n in names) else ""


def run_job(
    workflow: Path,
    job: str,
    workdir: Path,
    env: dict[str, str],
    event_name: str = "pull_request",
    skip_prefixes: tuple[str, ...] = ("Install",),
) -> JobResult:
    """Run the job's `run:` steps in order in `workdir` with `env` as the job's environment."""
    steps: dict[str, StepResult] = {}
    context = _Context(steps, event_name, workdir)
    summary = workdir / "step-summary.md"
    summary.write_text("")
    for index, step in enumerate(load_job(workflow, job)["steps"]):
        step_id = step.get("id") or f"step{index}"
        name = step.get("name") or step.get("uses") or step_id
        condition = step.get("if")
        wanted = context.evaluate(condition) if condition else context.evaluate("success()")
        if "run" not in step or not wanted or str(name).startswith(skip_prefixes):
            steps[step_id] = StepResult(name, ran=False)
            continue
        output_file = workdir / f".github-output-{index}"
        output_file.write_text("")
        step_env = {key: context.substitute(str(value)) for key, value in (step.get("env") or {}).items()}
        completed = subprocess.run(
            ["bash", "-e", "-c", step["run"]],
            cwd=workdir,
            env={**env, **step_env, "GITHUB_OUTPUT": str(output_file), "GITHUB_STEP_SUMMARY": str(summary)},
            capture_output=True,
            text=True,
            timeout=600,
        )
        outputs = dict(line.split("=", 1) for line in output_file.read_text().splitlines() if "=" in line)
        steps[step_id] = StepResult(
            name, True, completed.returncode, outputs, completed.stdout + completed.stderr
        )
    return JobResult(steps, summary.read_text())
