"""When a client secret rotates, and when the secret it replaced is revoked: every such decision.

A secret is replaced for one of three reasons, all decided here:

- **schedule**: ``rotation_value`` turns ``rotate_every_days`` into a value that changes exactly when
  a period elapses (``schedule:<first day of the current period>``, periods counted in whole days from
  1970-01-01, so every run on every machine derives the same value with no state to keep); the
  program passes it as the ``rotation`` input and ``ClientSecret`` is replaced when it changes;
- **manual**: the user's ``rotation`` text becomes ``manual:<text>`` in the same value;
- **expiry**: ``rotation_due`` - the live secret is expired, missing or inside its renewal window.
  ``ClientSecret.diff`` asks it on every plan, with the day from ``providers.clock`` (which
  ``SCOPE_MANAGER_TODAY`` moves for a rehearsal).

After a rotation the replaced secret stays valid for ``overlap_days``: ``revoke_on`` is the day it is
revoked and ``overlap_ended`` says whether that day has come (``PreviousSecret`` asks it).

Value format (docs/architecture.md, "Diff rules"): space-separated tokens, ``schedule:`` first.
"""

from __future__ import annotations

import datetime as dt

from common.limits import SECONDS_PER_DAY

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


def iso_utc(epoch_seconds: float) -> str:
    """``2027-03-01T12:00:00Z`` for an epoch time (the API speaks epoch seconds, people read ISO)."""
    return dt.datetime.fromtimestamp(int(epoch_seconds), tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso_utc(text: str) -> float | None:
    """Epoch seconds of an ``iso_utc`` string; None when empty or unreadable (treated as missing)."""
    if not text:
        return None
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def rotation_due(expires_at: str | None, renew_before_days: int, now: float) -> bool:
    """True when the secret must be replaced now: expired, missing, or inside its renewal window.

    ``expires_at`` is the state output (refreshed from the tenant by ``read``); an empty value means the
    secret no longer exists in the tenant.
    """
    expiry = parse_iso_utc(expires_at or "")
    if expiry is None:
        return True
    return expiry - now <= renew_before_days * SECONDS_PER_DAY


def revoke_on(rotated_on: dt.date, overlap_days: int) -> dt.date:
    """The day the previous secret is revoked: `overlap_days` calendar days after the rotation day
    (the same day for 0). Calendar arithmetic, so month ends and 29 February need no special case."""
    return rotated_on + dt.timedelta(days=overlap_days)


def overlap_ended(revoke_day: str, today: dt.date) -> bool:
    """Whether the window that ends on `revoke_day` (YYYY-MM-DD) is over on `today` (inclusive)."""
    return bool(revoke_day) and dt.date.fromisoformat(revoke_day) <= today
