"""Read the access model from `Pulumi.<stack>.yaml` (scopectl, tests) or from Pulumi config (the program).

Dates stay strings while loading: PyYAML would turn `2026-13-01` into an exception in the middle of
parsing (and `2026-06-30` into a `date`), while the Pulumi CLI hands the same value to the program as the
string "2026-06-30". Keeping strings makes both routes validate identically and lets a bad date be
reported with its path like any other mistake.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from access_model.engine_config import normalize_engine_dates
from access_model.errors import InvalidModelError, ModelError
from access_model.model import AccessModel, parse

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
_StringDatesLoader = string_dates_loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def load_yaml(text: str, source: str, loader: type[yaml.SafeLoader] | None = None) -> Any:
    """Parse YAML text; a syntax error becomes an InvalidModelError naming line and column."""
    try:
        return yaml.load(text, Loader=loader or _StringDatesLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        problem = getattr(exc, "problem", None) or str(exc)
        raise InvalidModelError([ModelError(where, f"YAML syntax error: {problem}")], source) from None


def read_stack_access(path: str | os.PathLike[str]) -> Any:
    """The raw (unvalidated) value of `scope-manager:access` in a stack file.

    Raises FileNotFoundError for a missing file and InvalidModelError when the file is not YAML or has
    no access model, so `scopectl validate` can print the same kind of message for every mistake.
    """
    file = Path(path)
    source = str(file)
    document = load_yaml(file.read_text(encoding="utf-8"), source)
    config = document.get("config") if isinstance(document, dict) else None
    if not isinstance(config, dict) or ACCESS_KEY not in config:
        raise InvalidModelError(
            [ModelError(f"config[{ACCESS_KEY!r}]", "missing: the stack file declares no access model")],
            source,
        )
    return config[ACCESS_KEY]


def load_stack(path: str | os.PathLike[str]) -> AccessModel:
    """Load and validate the access model of a stack file; raises InvalidModelError listing every problem."""
    return parse(read_stack_access(path), source=f"{path} ({ACCESS_KEY})")


def load_pulumi_config() -> AccessModel:
    """Load and validate the access model inside a running Pulumi program (or under set_mocks)."""
    import pulumi  # imported here so scopectl can load stack files without the Pulumi SDK's start-up cost

    raw = pulumi.Config(CONFIG_NAMESPACE).require_object("access")
    return parse(normalize_engine_dates(raw), source=f"stack config {ACCESS_KEY}")
