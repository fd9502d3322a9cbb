"""``zidentity:ClientSecret``: when rotation is due (pure) and rotation end to end through the plugin."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

import httpx
import pytest

from providers import ApiClient, ClientSecret
from providers.client_secret import iso_utc, replace_reasons, rotation_due
from tests.providers.conftest import API_CLIENT, CLIENT_SECRET, start_plugin
from tests.providers.helpers import requests_during, writes
from tests.support.emulator import RunningEmulator
from tests.support.engine_double import CheckFailed, Engine, Step, is_secret

DAY = 86_400
NOW = 1_800_000_000.0


# -- when is rotation due (pure) ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("days_left", "renew_before", "due"),
    [(30, 14, False), (14.01, 14, False), (14, 14, True), (3, 14, True), (-1, 14, True), (1, 0, False)],
)
def test_rotation_is_due_inside_the_renewal_window(days_left: float, renew_before: int, due: bool) -> None:
    assert rotation_due(iso_utc(NOW + days_left * DAY), renew_before, NOW) is due


@pytest.mark.parametrize("expires_at", ["", None, "not a time"])
def test_a_missing_or_unreadable_expiry_means_rotation_is_due(expires_at: str | None) -> None:
    assert rotation_due(expires_at, 14, NOW)


def test_replace_reasons_name_every_cause() -> None:
    olds = {"client_id": "c1", "rotation": "schedule:2026-01-01", "renew_before_days": 14}
    olds["expires_at"] = iso_utc(NOW + 5 * DAY)
    news = {"client_id": "c2", "rotation": "schedule:2026-04-01", "renew_before_days": 14}

    assert replace_reasons(olds, news, NOW) == ["rotation", "client_id", "expires_at"]
    assert (
        replace_reasons({**olds, "expires_at": iso_utc(NOW + 60 * DAY)}, {**olds, "expires_at": None}, NOW)
        == []
    )


# -- through the plugin ------------------------------------------------------------------------
def with_secret(name: str, **secret_inputs: object) -> Callable[[], None]:
    def program() -> None:
        client = ApiClient("app", name=name)
        ClientSecret("app-secret", client_id=client.id, **secret_inputs)  # type: ignore[arg-type]

    return program


def live_secret_ids(admin: httpx.Client, client_id: str) -> list[str]:
    response = admin.get(f"/api-clients/{client_id}/secrets")
    response.raise_for_status()
    return sorted(secret["id"] for secret in response.json())


def token_works(tenant: RunningEmulator, client_id: str, value: str) -> bool:
    try:
        tenant.access_token(client_id, value)
    except httpx.HTTPStatusError:
        return False
    return True


def test_preview_plans_a_secret_and_creates_none(engine: Engine, tenant: RunningEmulator) -> None:
    steps: list[Step] = []

    counts = requests_during(
        tenant, lambda: steps.extend(engine.run(with_secret("cs-preview"), preview=True))
    )

    assert [(step.type, step.op) for step in steps] == [(API_CLIENT, "create"), (CLIENT_SECRET, "create")]
    assert counts == {}
    assert engine.state == {}


def test_up_creates_a_secret_whose_value_is_a_pulumi_secret_and_works(
    engine: Engine, tenant: RunningEmulator, admin: httpx.Client
) -> None:
    before = time.time()

    engine.run(with_secret("cs-create", lifetime_days=45))

    state = engine.resource(CLIENT_SECRET, "app-secret")
    client_id = engine.resource(API_CLIENT, "app").id
    assert is_secret(state.outputs["value"])
    assert live_secret_ids(admin, client_id) == [state.id] == [state.outputs["secret_id"]]
    expires = dt.datetime.fromisoformat(state.outputs["expires_at"].replace("Z", "+00:00")).timestamp()
    assert before + 45 * DAY - 5 <= expires <= time.time() + 45 * DAY + 5
    assert token_works(tenant, client_id, state.outputs["value"]["value"])


def test_a_second_up_and_a_refresh_change_nothing(engine: Engine, tenant: RunningEmulator) -> None:
    program = with_secret("cs-steady")
    engine.run(program)

    counts = requests_during(tenant, lambda: engine.run(program))
    refresh = engine.refresh()

    assert writes(counts) == {}
    assert {step.diff.changes for step in refresh if step.diff} == {"DIFF_NONE"}


def test_a_new_rotation_value_replaces_the_secret_new_one_first(
    engine: Engine, tenant: RunningEmulator, admin: httpx.Client
) -> None:
    engine.run(with_secret("cs-rotate", rotation="manual:initial"))
    old = engine.resource(CLIENT_SECRET, "app-secret")
    client_id = engine.resource(API_CLIENT, "app").id

    preview = engine.run(with_secret("cs-rotate", rotation="manual:leak-2026-11"), preview=True)
    (planned,) = [step for step in preview if step.op != "same"]
    assert (planned.op, planned.diff and planned.diff.replaces) == ("replace", ["rotation"])
    assert live_secret_ids(admin, client_id) == [old.id], "a preview rotates nothing"

    calls_before = len(engine.provider.calls)
    engine.run(with_secret("cs-rotate", rotation="manual:leak-2026-11"))

    new = engine.resource(CLIENT_SECRET, "app-secret")
    sent = [call for call in engine.provider.calls[calls_before:] if call in ("Create", "Delete")]
    assert sent == ["Create", "Delete"], "create-before-delete keeps one valid secret at all times"
    assert live_secret_ids(admin, client_id) == [new.id] != [old.id]
    assert token_works(tenant, client_id, new.outputs["value"]["value"])
    assert not token_works(tenant, client_id, old.outputs["value"]["value"])


def test_a_secret_inside_its_renewal_window_is_replaced_by_a_plain_up(
    engine: Engine, tenant: RunningEmulator, admin: httpx.Client
) -> None:
    program = with_secret("cs-expiry", lifetime_days=30, renew_before_days=14)
    engine.run(program)
    old = engine.resource(CLIENT_SECRET, "app-secret")
    same_plugin = engine.provider
    engine.provider = start_plugin(tenant, clock_offset=20 * DAY)  # 20 days later: 10 days left
    try:
        preview = engine.run(program, preview=True)
        (planned,) = [step for step in preview if step.op != "same"]
        assert (planned.op, planned.diff and planned.diff.replaces) == ("replace", ["expires_at"])

        engine.run(program)
    finally:
        engine.provider.stop()
        engine.provider = same_plugin

    new = engine.resource(CLIENT_SECRET, "app-secret")
    assert new.id != old.id
    assert live_secret_ids(admin, engine.resource(API_CLIENT, "app").id) == [new.id]
    assert new.outputs["expires_at"] > old.outputs["expires_at"]


def test_a_secret_deleted_out_of_band_shows_on_refresh_and_up_replaces_it(
    engine: Engine, admin: httpx.Client
) -> None:
    program = with_secret("cs-deleted")
    engine.run(program)
    old = engine.resource(CLIENT_SECRET, "app-secret")
    client_id = engine.resource(API_CLIENT, "app").id
    admin.delete(f"/api-clients/{client_id}/secrets/{old.id}").raise_for_status()
    engine.provider.restart()

    refresh = {step.type: step for step in engine.refresh()}

    drift = refresh[CLIENT_SECRET].diff
    assert drift is not None and drift.changes == "DIFF_SOME" and drift.replaces == ["expires_at"]
    assert engine.resource(CLIENT_SECRET, "app-secret").outputs["expires_at"] == ""

    steps = engine.run(program)

    (replace,) = [step for step in steps if step.op != "same"]
    assert replace.op == "replace"
    assert live_secret_ids(admin, client_id) == [engine.resource(CLIENT_SECRET, "app-secret").id]


def test_refresh_drops_the_secret_of_a_deleted_client(engine: Engine, admin: httpx.Client) -> None:
    engine.run(with_secret("cs-client-gone"))
    admin.delete(f"/api-clients/{engine.resource(API_CLIENT, 'app').id}").raise_for_status()
    engine.provider.restart()

    steps = engine.refresh()

    assert {step.type for step in steps if step.gone} == {API_CLIENT, CLIENT_SECRET}
    assert engine.state == {}


def test_a_lifetime_change_applies_from_the_next_rotation_without_a_write(
    engine: Engine, tenant: RunningEmulator
) -> None:
    engine.run(with_secret("cs-lifetime", lifetime_days=90))
    old = engine.resource(CLIENT_SECRET, "app-secret")

    counts = requests_during(tenant, lambda: engine.run(with_secret("cs-lifetime", lifetime_days=120)))

    new = engine.resource(CLIENT_SECRET, "app-secret")
    assert writes(counts) == {}
    assert (new.id, new.outputs["lifetime_days"]) == (old.id, 120)
    assert new.outputs["value"] == old.outputs["value"]


def test_check_reports_bad_lifetimes_without_any_request(engine: Engine, tenant: RunningEmulator) -> None:
    def program() -> None:
        ClientSecret("bad", client_id="", lifetime_days=400, renew_before_days=10)
        ClientSecret("never-valid", client_id="some-client", lifetime_days=30, renew_before_days=30)

    failures: dict[str, str] = {}

    def run() -> None:
        with pytest.raises(CheckFailed) as raised:
            engine.run(program)
        failures.update(raised.value.failures)

    assert requests_during(tenant, run) == {}
    # The engine stops at the first resource that fails; either may come first.
    assert set(failures) in ({"client_id", "lifetime_days"}, {"renew_before_days"})
    if "lifetime_days" in failures:
        assert failures["lifetime_days"] == "lifetime_days must be between 30 and 365 days, got 400"
    else:
        assert "must be less than lifetime_days (30)" in failures["renew_before_days"]


def test_destroy_revokes_the_secret(engine: Engine, tenant: RunningEmulator, admin: httpx.Client) -> None:
    body = {"name": "cs-external", "status": True, "accessTokenLifeTime": 3600}
    body["clientAuthentication"] = {"authType": "SECRET"}
    client_id = admin.post("/api-clients", json=body).json()["id"]
    engine.run(lambda: ClientSecret("external-secret", client_id=client_id))
    value = engine.resource(CLIENT_SECRET, "external-secret").outputs["value"]["value"]

    engine.destroy()

    assert live_secret_ids(admin, client_id) == []
    assert not token_works(tenant, client_id, value)
