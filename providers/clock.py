"""The provider's notion of "now" for deciding whether a secret is due for renewal.

`SCOPE_MANAGER_TODAY=YYYY-MM-DD` rehearses a future (or past) run: the program derives scheduled
rotations and expired grants for that day, and the providers must judge expiry for the same day, or a
rehearsal would show the schedule's rotations but hide the renewals that expiry forces. The engine
starts the dynamic-provider plugin with the CLI's environment, so the variable reaches both. The
override moves the date only; the time of day stays the real one, so "now" advances as usual. Creating
a secret still uses the real clock: the tenant checks expiry dates against its own.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Mapping

from common.limits import SECONDS_PER_DAY
from providers.errors import ProviderError

TODAY_ENV = "SCOPE_MANAGER_TODAY"
# Rotation periods count days from 1970-01-01 and expiry adds up to a year of days, so days outside
# this range cannot be evaluated (0001-01-01 overflowed Python's date arithmetic).
TODAY_RANGE = (dt.date(1970, 1, 1), dt.date(9000, 12, 31))


class InvalidToday(ProviderError, ValueError):
    """SCOPE_MANAGER_TODAY holds something that is not a usable date."""


def rehearsal_day(environ: Mapping[str, str] = os.environ) -> dt.date | None:
    """The day SCOPE_MANAGER_TODAY names, or None when it is unset: the one reading of the variable,
    shared by the program (scheduled rotations, expired grants) and the providers (expiry)."""
    override = environ.get(TODAY_ENV, "").strip()
    if not override:
        return None
    try:
        day = dt.date.fromisoformat(override)
    except ValueError:
        raise InvalidToday(f"{TODAY_ENV}={override!r} is not a date written YYYY-MM-DD") from None
    first, last = TODAY_RANGE
    if not first <= day <= last:
        raise InvalidToday(f"{TODAY_ENV}={override!r} is outside {first} .. {last}")
    return day


def evaluation_time(
    environ: Mapping[str, str] = os.environ, real_time: Callable[[], float] = time.time
) -> float:
    """Seconds since the epoch, moved by whole days so that the UTC date is SCOPE_MANAGER_TODAY."""
    now = real_time()
    wanted = rehearsal_day(environ)
    if wanted is None:
        return now
    actual = dt.datetime.fromtimestamp(now, dt.UTC).date()
    return now + (wanted - actual).days * SECONDS_PER_DAY
