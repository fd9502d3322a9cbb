"""Validate a raw access model: JSON Schema first, then the checks a schema cannot express.

Every problem is reported at once, each with the exact path (`clients.reporting.scopes["scim:wrte"]`)
and, where one exists, the closest valid name, so a user fixes the whole model in one round trip.
jsonschema's own messages are rewritten into plain sentences; a schema node may carry an `x-message`
(an annotation keyword draft 2020-12 ignores) that says in words what its `pattern`/`format` means.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from access_model.errors import ModelError
from access_model.paths import format_path
from common.limits import OVERLAP_DAYS, RENEW_BEFORE_DAYS, SECRET_LIFETIME_DAYS
from common.suggest import did_you_mean

Path = tuple[str | int, ...]

# The model's defaults are the shared ones (common.limits); these names are what the model exports.
DEFAULT_LIFETIME_DAYS: int = SECRET_LIFETIME_DAYS.default  # type: ignore[assignment]
DEFAULT_RENEW_BEFORE_DAYS: int = RENEW_BEFORE_DAYS.default  # type: ignore[assignment]
DEFAULT_OVERLAP_DAYS: int = OVERLAP_DAYS.default  # type: ignore[assignment]


def default_overlap_days(renew_before_days: int, rotate_every_days: int | None) -> int:
    """`overlap_days` when the model leaves it out: 7 days, shortened so the default is always valid
    (at most `renew_before_days`, below `rotate_every_days`)."""
    limits = [DEFAULT_OVERLAP_DAYS, renew_before_days]
    if rotate_every_days is not None:
        limits.append(rotate_every_days - 1)
    return max(0, min(limits))


_TYPE_WORDS = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "null": "empty (null)",
}


@cache
def schema() -> dict[str, Any]:
    """The access model's JSON Schema (draft 2020-12), shipped as `access_model/schema.json`."""
    return json.loads(resources.files("access_model").joinpath("schema.json").read_text("utf-8"))


@cache
def _validator() -> Draft202012Validator:
    Draft202012Validator.check_schema(schema())
    return Draft202012Validator(schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)


def validate(raw: Any) -> list[ModelError]:
    """Every problem in `raw` (the value of `scope-manager:access`), in document order; [] when valid."""
    data = normalize(raw)
    found = {error for schema_error in _validator().iter_errors(data) for error in _explain(schema_error)}
    found.update(_semantic_errors(data))
    order = _document_order(data)
    return sorted(found, key=lambda e: (_position(e.path, order), e.path, e.message))


def normalize(raw: Any) -> Any:
    """Turn YAML dates into ISO strings so the model validates the same from a file or from Pulumi
    config (which hands structured values over as JSON, where dates are strings)."""
    if isinstance(raw, Mapping):
        return {key if isinstance(key, str) else str(key): normalize(value) for key, value in raw.items()}
    if isinstance(raw, list | tuple):
        return [normalize(item) for item in raw]
    if isinstance(raw, dt.datetime):
        return raw.date().isoformat()
    if isinstance(raw, dt.date):
        return raw.isoformat()
    return raw


# --- schema errors -> readable messages ------------------------------------------------------------


def _explain(error: ValidationError) -> Iterator[ModelError]:
    path: Path = tuple(error.absolute_path)
    keyword = error.validator
    custom = error.schema.get("x-message") if isinstance(error.schema, Mapping) else None

    if "propertyNames" in error.absolute_schema_path:
        # The instance is the offending key itself; point at it, not at its parent mapping.
        yield ModelError(format_path((*path, error.instance)), f"invalid name: {custom or error.message}")
    elif keyword == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        for key in sorted(set(error.instance) - set(allowed)):
            yield ModelError(
                format_path((*path, key)),
                f"unknown key{did_you_mean(key, allowed)} (allowed: {', '.join(allowed)})",
            )
    elif keyword == "required":
        missing = error.message.split("'")[1] if "'" in error.message else str(error.validator_value)
        yield ModelError(format_path((*path, missing)), "is required but missing")
    elif keyword == "type":
        expected = error.validator_value
        words = " or ".join(_TYPE_WORDS[t] for t in ([expected] if isinstance(expected, str) else expected))
        yield ModelError(format_path(path), f"must be {words}, got {_describe(error.instance, path)}")
    elif keyword == "enum":
        options = [str(o) for o in error.validator_value]
        yield ModelError(
            format_path(path),
            f"must be one of {', '.join(options)}; got {_describe(error.instance, path)}"
            + did_you_mean(str(error.instance), options),
        )
    elif keyword in ("minimum", "maximum"):
        bound = "at least" if keyword == "minimum" else "at most"
        yield ModelError(format_path(path), f"must be {bound} {error.validator_value} (got {error.instance})")
    elif keyword == "maxLength":
        yield ModelError(format_path(path), f"must be at most {error.validator_value} characters long")
    elif keyword == "minLength":
        yield ModelError(format_path(path), "must not be empty")
    elif keyword == "uniqueItems":
        index = _first_duplicate(error.instance)
        yield ModelError(
            format_path((*path, index)), f"duplicate of an earlier item {error.instance[index]!r}"
        )
    elif keyword in ("oneOf", "anyOf"):
        yield from _explain_alternatives(error, path, custom)
    elif keyword == "format" and error.validator_value == "date" and _no_such_date(error.instance):
        yield ModelError(format_path(path), _no_such_date(error.instance))
    elif keyword in ("pattern", "format"):
        yield ModelError(format_path(path), custom or f"must be a valid {error.validator_value}")
    else:
        yield ModelError(format_path(path), custom or error.message)


