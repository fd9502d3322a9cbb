"""Close matches for a mistyped name, and the one "did you mean" wording every message uses.

The access model's validation, the policy pack's config and rules, and the tenant's scope catalog all
suggest a name for a typo; they used to word it (and match it) each their own way.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

CUTOFF = 0.6
"""difflib's similarity ratio a candidate needs to be suggested."""


def close_matches(word: str, candidates: Iterable[str], limit: int = 1) -> list[str]:
    """Up to `limit` candidates closest to `word`, best first; compared without case when nothing
    matches with it (``Scim:Write`` still finds ``scim:write``)."""
    names = list(candidates)
    close = difflib.get_close_matches(word, names, n=limit, cutoff=CUTOFF)
    if not close:
        lowered = {name.lower(): name for name in names}
        close = [lowered[n] for n in difflib.get_close_matches(word.lower(), list(lowered), limit, CUTOFF)]
    return close


def hint(matches: Sequence[str]) -> str:
    """``; did you mean scim:write?`` (``... a or b?`` for several), or "" when there is none."""
    return f"; did you mean {' or '.join(matches)}?" if matches else ""


def did_you_mean(word: str, candidates: Iterable[str], limit: int = 1) -> str:
    """The hint for `word` among `candidates`, ready to append to a message."""
    return hint(close_matches(word, candidates, limit))
