"""``zidentity:PreviousSecret``: the overlap window of a rotation (arithmetic, then through the plugin).

Through the plugin, with the engine double's replacement rules (new secret first, the replaced one
deleted at the end): a rotation keeps the old secret valid next to the new one, a run on the day the
window ends revokes it after the current secret obtained a token, and a failed verification revokes
nothing and leaves the state as it was.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx
import pytest

from providers import ApiClient, ClientSecret, PreviousSecret
from providers.client_secret import ClientSecretProvider
from providers.previous_secret import derive_previous, overlap_ended, previous_note, revoke_on
from tests.providers.conftest import API_CLIENT, CLIENT_SECRET, start_plugin
from tests.support.emulator import RunningEmulator
from tests.support.engine_double import Engine, EngineError, ProviderProcess

PREVIOUS_SECRET = "pulumi-python:dynamic/zidentity:PreviousSecret"
# Every plugin in this module runs on this day (SCOPE_MANAGER_TODAY), so the day the window is counted
# from is the day the tests count from, even when the suite runs across midnight UTC.
TODAY = dt.datetime.now(dt.UTC).date()


@pytest.fixture(scope="module")
def plugin(tenant: RunningEmulator) -> Iterator[ProviderProcess]:
    """The module's plugin, for which today is TODAY."""
    process = start_plugin(tenant, extra_env={"SCOPE_MANAGER_TODAY": TODAY.isoformat()})
    try:
        yield process
    finally:
        process.stop()


# -- the arithmetic (pure) ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("rotated_on", "overlap", "revoked_on"),
    [
        ("2027-01-31", 1, "2027-02-01"),  # month end
        ("2027-01-31", 30, "2027-03-02"),  # across February of a common year (28 days)
        ("2028-01-31", 30, "2028-03-01"),  # across February of a leap year (29 days)
        ("2028-02-28", 1, "2028-02-29"),  # onto the leap day
        ("2028-02-29", 1, "2028-03-01"),  # off the leap day
        ("2027-02-28", 1, "2027-03-01"),  # no leap day in 2027
        ("2100-02-28", 1, "2100-03-01"),  # 2100 is not a leap year
        ("2026-12-31", 7, "2027-01-07"),  # year end
        ("2027-04-30", 0, "2027-04-30"),  # no overlap: revoked in the rotating run
    ],
)
def test_the_window_ends_overlap_days_calendar_days_after_the_rotation(
    rotated_on: str, overlap: int, revoked_on: str
) -> None:
    assert revoke_on(dt.date.fromisoformat(rotated_on), overlap).isoformat() == revoked_on


def test_the_window_ends_on_its_revoke_day_inclusive() -> None:
    assert not overlap_ended("2028-02-29", dt.date(2028, 2, 28))
    assert overlap_ended("2028-02-29", dt.date(2028, 2, 29))
    assert overlap_ended("2028-02-29", dt.date(2028, 3, 1))
    assert not overlap_ended("", dt.date(2028, 3, 1))


def test_a_changed_current_secret_becomes_the_previous_one_with_its_revoke_day() -> None:
    olds = {"current_secret_id": "s1", "previous_secret_id": "", "previous_revoke_on": ""}
    news = {"client_key": "reporting", "overlap_days": 7, "current_secret_id": "s2"}

    derived = derive_previous(olds, news, dt.date(2028, 2, 25))

    assert derived == {
        "previous_secret_id": "s1",
        "previous_revoke_on": "2028-03-03",
        "previous": "valid until 2028-03-03 (overlap of 7 days)",
    }
    # A later day, nothing rotated: the same secret, now due.
    later = derive_previous({**olds, **derived, "current_secret_id": "s2"}, news, dt.date(2028, 3, 3))
    assert later["previous"] == "previous secret of `reporting` will be revoked: overlap ended on 2028-03-03"
    assert later["previous_secret_id"] == "s1"
    # An unknown current secret (the preview of a rotation) counts as a rotation.
    unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
    assert derive_previous(olds, {**news, "current_secret_id": unknown}, dt.date(2028, 2, 25)) == derived
    # First deployment: nothing before.
    assert derive_previous({}, news, dt.date(2028, 2, 25))["previous_secret_id"] == ""