def _explain_alternatives(error: ValidationError, path: Path, custom: str | None) -> Iterator[ModelError]:
    """For `oneOf`, report the errors of the branch whose type matches the value (a mapping member's
    bad key), or the node's `x-message` when no branch even has the right type."""
    by_branch: dict[Any, list[ValidationError]] = {}
    for sub in error.context or ():
        by_branch.setdefault(sub.relative_schema_path[0], []).append(sub)
    matching = [
        subs
        for subs in by_branch.values()
        if not any(s.validator == "type" and not s.relative_path for s in subs)
    ]
    if len(matching) == 1:
        for sub in matching[0]:
            yield from _explain(sub)
    else:
        yield ModelError(
            format_path(path), custom or f"got {_describe(error.instance, path)}, which fits no form"
        )


# A string under a key named like a credential may be one pasted into the wrong place (`secret:
# <the client secret>`); errors describe it without echoing it.
_SENSITIVE_ENDINGS = ("secret", "token", "password", "credentials")


def _describe(value: Any, path: Path = ()) -> str:
    key = path[-1] if path else None
    if isinstance(value, str) and isinstance(key, str) and key.lower().endswith(_SENSITIVE_ENDINGS):
        return "a string (not shown: it may be a secret)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "nothing (null)"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return f"{shown!r}"
    return repr(value)


_DATE_SHAPE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def _no_such_date(value: Any) -> str:
    """For a value written YYYY-MM-DD that names no day of the calendar (`2027-02-30`, `2026-13-01`),
    the reason; "" when the value is not in that shape (the schema's own message covers that)."""
    match = _DATE_SHAPE.match(value) if isinstance(value, str) else None
    if not match:
        return ""
    year, month, day = (int(g) for g in match.groups())
    if not 1 <= month <= 12:
        return f"there is no such date: {value} (month {month:02d} does not exist; months run 01-12)"
    days = calendar.monthrange(year, month)[1] if year >= 1 else 31
    if not 1 <= day <= days:
        return f"there is no such date: {value} ({calendar.month_name[month]} {year} has {days} days)"
    return ""


def _first_duplicate(items: Sequence[Any]) -> int:
    seen: list[Any] = []
    for index, item in enumerate(items):
        if item in seen:
            return index
        seen.append(item)
    return 0


# --- checks the schema cannot express --------------------------------------------------------------


def _semantic_errors(data: Any) -> Iterator[ModelError]:
    """Cross-field and cross-object rules. Written defensively: parts with the wrong type were already
    reported by the schema and are skipped here, so both kinds of error arrive in one report."""
    if not isinstance(data, Mapping):
        return
    clients = _mapping(data.get("clients"))
    groups = _mapping(data.get("groups"))
    users = _mapping(data.get("users"))
    catalog = data.get("catalog")
    if isinstance(catalog, list) and all(isinstance(s, str) for s in catalog):
        yield from _unknown_scopes(clients, catalog)
    yield from _duplicates("clients", clients, "name", "tenant name", "client names are unique")
    yield from _duplicates("groups", groups, "display_name", "display_name", "SCIM groups are found by it")
    yield from _duplicates("users", users, "user_name", "user_name", "SCIM userNames are unique")
    for key, client in clients.items():
        secret = client.get("secret")
        if isinstance(secret, Mapping):
            yield from _secret_errors(("clients", key, "secret"), secret)
    yield from _member_errors(groups, users)


def _mapping(value: Any) -> dict[str, Any]:
    """Only the entries whose value is itself a mapping (the others were reported by the schema)."""
    if not isinstance(value, Mapping):
        return {}
    return {k: v for k, v in value.items() if isinstance(v, Mapping)}


def _unknown_scopes(clients: dict[str, Any], catalog: list[str]) -> Iterator[ModelError]:
    known = set(catalog)
    for key, client in clients.items():
        scopes = client.get("scopes")
        if not isinstance(scopes, Mapping):
            continue
        for scope in scopes:
            if scope not in known:
                yield ModelError(
                    format_path(("clients", key, "scopes", scope)),
                    f"unknown scope (not in catalog){did_you_mean(scope, catalog)}",
                )


