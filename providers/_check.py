"""Input validation shared by the providers' ``check()``: every failure named by its property path.

Why one place: all five resources validate strings, flags, bounded integers and maps the same way, and
users should read the same wording everywhere. ``Inputs`` collects failures instead of stopping at the
first, so one ``pulumi preview`` lists every problem of a resource. Values the engine does not know yet
(``Unknown`` during preview) pass through untouched; they are checked again when they are known.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pulumi.dynamic import CheckFailure, CheckResult
from pulumi.output import Unknown

from common.paths import property_path


def is_unknown(value: Any) -> bool:
    """True for a value the engine will only know after an earlier resource is created."""
    return isinstance(value, Unknown)


def contains(value: Any, test: Callable[[Any], bool]) -> bool:
    """Whether ``value`` or anything nested in its maps and lists passes ``test``."""
    if test(value):
        return True
    if isinstance(value, Mapping):
        return any(contains(item, test) for item in value.values())
    if isinstance(value, list | tuple):
        return any(contains(item, test) for item in value)
    return False


def contains_unknown(value: Any) -> bool:
    return contains(value, is_unknown)


def path(*parts: str | int) -> str:
    """A property path printed the way the engine prints it: ``scopes["scim:write"].expires``
    (``common.paths`` states the rule)."""
    return property_path(parts)


def whole_number(value: Any) -> int | None:
    """``value`` as an int if it is one (the wire turns every number into a float), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return None


def name_problem(value: str) -> str | None:
    """Why a name (client name, displayName, userName, scope name) is malformed, or None."""
    if not value.strip():
        return "must not be empty"
    if value != value.strip():
        return "must not start or end with whitespace"
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        return "must not contain control characters"
    return None


def iso_date_problem(value: Any) -> str | None:
    """Why ``value`` is not a ``YYYY-MM-DD`` date string, or None."""
    if not isinstance(value, str):
        return f"must be a date written YYYY-MM-DD, got {type(value).__name__}"
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return f"must be a date written YYYY-MM-DD, got {value!r}"
    if len(value) != 10:
        return f"must be a date written YYYY-MM-DD, got {value!r}"
    return None


class Inputs:
    """Validated, normalised copy of a resource's new inputs plus the failures found on the way."""

    def __init__(self, news: Mapping[str, Any]) -> None:
        self.news = news
        self.values: dict[str, Any] = {}
        self.failures: list[CheckFailure] = []

    def fail(self, prop: str, reason: str) -> None:
        self.failures.append(CheckFailure(prop, reason))

    def result(self) -> CheckResult:
        """What ``check()`` answers the engine: the normalised inputs and every failure."""
        return CheckResult(self.values, self.failures)

    def _raw(self, key: str, default: Any) -> Any:
        value = self.news.get(key)
        return default if value is None else value

    def name(self, key: str) -> Any:
        """A required name: a non-empty string without surrounding whitespace or control characters."""
        value = self.news.get(key)
        if is_unknown(value):
            self.values[key] = value
            return value
        if value is None:
            self.fail(key, f"{key} is required")
            return None
        if not isinstance(value, str):
            self.fail(key, f"{key} must be a string, got {type(value).__name__}")
            return None
        problem = name_problem(value)
        if problem:
            self.fail(key, f"{key} {problem}")
        self.values[key] = value
        return value

    def string(self, key: str, default: str = "") -> Any:
        value = self._raw(key, default)
        if not is_unknown(value) and not isinstance(value, str):
            self.fail(key, f"{key} must be a string, got {type(value).__name__}")
        self.values[key] = value
        return value

    def flag(self, key: str, default: bool) -> Any:
        value = self._raw(key, default)
        if not is_unknown(value) and not isinstance(value, bool):
            self.fail(key, f"{key} must be true or false, got {value!r}")
        self.values[key] = value
        return value

    def integer(self, key: str, default: int, low: int, high: int, unit: str = "") -> Any:
        value = self._raw(key, default)
        if is_unknown(value):
            self.values[key] = value
            return value
        number = whole_number(value)
        suffix = f" {unit}" if unit else ""
        if number is None:
            self.fail(key, f"{key} must be a whole number{suffix}, got {value!r}")
            self.values[key] = value
            return None
        if not low <= number <= high:
            self.fail(key, f"{key} must be between {low} and {high}{suffix}, got {number}")
        self.values[key] = number
        return number

    def choice(self, key: str, default: str, allowed: Sequence[str]) -> Any:
        value = self._raw(key, default)
        if not is_unknown(value) and value not in allowed:
            listed = ", ".join(repr(a) for a in allowed)
            self.fail(key, f"{key} must be one of {listed}, got {value!r}")
        self.values[key] = value
        return value

    def keep(self, key: str, default: Any = None) -> Any:
        """Take a value over unchanged (validated by the caller)."""
        value = self._raw(key, default)
        self.values[key] = value
        return value