def test_previous_note_never_holds_a_value() -> None:
    assert previous_note("reporting", "2027-03-01", 3, dt.date(2027, 2, 1)) == (
        "valid until 2027-03-01 (overlap of 3 days)"
    )


def test_state_written_before_overlap_days_existed_is_updated_not_rotated() -> None:
    """Migration: a ClientSecret in state from before this change (no overlap_days in its outputs,
    pickled as providers.client_secret.ClientSecretProvider) takes the new setting with an update."""
    expires = (dt.datetime.now(dt.UTC) + dt.timedelta(days=60)).strftime("%Y-%m-%dT%H:%M:%SZ")
    olds = {
        "client_id": "c1",
        "lifetime_days": 90,
        "renew_before_days": 14,
        "rotation": "",
        "expires_at": expires,
    }
    news = {**{k: v for k, v in olds.items() if k != "expires_at"}, "overlap_days": 7}

    diff = ClientSecretProvider().diff("s1", olds, news)

    assert (diff.changes, diff.replaces) == (True, [])


# -- through the plugin -----------------------------------------------------------------------------
def program(name: str, overlap_days: int, rotation: str = "") -> Callable[[], None]:
    def declare() -> None:
        client = ApiClient("app", name=name)
        secret = ClientSecret(
            "app-secret", client_id=client.id, rotation=rotation, overlap_days=overlap_days, lifetime_days=60
        )
        PreviousSecret(
            "app-previous-secret",
            client_id=client.id,
            client_key="app",
            overlap_days=overlap_days,
            current_secret_id=secret.secret_id,
            current_value=secret.value,
            current_expires_at=secret.expires_at,
        )

    return declare


def rotated(name: str, overlap_days: int) -> Callable[[], None]:
    """The program after the first rotation (rotation value "manual:one")."""
    return program(name, overlap_days, rotation="manual:one")


@contextmanager
def on_day(engine: Engine, tenant: RunningEmulator, day: dt.date) -> Iterator[None]:
    """Run the engine's next operations with a plugin for which today is `day`."""
    same_plugin = engine.provider
    engine.provider = start_plugin(tenant, extra_env={"SCOPE_MANAGER_TODAY": day.isoformat()})
    try:
        yield
    finally:
        engine.provider.stop()
        engine.provider = same_plugin


def live(admin: httpx.Client, client_id: str) -> set[str]:
    response = admin.get(f"/api-clients/{client_id}/secrets")
    response.raise_for_status()
    return {secret["id"] for secret in response.json()}


def set_enabled(admin: httpx.Client, client_id: str, enabled: bool) -> None:
    record = admin.get(f"/api-clients/{client_id}").json()
    admin.put(f"/api-clients/{client_id}", json={**record, "status": enabled}).raise_for_status()


