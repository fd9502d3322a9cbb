"""Property paths printed exactly as the Pulumi engine prints them.

The rule is the engine's ``resource.PropertyPath.String()`` (``sdk/go/common/resource/properties_path.go``
in github.com/pulumi/pulumi/sdk/v3): a key made only of ASCII letters, digits and ``_`` is joined with a
dot (no dot before the first part), digits first included (``scopes.1x``); any other key is written
``["key"]`` with only ``"`` escaped (as ``\\"``; nothing else is escaped, non-ASCII stays as it is); a
list index is ``[n]``. One deliberate exception: the empty key. The engine's printer writes nothing
for it (``scopes.``), which its own ``ParsePropertyPath`` rejects; it is written ``[""]`` here, which
that parser reads back as the empty key. The same rule prints the keys of ``detailedDiff`` in
``pulumi preview --json``, so a path in a check failure or a model error names the place the plan names.
"""

from __future__ import annotations

import string
from collections.abc import Iterable

_PLAIN_CHARS = frozenset(string.ascii_letters + string.digits + "_")


def _plain(key: str) -> bool:
    """The engine's ``!requiresQuote`` for every character: ASCII letters, digits, underscore."""
    return bool(key) and all(c in _PLAIN_CHARS for c in key)


def property_path(parts: Iterable[str | int]) -> str:
    """Join path parts (strings are map keys, ints list indexes): ``scopes["scim:write"].expires``."""
    text = ""
    for index, part in enumerate(parts):
        if isinstance(part, int):
            text += f"[{part}]"
        elif _plain(part):
            text += part if index == 0 else f".{part}"
        else:
            escaped = part.replace('"', '\\"')
            text += f'["{escaped}"]'
    return text
