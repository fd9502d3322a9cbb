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
from pathlib import Path
from typing import Any

import yaml

from access_model.engine_config import normalize_engine_dates
from access_model.errors import InvalidModelError, ModelError
from access_model.model import AccessModel, parse
from access_model.safe_yaml import bounded_loader, load_checked_yaml, load_json, read_text

CONFIG_NAMESPACE = "scope-manager"
ACCESS_KEY = f"{CONFIG_NAMESPACE}:access"


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
    """The `config:` mapping of a stack file that declares an access model.

    Raises FileNotFoundError for a missing file and InvalidModelError when the file is not YAML or has
    no access model, so `scopectl validate` can print the same kind of message for every mistake.
    """
    file = Path(path)
    document = read_yaml_file(file)
    config = document.get("config") if isinstance(document, dict) else None
    if not isinstance(config, dict) or ACCESS_KEY not in config:
        raise InvalidModelError(
            [ModelError(f"config[{ACCESS_KEY!r}]", "missing: the stack file declares no access model")],
            str(file),
        )
    return config


def read_stack_access(path: str | os.PathLike[str]) -> Any:
    """The raw (unvalidated) value of `scope-manager:access` in a stack file (see `read_stack_config`)."""
    return decode_access(read_stack_config(path)[ACCESS_KEY], str(path))


def load_stack(path: str | os.PathLike[str]) -> AccessModel:
    """Load and validate the access model of a stack file; raises InvalidModelError listing every problem."""
    return parse(read_stack_access(path), source=f"{path} ({ACCESS_KEY})")


def load_pulumi_config() -> AccessModel:
    """Load and validate the access model inside a running Pulumi program (or under set_mocks)."""
    import pulumi  # imported here so scopectl can load stack files without the Pulumi SDK's start-up cost

    source = f"stack config {ACCESS_KEY}"
    # `require_object` is `json.loads`, which keeps the last of duplicate keys and overflows on deep
    # nesting; `load_json` refuses both, as the YAML route does. The engine renders unquoted YAML dates
    # as Go timestamps; normalize_engine_dates turns them back into YYYY-MM-DD.
    raw = load_json(pulumi.Config(CONFIG_NAMESPACE).require("access"), source)
    return parse(normalize_engine_dates(raw), source=source)
