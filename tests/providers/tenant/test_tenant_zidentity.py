"""ZIdentityClient against the real emulator app (in-process), plus paging cases scripted by mock."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from providers.tenant import AmbiguousMatch, Conflict, NotFound, Tenant, writable_client_body
from tests.providers.tenant.conftest import mock_tenant

DAY = 86400


def body(name: str, **extra) -> dict:
    return {"name": name, "description": f"{name} test", "status": True, "accessTokenLifeTime": 3600, **extra}


def admin_requests(tenant: Tenant) -> int:
    return tenant.transport.count_of("zidentity")


def test_crud_round_trip(inproc_tenant):
    z = inproc_tenant.zidentity
    created = z.create_client(body("crud"))
    assert created["id"] and created["name"] == "crud"
    assert z.get_client(created["id"])["description"] == "crud test"
    assert z.find_client_by_name("crud")["id"] == created["id"]
    assert z.find_client_by_name("CRUD") is None  # names are case-sensitive

    replaced = z.update_client(created["id"], body("crud-renamed", description="", accessTokenLifeTime=600))
    assert (replaced["name"], replaced["description"], replaced["accessTokenLifeTime"]) == (
        "crud-renamed",
        "",
        600,
    )
    assert z.get_client(created["id"])["name"] == "crud-renamed"  # the write invalidated any snapshot

    z.delete_client(created["id"])
    z.delete_client(created["id"])  # already gone: still fine
    assert z.get_client(created["id"]) is None
    with pytest.raises(NotFound):
        z.update_client(created["id"], body("x"))


def test_a_name_clash_on_a_first_create_is_reported(inproc_tenant):
    z = inproc_tenant.zidentity
    z.create_client(body("taken"))
    with pytest.raises(Conflict) as caught:
        z.create_client(body("taken"))
    assert caught.value.code == "DUPLICATE_NAME"


def test_modify_client_reads_fresh_and_puts_a_writable_body(inproc_tenant):
    z = inproc_tenant.zidentity
    catalog = z.catalog()
    created = z.create_client(body("mod", clientResources=catalog.client_resources(["scim:read"])))
    record = z.modify_client(created["id"], lambda b: {**b, "description": "changed"})
    assert record["description"] == "changed"
    assert catalog.names_of(record) == ["scim:read"]  # untouched fields survive the full replace
    assert writable_client_body(record)["clientResources"] == catalog.client_resources(["scim:read"])


def test_concurrent_modifications_of_one_client_never_lose_a_write(inproc_tenant):
    z = inproc_tenant.zidentity
    catalog = z.catalog()
    created = z.create_client(body("race"))
    rounds = 8

    def set_description(i):
        z.modify_client(created["id"], lambda b: {**b, "description": f"d{i}"})

    def add_scope(name):
        z.modify_client(
            created["id"],
            lambda b: {**b, "clientResources": catalog.client_resources([*catalog.names_of(b), name])},
        )

    scopes = ["scim:read", "scim:write", "connector:read", "connector:write", "sync:profile:read"]
    threads = [threading.Thread(target=set_description, args=(i,)) for i in range(rounds)]
    threads += [threading.Thread(target=add_scope, args=(name,)) for name in scopes]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    final = z.get_client(created["id"])
    assert catalog.names_of(final) == sorted(scopes)  # every scope added by a racing thread is there
    assert final["description"].startswith("d")


def test_paging_walks_every_page(make_inproc_tenant):
    tenant = make_inproc_tenant()
    z = tenant.zidentity
    z.page_size = 7
    for i in range(19):
        z.create_client(body(f"page-{i:02d}"))
    before = admin_requests(tenant)
    names = {c["name"] for c in z.list_clients()}
    assert {f"page-{i:02d}" for i in range(19)} <= names
    assert len(names) == 20  # plus the seeded admin client
    assert admin_requests(tenant) - before == 3  # 20 records at 7 per page


def test_paging_trusts_neither_total_record_nor_the_requested_limit():
    """A server that caps pages at 100 whatever we ask, and over-counts totalRecord (seen in CAS)."""
    records = [{"id": f"c{i:03d}", "name": f"n{i}"} for i in range(250)]
    asked: list[tuple[int, int]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return httpx.Response(200, json={"access_token": "tok", "expires_in": 3600})
        offset, limit = int(request.url.params["offset"]), int(request.url.params["limit"])
        asked.append((offset, limit))
        page = records[offset : offset + 100]
        envelope = {"pageOffset": offset, "pageSize": 100, "totalRecord": 300, "records": page}
        if offset + len(page) < len(records):
            envelope["next_link"] = f"https://acme.zslogin.net/admin/api/v1/api-clients?offset={offset + 100}"
        return httpx.Response(200, json=envelope)

    with mock_tenant(handler) as tenant:
        listed = tenant.zidentity.list_clients()
    assert [r["id"] for r in listed] == [r["id"] for r in records]
    assert asked == [(0, 1000), (100, 1000), (200, 1000)]


def test_reading_every_client_costs_the_list_pages_not_one_get_each(make_inproc_tenant):
    setup = make_inproc_tenant()
    ids = [setup.zidentity.create_client(body(f"read-{i}"))["id"] for i in range(30)]
    tenant = make_inproc_tenant()  # a fresh process-like client: nothing cached
    z = tenant.zidentity
    z.catalog()
    before = admin_requests(tenant)
    for client_id in ids:
        assert z.get_client(client_id)["id"] == client_id
    assert z.get_client("doesnotexist1") is None
    # Two single GETs, then one listing page answers the rest (30 clients fit in one page).
    assert admin_requests(tenant) - before == 3


def test_concurrent_readers_share_one_listing(make_inproc_tenant):
    setup = make_inproc_tenant()
    for i in range(10):
        setup.zidentity.create_client(body(f"conc-{i}"))
    tenant = make_inproc_tenant()
    tenant.zidentity.catalog()  # token + catalog out of the way
    before = admin_requests(tenant)
    found = []
    threads = [
        threading.Thread(target=lambda: found.append(len(tenant.zidentity.clients_snapshot())))
        for _ in range(12)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert found == [11] * 12
    assert admin_requests(tenant) - before == 1


def test_writes_through_the_client_invalidate_the_snapshot(inproc_tenant):
    z = inproc_tenant.zidentity
    created = z.create_client(body("inv"))
    assert z.clients_snapshot()[created["id"]]["description"] == "inv test"
    z.modify_client(created["id"], lambda b: {**b, "description": "new"})
    assert z.clients_snapshot()[created["id"]]["description"] == "new"
    z.delete_client(created["id"])
    assert created["id"] not in z.clients_snapshot()


def test_find_by_name_refuses_to_guess_between_duplicates():
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return httpx.Response(200, json={"access_token": "tok", "expires_in": 3600})
        return httpx.Response(
            200, json={"records": [{"id": "a", "name": "twin"}, {"id": "b", "name": "twin"}]}
        )

    with (
        mock_tenant(handler) as tenant,
        pytest.raises(AmbiguousMatch, match="2 API clients are named 'twin'"),
    ):
        tenant.zidentity.find_client_by_name("twin")


def test_secrets_create_list_delete(inproc_tenant):
    z = inproc_tenant.zidentity
    client = z.create_client(body("sec"))
    expires = int(time.time()) + 90 * DAY
    created = z.create_secret(client["id"], expires)
    assert created["value"] and created["expiresAt"] == expires
    listed = z.list_secrets(client["id"])
    assert [s["id"] for s in listed] == [created["id"]]
    assert listed[0]["value"] != created["value"]  # masked after creation
    z.delete_secret(client["id"], created["id"])
    z.delete_secret(client["id"], created["id"])  # already gone: fine
    assert z.list_secrets(client["id"]) == []
