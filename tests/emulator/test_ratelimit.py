"""Rate limiting: off by default; when on, 429s in the ZIA, ZPA and ZIdentity-gateway spellings.

In-process tests freeze the limiter's clock, so which request is refused is exact; one loopback test
checks the CLI flags on a real server.
"""

from __future__ import annotations

import httpx

from tests.emulator.conftest import ADMIN, make_tenant
from tests.support.emulator import run_emulator

CLIENTS = f"{ADMIN}/api-clients"


def _control(tenant) -> dict[str, str]:
    return {"Authorization": f"Bearer {tenant.credentials['control_token']}"}


def _limit(tenant, **spec) -> None:
    response = tenant.http.put("/_emulator/ratelimit", json=spec, headers=_control(tenant))
    assert response.status_code == 200, response.text


def _burst(tenant, headers, count: int) -> list[httpx.Response]:
    return [tenant.http.get(CLIENTS, headers=headers) for _ in range(count)]


def test_rate_limiting_is_off_by_default(tenant):
    headers = tenant.admin_headers()
    assert {r.status_code for r in _burst(tenant, headers, 30)} == {200}


def test_zia_style_429(tenant):
    headers = tenant.admin_headers()
    _limit(tenant, rps=2, burst=2, style="zia")
    first, second, third = _burst(tenant, headers, 3)
    assert (first.status_code, second.status_code, third.status_code) == (200, 200, 429)
    assert third.headers["retry-after"] == "1"
    assert third.json() == {"message": "Rate Limit (2/SECOND) exceeded", "Retry-After": "1 seconds"}
    assert first.headers["x-ratelimit-limit"] == "2, 2;w=1"
    assert first.headers["x-ratelimit-remaining"] == "1"
    assert second.headers["x-ratelimit-remaining"] == "0"


def test_zpa_style_429(tenant):
    headers = tenant.admin_headers()
    _limit(tenant, rps=0.25, burst=1, style="zpa")
    ok, refused = _burst(tenant, headers, 2)
    assert ok.status_code == 200
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "4s"
    assert refused.json() == {
        "exception": "invalid.toomanyrequests",
        "id": "invalid.toomanyrequests",
        "reason": "Exceeded the number of requests allowed.",
    }


def test_ziam_gateway_style_429_has_dual_limit_headers_and_a_reset(tenant):
    headers = tenant.admin_headers()
    _limit(tenant, rps=5, burst=10, style="ziam")
    responses = _burst(tenant, headers, 11)
    assert [r.status_code for r in responses] == [200] * 10 + [429]
    refused = responses[-1]
    assert "retry-after" not in refused.headers
    assert refused.headers.get_list("x-ratelimit-limit") == ["5, 5;w=1", "10, 10;w=1"]
    assert refused.headers["x-ratelimit-reset"] == "1"
    assert responses[0].headers.get_list("x-ratelimit-remaining") == ["9", "9"]


def test_the_bucket_refills_at_the_configured_rate(tenant):
    headers = tenant.admin_headers()
    _limit(tenant, rps=2, burst=1, style="zia")
    assert [r.status_code for r in _burst(tenant, headers, 2)] == [200, 429]
    tenant.clock.advance(0.5)
    assert [r.status_code for r in _burst(tenant, headers, 2)] == [200, 429]


def test_limits_apply_to_token_and_scim_requests_but_not_to_the_control_api(tenant):
    _limit(tenant, rps=1, burst=1, style="zia")
    assert (
        tenant.token_response(
            tenant.credentials["client_id"], tenant.credentials["client_secret"]
        ).status_code
        == 200
    )
    token = tenant.token_response(tenant.credentials["client_id"], tenant.credentials["client_secret"])
    assert token.status_code == 429
    scim = tenant.credentials["scim_url"].split("tenant.test", 1)[1]
    idp = {"Authorization": f"Bearer {tenant.credentials['scim_token']}"}
    assert tenant.http.get(f"{scim}/Users", headers=idp).status_code == 429
    for _ in range(5):
        assert tenant.http.get("/_emulator/stats", headers=_control(tenant)).status_code == 200


def test_an_empty_spec_turns_limiting_off(tenant):
    headers = tenant.admin_headers()
    _limit(tenant, rps=1, burst=1)
    _burst(tenant, headers, 2)
    _limit(tenant)
    assert {r.status_code for r in _burst(tenant, headers, 5)} == {200}
    assert tenant.http.get("/_emulator/ratelimit", headers=_control(tenant)).json() == {}


def test_options_can_start_with_limiting_on(tmp_path):
    from emulator.ratelimit import RateLimitSpec

    limited = make_tenant(tmp_path / "t", rate_limit=RateLimitSpec(rps=1, burst=1, style="zpa"))
    try:
        form = {
            "grant_type": "client_credentials",
            "client_id": limited.credentials["client_id"],
            "client_secret": limited.credentials["client_secret"],
            "audience": "https://api.zscaler.com",
        }
        assert limited.http.post("/oauth2/v1/token", data=form).status_code == 200
        assert limited.http.post("/oauth2/v1/token", data=form).headers["retry-after"] == "1s"
    finally:
        limited.http.close()
        limited.app.close()


def test_cli_flags_enable_limiting_on_a_real_server(tmp_path):
    with run_emulator(tmp_path / "t", extra_args=["--rate-limit", "2", "--rate-limit-style", "zpa"]) as emu:
        statuses = []
        with httpx.Client(base_url=emu.base_url) as http:
            for _ in range(20):
                response = http.get("/ziam/admin/api/v1/resource-servers")
                statuses.append(response.status_code)
                if response.status_code == 429:
                    assert response.headers["retry-after"].endswith("s")
                    break
        assert 429 in statuses