def _duplicates(
    section: str, items: dict[str, Any], field: str, label: str, why: str
) -> Iterator[ModelError]:
    """Flag the second and later objects whose `field` is the same (case-insensitively: the tenant and
    SCIM compare these names without case). A client without `name` is named by its key."""
    first: dict[str, str] = {}
    for key, item in items.items():
        value = item.get(field, key) if section == "clients" else item.get(field)
        if not isinstance(value, str):
            continue
        folded = value.casefold()
        if folded in first:
            yield ModelError(
                format_path((section, key, field)),
                f"{label} {value!r} is also used by {format_path((section, first[folded]))} ({why})",
            )
        else:
            first[folded] = key


def _secret_errors(path: Path, secret: Mapping[str, Any]) -> Iterator[ModelError]:
    lifetime = secret.get("lifetime_days", DEFAULT_LIFETIME_DAYS)
    renew = secret.get("renew_before_days", DEFAULT_RENEW_BEFORE_DAYS)
    every = secret.get("rotate_every_days")
    if not _in_schema_range(lifetime, "lifetime_days"):
        return  # already reported; comparing against a wrong lifetime would only add noise
    if _in_schema_range(renew, "renew_before_days") and renew >= lifetime:
        yield ModelError(
            format_path((*path, "renew_before_days")),
            f"must be less than lifetime_days ({lifetime}), or the secret is renewed as soon as it is made",
        )
    if (
        _in_schema_range(every, "rotate_every_days")
        and _in_schema_range(renew, "renew_before_days")
        and renew < lifetime
        and every > lifetime - renew
    ):
        yield ModelError(
            format_path((*path, "rotate_every_days")),
            f"must be at most lifetime_days - renew_before_days ({lifetime} - {renew} = {lifetime - renew}):"
            " otherwise the renewal window opens first and the secret is rotated twice per period",
        )
    yield from _overlap_errors(path, secret, lifetime, renew, every)


def _overlap_errors(
    path: Path, secret: Mapping[str, Any], lifetime: int, renew: Any, every: Any
) -> Iterator[ModelError]:
    """`overlap_days` against the lifetime, the renewal window and the schedule (only when set: the
    default is shortened to fit, see `default_overlap_days`)."""
    if "overlap_days" not in secret or not _in_schema_range(secret["overlap_days"], "overlap_days"):
        return
    overlap = secret["overlap_days"]
    where = format_path((*path, "overlap_days"))
    if overlap >= lifetime:
        yield ModelError(
            where, f"must be less than lifetime_days ({lifetime}): the previous secret would expire first"
        )
    elif _in_schema_range(renew, "renew_before_days") and overlap > renew:
        yield ModelError(
            where,
            f"must be at most renew_before_days ({renew}): a secret renewed when its renewal window opens"
            f" expires {renew} days later, before an overlap of {overlap} days would end",
        )
    if _in_schema_range(every, "rotate_every_days") and overlap >= every:
        yield ModelError(
            where,
            f"must be less than rotate_every_days ({every}): the next scheduled rotation would come"
            " while the previous secret is still kept, and a client holds at most two secrets",
        )


def _in_schema_range(value: Any, secret_key: str) -> bool:
    bounds = schema()["$defs"]["secret"]["properties"][secret_key]
    return _is_int(value) and bounds["minimum"] <= value <= bounds["maximum"]


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _member_errors(groups: dict[str, Any], users: dict[str, Any]) -> Iterator[ModelError]:
    """Members are userNames. A member need not be declared under `users` (most users come from the
    IdP), but a member spelled like a declared user's *logical key* is a mistake we can name."""
    user_names = {u.get("user_name") for u in users.values() if isinstance(u.get("user_name"), str)}
    for group_key, group in groups.items():
        members = group.get("members")
        if not isinstance(members, list):
            continue
        seen: set[str] = set()
        for index, member in enumerate(members):
            user_name = member.get("user") if isinstance(member, Mapping) else member
            if not isinstance(user_name, str):
                continue
            path = ("groups", group_key, "members", index)
            if user_name.casefold() in seen:
                yield ModelError(format_path(path), f"{user_name!r} is listed twice")
            seen.add(user_name.casefold())
            declared = users.get(user_name)
            if user_name not in user_names and declared and isinstance(declared.get("user_name"), str):
                yield ModelError(
                    format_path(path),
                    f"{user_name!r} is the logical name of {format_path(('users', user_name))};"
                    " members are userNames:"
                    f" did you mean {declared['user_name']}?",
                )


# --- ordering ----------------------------------------------------------------------------------------


def _document_order(data: Any) -> dict[str, int]:
    """Pre-order position of every path in the document, so errors read top to bottom."""
    order: dict[str, int] = {}

    def walk(node: Any, path: Path) -> None:
        order.setdefault(format_path(path), len(order))
        if isinstance(node, Mapping):
            for key, value in node.items():
                walk(value, (*path, key))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, (*path, index))

    walk(data, ())
    return order


def _position(path: str, order: dict[str, int]) -> int:
    """Where `path` sits in the document; a path that is not there (a missing required key) sorts
    right after its deepest existing ancestor."""
    if path in order:
        return order[path]
    ancestors = [p for p in order if path.startswith(p) and path[len(p) : len(p) + 1] in (".", "[")]
    return order[max(ancestors, key=len)] if ancestors else len(order)
