"""Find and read a stack's `Pulumi.<stack>.yaml` the way the Pulumi CLI would, without the CLI.

The CLI looks for `Pulumi.yaml` in the working directory and its parents, and keeps stack files
beside it (or in the project's `stackConfigDir`). A stack may be named `org/project/dev`; its file
is still `Pulumi.dev.yaml`. Every failure becomes a ScopectlError that says where it looked and
which stacks it did find, so a typo in a stack name is a one-look fix.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from access_model import (
    AccessModel,
    InvalidModelError,
    access_in_config,
    parse,
    project_dir_of,
)
from access_model.loading import read_yaml_file
from scopectl.errors import ScopectlError

PROJECT_FILES = ("Pulumi.yaml", "Pulumi.yml")


@dataclass(frozen=True)
class StackFile:
    name: str
    path: Path


def add_stack_arguments(parser: argparse.ArgumentParser) -> None:
    """--stack / --stack-file / --cwd, shared by the commands that read a stack file."""
    parser.add_argument("--stack", "-s", metavar="NAME", help="stack name; reads Pulumi.NAME.yaml")
    parser.add_argument("--stack-file", type=Path, metavar="FILE", help="read this stack file instead")
    parser.add_argument(
        "--cwd",
        "-C",
        type=Path,
        metavar="DIR",
        help="project directory (default: the nearest directory holding Pulumi.yaml)",
    )


def stack_file_from(args: argparse.Namespace) -> StackFile:
    """The stack file that the arguments of `add_stack_arguments` name."""
    return locate(args.stack, args.stack_file, find_project_dir(args.cwd) if args.cwd else None)


def find_project_dir(start: Path | None = None) -> Path:
    """The nearest directory at or above `start` (default: cwd) holding Pulumi.yaml; else `start`."""
    origin = (start or Path.cwd()).resolve()
    for directory in (origin, *origin.parents):
        if any((directory / name).is_file() for name in PROJECT_FILES):
            return directory
    return origin


def stack_config_dir(project_dir: Path) -> Path:
    """Where stack files live: the project's `stackConfigDir` if it sets one, else the project dir."""
    for name in PROJECT_FILES:
        project_file = project_dir / name
        if project_file.is_file():
            try:
                document = read_yaml_file(project_file)
            except InvalidModelError as exc:
                raise ScopectlError(_message(exc)) from None
            configured = document.get("stackConfigDir") if isinstance(document, dict) else None
            if isinstance(configured, str) and configured:
                return (project_dir / configured).resolve()
    return project_dir


def list_stacks(project_dir: Path) -> list[StackFile]:
    directory = stack_config_dir(project_dir)
    found: dict[str, StackFile] = {}
    for pattern in ("Pulumi.*.yaml", "Pulumi.*.yml"):
        for path in sorted(directory.glob(pattern)):
            name = path.name.removeprefix("Pulumi.").rsplit(".", 1)[0]
            if name and path.is_file():
                found.setdefault(name, StackFile(name, path))
    return [found[name] for name in sorted(found)]


def locate(stack: str | None, stack_file: Path | None, project_dir: Path | None = None) -> StackFile:
    """Resolve `--stack NAME` or `--stack-file PATH` to an existing stack file."""
    if stack_file is not None:
        if not stack_file.is_file():
            raise ScopectlError(f"--stack-file {stack_file}: no such file")
        name = stack_file.name.removeprefix("Pulumi.").rsplit(".", 1)[0]
        return StackFile(name or stack_file.stem, stack_file)
    if not stack:
        raise ScopectlError("name a stack with --stack NAME (or a file with --stack-file PATH)")
    short = stack.rsplit("/", 1)[-1]  # org/project/dev -> dev
    project = project_dir or find_project_dir()
    stacks = list_stacks(project)
    for candidate in stacks:
        if candidate.name == short:
            return candidate
    where = stack_config_dir(project)
    if stacks:
        names = ", ".join(s.name for s in stacks)
        raise ScopectlError(f"--stack {stack}: no Pulumi.{short}.yaml in {where}; stacks found: {names}")
    raise ScopectlError(
        f"--stack {stack}: no Pulumi.{short}.yaml in {where}, and no stack files at all there; "
        "run scopectl from the project directory (the one holding Pulumi.yaml) or pass --cwd"
    )


def read_config(stack_file: StackFile) -> dict[str, Any]:
    """The stack file's whole `config:` mapping (encrypted `secure:` values stay encrypted)."""
    try:
        document = read_yaml_file(stack_file.path)
    except InvalidModelError as exc:
        raise ScopectlError(_message(exc)) from None
    except OSError as exc:
        raise ScopectlError(f"{stack_file.path}: cannot read ({exc.strerror})") from None
    config = document.get("config") if isinstance(document, dict) else None
    return config if isinstance(config, dict) else {}


def _message(exc: InvalidModelError) -> str:
    """One problem in a file (not UTF-8, not YAML, over a limit) is one line naming the file and the
    place; several keep the list."""
    if len(exc.errors) == 1:
        return f"{exc.source}: {exc.errors[0]}"
    return str(exc)


def load_model(stack_file: StackFile, config: dict[str, Any]) -> AccessModel:
    """The validated access model from the `config` already read with `read_config` (a large stack
    file is parsed once); every problem is listed in the error when it is invalid."""
    try:
        project = project_dir_of(stack_file.path.resolve().parent)
        found = access_in_config(config, project, str(stack_file.path))
        return parse(found.raw, source=found.source)
    except InvalidModelError as exc:
        raise ScopectlError(_message(exc)) from None
    except OSError as exc:  # a model file that cannot be read
        raise ScopectlError(f"{exc.filename}: cannot read ({exc.strerror})") from None
