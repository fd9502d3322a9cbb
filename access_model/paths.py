"""Property paths in the form users see in errors and in `pulumi preview --diff`.

`clients.reporting.scopes["scim:wrte"]`: the engine's own syntax (``common.paths``), so a path in a
validation error looks like the path the plan shows for the same place. The model adds one thing: the
empty path (the whole value) is named `(top level)`.
"""

from __future__ import annotations

from collections.abc import Iterable

from common.paths import property_path

ROOT = "(top level)"


def format_path(parts: Iterable[str | int]) -> str:
    """Join path parts: strings are mapping keys, ints are list indexes."""
    return property_path(parts) or ROOT
