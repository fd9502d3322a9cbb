"""The clients against the emulator over real loopback HTTP, with its rate limiting and fault
injection on: every operation a retry can save succeeds, nothing is created twice, and the requests
spent stay within a stated bound.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from providers.tenant import Conflict, ConnectionFailed, Tenant, member_ids
from tests.providers.tenant.conftest import settings_from
from tests.support.emulator import RunningEmulator, run_emulator

ADMIN = "/ziam/admin/api/v1"
DAY = 86400


@pytest.fixture(scope="module")
def _module_emulator(tmp_path_factory) -> Iterator[RunningEmulator]:
    with run_emulator(tmp_path_factory.mktemp("limited") / "tenant") as running:
        yield running


@pytest.fixture
def limited_emulator(_module_emulator: RunningEmulator) -> Iterator[RunningEmulator]:
    """One emulator for the rate-limit tests (they create nothing); its limit is reset after each."""
    yield _module_emulator
    _module_emulator.set_ratelimit()


def client_body(name: str) -> dict:
    return {"name": name, "description": "reliability", "accessTokenLifeTime": 3600}


def tenant_for(emulator, **overrides) -> Tenant:
    return Tenant(settings_from(emulator.credentials, **overrides))


def all_client_names(emulator) -> list[str]:
    """Out of band, with faults off: every client name in the tenant (duplicates included)."""
    with emulator.admin_http() as http:
        records = http.get(f"{ADMIN}/api-clients", params={"limit": 1000}).json()["records"]
    return [r["name"] for r in records]


def test_a_lost_create_response_returns_the_client_it_made(emulator):
    emulator.set_faults(seed=1, commit_then_drop_rate=1.0, routes=[f"POST {ADMIN}/api-clients"])
    with tenant_for(emulator) as tenant:
        created = tenant.zidentity.create_client(client_body("lost-response"))
        emulator.set_faults()
        assert all_client_names(emulator).count("lost-response") == 1
        assert tenant.zidentity.get_client(created["id"])["name"] == "lost-response"
    stats = emulator.stats()
    assert stats[f"POST {ADMIN}/api-clients"] == 1  # never re-sent: found by name instead
    assert stats[f"GET {ADMIN}/api-clients"] >= 1


def test_a_lost_create_response_does_not_pass_off_a_client_that_was_there_before(emulator):
    """The name was taken before the create: the server answered 409 and the answer was lost. The
    client found by name is someone else's and must come back as a clash, not as "the one we made"
    (which would let a provider take it over without adopt)."""
    with tenant_for(emulator) as tenant:
        before = tenant.zidentity.create_client({**client_body("taken-before"), "description": "not ours"})
        emulator.set_faults(seed=1, commit_then_drop_rate=1.0, routes=[f"POST {ADMIN}/api-clients"])
        with pytest.raises(Conflict, match="taken-before"):
            tenant.zidentity.create_client(client_body("taken-before"))
        emulator.set_faults()
        assert all_client_names(emulator).count("taken-before") == 1
        assert tenant.zidentity.get_client(before["id"])["description"] == "not ours"


def test_a_lost_user_create_does_not_pass_off_a_user_that_was_there_before(emulator):
    """The SCIM side of the test above: a userName taken before a create whose 409 was lost."""
    with tenant_for(emulator) as tenant:
        before = tenant.scim.create_user({"userName": "taken-before@example.com", "externalId": "theirs"})
        emulator.set_faults(seed=1, commit_then_drop_rate=1.0, routes=["POST */Users"])
        with pytest.raises(Conflict, match=r"taken-before@example\.com"):
            tenant.scim.create_user({"userName": "taken-before@example.com", "externalId": "ours"})
        emulator.set_faults()
        assert tenant.scim.get_user(before["id"])["externalId"] == "theirs"


def test_a_lost_user_create_response_returns_the_user_it_made(emulator):
    emulator.set_faults(seed=1, commit_then_drop_rate=1.0, routes=["POST */Users"])
    with tenant_for(emulator) as tenant:
        body = {
            "userName": "lost-user@example.com",
            "name": {"givenName": "Lost", "familyName": "User"},
            "emails": [{"value": "lost-user@example.com", "type": "work", "primary": True}],
            "active": True,
            "externalId": "ours",
        }
        created = tenant.scim.create_user(body)
        emulator.set_faults()
        assert created["userName"] == "lost-user@example.com"
        assert [u["id"] for u in tenant.scim.list_users()].count(created["id"]) == 1
    assert emulator.stats()["POST /scim/1/{idpId}/v2/Users"] == 1


def test_a_lost_secret_is_replaced_and_its_orphan_deleted(emulator):
    with tenant_for(emulator, maxRetryWait=2) as tenant:
        z = tenant.zidentity
        client = z.create_client(client_body("secret-owner"))
        expires = int(time.time()) + 60 * DAY
        emulator.set_faults(seed=3, commit_then_drop_rate=1.0, routes=["POST */secrets"])
        with pytest.raises(ConnectionFailed):
            z.create_secret(client["id"], expires)
        emulator.set_faults()
        assert z.list_secrets(client["id"]) == []  # every orphan (value lost) was deleted

        emulator.set_faults(seed=11, commit_then_drop_rate=0.5, routes=["POST */secrets"])
        secret = z.create_secret(client["id"], expires)
        emulator.set_faults()
        assert [s["id"] for s in z.list_secrets(client["id"])] == [secret["id"]]
    # The value we hold is the one that works.
    assert emulator.access_token(client["id"], secret["value"])


def test_concurrent_first_calls_fetch_one_token(emulator):
    with tenant_for(emulator) as tenant:
        barrier = threading.Barrier(16)

        def call():
            barrier.wait()
            return tenant.zidentity.get_client("nonexistent01")

        with ThreadPoolExecutor(16) as pool:
            assert list(pool.map(lambda _: call(), range(16))) == [None] * 16
        assert tenant.token_request_count == 1
    assert emulator.stats()["POST /oauth2/v1/token"] == 1


@pytest.mark.parametrize("style", ["zia", "zpa", "ziam"])
def test_429s_in_every_style_are_waited_out(limited_emulator, style):
    """Server allows 20 req/s (burst 8); 4 threads fire 12 listings with no client-side limit."""
    limited_emulator.set_ratelimit(rps=20, burst=8, style=style)
    with tenant_for(limited_emulator) as tenant:
        z = tenant.zidentity
        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(lambda i: len(z.list_clients()), range(12)))
        assert results == [1] * 12  # the seeded admin client, every time
        # Bound: 13 logical requests (12 listings, 1 token) plus retries; a 429 pauses every thread, so
        # a wave of rejections costs at most one retry per thread.
        assert 13 < tenant.request_count <= 13 * 3


def test_client_side_rate_limit_avoids_429s(limited_emulator):
    limited_emulator.set_ratelimit(rps=20, burst=5, style="zia")
    with tenant_for(limited_emulator, rateLimit=15) as tenant:
        z = tenant.zidentity
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda i: z.list_clients(), range(20)))
        assert tenant.request_count == 21  # 20 listings + 1 token: nothing retried, nothing rejected


def test_zidentity_work_survives_faults_and_rate_limits_without_duplicates(emulator):
    """12 creates, 12 updates, 6 secrets, 6 deletes on 4 threads while the emulator drops
    connections (5%), answers 5xx (10%), loses create responses after committing (20%) and limits
    to 40 req/s. Bound: each logical request may need a few attempts; a lost create adds one listing."""
    emulator.set_faults(seed=7, error_rate=0.1, drop_rate=0.05, commit_then_drop_rate=0.2)
    emulator.set_ratelimit(rps=40, burst=10, style="zpa")
    names = [f"rel-{i:02d}" for i in range(12)]
    with tenant_for(emulator, rateLimit=35, maxRetryWait=30) as tenant:
        z = tenant.zidentity

        def lifecycle(name: str) -> str:
            created = z.create_client(client_body(name))
            z.modify_client(created["id"], lambda b: {**b, "description": f"{name} updated"})
            if name.endswith(("0", "2", "4", "6", "8")):
                z.create_secret(created["id"], int(time.time()) + 60 * DAY)
            if name >= "rel-06":
                z.delete_client(created["id"])
            return created["id"]

        with ThreadPoolExecutor(4) as pool:
            ids = list(pool.map(lifecycle, names))
        requests = tenant.request_count
    emulator.set_faults()
    emulator.set_ratelimit()
    listed = all_client_names(emulator)
    for name in names[:6]:
        assert listed.count(name) == 1, name
    for name in names[6:]:
        assert name not in listed, name
    with tenant_for(emulator) as check:
        for client_id, name in zip(ids[:6], names[:6], strict=True):
            assert check.zidentity.get_client(client_id)["description"] == f"{name} updated"
            expected_secrets = 1 if name.endswith(("0", "2", "4", "6", "8")) else 0
            assert len(check.zidentity.list_secrets(client_id)) == expected_secrets
    logical = 12 * 3 + 6 * 2 + 6 + 1  # create+GET+PUT, secret list+POST, delete, token
    assert requests <= logical * 2, requests  # observed about 1.5x


def test_scim_work_survives_faults_without_duplicates(emulator):
    """Users and a group built under drops (5%), 5xx (10%) and lost create responses (20%)."""
    emulator.set_faults(seed=5, error_rate=0.1, drop_rate=0.05, commit_then_drop_rate=0.2)
    with tenant_for(emulator, scimBatchSize=4, maxRetryWait=30) as tenant:
        scim = tenant.scim
        with ThreadPoolExecutor(4) as pool:
            users = list(
                pool.map(lambda i: scim.create_user({"userName": f"rel{i:02d}@example.com"}), range(16))
            )
        ids = [u["id"] for u in users]
        group = scim.create_group({"displayName": "Reliability", "members": [{"value": i} for i in ids[:6]]})
        scim.change_members(group["id"], add=ids[6:16], remove=ids[:3])
        requests = tenant.request_count
    emulator.set_faults()
    with tenant_for(emulator) as check:
        names = [u["userName"] for u in check.scim.list_users()]
        for i in range(16):
            assert names.count(f"rel{i:02d}@example.com") == 1
        assert [g["displayName"] for g in check.scim.list_groups()].count("Reliability") == 1
        final = member_ids(check.scim.get_group(group["id"]))
    assert sorted(final) == sorted(ids[3:16]) and len(final) == len(set(final))
    logical = 16 + 1 + 4  # user creates, group create, ceil(13 / 4) membership PATCHes
    assert requests <= logical * 3, requests  # observed about 1.7x


def test_one_kept_alive_connection_serves_a_thread_of_sequential_requests(limited_emulator, caplog):
    """Keep-alive: the token request and 20 reads on one thread open one TCP connection, not 21
    (each new connection is a handshake, and on a real tenant a TLS one). Counted from httpcore's
    own debug log of every connect it makes."""
    caplog.set_level(logging.DEBUG, logger="httpcore.connection")
    with tenant_for(limited_emulator) as tenant:
        for _ in range(20):
            tenant.zidentity.list_clients()
        requests = tenant.request_count
    connects = [r for r in caplog.records if r.getMessage().startswith("connect_tcp.started")]
    assert requests == 21 and len(connects) == 1
