"""Fault injection: seeded 5xx, latency, dropped connections and commit-then-drop creates."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.emulator.conftest import ADMIN, client_body, make_tenant
from tests.support.emulator import run_emulator

CLIENTS = f"{ADMIN}/api-clients"


def _faults(tenant, **spec) -> None:
    control = {"Authorization": f"Bearer {tenant.credentials['control_token']}"}
    response = tenant.http.put("/_emulator/faults", json=spec, headers=control)
    assert response.status_code == 200, response.text


def _statuses(tenant, count: int) -> list[int]:
    headers = tenant.admin_headers()
    return [tenant.http.get(CLIENTS, headers=headers).status_code for _ in range(count)]


def test_faults_are_off_by_default(tenant):
    assert set(_statuses(tenant, 20)) == {200}


def test_the_same_seed_gives_the_same_fault_sequence(tmp_path):
    sequences = []
    for run in range(3):
        tenant = make_tenant(tmp_path / f"t{run}")
        try:
            headers = tenant.admin_headers()
            seed = 7 if run < 2 else 8
            _faults(tenant, seed=seed, error_rate=0.5, routes=[f"GET {CLIENTS}"])
            sequences.append([tenant.http.get(CLIENTS, headers=headers).status_code for _ in range(24)])
        finally:
            tenant.http.close()
            tenant.app.close()
    assert sequences[0] == sequences[1]
    assert sequences[0] != sequences[2]
    assert {200} < set(sequences[0]) <= {200, 502, 503, 504}


def test_injected_errors_use_the_zpa_retryable_body_and_retry_after_on_503(tenant):
    headers = tenant.admin_headers()
    _faults(tenant, error_rate=1.0, error_statuses=[503])
    response = tenant.http.get(CLIENTS, headers=headers)
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1s"
    assert response.json()["id"] == "retryable.server.error"
    _faults(tenant, error_rate=1.0, error_statuses=[502])
    response = tenant.http.get(CLIENTS, headers=headers)
    assert response.status_code == 502
    assert "retry-after" not in response.headers


def test_an_injected_error_on_a_create_writes_nothing(tenant):
    headers = tenant.admin_headers()
    _faults(tenant, error_rate=1.0, routes=["POST *"])
    assert tenant.http.post(CLIENTS, json=client_body("never-made"), headers=headers).status_code in (
        502,
        503,
        504,
    )
    assert tenant.http.get(CLIENTS, headers=headers).status_code == 200  # GETs are not in scope
    _faults(tenant)
    listing = tenant.http.get(CLIENTS, params={"name[like]": "never-made"}, headers=headers).json()
    assert listing["totalRecord"] == 0


def test_route_patterns_match_templates(tenant):
    client = tenant.create_client("scoped")
    headers = tenant.admin_headers()
    _faults(tenant, error_rate=1.0, error_statuses=[504], routes=["GET /ziam/admin/api/v1/api-clients/{id}"])
    assert tenant.http.get(f"{CLIENTS}/{client['id']}", headers=headers).status_code == 504
    assert tenant.http.get(CLIENTS, headers=headers).status_code == 200
    assert tenant.http.get(f"{ADMIN}/resource-servers", headers=headers).status_code == 200


def test_latency_is_added_to_matching_requests(tenant):
    headers = tenant.admin_headers()
    _faults(tenant, latency_ms=250, routes=["GET *"])
    tenant.http.get(CLIENTS, headers=headers)
    tenant.http.post(CLIENTS, json=client_body("fast-post"), headers=headers)
    assert tenant.clock.slept == [0.25]


def test_the_control_api_is_never_faulted(tenant):
    _faults(tenant, error_rate=1.0, drop_rate=1.0)
    control = {"Authorization": f"Bearer {tenant.credentials['control_token']}"}
    assert tenant.http.get("/_emulator/stats", headers=control).status_code == 200
    assert tenant.http.put("/_emulator/faults", json={}, headers=control).json() == {}
    assert set(_statuses(tenant, 3)) == {200}


def test_a_dropped_connection_gets_no_response_over_loopback(emulator):
    with emulator.admin_http() as http:
        emulator.set_faults(drop_rate=1.0, routes=["GET /ziam/admin/api/v1/api-clients"])
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            http.get("/ziam/admin/api/v1/api-clients")
        assert http.get("/ziam/admin/api/v1/resource-servers").status_code == 200
        emulator.set_faults()
        assert http.get("/ziam/admin/api/v1/api-clients").status_code == 200


def test_commit_then_drop_creates_the_object_but_loses_the_response(emulator):
    with emulator.admin_http() as http:
        emulator.set_faults(commit_then_drop_rate=1.0, routes=["POST *"])
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            http.post("/ziam/admin/api/v1/api-clients", json=client_body("lost-response"))
        emulator.access_token()  # token requests are not creates: unaffected
        emulator.set_faults()
        listing = http.get("/ziam/admin/api/v1/api-clients", params={"name[like]": "lost-response"}).json()
        assert [record["name"] for record in listing["records"]] == ["lost-response"]


def test_cli_flags_start_with_faults_on(tmp_path):
    spec = json.dumps({"error_rate": 1.0, "error_statuses": [502], "routes": ["GET *"]})
    with run_emulator(tmp_path / "t", extra_args=["--faults", spec, "--seed", "3"]) as emu:
        response = httpx.get(f"{emu.base_url}/ziam/admin/api/v1/resource-servers")
        assert response.status_code == 502
        assert emu.stats()["GET /ziam/admin/api/v1/resource-servers"] == 1
