"""An ``up`` through a flaky, rate-limited tenant converges to exactly the declared state.

The emulator answers 5xx, closes connections without answering, commits creates and then drops the
response, and rate-limits with 429. The providers (through the tenant clients' retries and idempotent
creates) must end with every declared object present exactly once: no duplicate clients, users,
groups or secrets, nothing missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pulumi
import pytest

from providers import ApiClient, ClientSecret, ScimGroup, ScimUser, ScopeAssignment
from tests.providers.conftest import API_CLIENT, CLIENT_SECRET, SCIM_GROUP, start_plugin
from tests.providers.helpers import scope_names, writes
from tests.support.emulator import RunningEmulator, run_emulator
from tests.support.engine_double import Engine

CLIENTS = {
    "sync": ["scim:read", "scim:write", "sync:profile:read"],
    "reporting": ["scim:read"],
    "monitoring": ["ziam:read", "connector:read"],
}
USERS = [f"flaky{i}@ex.com" for i in range(6)]
GROUPS = {"Quarantine": USERS[:2], "Contractors": USERS[2:]}
MINIMAL_WRITES = 3 * len(CLIENTS) + len(USERS) + len(GROUPS)  # client POST+PUT, secret POST; users; groups


def model() -> None:
    for key, scopes in CLIENTS.items():
        client = ApiClient(key, name=f"{key}-client")
        ScopeAssignment(f"{key}-scopes", client_id=client.id, scopes={name: {} for name in scopes})
        ClientSecret(f"{key}-secret", client_id=client.id, lifetime_days=60)
    users = [ScimUser(name.split("@")[0], user_name=name) for name in USERS]
    for display_name, members in GROUPS.items():
        ScimGroup(
            display_name.lower(),
            display_name=display_name,
            members=members,
            opts=pulumi.ResourceOptions(depends_on=users),
        )


@pytest.fixture
def flaky_tenant(tmp_path) -> Iterator[RunningEmulator]:
    with run_emulator(tmp_path / "flaky") as running:
        yield running


def listed(client: httpx.Client, path: str, key: str) -> list[dict[str, Any]]:
    response = client.get(path, params={key: 1000} if key == "limit" else {"count": 1000})
    response.raise_for_status()
    body = response.json()
    return body["records"] if "records" in body else body.get("Resources", [])


def test_an_up_through_faults_and_429s_converges_to_exactly_the_declared_state(
    flaky_tenant: RunningEmulator,
) -> None:
    plugin = start_plugin(flaky_tenant)
    try:
        engine = Engine(plugin, parallel=4)
        flaky_tenant.set_faults(
            seed=11,
            error_rate=0.15,
            drop_rate=0.05,
            commit_then_drop_rate=0.2,
            error_statuses=[502, 503, 504],
        )
        flaky_tenant.set_ratelimit(rps=40, burst=8, style="ziam")

        engine.run(model)

        flaky_tenant.set_faults()
        flaky_tenant.set_ratelimit()
        stats = flaky_tenant.stats()
        again = engine.run(model)
    finally:
        plugin.stop()

    # Without faults the model takes exactly MINIMAL_WRITES writes; every fault that hits a write costs
    # at least one more request (a retry, or the orphan cleanup after a lost secret create).
    assert sum(writes(stats).values()) > MINIMAL_WRITES
    assert {step.op for step in again} == {"same"}
    credentials = flaky_tenant.credentials
    with flaky_tenant.admin_http() as admin:
        admin.base_url = credentials["api_url"] + "/ziam/admin/api/v1"
        clients = [c for c in listed(admin, "/api-clients", "limit") if c["name"].endswith("-client")]
        assert sorted(c["name"] for c in clients) == sorted(f"{key}-client" for key in CLIENTS)
        for key, scopes in CLIENTS.items():
            record = next(c for c in clients if c["name"] == f"{key}-client")
            assert record["id"] == engine.resource(API_CLIENT, key).id
            assert scope_names(record) == sorted(scopes)
            secrets = admin.get(f"/api-clients/{record['id']}/secrets").json()
            assert [s["id"] for s in secrets] == [engine.resource(CLIENT_SECRET, f"{key}-secret").id]
    with httpx.Client(
        base_url=credentials["scim_url"], headers={"Authorization": f"Bearer {credentials['scim_token']}"}
    ) as scim:
        users = listed(scim, "/Users", "count")
        assert sorted(user["userName"] for user in users) == sorted(USERS)
        ids = {user["userName"]: user["id"] for user in users}
        groups = listed(scim, "/Groups", "count")
        assert sorted(group["displayName"] for group in groups) == sorted(GROUPS)
        for display_name, members in GROUPS.items():
            group_id = engine.resource(SCIM_GROUP, display_name.lower()).id
            live = scim.get(f"/Groups/{group_id}").json().get("members") or []
            assert sorted(member["value"] for member in live) == sorted(ids[name] for name in members)


def test_a_destroy_through_faults_and_429s_leaves_nothing_behind(flaky_tenant: RunningEmulator) -> None:
    plugin = start_plugin(flaky_tenant)
    try:
        engine = Engine(plugin, parallel=4)
        engine.run(model)
        flaky_tenant.set_faults(
            seed=12,
            error_rate=0.15,
            drop_rate=0.05,
            commit_then_drop_rate=0.2,
            error_statuses=[502, 503, 504],
        )
        flaky_tenant.set_ratelimit(rps=40, burst=8, style="ziam")
        flaky_tenant.reset_stats()

        deleted = engine.destroy()

        flaky_tenant.set_faults()
        flaky_tenant.set_ratelimit()
        stats = flaky_tenant.stats()
    finally:
        plugin.stop()

    # Without faults: per client a secret DELETE, a scope-set PUT and a client DELETE; a PATCH per user
    # (deactivation) and a DELETE per group. Faults that hit writes cost retries on top.
    assert sum(writes(stats).values()) > 3 * len(CLIENTS) + len(USERS) + len(GROUPS)
    assert len(deleted) == 3 * len(CLIENTS) + len(USERS) + len(GROUPS)
    assert engine.state == {}
    credentials = flaky_tenant.credentials
    with flaky_tenant.admin_http() as admin:
        admin.base_url = credentials["api_url"] + "/ziam/admin/api/v1"
        assert [
            c["name"] for c in listed(admin, "/api-clients", "limit") if c["name"].endswith("-client")
        ] == []
    with httpx.Client(
        base_url=credentials["scim_url"], headers={"Authorization": f"Bearer {credentials['scim_token']}"}
    ) as scim:
        assert listed(scim, "/Groups", "count") == []
        users = listed(scim, "/Users", "count")
        assert sorted(user["userName"] for user in users) == sorted(USERS), "destroy deactivates users"
        assert [user["userName"] for user in users if user["active"]] == []
