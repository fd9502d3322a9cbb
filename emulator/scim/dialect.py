"""SCIM dialects: which deviations from RFC 7644 the emulator's SCIM server plays.

``strict`` is RFC 7644 as scim2-server implements it, with PATCH always answering ``200`` and the
resource (the RFC allows ``204``, but scim-sanity and many clients want the body). ``zpa`` adds the
documented ZPA deviations (zscaler-api.md §3.4) so that a client can be tested against the quirks
of the real tenant without one: a client that survives ``zpa`` survives ZPA.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Dialect:
    """The switches one dialect turns on. Every switch is off in ``strict``."""

    name: str
    group_patch_no_content: bool = False
    """Group PATCH answers ``204 No Content`` (with the ETag), never the group."""
    group_list_without_members: bool = False
    """``GET /Groups`` and ``POST /Groups/.search`` never return ``members``."""
    inactive_user_is_deleted: bool = False
    """A PATCH or PUT leaving a user with ``active: false`` deletes the user."""
    active_as_string: bool = False
    """Users show ``"active": "true"`` (a string, as most ZPA examples do) instead of a boolean."""
    default_page_size: int | None = None
    """``count`` of a search that gives none (``None``: every match, up to ``max_page_size``)."""
    max_page_size: int = 1000
    """Largest ``count`` a search is answered with; larger requests are clamped."""


STRICT = Dialect(name="strict")
ZPA = Dialect(
    name="zpa",
    group_patch_no_content=True,
    group_list_without_members=True,
    inactive_user_is_deleted=True,
    active_as_string=True,
    default_page_size=10,
    max_page_size=100,
)
DIALECTS: dict[str, Dialect] = {dialect.name: dialect for dialect in (STRICT, ZPA)}


def dialect_named(name: str) -> Dialect:
    """The dialect called ``name``; a ValueError names the valid ones, so a typo in ``--dialect`` is clear."""
    try:
        return DIALECTS[name]
    except KeyError:
        valid = ", ".join(sorted(DIALECTS))
        raise ValueError(f"unknown SCIM dialect {name!r}: expected one of {valid}") from None
