"""Undo what the Pulumi engine's YAML reader does to dates in stack config.

The engine (Go, yaml.v3) reads `expires: 2027-06-30` in `Pulumi.<stack>.yaml` as a timestamp and
hands it to the program as the string ``"2027-06-30 00:00:00 +0000 UTC"`` inside the JSON of
``scope-manager:access``. Users write dates unquoted (it is what YAML invites), and the same file read
by ``scopectl`` (PyYAML) gives a plain date, so the program turns the engine's rendering back into
``YYYY-MM-DD`` before validation. Only ``expires`` values (the model's only dates) and only that exact
midnight-UTC rendering are touched; anything else reaches the schema's date check unchanged.
"""

from __future__ import annotations

import re
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
