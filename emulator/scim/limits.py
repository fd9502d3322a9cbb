"""Bounded work per SCIM request, and type errors in the API's words.

One request must not cost seconds: ``attributes=userName,userName,...`` (2,000 times) over users with
1 MB userNames took 7 to 10 s. Directory services cap both (Entra ID and Okta refuse attribute values
of a few KB; ZPA's SCIM refuses long names), so the emulator does too:

- at most ``MAX_ATTRIBUTE_PATHS`` names in ``attributes`` or ``excludedAttributes`` (query or
  ``/.search`` body);
- no string value longer than ``MAX_STRING_LENGTH`` characters anywhere in a request body.

Both answer 400 ``invalidValue`` naming the parameter or attribute (docs/emulator-scim.md).

A PATCH whose value has the wrong type used to answer pydantic's internal message and documentation
URL; ``patch_type_message`` says it as the API would: ``name.givenName: expected a string, got a
number``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError
from scim2_models import InvalidValueException

from emulator.http import json_type_name

MAX_ATTRIBUTE_PATHS = 100
MAX_STRING_LENGTH = 4096
_PARAMETERS = ("attributes", "excludedAttributes")

_EXPECTED = {
    "string": "a string",
    "bool": "a boolean",
    "int": "an integer",
    "float": "a number",
    "decimal": "a number",
    "list": "an array",
    "dict": "an object",
    "model": "an object",
    "datetime": "a date-time",
    "url": "a URI",
}


def check_attribute_lists(parameters: Mapping[str, Any]) -> None:
    """Refuse more than ``MAX_ATTRIBUTE_PATHS`` names in ``attributes``/``excludedAttributes``."""
    for key in _PARAMETERS:
        value = parameters.get(key)
        if isinstance(value, str):
            count = value.count(",") + 1
        elif isinstance(value, list):
            count = len(value)
        else:
            continue
        if count > MAX_ATTRIBUTE_PATHS:
            raise InvalidValueException(
                detail=f"{key}: at most {MAX_ATTRIBUTE_PATHS} attribute names, got {count}"
            )


def check_string_lengths(body: bytes) -> None:
    """Refuse a body holding a string longer than ``MAX_STRING_LENGTH`` (bodies that are not JSON are
    left to the normal parsing, which names their problem)."""
    if len(body) <= MAX_STRING_LENGTH:
        return
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        return
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        item, place = stack.pop()
        if isinstance(item, str):
            if len(item) > MAX_STRING_LENGTH:
                raise InvalidValueException(
                    detail=f"{place or 'value'}: longer than {MAX_STRING_LENGTH} characters"
                )
        elif isinstance(item, dict):
            base = item.get("path") if isinstance(item.get("path"), str) and "value" in item else None
            for key, child in item.items():
                if base is not None and key == "value":  # a PATCH operation: name its target
                    stack.append((child, base))
                else:
                    stack.append((child, f"{place}.{key}" if place else str(key)))
        elif isinstance(item, list):
            stack.extend((child, f"{place}[{index}]") for index, child in enumerate(item))


def patch_type_message(error: ValidationError, patch_op: Any) -> str:
    """``name.givenName: expected a string, got a number`` for a PATCH value of the wrong type."""
    details = error.errors()
    first = details[0] if details else {}
    kind = str(first.get("type", ""))
    expected = next((words for prefix, words in _EXPECTED.items() if kind.startswith(prefix)), None)
    got = json_type_name(first.get("input"))
    operations = list(getattr(patch_op, "operations", None) or [])
    paths = [str(op.path) for op in operations if getattr(op, "path", None)]
    culprit = next(
        (
            str(op.path)
            for op in operations
            if getattr(op, "path", None) and _holds(op.value, first.get("input"))
        ),
        paths[0] if len(paths) == 1 else None,
    )
    loc = [part for part in first.get("loc", ()) if part != "__root__"]
    operation = next((op for op in operations if getattr(op, "path", None) and str(op.path) == culprit), None)
    place = _place(culprit, loc, getattr(operation, "value", None), first.get("input"))
    if expected is None:
        return f"{place}: {first.get('msg') or 'invalid value'}"
    return f"{place}: expected {expected}, got {got}"


def _holds(value: Any, bad: Any) -> bool:
    if value == bad:
        return True
    items = value if isinstance(value, list) else [value]
    return any(isinstance(item, dict) and bad in item.values() for item in items)


def _suffix(loc: list[Any]) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc)


def _place(path: str | None, loc: list[Any], value: Any, bad: Any) -> str:
    """The operation's path, extended by where inside its value pydantic found the problem:
    ``members`` with ``[{"value": 7}]`` and loc ``('value',)`` is ``members[0].value``."""
    if path is None:
        return ".".join(str(part) for part in loc) or "value"
    last = path.rsplit(".", 1)[-1].replace("_", "").casefold()
    if not loc:
        return path
    if str(loc[0]).replace("_", "").casefold() == last:
        return path + _suffix(loc[1:])
    if isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict) and str(loc[0]) in item and item[str(loc[0])] == bad:
                return f"{path}[{index}]" + _suffix(loc)
    return path + _suffix(loc) if isinstance(value, dict | list) else path
