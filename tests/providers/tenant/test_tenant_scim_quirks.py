"""SCIM cases scripted by mock because no server here produces them on demand: ETag races, servers
without filter support, string booleans in lists."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from providers.tenant import PreconditionFailed, Tenant, TenantSettings

BASE = "http://127.0.0.1:1/scim/v2"
_REMOVE = re.compile(r'^members\[value eq "(.+)"\]$')


class EtagGroupServer:
    """One group with strong versioning: a stale If-Match gets 412, like scim2-server."""

    def __init__(self, members: list[str]) -> None:
        self.members = list(members)
        self.version = 1
        self.log: list[tuple[str, str | None]] = []

    def etag(self) -> str:
        return f'W/"{self.version}"'

    def change_elsewhere(self, remove: str) -> None:
        self.members.remove(remove)
        self.version += 1

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.log.append((request.method, request.headers.get("if-match")))
        if request.method == "GET":
            body = {"id": "g", "displayName": "G", "members": [{"value": m} for m in self.members],
                    "meta": {"version": self.etag()}}  # fmt: skip
            return httpx.Response(200, json=body, headers={"ETag": self.etag()})
        assert request.method == "PATCH"
        if_match = request.headers.get("if-match")
        if if_match and if_match != self.etag():
            return httpx.Response(412, json={"status": "412", "detail": "version mismatch"})
        for op in json.loads(request.content)["Operations"]:
            if op["op"] == "remove":
                target = _REMOVE.match(op["path"]).group(1)
                assert target in self.members, "client removed a member that is not there"
                self.members.remove(target)
            else:
                for value in op["value"]:
                    assert value["value"] not in self.members, "client added a member twice"
                    self.members.append(value["value"])
        self.version += 1
        return httpx.Response(204, headers={"ETag": self.etag()})


def scim_tenant(handler) -> Tenant:
    settings = TenantSettings.resolve({"scimUrl": BASE, "scimToken": "scim-token-123"}, env={})
    return Tenant(settings, http_transport=httpx.MockTransport(handler), sleep=lambda s: None)


def test_a_stale_version_makes_the_client_reread_and_recompute_before_patching_again():
    server = EtagGroupServer(["a", "b"])
    with scim_tenant(server) as tenant:
        scim = tenant.scim
        scim.get_group("g")
        server.change_elsewhere(remove="b")
        result = scim.change_members("g", add=["c"], remove=["b"])
    assert server.members == ["a", "c"]
    assert result == {"added": 1, "removed": 0, "requests": 2}
    assert server.log == [("GET", None), ("PATCH", 'W/"1"'), ("GET", None), ("PATCH", 'W/"2"')]


def test_versions_follow_our_own_writes_so_batches_do_not_trip_over_each_other():
    server = EtagGroupServer([])
    with scim_tenant(server) as tenant:
        tenant.scim.batch_size = 2
        tenant.scim.get_group("g")
        tenant.scim.change_members("g", add=["a", "b", "c", "d", "e"])
    assert server.members == ["a", "b", "c", "d", "e"]
    assert server.log == [("GET", None), ("PATCH", 'W/"1"'), ("PATCH", 'W/"2"'), ("PATCH", 'W/"3"')]


def test_a_generic_patch_retries_once_after_412_then_reports_it():
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        if request.method == "GET":
            return httpx.Response(
                200, json={"id": "g", "meta": {"version": 'W/"9"'}}, headers={"ETag": 'W/"9"'}
            )
        return httpx.Response(412, json={"detail": "version mismatch"})

    with scim_tenant(handler) as tenant:
        tenant.scim.get_group("g")
        with pytest.raises(PreconditionFailed, match="version mismatch"):
            tenant.scim.rename_group("g", "New")
    assert calls == ["GET", "PATCH", "GET", "PATCH"]


def test_servers_without_filter_support_are_searched_client_side():
    users = [{"id": str(i), "userName": f"user{i}@example.com", "active": "true"} for i in range(3)]

    def handler(request: httpx.Request) -> httpx.Response:
        if "filter" in request.url.params:
            return httpx.Response(
                400, json={"scimType": "invalidFilter", "detail": "filters are not supported"}
            )
        return httpx.Response(200, json={"totalResults": 3, "Resources": users})

    with scim_tenant(handler) as tenant:
        found = tenant.scim.find_user("USER2@example.com")
    assert found["id"] == "2" and found["active"] is True


def test_zpa_string_booleans_are_normalized_everywhere():
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/Users"):
            resources = [
                {"id": "1", "userName": "a@x", "active": "true"},
                {"id": "2", "userName": "b@x", "active": "False"},
            ]
            return httpx.Response(200, json={"totalResults": 2, "Resources": resources})
        return httpx.Response(200, json={"id": "1", "userName": "a@x", "active": "true"})

    with scim_tenant(handler) as tenant:
        assert [u["active"] for u in tenant.scim.list_users()] == [True, False]
        assert tenant.scim.get_user("1")["active"] is True


def test_lists_without_total_results_stop_at_an_empty_page():
    pages = {1: [{"id": "1"}, {"id": "2"}], 3: [{"id": "3"}], 4: []}

    def handler(request: httpx.Request) -> httpx.Response:
        start = int(request.url.params["startIndex"])
        return httpx.Response(200, json={"Resources": pages[start]})

    with scim_tenant(handler) as tenant:
        assert [u["id"] for u in tenant.scim.list_users()] == ["1", "2", "3"]


def test_adding_and_removing_the_same_id_is_refused_before_any_request():
    with scim_tenant(lambda r: httpx.Response(500)) as tenant:
        with pytest.raises(ValueError, match="both added and removed: x"):
            tenant.scim.change_members("g", add=["x", "y"], remove=["x"])
        assert tenant.request_count == 0
