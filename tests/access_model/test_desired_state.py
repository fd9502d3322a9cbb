"""Desired state: time-bound grants evaluated against an injected `today`, rotation values derived."""

from __future__ import annotations

import datetime as dt

import pytest

from access_model import (
    desired_state,
    load_stack,
    load_yaml,
    next_rotation,
    parse,
    period_start,
    rotation_value,
)
from tests.access_model.conftest import ROOT

TODAY = dt.date(2026, 11, 22)


def _model(text: str):
    return parse(load_yaml(text, "test"))


GRANTS = """
clients:
  svc:
    scopes:
      scim:read: {}
      scim:write: {justification: CHG-1, expires: 2026-11-21}
      connector:read: {expires: 2026-11-22}
      connector:write: {justification: CHG-2, expires: 2026-11-29}
      sync:profile:read: {expires: 2026-11-30}
"""


def test_expired_grant_is_left_out_and_reported() -> None:
    state = desired_state(_model(GRANTS), TODAY)
    assert "scim:write" not in state.clients["svc"].scopes
    assert state.expired == (
        'clients.svc.scopes["scim:write"]: grant expired on 2026-11-21; left out, so the next run revokes it',
    )


def test_grant_is_valid_through_its_expiry_day_with_a_warning() -> None:
    state = desired_state(_model(GRANTS), TODAY)
    assert state.clients["svc"].scopes["connector:read"] == {"expires": "2026-11-22"}
    assert 'clients.svc.scopes["connector:read"]: grant expires today (2026-11-22)' in state.warnings


def test_warning_window_is_seven_days() -> None:
    state = desired_state(_model(GRANTS), TODAY)
    assert 'clients.svc.scopes["connector:write"]: grant expires in 7 days (2026-11-29)' in state.warnings
    assert not any("sync:profile:read" in w for w in state.warnings)  # 8 days away: no warning yet
    assert len(state.warnings) == 2


def test_scope_metadata_is_passed_on_as_plain_strings() -> None:
    state = desired_state(_model(GRANTS), TODAY)
    assert state.clients["svc"].scopes == {
        "scim:read": {},
        "connector:read": {"expires": "2026-11-22"},
        "connector:write": {"justification": "CHG-2", "expires": "2026-11-29"},
        "sync:profile:read": {"expires": "2026-11-30"},
    }


def test_the_same_model_revokes_later_without_any_edit() -> None:
    """The scheduled run is what revokes: the model stays the same, only `today` moves."""
    model = _model(GRANTS)
    assert "connector:write" in desired_state(model, dt.date(2026, 11, 29)).clients["svc"].scopes
    assert "connector:write" not in desired_state(model, dt.date(2026, 11, 30)).clients["svc"].scopes


def test_expired_members_leave_the_group_and_expired_users_are_deactivated() -> None:
    model = load_stack(ROOT / "Pulumi.dev.yaml")
    before = desired_state(model, dt.date(2027, 3, 31))
    assert before.groups["contractors"].members == (
        "ann.lee@contractor.example",
        "raj.patel@contractor.example",
    )
    assert before.users["contractor-raj"].active is True
    assert any("raj.patel@contractor.example expires today" in w for w in before.warnings)

    after = desired_state(model, dt.date(2027, 4, 1))
    assert after.groups["contractors"].members == ("ann.lee@contractor.example",)
    assert after.users["contractor-raj"].active is False
    assert after.users["contractor-ann"].active is True
    assert (
        'users["contractor-raj"].expires: user access expired on 2027-03-31; the user is declared inactive'
        in (after.expired)
    )


def test_a_user_declared_inactive_stays_inactive() -> None:
    state = desired_state(_model("users: {bot: {user_name: bot@example.com, active: false}}"), TODAY)
    assert state.users["bot"].active is False


def test_members_are_sorted_userNames() -> None:
    model = _model("groups: {g: {display_name: G, members: [zed@example.com, {user: amy@example.com}]}}")
    assert desired_state(model, TODAY).groups["g"].members == ("amy@example.com", "zed@example.com")


# --- rotation -------------------------------------------------------------------------------------


def test_period_start_counts_whole_periods_from_1970_01_01() -> None:
    # 1970-01-01 .. 2026-11-22 is 20779 days; 20779 = 273 * 76 + 31, so the period began 31 days ago.
    assert period_start(TODAY, 76) == dt.date(2026, 10, 22)
    assert period_start(TODAY, 1) == TODAY
    assert period_start(dt.date(1970, 1, 1), 90) == dt.date(1970, 1, 1)


@pytest.mark.parametrize("every", [1, 7, 30, 76, 90, 365])
def test_rotation_value_changes_exactly_when_a_period_elapses(every: int) -> None:
    start = period_start(TODAY, every)
    boundary = next_rotation(TODAY, every)
    assert (boundary - start).days == every
    same = {rotation_value(start + dt.timedelta(days=d), every) for d in range(every)}
    assert same == {f"schedule:{start.isoformat()}"}
    assert rotation_value(boundary, every) == f"schedule:{boundary.isoformat()}"


def test_manual_rotation_adds_its_own_token() -> None:
    assert rotation_value(TODAY, 76, "incident-42") == "schedule:2026-10-22 manual:incident-42"
    assert rotation_value(TODAY, None, "incident-42") == "manual:incident-42"
    assert rotation_value(TODAY, None, "") == ""


def test_desired_secret_carries_the_derived_rotation() -> None:
    model = _model(
        "clients:\n"
        "  a: {secret: {lifetime_days: 90, rotate_every_days: 76}}\n"
        "  b: {secret: {lifetime_days: 60, renew_before_days: 7, rotation: after-incident-7}}\n"
        "  c: {}\n"
    )
    state = desired_state(model, TODAY)
    assert state.clients["a"].secret.rotation == "schedule:2026-10-22"
    assert state.clients["b"].secret.rotation == "manual:after-incident-7"
    assert (state.clients["b"].secret.lifetime_days, state.clients["b"].secret.renew_before_days) == (60, 7)
    assert state.clients["c"].secret.rotation == ""


def test_rotation_is_rejected_for_a_period_below_one_day() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        period_start(TODAY, 0)
