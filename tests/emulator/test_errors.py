"""Bad input gets a 400 in the documented ``{"code", "message"}`` shape that names the problem,
never a 500 and never a change to the tenant."""

from __future__ import annotations

import json

import pytest

from emulator.http import MAX_JSON_BODY
from tests.emulator.conftest import ADMIN, DAY

CLIENTS = f"{ADMIN}/api-clients"

BAD_BODIES = [
    (b'{"name": "x",', "malformed JSON at line 1"),
    (b"", "request body is empty"),
    (b"[]", "expected a JSON object at the top level, got an array"),
    (b'"text"', "expected a JSON object at the top level, got a string"),
    (b"\xff\xfe{}", "not UTF-8"),
    (b"{'single': 'quotes'}", "malformed JSON"),
    # Python refuses to read an integer of more than 4,300 digits; that used to escape as a 500.
    (b'{"accessTokenLifeTime": 1' + b"0" * 5000 + b"}", "a number in the request body has too many digits"),
]


def _assert_error(response, status: int, code: str, mentions: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"code", "message"}
    assert body["code"] == code
    assert mentions in body["message"]


@pytest.mark.parametrize(("raw", "mentions"), BAD_BODIES)
def test_unparseable_client_bodies_are_400(tenant, raw, mentions):
    response = tenant.http.post(
        CLIENTS, content=raw, headers={**tenant.admin_headers(), "Content-Type": "application/json"}
    )
    _assert_error(response, 400, "INVALID_INPUT", mentions)


@pytest.mark.parametrize(("raw", "mentions"), BAD_BODIES)
def test_unparseable_secret_bodies_are_400(tenant, raw, mentions):
    client = tenant.create_client("secret-target")
    response = tenant.http.post(
        f"{CLIENTS}/{client['id']}/secrets",
        content=raw,
        headers={**tenant.admin_headers(), "Content-Type": "application/json"},
    )
    _assert_error(response, 400, "INVALID_INPUT", mentions)
    assert tenant.http.get(f"{CLIENTS}/{client['id']}/secrets", headers=tenant.admin_headers()).json() == []


def test_oversized_bodies_are_400_before_anything_is_written(tenant):
    body = json.dumps(
        {"name": "big", "accessTokenLifeTime": 600, "description": "x" * MAX_JSON_BODY}
    ).encode()
    response = tenant.http.post(
        CLIENTS, content=body, headers={**tenant.admin_headers(), "Content-Type": "application/json"}
    )
    _assert_error(response, 400, "BODY_TOO_LARGE", "limit")
    listing = tenant.http.get(CLIENTS, params={"name[like]": "big"}, headers=tenant.admin_headers()).json()
    assert listing["totalRecord"] == 0


