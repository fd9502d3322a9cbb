"""`scopectl validate --stack NAME`: the full offline gate, for editors, pre-commit hooks and CI.

Three checks, all without the Pulumi CLI or a tenant:

1. the access model itself, with the same `access_model.parse` the program runs ("valid here" means
   "the program accepts it");
2. the `scope-guardrails` policy pack's own rules (`policies.rules`, the same functions, default levels
   and `--policy-config` file the pack takes) on the resources the program would declare, so a model
   the pack will block fails here first (see scopectl/model_policy.py);
3. the size of the stack config as the engine hands it to the program (one environment variable that
   Linux caps at 128 KiB): past it `pulumi preview` fails before the program runs, with a message that
   does not name the cause (see access_model/engine_config.py).

Every problem names its place as `file:line:column: path: message`, with a hint when the indentation
looks wrong. Exit 1 on any model error, mandatory finding or a stack config too large to start the
program; advisory findings, a stack config close to that size, grants about to expire
and grants that have expired (and will be revoked) are warnings and exit 0. `--format json` answers in
JSON whatever goes wrong, a YAML syntax error or a missing stack file included.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from access_model import (
    ACCESS_FILE_KEY,
    ACCESS_KEY,
    PULUMI_CONFIG_MAX_BYTES,
    PULUMI_CONFIG_WARN_SHARE,
    AccessModel,
    InvalidModelError,
    ModelError,
    access_in_config,
    desired_state,
    parse,
    project_dir_of,
    pulumi_config_bytes,
    read_stack_config,
)
from access_model.positions import PositionIndex, index_access, index_model
from access_model.safe_yaml import read_text
from scopectl.errors import EXIT_ERROR, EXIT_OK, ScopectlError
from scopectl.findings import load_policy_config
from scopectl.markdown import plural
from scopectl.model_policy import evaluate_model
from scopectl.stack import add_stack_arguments, find_project_dir, stack_file_from

DEFAULT_POLICY_CONFIG = "policy-config.json"
_SYNTAX_PLACE = re.compile(r"^line (\d+), column (\d+)$")


@dataclass
class Problem:
    """One line of the report: an error, a warning or a policy finding, with its place."""

    kind: str  # error | warning | mandatory | advisory
    path: str
    message: str
    line: int | None = None
    column: int | None = None
    rule: str | None = None
    resource: str | None = None
    hint: str | None = None
    file: str | None = None  # the model file, when the problem is in it rather than in the stack file

    def render(self, source: str) -> str:
        where = (self.file or source) + (f":{self.line}:{self.column}" if self.line else "")
        label = {"error": "", "warning": "warning: "}.get(self.kind, f"{self.kind}: [{self.rule}] ")
        text = f"{where}: {label}{self.path}: {self.message}"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text

    def as_json(self) -> dict[str, Any]:
        return {key: value for key, value in asdict(self).items() if value is not None}


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="check Pulumi.<stack>.yaml's access model and run the policy pack's rules on it, offline",
        description=(
            "Validate the access model (scope-manager:access in Pulumi.<stack>.yaml, or the file that "
            "scope-manager:accessFile names) against the schema "
            "and the model's own rules, then run the scope-guardrails policy pack's rules on the resources "
            "the program would declare, and check that the stack config fits what the Pulumi engine can hand "
            "to the program, printing every problem as file:line:column: path: message. "
            "Exit status: 0 valid (advisory findings and expiry notes are warnings), 1 invalid, a "
            "mandatory policy finding, a stack config too large for the program to start, or unreadable."
        ),
    )
    add_stack_arguments(parser)
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="text (default) or JSON for editors"
    )
    parser.add_argument(
        "--policy-config",
        type=Path,
        metavar="FILE",
        help="policy config JSON, the file given to `pulumi preview|up --policy-pack-config` (default: "
        f"{DEFAULT_POLICY_CONFIG} in the project directory when it exists)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    source = str(args.stack_file or args.stack or "the stack file")
    try:
        stack_file = stack_file_from(args)
        source = str(stack_file.path)
        problems, model = _check(stack_file.path, _policy_config_path(args), stack_file.name)
    except ScopectlError as exc:
        if args.format != "json":
            raise
        _write_json(source, [Problem("error", "(file)", str(exc))], valid=False, model=None)
        return EXIT_ERROR

    failed = any(p.kind in ("error", "mandatory") for p in problems)
    if args.format == "json":
        _write_json(source, problems, valid=not any(p.kind == "error" for p in problems), model=model)
        return EXIT_ERROR if failed else EXIT_OK

    for problem in problems:
        stream = sys.stdout if problem.kind in ("error", "mandatory") else sys.stderr
        print(problem.render(source), file=stream)
    if model is None:
        errors = sum(p.kind == "error" for p in problems)
        print(f"{source}: {plural(errors, 'problem')}; the program would declare nothing", file=sys.stderr)
        return EXIT_ERROR
    if any(p.kind == "error" for p in problems):  # the model is valid; the stack config is too large
        print(
            f"{source}: the model is valid, but the program could not start with this stack config",
            file=sys.stderr,
        )
        return EXIT_ERROR
    mandatory = sum(p.kind == "mandatory" for p in problems)
    if mandatory:
        print(
            f"{source}: {plural(mandatory, 'mandatory policy finding')}; the policy pack would block "
            "`pulumi up`",
            file=sys.stderr,
        )
        return EXIT_ERROR
    print(
        f"{source}: valid ({plural(len(model.clients), 'client')}, {plural(len(model.groups), 'group')}, "
        f"{plural(len(model.users), 'user')}); policy pack: no mandatory findings"
    )
    return EXIT_OK


def _policy_config_path(args: argparse.Namespace) -> Path | None:
    if args.policy_config is not None:
        return args.policy_config
    project = find_project_dir(args.cwd) if args.cwd else find_project_dir()
    default = project / DEFAULT_POLICY_CONFIG
    return default if default.is_file() else None


def _check(
    path: Path, policy_config_path: Path | None, stack: str
) -> tuple[list[Problem], AccessModel | None]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScopectlError(f"{path}: cannot read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ScopectlError(f"{path}: not UTF-8 text") from None
    try:
        config = read_stack_config(path)
        found = access_in_config(config, project_dir_of(path.resolve().parent), str(path))
    except InvalidModelError as exc:  # not YAML, no access model in it, or a model file that is not
        return [_syntax_problem(error, _model_file(exc, path)) for error in exc.errors], None
    size = _config_size_problems(config, stack)
    positions = index_model(read_text(found.file)) if found.file else index_access(text)
    model_file = str(found.file) if found.file else None
    try:
        model = parse(found.raw, source=found.source)
    except InvalidModelError as exc:
        located = [
            _located(Problem("error", e.path, e.message, file=model_file), positions, hint=True)
            for e in exc.errors
        ]
        return size + located, None

    policy_config = load_policy_config(policy_config_path)
    # The day the program judges expiry by (its UTC date), not the local one, so the notes agree.
    state = desired_state(model, dt.datetime.now(dt.UTC).date())
    problems = size + [
        _located(Problem("warning", n.path, n.message, file=model_file), positions) for n in state.notices
    ]
    for finding in evaluate_model(state, policy_config, stack):
        problem = Problem(
            "mandatory" if finding.level == "mandatory" else "advisory",
            finding.path,
            finding.message,
            rule=finding.rule,
            resource=finding.resource,
            file=model_file,
        )
        problems.append(_located(problem, positions))
    return problems, model


def _config_size_problems(config: dict[str, Any], stack: str) -> list[Problem]:
    """An error when the stack config is too large for the engine to hand to the program at all, a
    warning when it is close: `pulumi preview` would otherwise fail before the program runs, with
    "argument list too long" and nothing that names the cause."""
    size, limit = pulumi_config_bytes(config), PULUMI_CONFIG_MAX_BYTES
    share = f"about {size:,} bytes of the {limit:,} that the Pulumi engine can hand to the program"
    where = "(one environment variable, PULUMI_CONFIG)"
    if size > limit:
        message = (
            f"the stack config is {share} {where}: `pulumi preview` and `pulumi up` would stop with "
            '"argument list too long" before the program runs'
        )
        hint = (
            f"move the model into its own file: what is under {ACCESS_KEY} goes into a YAML file (for "
            f"example access/{stack}.yaml), and the stack config names it with {ACCESS_FILE_KEY}: "
            f"access/{stack}.yaml; a file of any size reaches the program"
        )
        return [Problem("error", "config", message, hint=hint)]
    if size >= PULUMI_CONFIG_WARN_SHARE * limit:
        message = f"the stack config is {share} {where}; past that, the program cannot start"
        return [Problem("warning", "config", message)]
    return []


def _located(problem: Problem, positions: PositionIndex | None, hint: bool = False) -> Problem:
    if positions is not None:
        position = positions.position(problem.path)
        if position is not None:
            problem.line, problem.column = position.line, position.column
        if hint:
            problem.hint = positions.indentation_hint(problem.path)
    return problem


def _syntax_problem(error: ModelError, file: str | None = None) -> Problem:
    """A loading error; YAML syntax errors carry their place as `line N, column M`."""
    match = _SYNTAX_PLACE.match(error.path)
    if match:
        line, column = int(match[1]), int(match[2])
        return Problem("error", "(file)", error.message, line=line, column=column, file=file)
    return Problem("error", error.path, error.message, file=file)


def _model_file(exc: InvalidModelError, stack_file: Path) -> str | None:
    """The model file a loading error is about, None when it is about the stack file itself."""
    return exc.source if exc.source != str(stack_file) else None


def _write_json(source: str, problems: list[Problem], valid: bool, model: AccessModel | None) -> None:
    payload = {
        "file": source,
        "valid": valid,
        "policy_passed": model is not None and not any(p.kind == "mandatory" for p in problems),
        "errors": [p.as_json() for p in problems if p.kind == "error"],
        "findings": [p.as_json() for p in problems if p.kind in ("mandatory", "advisory")],
        "warnings": [p.as_json() for p in problems if p.kind == "warning"],
    }
    sys.stdout.write(json.dumps(payload, indent=2) + "\n")
