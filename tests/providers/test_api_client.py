"""``zidentity:ApiClient`` driven through the real plugin process by the engine double, on the emulator."""

from __future__ import annotations

import httpx
import pytest

from providers import ApiClient, ClientSecret, ScopeAssignment
from tests.providers.conftest import API_CLIENT
from tests.providers.helpers import (
    client_record,
    clients_named,
    edit_client,
    requests_during,
    scope_names,
    writes,
)
from tests.support.emulator import RunningEmulator
from tests.support.engine_double import CheckFailed, Engine, ProviderError, Step


def app(name: str, **inputs: object) -> ApiClient:
    return ApiClient("app", name=name, **inputs)  # type: ignore[arg-type]


def test_preview_plans_a_create_and_sends_nothing(engine: Engine, tenant: RunningEmulator) -> None:
    calls_before = len(engine.provider.calls)

    counts = requests_during(tenant, lambda: engine.run(lambda: app("preview-only"), preview=True))

    assert engine.provider.calls[calls_before:] == ["Check"]
    assert writes(counts) == {}
    assert engine.state == {}


def test_up_creates_the_client_and_the_next_up_changes_nothing(
    engine: Engine, tenant: RunningEmulator, admin: httpx.Client
) -> None:
    def program() -> None:
        app("billing-export", description="nightly export", access_token_lifetime=1800, owner="fin@ex.com")

    steps = engine.run(program)

    assert [step.op for step in steps] == ["create"]
    state = engine.resource(API_CLIENT, "app")
    record = client_record(admin, state.id)
    assert record is not None
    assert (record["name"], record["description"], record["status"], record["accessTokenLifeTime"]) == (
        "billing-export",
        "nightly export",
        True,
        1800,
    )
    assert state.outputs["client_id"] == state.id
    assert state.outputs["owner"] == "fin@ex.com"

    counts = requests_during(tenant, lambda: steps.extend(engine.run(program)))
    assert [step.op for step in steps[1:]] == ["same"]
    assert writes(counts) == {}


def test_update_changes_the_declared_fields_and_keeps_the_scopes(
    engine: Engine, tenant: RunningEmulator, admin: httpx.Client
) -> None:
    def program(description: str, enabled: bool) -> None:
        client = app("etl-loader", description=description, enabled=enabled)
        ScopeAssignment("app-scopes", client_id=client.id, scopes={"scim:read": {}})

    engine.run(lambda: program("v1", True))
    client_id = engine.resource(API_CLIENT, "app").id

    steps = engine.run(lambda: program("v2", False))

    update = next(step for step in steps if step.type == API_CLIENT)
    assert update.op == "update"
    assert update.diff is not None
    assert update.diff.detailed_diff == {"description": "UPDATE", "enabled": "UPDATE"}
    record = client_record(admin, client_id)
    assert record is not None
    assert (record["description"], record["status"]) == ("v2", False)
    assert scope_names(record) == ["scim:read"]


def test_metadata_only_change_sends_no_write(engine: Engine, tenant: RunningEmulator) -> None:
    engine.run(lambda: app("metadata-only", owner="a@example.com", purpose="reporting"))

    counts = requests_during(
        tenant, lambda: engine.run(lambda: app("metadata-only", owner="b@example.com", purpose="reporting"))
    )

    assert writes(counts) == {}
    assert engine.resource(API_CLIENT, "app").outputs["owner"] == "b@example.com"


def test_refresh_shows_a_console_edit_and_the_next_up_reverts_it(engine: Engine, admin: httpx.Client) -> None:
    def program() -> None:
        app("drifting", description="as declared", access_token_lifetime=3600, owner="ops@example.com")

    engine.run(program)
    client_id = engine.resource(API_CLIENT, "app").id
    edit_client(admin, client_id, description="edited in the console", accessTokenLifeTime=600)
    engine.provider.restart()

    (refresh,) = engine.refresh()

    assert refresh.diff is not None
    assert refresh.diff.detailed_diff == {"access_token_lifetime": "UPDATE", "description": "UPDATE"}
    refreshed = engine.resource(API_CLIENT, "app")
    assert refreshed.inputs["description"] == "edited in the console"
    assert refreshed.inputs["owner"] == "ops@example.com", "metadata only state knows survives a refresh"

    steps = engine.run(program)

    assert [step.op for step in steps] == ["update"]
    record = client_record(admin, client_id)
    assert record is not None
    assert (record["description"], record["accessTokenLifeTime"]) == ("as declared", 3600)


def test_refresh_drops_a_client_deleted_out_of_band_and_up_creates_it_again(
    engine: Engine, admin: httpx.Client
) -> None:
    engine.run(lambda: app("deleted-by-hand"))
    old_id = engine.resource(API_CLIENT, "app").id
    admin.delete(f"/api-clients/{old_id}").raise_for_status()
    engine.provider.restart()

    (refresh,) = engine.refresh()

    assert refresh.gone
    assert engine.state == {}
    steps = engine.run(lambda: app("deleted-by-hand"))
    assert [step.op for step in steps] == ["create"]
    assert [record["id"] for record in clients_named(admin, "deleted-by-hand")] == [
        engine.resource(API_CLIENT, "app").id
    ]


