"""What the Pulumi engine does to stack config on its way to the program: dates and size.

Dates: undo what the engine's YAML reader does to them.

The engine (Go, yaml.v3) reads `expires: 2027-06-30` in `Pulumi.<stack>.yaml` as a timestamp and
hands it to the program as the string ``"2027-06-30 00:00:00 +0000 UTC"`` inside the JSON of
``scope-manager:access``. Users write dates unquoted (it is what YAML invites), and the same file read
by ``scopectl`` (PyYAML) gives a plain date, so the program turns the engine's rendering back into
``YYYY-MM-DD`` before validation. Only ``expires`` values (the model's only dates) and only that exact
midnight-UTC rendering are touched; anything else reaches the schema's date check unchanged.

Size: the engine hands the program its whole stack config in one environment variable, which Linux
caps; `pulumi_config_bytes` counts what a stack file will take there, so `scopectl validate` can say
so before `pulumi preview` fails without running the program.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

DATE_KEYS = frozenset({"expires"})
_ENGINE_DATE = re.compile(r"(\d{4}-\d{2}-\d{2}) 00:00:00 \+0000 UTC")


def normalize_engine_dates(value: Any) -> Any:
    """A copy of ``value`` with every ``expires`` in the engine's timestamp rendering as YYYY-MM-DD."""
    if isinstance(value, dict):
        return {key: _normalized(key, item) for key, item in value.items()}
    if isinstance(value, list):
        return [normalize_engine_dates(item) for item in value]
    return value


def _normalized(key: Any, item: Any) -> Any:
    if key in DATE_KEYS and isinstance(item, str) and (match := _ENGINE_DATE.fullmatch(item)):
        return match.group(1)
    return normalize_engine_dates(item)


# -- how large a stack config the engine can hand to the program --------------------------------------
PULUMI_CONFIG_MAX_BYTES = 128 * 1024
"""Linux's ``MAX_ARG_STRLEN``: the most one environment string may hold, ``PULUMI_CONFIG=``, the JSON
and its terminating NUL included. The Python language host passes the whole stack config in that one
variable, so a larger config stops ``pulumi preview`` and ``up`` with "argument list too long" before
the program runs (measured: bench/results/real_engine.md)."""
PULUMI_CONFIG_WARN_SHARE = 0.8
"""From this share of the limit on, ``scopectl validate`` warns that the stack config is close to it."""
_ENVIRONMENT_NAME = "PULUMI_CONFIG="
_PLAIN_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def pulumi_config_bytes(config: Mapping[str, Any]) -> int:
    """About how many bytes ``PULUMI_CONFIG`` takes when the engine runs the program with ``config``
    (the ``config:`` mapping of ``Pulumi.<stack>.yaml``), counted the way the engine builds it: every
    value a string in one compact JSON object, a structured value as its own compact JSON inside it
    (so its quotes come escaped), an unquoted date as the engine's longer timestamp text. A secret
    counts as its ciphertext, a little longer than the value the program gets, so the figure leans
    high, never low, by a few bytes per secret."""
    flat = {str(key): _engine_text(value) for key, value in config.items()}
    return len((_ENVIRONMENT_NAME + _go_json(flat)).encode()) + 1


def _go_json(value: Any) -> str:
    """JSON as Go's `json.Marshal` writes it: compact, UTF-8 kept, `<`, `>`, `&`, U+2028 and U+2029
    escaped (they occur only inside strings, so replacing them in the text is exact)."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return text.translate(_GO_ESCAPES)


_GO_ESCAPES = str.maketrans({c: f"\\u{ord(c):04x}" for c in "<>&\u2028\u2029"})


def _engine_text(value: Any) -> str:
    if isinstance(value, dict) and set(value) == {"secure"}:
        return str(value["secure"])
    if isinstance(value, dict | list):
        return _go_json(_as_engine_renders(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _as_engine_renders(value: Any) -> Any:
    """``value`` with every plain ``expires`` date written as the engine renders an unquoted one."""
    if isinstance(value, dict):
        return {
            key: f"{item} 00:00:00 +0000 UTC"
            if key in DATE_KEYS and isinstance(item, str) and _PLAIN_DATE.fullmatch(item)
            else _as_engine_renders(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_as_engine_renders(item) for item in value]
    return value
