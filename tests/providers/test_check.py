"""The validation helpers every provider's ``check()`` shares (pure: no plugin, no tenant)."""

from __future__ import annotations

import pytest
from pulumi.output import Unknown

from providers._check import Inputs, iso_date_problem, name_problem, whole_number


@pytest.mark.parametrize(
    ("value", "number"), [(3600, 3600), (3600.0, 3600), (59.5, None), (True, None), ("60", None)]
)
def test_whole_numbers_survive_the_wire_turning_them_into_floats(value: object, number: int | None) -> None:
    assert whole_number(value) == number


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("ok", None),
        ("", "must not be empty"),
        ("  ", "must not be empty"),
        (" x", "must not start or end with whitespace"),
    ],
)
def test_name_problems(name: str, problem: str | None) -> None:
    assert name_problem(name) == problem


def test_a_name_with_a_control_character_is_rejected() -> None:
    assert name_problem("tab\there") == "must not contain control characters"


@pytest.mark.parametrize(
    ("value", "ok"), [("2027-06-30", True), ("2027-6-30", False), ("2027-02-30", False), (20270630, False)]
)
def test_dates_must_be_written_yyyy_mm_dd(value: object, ok: bool) -> None:
    assert (iso_date_problem(value) is None) is ok


def test_inputs_collect_every_failure_and_keep_unknowns() -> None:
    unknown = Unknown()
    inputs = Inputs({"name": unknown, "lifetime": 7.0, "flag": "yes", "kind": "other"})

    inputs.name("name")
    inputs.integer("lifetime", 90, 30, 365, "days")
    inputs.flag("flag", True)
    inputs.choice("kind", "a", ("a", "b"))
    inputs.string("missing", "default")

    assert [(f.property, f.reason) for f in inputs.failures] == [
        ("lifetime", "lifetime must be between 30 and 365 days, got 7"),
        ("flag", "flag must be true or false, got 'yes'"),
        ("kind", "kind must be one of 'a', 'b', got 'other'"),
    ]
    assert inputs.values["name"] is unknown
    assert inputs.values["missing"] == "default"
    assert inputs.values["lifetime"] == 7