def test_oversized_token_requests_are_400(tenant):
    response = tenant.http.post(
        "/oauth2/v1/token",
        content=b"grant_type=client_credentials&pad=" + b"x" * (65 * 1024),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_control_api_rejects_bad_specs_naming_the_field(tenant):
    control = {"Authorization": f"Bearer {tenant.credentials['control_token']}"}
    cases = [
        ("/_emulator/faults", {"error_rate": 2}, "error_rate"),
        ("/_emulator/faults", {"error_statuses": [404]}, "error_statuses"),
        ("/_emulator/faults", {"routes": "POST *"}, "routes"),
        ("/_emulator/faults", {"surprise": 1}, "surprise: unknown field"),
        ("/_emulator/ratelimit", {"rps": 0}, "rps"),
        ("/_emulator/ratelimit", {"rps": 5, "style": "zzz"}, "style"),
        ("/_emulator/ratelimit", {"rps": 5, "burst": 1.5}, "burst"),
    ]
    for path, body, mentions in cases:
        response = tenant.http.put(path, json=body, headers=control)
        _assert_error(response, 400, "INVALID_INPUT", mentions)
    assert tenant.http.get("/_emulator/faults", headers=control).json() == {}
    assert tenant.http.get("/_emulator/ratelimit", headers=control).json() == {}


def test_rate_limit_rps_of_infinity_or_nan_is_refused_naming_the_field(tenant):
    """Python's JSON reader accepts the Infinity and NaN literals; a rate of either is no rate."""
    control = {
        "Authorization": f"Bearer {tenant.credentials['control_token']}",
        "Content-Type": "application/json",
    }
    for body in ('{"rps": Infinity}', '{"rps": NaN, "burst": 2}'):
        response = tenant.http.put("/_emulator/ratelimit", content=body, headers=control)
        _assert_error(response, 400, "INVALID_INPUT", "rps: expected a positive number")
    # An integer too large to be a float used to pass the check and fail on first use (a 500).
    for body, field in (
        (f'{{"rps": 1, "burst": 1{"0" * 400}}}', "burst"),
        (f'{{"rps": 1{"0" * 400}}}', "rps"),
    ):
        response = tenant.http.put("/_emulator/ratelimit", content=body, headers=control)
        _assert_error(response, 400, "INVALID_INPUT", f"{field}: expected a positive")
    assert tenant.http.get("/_emulator/ratelimit", headers=control).json() == {}


def test_unknown_paths_are_404_and_wrong_methods_405(tenant):
    headers = tenant.admin_headers()
    _assert_error(tenant.http.get(f"{ADMIN}/nothing-here", headers=headers), 404, "NOT_FOUND", "nothing-here")
    _assert_error(tenant.http.get("/somewhere/else"), 404, "NOT_FOUND", "/somewhere/else")
    wrong = tenant.http.patch(f"{CLIENTS}/abc", json={}, headers=headers)
    _assert_error(wrong, 405, "METHOD_NOT_ALLOWED", "PATCH")
    assert set(wrong.headers["allow"].split(", ")) == {"GET", "PUT", "DELETE"}


def test_the_control_api_answers_unknown_paths_404_and_wrong_methods_405(tenant):
    control = {"Authorization": f"Bearer {tenant.credentials['control_token']}"}
    _assert_error(
        tenant.http.get("/_emulator/nothing", headers=control), 404, "NOT_FOUND", "/_emulator/nothing"
    )
    wrong = tenant.http.delete("/_emulator/faults", headers=control)
    _assert_error(wrong, 405, "METHOD_NOT_ALLOWED", "DELETE")
    assert set(wrong.headers["allow"].split(", ")) == {"GET", "PUT"}
    health = tenant.http.post("/_emulator/health")
    _assert_error(health, 405, "METHOD_NOT_ALLOWED", "POST")
    assert health.headers["allow"] == "GET"


GARBAGE = [
    b"",
    b"null",
    b"{}",
    b"[1,2]",
    b'{"name": null, "accessTokenLifeTime": {}}',
    b"\x00\x01",
    b"{" * 5000,
    b"[" * 100_000,
]


@pytest.mark.parametrize("method", ["POST", "PUT"])
@pytest.mark.parametrize("raw", GARBAGE)
def test_garbage_never_causes_a_server_error(tenant, method, raw):
    client = tenant.create_client("garbage-target")
    headers = {**tenant.admin_headers(), "Content-Type": "application/json"}
    paths = {
        "POST": [CLIENTS, f"{CLIENTS}/{client['id']}/secrets", "/oauth2/v1/token"],
        "PUT": [f"{CLIENTS}/{client['id']}"],
    }[method]
    for path in paths:
        response = tenant.http.request(method, path, content=raw, headers=headers)
        assert 400 <= response.status_code < 500, (path, response.status_code, response.text)
    assert tenant.http.get(f"{CLIENTS}/{client['id']}", headers=tenant.admin_headers()).json() == client


def test_secret_expiry_far_in_the_future_is_a_400_not_an_overflow(tenant):
    client = tenant.create_client("overflow")
    response = tenant.http.post(
        f"{CLIENTS}/{client['id']}/secrets", json={"expiresAt": 10**30}, headers=tenant.admin_headers()
    )
    _assert_error(response, 400, "INVALID_INPUT", "expiresAt")
    response = tenant.http.post(
        f"{CLIENTS}/{client['id']}/secrets",
        json={"expiresAt": int(tenant.clock()) + 60 * DAY},
        headers=tenant.admin_headers(),
    )
    assert response.status_code == 201
