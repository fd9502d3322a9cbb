"""Request accounting: per ``METHOD route-template`` counts, readable and resettable via the control API."""

from __future__ import annotations

from tests.emulator.conftest import ADMIN, client_body


def _stats(tenant) -> dict:
    control = {"Authorization": f"Bearer {tenant.credentials['control_token']}"}
    response = tenant.http.get("/_emulator/stats", headers=control)
    assert response.status_code == 200
    return response.json()


def _reset(tenant) -> None:
    control = {"Authorization": f"Bearer {tenant.credentials['control_token']}"}
    assert tenant.http.post("/_emulator/stats/reset", headers=control).status_code == 200


def test_requests_are_counted_by_route_template(tenant):
    headers = tenant.admin_headers()  # one token request
    created = tenant.http.post(f"{ADMIN}/api-clients", json=client_body("counted"), headers=headers).json()
    for _ in range(3):
        tenant.http.get(f"{ADMIN}/api-clients/{created['id']}", headers=headers)
    tenant.http.get(f"{ADMIN}/api-clients/unknown000001", headers=headers)  # 404s count too
    secret = tenant.add_secret(created["id"])  # one more token request + the POST
    tenant.http.delete(f"{ADMIN}/api-clients/{created['id']}/secrets/{secret['id']}", headers=headers)
    tenant.http.get("/not/an/api")
    stats = _stats(tenant)
    assert stats["routes"] == {
        "POST /oauth2/v1/token": 2,
        "POST /ziam/admin/api/v1/api-clients": 1,
        "GET /ziam/admin/api/v1/api-clients/{id}": 4,
        "POST /ziam/admin/api/v1/api-clients/{id}/secrets": 1,
        "DELETE /ziam/admin/api/v1/api-clients/{id}/secrets/{secretId}": 1,
        "GET (unmatched)": 1,
    }
    assert stats["total"] == 10


def test_scim_requests_are_counted_with_the_idp_as_a_placeholder(tenant):
    base = tenant.credentials["scim_url"].split("tenant.test", 1)[1]
    idp = {"Authorization": f"Bearer {tenant.credentials['scim_token']}"}
    tenant.http.get(f"{base}/Users", headers=idp)
    tenant.http.get(f"{base}/Groups/some-id", headers=idp)
    routes = _stats(tenant)["routes"]
    assert routes["GET /scim/1/{idpId}/v2/Users"] == 1
    assert routes["GET /scim/1/{idpId}/v2/Groups/{id}"] == 1


def test_control_requests_are_not_counted_and_reset_zeroes(tenant):
    tenant.admin_headers()
    for _ in range(3):
        _stats(tenant)
    assert _stats(tenant) == {"routes": {"POST /oauth2/v1/token": 1}, "total": 1}
    _reset(tenant)
    assert _stats(tenant) == {"routes": {}, "total": 0}


def test_rate_limited_requests_are_counted(tenant):
    headers = tenant.admin_headers()
    control = {"Authorization": f"Bearer {tenant.credentials['control_token']}"}
    tenant.http.put("/_emulator/ratelimit", json={"rps": 1, "burst": 1}, headers=control)
    _reset(tenant)
    statuses = [tenant.http.get(f"{ADMIN}/resource-servers", headers=headers).status_code for _ in range(3)]
    assert statuses == [200, 429, 429]
    assert _stats(tenant)["routes"] == {"GET /ziam/admin/api/v1/resource-servers": 3}


def test_the_request_log_keeps_arrival_order_status_and_no_query_or_credentials(tenant):
    _reset(tenant)
    headers = tenant.admin_headers()
    created = tenant.http.post(f"{ADMIN}/api-clients", json=client_body("logged"), headers=headers).json()
    tenant.http.get(f"{ADMIN}/api-clients/unknown000001?x=secret-looking", headers=headers)
    tenant.http.delete(f"{ADMIN}/api-clients/{created['id']}", headers=headers)
    control = {"Authorization": f"Bearer {tenant.credentials['control_token']}"}

    entries = tenant.http.get("/_emulator/requests", headers=control).json()["requests"]

    assert [(e["method"], e["path"], e["status"]) for e in entries] == [
        ("POST", "/oauth2/v1/token", 200),
        ("POST", f"{ADMIN}/api-clients", 201),
        ("GET", f"{ADMIN}/api-clients/unknown000001", 404),
        ("DELETE", f"{ADMIN}/api-clients/{created['id']}", 204),
    ]
    assert [e["seq"] for e in entries] == sorted(e["seq"] for e in entries)
    assert tenant.credentials["client_secret"] not in str(entries)
    _reset(tenant)
    assert tenant.http.get("/_emulator/requests", headers=control).json()["requests"] == []


def test_token_requests_in_the_log_name_the_client_and_the_secret_that_matched(tenant):
    client = tenant.create_client("two-secrets")
    first = tenant.add_secret(client["id"])
    second = tenant.add_secret(client["id"])
    _reset(tenant)
    tenant.token(client["id"], second["value"])
    tenant.token(client["id"], first["value"])
    rejected = tenant.token_response(client["id"], "not-the-secret")
    assert rejected.status_code == 400
    control = {"Authorization": f"Bearer {tenant.credentials['control_token']}"}

    entries = tenant.http.get("/_emulator/requests", headers=control).json()["requests"]

    assert [(e["status"], e.get("client_id"), e.get("secret_id")) for e in entries] == [
        (200, client["id"], second["id"]),
        (200, client["id"], first["id"]),
        (400, client["id"], None),
    ]
    for value in (first["value"], second["value"], "not-the-secret"):
        assert value not in str(entries)