def test_a_rotation_keeps_the_old_secret_until_the_window_ends_then_revokes_it(
    engine: Engine, tenant: RunningEmulator, admin: httpx.Client
) -> None:
    engine.run(program("ps-window", 3))
    client_id = engine.resource(API_CLIENT, "app").id
    first = engine.resource(CLIENT_SECRET, "app-secret")

    engine.run(program("ps-window", 3, rotation="manual:one"))

    second = engine.resource(CLIENT_SECRET, "app-secret")
    kept = engine.resource(PREVIOUS_SECRET, "app-previous-secret").outputs
    assert live(admin, client_id) == {first.id, second.id}
    assert (kept["previous_secret_id"], kept["previous_live"]) == (first.id, True)
    assert kept["previous_revoke_on"] == (TODAY + dt.timedelta(days=3)).isoformat()
    assert kept["previous_value"]["value"] == first.outputs["value"]["value"]  # kept, as a secret
    for secret in (first, second):
        tenant.access_token(client_id, secret.outputs["value"]["value"])

    with on_day(engine, tenant, TODAY + dt.timedelta(days=2)):
        assert [s.op for s in engine.run(rotated("ps-window", 3), preview=True) if s.op != "same"] == []
    with on_day(engine, tenant, TODAY + dt.timedelta(days=3)):
        planned = [s for s in engine.run(rotated("ps-window", 3), preview=True) if s.op != "same"]
        assert [(s.name, s.op) for s in planned] == [("app-previous-secret", "update")]
        tenant.reset_stats()
        engine.run(rotated("ps-window", 3))

    log = [(r["method"], r["path"], r.get("secret_id")) for r in tenant.requests()]
    verified = log.index(("POST", "/oauth2/v1/token", second.id))
    revoked = log.index(("DELETE", f"/ziam/admin/api/v1/api-clients/{client_id}/secrets/{first.id}", None))
    assert verified < revoked
    assert live(admin, client_id) == {second.id}
    after = engine.resource(PREVIOUS_SECRET, "app-previous-secret").outputs
    assert (after["previous_live"], after["previous_value"]["value"]) == (False, "")


def test_a_failed_verification_revokes_nothing_and_the_next_run_retries(
    engine: Engine, tenant: RunningEmulator, admin: httpx.Client
) -> None:
    engine.run(program("ps-verify", 2))
    client_id = engine.resource(API_CLIENT, "app").id
    first = engine.resource(CLIENT_SECRET, "app-secret").id
    engine.run(program("ps-verify", 2, rotation="manual:one"))
    second = engine.resource(CLIENT_SECRET, "app-secret").id
    before = engine.resource(PREVIOUS_SECRET, "app-previous-secret").outputs
    set_enabled(admin, client_id, False)  # a console edit: the client can get no token at all

    with on_day(engine, tenant, TODAY + dt.timedelta(days=2)):
        with pytest.raises(EngineError) as failed:
            engine.run(rotated("ps-verify", 2))
        message = str(failed.value)
        assert "'ps-verify'" in message and tenant.credentials["token_url"] in message
        assert "the previous secret" in message and "was not revoked" in message
        assert live(admin, client_id) == {first, second}
        assert engine.resource(PREVIOUS_SECRET, "app-previous-secret").outputs == before

        set_enabled(admin, client_id, True)
        engine.run(rotated("ps-verify", 2))
    assert live(admin, client_id) == {second}


def test_a_new_secret_that_gets_no_token_is_deleted_and_nothing_older_is_revoked(
    engine: Engine, tenant: RunningEmulator, admin: httpx.Client
) -> None:
    engine.run(program("ps-new-fails", 2))
    client_id = engine.resource(API_CLIENT, "app").id
    first = engine.resource(CLIENT_SECRET, "app-secret")
    set_enabled(admin, client_id, False)

    with pytest.raises(EngineError, match="the new secret of API client 'ps-new-fails'"):
        engine.run(program("ps-new-fails", 2, rotation="manual:one"))

    assert live(admin, client_id) == {first.id}
    assert engine.resource(CLIENT_SECRET, "app-secret").id == first.id
    set_enabled(admin, client_id, True)
    engine.run(program("ps-new-fails", 2, rotation="manual:one"))
    assert live(admin, client_id) == {first.id, engine.resource(CLIENT_SECRET, "app-secret").id}


def test_destroy_revokes_both_secrets(engine: Engine, tenant: RunningEmulator, admin: httpx.Client) -> None:
    engine.run(program("ps-destroy", 2))
    engine.run(program("ps-destroy", 2, rotation="manual:one"))
    client_id = engine.resource(API_CLIENT, "app").id
    assert len(live(admin, client_id)) == 2

    engine.run(lambda: ApiClient("app", name="ps-destroy"))

    assert live(admin, client_id) == set()
