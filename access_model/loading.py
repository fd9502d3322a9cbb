"""Read the access model from `Pulumi.<stack>.yaml` (scopectl, tests) or from Pulumi config (the program).

Dates stay strings while loading: PyYAML would turn `2026-13-01` into an exception in the middle of
parsing (and `2026-06-30` into a `date`), while the Pulumi CLI hands the same value to the program as the
string "2026-06-30". Keeping strings makes both routes validate identically and lets a bad date be
reported with its path like any other mistake.

Limits against hostile files (alias bombs, deep nesting, duplicate or null keys, huge integers, files
that are not UTF-8) live in `safe_yaml`; the program's route (JSON from the Pulumi CLI) gets the same
verdicts through `safe_yaml.load_json`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from access_model.engine_config import normalize_engine_dates
from access_model.errors import InvalidModelError, ModelError
from access_model.model import AccessModel, parse
from access_model.safe_yaml import bounded_loader, load_checked_yaml, load_json, read_text

CONFIG_NAMESPACE = "scope-manager"
ACCESS_KEY = f"{CONFIG_NAMESPACE}:access"
ACCESS_FILE_KEY = f"{CONFIG_NAMESPACE}:accessFile"
"""A YAML file holding the model, relative to the project directory: for models too large for stack
config (the engine hands the program all of it in one environment variable, capped at 128 KiB)."""
PROJECT_FILES = ("Pulumi.yaml", "Pulumi.yml")


def string_dates_loader(base: type[yaml.SafeLoader]) -> type[yaml.SafeLoader]:
    """`base` without the implicit timestamp type: `2026-06-30` loads as a string.

    Implicit types are resolved in Python for the C loader too, so one resolver table serves both.
    """
    resolvers = {
        first: [(tag, regexp) for tag, regexp in entries if tag != "tag:yaml.org,2002:timestamp"]
        for first, entries in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return type(f"StringDates{base.__name__}", (base,), {"yaml_implicit_resolvers": resolvers})


# libyaml's C parser when PyYAML was built with it (a 700 KB stack file: seconds with the pure-Python
# parser, a fraction of that with libyaml), else the pure-Python one.
_StringDatesLoader = bounded_loader(string_dates_loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)))


def load_yaml(text: str, source: str, loader: type[yaml.SafeLoader] | None = None) -> Any:
    """Parse YAML text; a syntax error becomes an InvalidModelError naming line and column."""
    try:
        return load_checked_yaml(text, source, loader or _StringDatesLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        problem = getattr(exc, "problem", None) or str(exc)
        raise InvalidModelError([ModelError(where, f"YAML syntax error: {problem}")], source) from None


def read_yaml_file(path: str | os.PathLike[str]) -> Any:
    """A YAML file's document; InvalidModelError when it is not UTF-8, not YAML or over a limit."""
    file = Path(path)
    return load_yaml(read_text(file), str(file))


def decode_access(raw: Any, source: str) -> Any:
    """The access model value as the program sees it: a string holds the model as JSON.

    The Pulumi CLI hands every structured config value to the program as JSON text, and
    `Config.require_object` decodes it, so a stack file whose model is written as a JSON string works
    in the program; `scopectl validate` decodes it the same way to give the same verdict.
    """
    if isinstance(raw, str):
        return load_json(raw, f"{source} (a JSON string)")
    return raw


