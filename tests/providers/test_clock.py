"""SCOPE_MANAGER_TODAY moves the providers' expiry judgement to the same day the program uses."""

from __future__ import annotations

import datetime as dt

import pytest

from providers.client_secret import rotation_due
from providers.clock import SECONDS_PER_DAY, InvalidToday, evaluation_time

REAL_NOW = dt.datetime(2026, 12, 4, 19, 30, tzinfo=dt.UTC).timestamp()


def test_without_the_override_it_is_the_real_time() -> None:
    assert evaluation_time({}, lambda: REAL_NOW) == REAL_NOW


def test_the_override_moves_the_date_and_keeps_the_time_of_day() -> None:
    moved = evaluation_time({"SCOPE_MANAGER_TODAY": "2027-03-01"}, lambda: REAL_NOW)

    assert dt.datetime.fromtimestamp(moved, dt.UTC) == dt.datetime(2027, 3, 1, 19, 30, tzinfo=dt.UTC)


def test_a_rehearsal_inside_the_renewal_window_makes_the_secret_due() -> None:
    expires = dt.datetime.fromtimestamp(REAL_NOW + 90 * SECONDS_PER_DAY, dt.UTC).isoformat()
    day_77 = (dt.date(2026, 12, 4) + dt.timedelta(days=77)).isoformat()

    assert not rotation_due(expires, 14, evaluation_time({}, lambda: REAL_NOW))
    assert rotation_due(expires, 14, evaluation_time({"SCOPE_MANAGER_TODAY": day_77}, lambda: REAL_NOW))


def test_a_bad_override_names_the_variable() -> None:
    with pytest.raises(InvalidToday, match=r"SCOPE_MANAGER_TODAY='2027-02-30' is not a date"):
        evaluation_time({"SCOPE_MANAGER_TODAY": "2027-02-30"}, lambda: REAL_NOW)
