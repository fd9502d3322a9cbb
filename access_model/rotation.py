"""Turn a secret's rotation schedule into the `rotation` input of `ClientSecret`.

The provider replaces a secret when its `rotation` input changes, so a schedule becomes a value that
changes exactly when a period elapses: `schedule:<first day of the current period>`. Periods are
counted in whole days from a fixed anchor, 1970-01-01, so every run on every machine derives the same
value for the same date, with no state to keep. A manual `rotation` string adds `manual:<text>`;
changing that text (say, after an incident) changes the value and forces a rotation now.

Value format (docs/architecture.md, "Diff rules"): space-separated tokens, `schedule:` first.
"""

from __future__ import annotations

import datetime as dt

ROTATION_ANCHOR = dt.date(1970, 1, 1)


def period_start(today: dt.date, every_days: int) -> dt.date:
    """First day of the rotation period that contains `today`."""
    if every_days < 1:
        raise ValueError(f"rotate_every_days must be at least 1, got {every_days}")
    elapsed = (today - ROTATION_ANCHOR).days
    return ROTATION_ANCHOR + dt.timedelta(days=elapsed - elapsed % every_days)


def next_rotation(today: dt.date, every_days: int) -> dt.date:
    """The first day on which the derived value will change (the scheduled run that rotates)."""
    return period_start(today, every_days) + dt.timedelta(days=every_days)


def rotation_value(today: dt.date, rotate_every_days: int | None, manual: str = "") -> str:
    """The `rotation` input for a secret; "" when there is neither a schedule nor a manual value."""
    tokens = []
    if rotate_every_days:
        tokens.append(f"schedule:{period_start(today, rotate_every_days).isoformat()}")
    if manual:
        tokens.append(f"manual:{manual}")
    return " ".join(tokens)