def test_update_of_a_client_deleted_out_of_band_says_to_refresh(engine: Engine, admin: httpx.Client) -> None:
    engine.run(lambda: app("vanished", description="one"))
    admin.delete(f"/api-clients/{engine.resource(API_CLIENT, 'app').id}").raise_for_status()

    with pytest.raises(ProviderError, match=r"no longer exists.*pulumi refresh"):
        engine.run(lambda: app("vanished", description="two"))


def test_a_name_clash_is_an_error_that_mentions_adopt(engine: Engine, admin: httpx.Client) -> None:
    # Someone else's client differs from what our create sends (here its description); an exact,
    # untouched twin is what a failed create of ours leaves behind and is taken over instead
    # (test_fault_injection.py).
    body = {
        "name": "already-there",
        "description": "made by hand",
        "status": True,
        "accessTokenLifeTime": 3600,
    }
    body["clientAuthentication"] = {"authType": "SECRET"}
    admin.post("/api-clients", json=body).raise_for_status()
    engine.provider.restart()

    with pytest.raises(ProviderError, match=r"already exists.*adopt: true") as raised:
        engine.run(lambda: app("already-there"))

    assert raised.value.operation == "Create"
    assert len(clients_named(admin, "already-there")) == 1
    assert engine.state == {}


def test_adopt_takes_over_the_existing_client(engine: Engine, admin: httpx.Client) -> None:
    body = {"name": "adopted", "description": "made by hand", "status": True, "accessTokenLifeTime": 3600}
    body["clientAuthentication"] = {"authType": "SECRET"}
    existing = admin.post("/api-clients", json=body).json()
    engine.provider.restart()

    engine.run(lambda: app("adopted", description="now managed", adopt=True))

    assert engine.resource(API_CLIENT, "app").id == existing["id"]
    record = client_record(admin, existing["id"])
    assert record is not None
    assert record["description"] == "now managed"
    assert len(clients_named(admin, "adopted")) == 1


def test_check_reports_every_bad_input_and_sends_no_request(engine: Engine, tenant: RunningEmulator) -> None:
    def program() -> None:
        ApiClient("bad", name=" padded ", access_token_lifetime=30, enabled="yes")  # type: ignore[arg-type]

    def run() -> None:
        with pytest.raises(CheckFailed) as raised:
            engine.run(program)
        failures = dict(raised.value.failures)
        assert set(failures) == {"name", "access_token_lifetime", "enabled"}
        assert "between 60 and 86400 seconds" in failures["access_token_lifetime"]
        assert "whitespace" in failures["name"]

    counts = requests_during(tenant, run)

    assert counts == {}
    assert engine.state == {}


def test_destroy_deletes_the_client(engine: Engine, admin: httpx.Client) -> None:
    engine.run(lambda: app("short-lived"))
    client_id = engine.resource(API_CLIENT, "app").id

    steps = engine.destroy()

    assert [step.op for step in steps] == ["delete"]
    assert client_record(admin, client_id) is None


def test_unknown_inputs_pass_check_during_preview(engine: Engine) -> None:
    """A name computed from another resource's output is unknown in preview and must not fail check."""

    def program() -> None:
        upstream = app("upstream")
        ApiClient("downstream", name=upstream.client_id.apply(lambda cid: f"{cid}-child"))

    steps = engine.run(program, preview=True)

    assert sorted(step.op for step in steps) == ["create", "create"]
    assert engine.state == {}


@pytest.mark.parametrize(
    ("wiring", "scopes_op"),
    [("id", "same"), ("client_id", "update")],
)
def test_a_preview_of_an_edited_client_never_plans_a_new_scope_set_or_secret(
    engine: Engine, tenant: RunningEmulator, wiring: str, scopes_op: str
) -> None:
    """The client's outputs are unknown in the preview of its update; its dependents must not churn.

    Wired from ``client.id`` (what docs and ``__main__.py`` do) they are unchanged; wired from the
    ``client_id`` output the scope set shows an update of an unknown id, and still nothing is replaced.
    """

    def program(description: str) -> None:
        client = app(f"wired-by-{wiring}", description=description)
        client_id = getattr(client, wiring)
        ScopeAssignment("app-scopes", client_id=client_id, scopes={"scim:read": {}})
        ClientSecret("app-secret", client_id=client_id)

    engine.run(lambda: program("v1"))
    steps: list[Step] = []

    counts = requests_during(tenant, lambda: steps.extend(engine.run(lambda: program("v2"), preview=True)))

    assert {step.name: step.op for step in steps} == {
        "app": "update",
        "app-scopes": scopes_op,
        "app-secret": "same",
    }
    assert writes(counts) == {}


@pytest.mark.parametrize(
    ("status", "enabled"),
    [
        (False, False),
        ("false", False),
        ("FALSE", False),
        ("disabled", False),
        (0, False),
        (True, True),
        ("true", True),
        (None, True),
    ],
)
def test_a_refresh_reads_status_like_scopectl_does(status, enabled):
    """The API sends a boolean, but a string "false" must not read as enabled (`bool("false")` is
    True); the provider and scopectl's live reader share one reader, so they cannot disagree."""
    from providers.api_client import inputs_from_record
    from scopectl.live import _client

    record = {"id": "c1", "name": "app", "status": status, "accessTokenLifeTime": 3600}

    assert inputs_from_record(record, {})["enabled"] is enabled
    assert _client(record, []).enabled is enabled