def read_stack_config(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The `config:` mapping of a stack file that declares an access model (inline or as a file).

    Raises FileNotFoundError for a missing file and InvalidModelError when the file is not YAML or has
    no access model, so `scopectl validate` can print the same kind of message for every mistake.
    """
    file = Path(path)
    document = read_yaml_file(file)
    config = document.get("config") if isinstance(document, dict) else None
    if not isinstance(config, dict) or not (ACCESS_KEY in config or ACCESS_FILE_KEY in config):
        raise InvalidModelError(
            [ModelError(f"config[{ACCESS_KEY!r}]", "missing: the stack file declares no access model")],
            str(file),
        )
    return config


@dataclass(frozen=True)
class AccessSource:
    """Where a stack's model was read: `raw` (unvalidated), `source` for messages, and the model file
    when it came from `scope-manager:accessFile` (None when inline in the stack config)."""

    raw: Any
    source: str
    file: Path | None = None


def access_in_config(
    config: Mapping[str, Any], project_dir: Path, source: str, inline_source: str | None = None
) -> AccessSource:
    """The model a stack config declares: inline under `scope-manager:access`, or in the YAML file that
    `scope-manager:accessFile` names (relative to `project_dir`, the directory of Pulumi.yaml, which
    is where the program runs). Exactly one of the two; InvalidModelError naming the key otherwise."""
    inline, named = config.get(ACCESS_KEY), config.get(ACCESS_FILE_KEY)
    if ACCESS_KEY in config and ACCESS_FILE_KEY in config:
        problem = f"set either {ACCESS_KEY} (the model inline) or {ACCESS_FILE_KEY} (a file), not both"
        raise InvalidModelError([ModelError(f"config[{ACCESS_FILE_KEY!r}]", problem)], source)
    if ACCESS_FILE_KEY not in config:
        if ACCESS_KEY not in config:
            missing = "missing: the stack config declares no access model"
            raise InvalidModelError([ModelError(f"config[{ACCESS_KEY!r}]", missing)], source)
        return AccessSource(decode_access(inline, source), inline_source or f"{source} ({ACCESS_KEY})")
    if not isinstance(named, str) or not named.strip():
        problem = "must be the path of a YAML file holding the model, relative to the project directory"
        raise InvalidModelError([ModelError(f"config[{ACCESS_FILE_KEY!r}]", problem)], source)
    file = project_dir / named.strip()
    try:
        raw = read_yaml_file(file)
    except FileNotFoundError:
        problem = f"{named!r}: no such file (looked for {file})"
        raise InvalidModelError([ModelError(f"config[{ACCESS_FILE_KEY!r}]", problem)], source) from None
    except OSError as exc:  # a directory, permissions, a broken mount
        problem = f"{named!r}: cannot read {file} ({exc.strerror})"
        raise InvalidModelError([ModelError(f"config[{ACCESS_FILE_KEY!r}]", problem)], source) from None
    return AccessSource(raw, str(file), file)


def project_dir_of(start: Path) -> Path:
    """The directory holding Pulumi.yaml at or above `start` (a stack file's directory sits below it
    with `stackConfigDir`; the program runs in it, or below it with `main:`); `start` when none does."""
    for directory in (start, *start.parents):
        if any((directory / name).is_file() for name in PROJECT_FILES):
            return directory
    return start


def read_stack_model(path: str | os.PathLike[str]) -> AccessSource:
    """The raw (unvalidated) model of a stack file, inline or from its model file."""
    file = Path(path)
    return access_in_config(read_stack_config(file), project_dir_of(file.resolve().parent), str(file))


def read_stack_access(path: str | os.PathLike[str]) -> Any:
    """The raw (unvalidated) access model of a stack file (see `read_stack_model`)."""
    return read_stack_model(path).raw


def load_stack(path: str | os.PathLike[str]) -> AccessModel:
    """Load and validate the access model of a stack file; raises InvalidModelError listing every problem."""
    found = read_stack_model(path)
    return parse(found.raw, source=found.source)


def load_pulumi_config() -> AccessModel:
    """Load and validate the access model inside a running Pulumi program (or under set_mocks)."""
    import pulumi  # imported here so scopectl can load stack files without the Pulumi SDK's start-up cost

    config = pulumi.Config(CONFIG_NAMESPACE)
    inline_source = f"stack config {ACCESS_KEY}"
    values: dict[str, Any] = {}
    if (inline := config.get("access")) is not None:
        # `require_object` is `json.loads`, which keeps the last of duplicate keys and overflows on deep
        # nesting; `load_json` refuses both, as the YAML route does.
        values[ACCESS_KEY] = load_json(inline, inline_source)
    if (named := config.get("accessFile")) is not None:
        values[ACCESS_FILE_KEY] = named
    # The engine runs the program in the project directory (or below it, with `main:` in Pulumi.yaml).
    found = access_in_config(values, project_dir_of(Path.cwd()), "stack config", inline_source)
    # The engine renders unquoted YAML dates in stack config as Go timestamps; normalize_engine_dates
    # turns them back into YYYY-MM-DD (a model file is read here, by PyYAML, so it has none).
    return parse(normalize_engine_dates(found.raw), source=found.source)
