"""A create whose answer is lost and whose recovery lookup then gets a 500 (issue 13, points 2 and 3).

The tenant commits the create and drops its answer; the lookup that would recognise the object answers
500 once. That 500 used to end the run with the object left behind: an API client or SCIM user that
every later run refused ("already exists; set adopt: true"), or a secret nobody held (and the next run
added a second). The lookup is a read and is now retried like one, and an object a failed create left
behind (exactly the fields it was created with, untouched) is taken over by the next run.

The fault sequences are fixed: ``seed_for`` finds the first seed whose draws (the emulator's own
``FaultInjector``) give exactly the sequence named, so every run sees the same faults.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from emulator.faults import FaultInjector, FaultSpec
from providers import ApiClient, ClientSecret, ScimUser
from tests.providers.conftest import API_CLIENT, CLIENT_SECRET, SCIM_USER, start_plugin
from tests.support.emulator import RunningEmulator, run_emulator
from tests.support.engine_double import Engine, ProviderProcess

# Per request matching the routes: (error status or None, commit-then-drop)
Expected = list[tuple[int | None, bool]]


def seed_for(expected: Expected, **rates: float) -> dict[str, object]:
    """The fault spec with the first seed whose draws give `expected`, request by request."""
    for seed in range(100_000):
        injector = FaultInjector()
        spec = FaultSpec.from_json({"seed": seed, "error_statuses": [500], **rates})
        injector.configure(spec)
        plans = [injector.plan("POST" if commit else "GET", "", "/x") for _, commit in expected]
        if [(plan.error_status, plan.commit_then_drop) for plan in plans] == expected:
            return {"seed": seed, "error_statuses": [500], **rates}
    raise AssertionError(f"no seed gives {expected}")


@pytest.fixture
def tenant(tmp_path) -> Iterator[RunningEmulator]:
    with run_emulator(tmp_path / "tenant") as running:
        yield running


@pytest.fixture
def plugin(tenant: RunningEmulator) -> Iterator[ProviderProcess]:
    process = start_plugin(tenant)
    yield process
    process.stop()


def admin(tenant: RunningEmulator) -> httpx.Client:
    client = tenant.admin_http()
    client.base_url = tenant.credentials["api_url"] + "/ziam/admin/api/v1"
    return client


def clients_named(tenant: RunningEmulator, name: str) -> list[dict]:
    with admin(tenant) as http:
        records = http.get("/api-clients", params={"limit": 1000}).json()["records"]
    return [record for record in records if record["name"] == name]


def test_a_lost_client_create_whose_lookup_gets_a_500_still_converges_in_one_run(
    tenant: RunningEmulator, plugin: ProviderProcess
) -> None:
    # POST commits and drops its answer; the lookup's GET answers 500; the retried GET answers.
    faults = seed_for([(None, True), (500, False), (None, False)], error_rate=0.5, commit_then_drop_rate=1.0)
    tenant.set_faults(**faults, routes=["POST */api-clients", "GET */api-clients"])
    engine = Engine(plugin)

    engine.run(lambda: ApiClient("app", name="lost-answer"))

    tenant.set_faults()
    assert [c["id"] for c in clients_named(tenant, "lost-answer")] == [engine.resource(API_CLIENT, "app").id]


def test_a_lost_secret_create_whose_orphan_check_gets_a_500_leaves_no_orphan(
    tenant: RunningEmulator, plugin: ProviderProcess
) -> None:
    engine = Engine(plugin)
    engine.run(lambda: ApiClient("app", name="secret-holder"))
    client_id = engine.resource(API_CLIENT, "app").id
    plugin.restart()  # a client an earlier run created: this process lists its secrets
    # listing for the two-secret cap; POST commits, answer lost; orphan check 500; retried check;
    # POST again answered.
    faults = seed_for(
        [(None, False), (None, True), (500, False), (None, False), (None, False)],
        error_rate=0.3,
        commit_then_drop_rate=0.5,
    )
    tenant.set_faults(**faults, routes=["GET */secrets", "POST */secrets"])

    def program() -> None:
        client = ApiClient("app", name="secret-holder")
        ClientSecret("app-secret", client_id=client.id, lifetime_days=60)

    engine.run(program)

    tenant.set_faults()
    with admin(tenant) as http:
        live = [s["id"] for s in http.get(f"/api-clients/{client_id}/secrets").json()]
    assert live == [engine.resource(CLIENT_SECRET, "app-secret").id]


def test_a_client_a_failed_create_left_behind_is_taken_over_not_refused(
    tenant: RunningEmulator, plugin: ProviderProcess
) -> None:
    # What a create of ours leaves when its answer and its recovery both fail: exactly our fields,
    # no scope, no secret.
    body = {"name": "left-behind", "description": "", "status": True, "accessTokenLifeTime": 3600}
    with admin(tenant) as http:
        left = http.post("/api-clients", json={**body, "clientAuthentication": {"authType": "SECRET"}}).json()
        touched = http.post(
            "/api-clients",
            json={**body, "name": "in-use", "clientAuthentication": {"authType": "SECRET"}},
        ).json()
        http.post(
            f"/api-clients/{touched['id']}/secrets", json={"expiresAt": int(time.time()) + 60 * 86_400}
        ).raise_for_status()
    engine = Engine(plugin)

    engine.run(lambda: ApiClient("app", name="left-behind"))
    with pytest.raises(Exception, match=r"already exists.*adopt: true"):
        engine.run(lambda: (ApiClient("app", name="left-behind"), ApiClient("other", name="in-use")))

    assert engine.resource(API_CLIENT, "app").id == left["id"]
    assert len(clients_named(tenant, "left-behind")) == 1


def test_a_user_a_failed_create_left_behind_is_taken_over_not_refused(
    tenant: RunningEmulator, plugin: ProviderProcess
) -> None:
    # POST commits and drops; every lookup answers 500 until the retries give up would take 30 s, so
    # the leftover is made directly: exactly the body our create sends.
    scim = httpx.Client(
        base_url=tenant.credentials["scim_url"],
        headers={"Authorization": f"Bearer {tenant.credentials['scim_token']}"},
    )
    with scim:
        body = {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "left@example.com",
            "name": {"givenName": "Left", "familyName": ""},
            "emails": [],
            "active": True,
        }
        left = scim.post("/Users", json=body).json()
        scim.post("/Users", json={**body, "userName": "other@example.com", "name": {"givenName": "X"}})
    engine = Engine(plugin)

    engine.run(lambda: ScimUser("left", user_name="left@example.com", given_name="Left"))
    with pytest.raises(Exception, match=r"already exists.*adopt: true"):
        engine.run(
            lambda: (
                ScimUser("left", user_name="left@example.com", given_name="Left"),
                ScimUser("other", user_name="other@example.com", given_name="Someone else"),
            )
        )

    assert engine.resource(SCIM_USER, "left").id == left["id"]
