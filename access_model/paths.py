"""Property paths in the form users see in errors and in `pulumi preview --diff`.

`clients.reporting.scopes["scim:wrte"]`: plain identifiers are joined with dots, any other key is
bracket-quoted, list indexes are `[n]`. This is the same syntax the Pulumi engine uses for detailed-diff
keys, so a path in a validation error looks like the path the plan would show for the same place.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

ROOT = "(top level)"


def format_path(parts: Iterable[str | int]) -> str:
    """Join path parts: strings are mapping keys, ints are list indexes."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _PLAIN.match(part):
            out += f".{part}" if out else part
        else:
            out += f"[{json.dumps(part, ensure_ascii=False)}]"
    return out or ROOT
