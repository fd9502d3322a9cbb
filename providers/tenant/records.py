"""Tenant records -> the fields Scope Manager speaks of: one mapping per kind of object.

Why one place: the providers (``read()`` rebuilding inputs from the live tenant, adoption checks) and
scopectl (``live.py`` for audit, drift and export) read the same records, and two mappings had drifted
apart: scopectl kept a user's emails in the server's order while the providers put the primary one
first, and the two read a token lifetime written as text differently. Every field here uses the
resources' input names; a missing string is "" (scopectl turns it into None where it means "not set").
Pure: no Pulumi, no HTTP.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from providers.tenant.zidentity import status_enabled


def whole_number(value: Any) -> int | None:
    """An integer field as the API sends it (a number, or its digits as text); None when unreadable."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def client_fields(record: Mapping[str, Any]) -> dict[str, Any]:
    """The ``ApiClient`` settings of an API client record; ``access_token_lifetime`` None if unreadable."""
    return {
        "name": str(record.get("name") or ""),
        "description": str(record.get("description") or ""),
        "enabled": status_enabled(record.get("status")),
        "access_token_lifetime": whole_number(record.get("accessTokenLifeTime")),
    }


def user_fields(record: Mapping[str, Any]) -> dict[str, Any]:
    """The ``ScimUser`` attributes of a SCIM user record. ``emails`` puts the primary address first,
    as the resource writes it (its first email is the primary one), so reading back what was written,
    or exporting it, keeps the primary where it was."""
    name = record.get("name")
    name = name if isinstance(name, Mapping) else {}
    emails = [e for e in record.get("emails") or [] if isinstance(e, Mapping) and e.get("value")]
    emails.sort(key=lambda e: not e.get("primary", False))
    return {
        "user_name": str(record.get("userName") or ""),
        "given_name": str(name.get("givenName") or ""),
        "family_name": str(name.get("familyName") or ""),
        "emails": [str(e["value"]) for e in emails],
        "active": record.get("active", True) is not False,
        "external_id": str(record.get("externalId") or ""),
    }


def group_fields(record: Mapping[str, Any]) -> dict[str, Any]:
    """The ``ScimGroup`` fields of a SCIM group record; ``member_ids`` are the members' SCIM ids (users
    or not: telling them apart needs the users listing)."""
    members = [m for m in record.get("members") or [] if isinstance(m, Mapping) and m.get("value")]
    return {
        "display_name": str(record.get("displayName") or ""),
        "external_id": str(record.get("externalId") or ""),
        "member_ids": [str(m["value"]) for m in members],
    }
