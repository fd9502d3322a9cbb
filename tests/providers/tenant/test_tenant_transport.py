"""Transport behaviour a real server cannot produce on demand: exact failure sequences.

`httpx.MockTransport` scripts the responses; sleeping is recorded instead of done, so the waits the
client chose are visible without slowing the suite.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable

import httpx
import pytest

from providers.tenant import (
    UNREACHABLE_ATTEMPTS,
    UNREACHABLE_WAIT,
    Conflict,
    ConnectionFailed,
    HttpTransport,
    NotFound,
    OutcomeUnknown,
    RateLimited,
    Redactor,
    ServerError,
    Tenant,
    TenantSettings,
    Unauthorized,
    Unreachable,
)
from tests.providers.tenant.conftest import FakeTime, mock_tenant

URL = "http://127.0.0.1:1/thing"
Handler = Callable[[httpx.Request], httpx.Response]


def make_transport(handler: Handler, **settings_overrides) -> tuple[HttpTransport, list[float]]:
    settings = TenantSettings.resolve(
        {"scimUrl": "http://127.0.0.1:1/v2", "scimToken": "tok-abcdef", **settings_overrides}, env={}
    )
    fake = FakeTime()
    transport = HttpTransport(
        settings, Redactor(), http_transport=httpx.MockTransport(handler), sleep=fake.sleep, clock=fake.clock
    )
    return transport, fake.slept


def scripted(*responses: httpx.Response | Exception) -> tuple[Handler, list[httpx.Request]]:
    """A handler answering the given responses in order (the last one repeats)."""
    seen: list[httpx.Request] = []
    it = itertools.chain(responses, itertools.repeat(responses[-1]))

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        item = next(it)
        if isinstance(item, Exception):
            raise item
        return item

    return handler, seen


ZIA_429 = httpx.Response(
    429,
    headers={"Retry-After": "1"},
    json={"message": "Rate Limit (2/SECOND) exceeded", "Retry-After": "1 seconds"},
)
ZPA_429 = httpx.Response(
    429,
    headers={"Retry-After": "4s"},
    json={"exception": "invalid.toomanyrequests", "reason": "Exceeded the number of requests allowed."},
)
ZIAM_429 = httpx.Response(
    429,
    headers=[
        ("x-ratelimit-limit", "5, 5;w=1"),
        ("x-ratelimit-limit", "20, 20;w=1"),
        ("x-ratelimit-reset", "2"),
    ],
)
OK = httpx.Response(200, json={"ok": True})


@pytest.mark.parametrize(("reply", "floor"), [(ZIA_429, 1), (ZPA_429, 4), (ZIAM_429, 2)])
def test_429_in_each_style_is_retried_after_the_server_hint(reply, floor):
    handler, seen = scripted(reply, reply, OK)
    transport, slept = make_transport(handler)
    assert transport.request("GET", URL).json() == {"ok": True}
    assert len(seen) == 3 and transport.request_count == 3
    assert len(slept) == 2 and all(s >= floor for s in slept)


def test_zia_body_only_hint_of_zero_seconds_still_backs_off_briefly():
    reply = httpx.Response(
        429, json={"message": "Rate Limit (1/SECOND) exceeded", "Retry-After": "0 seconds"}
    )
    handler, _ = scripted(reply, OK)
    transport, slept = make_transport(handler)
    transport.request("GET", URL)
    assert len(slept) == 1 and 0 < slept[0] < 1


def test_rate_limited_gives_up_clearly_when_the_wait_budget_runs_out():
    handler, seen = scripted(ZIA_429)
    transport, slept = make_transport(handler, maxRetryWait="3.5")
    with pytest.raises(RateLimited) as caught:
        transport.request("GET", URL)
    error = caught.value
    assert error.status == 429 and error.retry_after == 1.0
    assert "gave up after" in str(error) and "maxRetryWait=3.5s" in str(error)
    assert "Rate Limit (2/SECOND) exceeded" in str(error)
    assert sum(slept) <= 3.5 and len(seen) == len(slept) + 1 >= 3


def test_a_hint_longer_than_the_budget_fails_at_once():
    handler, seen = scripted(httpx.Response(429, headers={"Retry-After": "593"}))
    transport, slept = make_transport(handler, maxRetryWait="60")
    with pytest.raises(RateLimited, match="server asked to wait 593s"):
        transport.request("GET", URL)
    assert slept == [] and len(seen) == 1


def test_5xx_on_reads_is_retried():
    handler, seen = scripted(
        httpx.Response(502), httpx.Response(503, headers={"Retry-After": "1s"}), httpx.Response(504), OK
    )
    transport, slept = make_transport(handler)
    assert transport.request("GET", URL).status_code == 200
    assert len(seen) == 4 and slept[1] >= 1


def test_persistent_5xx_ends_in_server_error_with_the_server_message():
    body = {"id": "retryable.server.error", "reason": "An error occurred."}
    handler, _ = scripted(httpx.Response(502, json=body))
    transport, _ = make_transport(handler, maxRetryWait="2")
    with pytest.raises(ServerError) as caught:
        transport.request("GET", URL)
    assert caught.value.status == 502 and caught.value.code == "retryable.server.error"
    assert "An error occurred." in caught.value.message


@pytest.mark.parametrize("status", [502, 504])
def test_a_create_answered_by_a_gateway_error_is_not_blindly_resent(status):
    handler, seen = scripted(httpx.Response(status), OK)
    transport, _ = make_transport(handler)
    with pytest.raises(OutcomeUnknown):
        transport.request("POST", URL, json_body={"name": "x"})
    assert len(seen) == 1


@pytest.mark.parametrize("reply", [ZIA_429, httpx.Response(503, headers={"Retry-After": "1s"})])
def test_a_create_rejected_before_processing_is_resent(reply):
    handler, seen = scripted(reply, httpx.Response(201, json={"id": "1"}))
    transport, _ = make_transport(handler)
    assert transport.request("POST", URL, json_body={"name": "x"}).status_code == 201
    assert len(seen) == 2


def test_connect_errors_are_retried_for_every_method():
    handler, seen = scripted(httpx.ConnectError("refused"), httpx.Response(201, json={"id": "1"}))
    transport, _ = make_transport(handler)
    assert transport.request("POST", URL, json_body={}).status_code == 201
    assert len(seen) == 2


def test_a_connection_dropped_after_sending_a_create_is_reported_not_resent():
    handler, seen = scripted(httpx.RemoteProtocolError("Server disconnected without sending a response."), OK)
    transport, _ = make_transport(handler)
    with pytest.raises(OutcomeUnknown, match="connection lost after sending"):
        transport.request("POST", URL, json_body={})
    assert len(seen) == 1


def test_a_connection_dropped_on_a_read_is_retried():
    handler, seen = scripted(httpx.ReadError("reset"), httpx.RemoteProtocolError("eof"), OK)
    transport, _ = make_transport(handler)
    assert transport.request("GET", URL).status_code == 200
    assert len(seen) == 3


def test_an_unreachable_tenant_fails_within_the_budget():
    handler, seen = scripted(httpx.ConnectError("refused"))
    transport, slept = make_transport(handler, maxRetryWait="2")
    with pytest.raises(ConnectionFailed, match=re.escape("cannot connect to http://127.0.0.1:1 (")):
        transport.request("GET", URL)
    assert sum(slept) <= 2 and len(seen) >= 2


def test_no_server_is_given_up_on_quickly_but_a_drop_mid_request_gets_the_full_budget():
    """Refused connects say the server is not there; drops after connecting are load, worth waiting."""
    refused, refused_seen = scripted(httpx.ConnectError("[Errno 111] Connection refused"))
    transport, refused_slept = make_transport(refused)
    with pytest.raises(Unreachable, match="connection refused"):
        transport.request("GET", URL)
    assert len(refused_seen) == UNREACHABLE_ATTEMPTS and sum(refused_slept) <= UNREACHABLE_WAIT

    dropped, dropped_seen = scripted(httpx.ReadError("connection reset by peer"))
    transport, dropped_slept = make_transport(dropped)
    with pytest.raises(ConnectionFailed, match="gave up after 8 attempts") as caught:
        transport.request("GET", URL)
    assert not isinstance(caught.value, Unreachable)
    assert len(dropped_seen) == transport.policy.max_attempts
    assert sum(dropped_slept) > UNREACHABLE_WAIT


def test_a_connect_that_times_out_is_not_tried_again_once_it_used_the_window():
    """A host that drops packets costs one connect timeout, not three: the window since the first
    failed connect, not just the number of tries, bounds it."""
    fake = FakeTime()
    seen: list[httpx.Request] = []

    def black_hole(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        fake.now += 5.0  # the connect timeout elapses
        raise httpx.ConnectTimeout("timed out")

    settings = TenantSettings.resolve({"scimUrl": "http://127.0.0.1:1/v2", "scimToken": "tok-abcdef"}, env={})
    transport = HttpTransport(
        settings,
        Redactor(),
        http_transport=httpx.MockTransport(black_hole),
        sleep=fake.sleep,
        clock=fake.clock,
    )
    with pytest.raises(Unreachable, match="no answer to connect") as caught:
        transport.request("GET", "http://127.0.0.1:1/v2/Users")
    assert len(seen) == 1 and fake.slept == []
    assert "check scimUrl (stack config scope-manager:scimUrl)" in str(caught.value)


def test_an_unreachable_ipv6_server_is_named_as_a_usable_url():
    handler, _ = scripted(httpx.ConnectError("[Errno 111] Connection refused"))
    settings = TenantSettings.resolve({"scimUrl": "http://[::1]:8443/v2", "scimToken": "tok-abcdef"}, env={})
    transport = HttpTransport(
        settings, Redactor(), http_transport=httpx.MockTransport(handler), sleep=lambda s: None
    )
    with pytest.raises(Unreachable) as caught:
        transport.request("GET", "http://[::1]:8443/v2/Groups")
    assert caught.value.origin == "http://[::1]:8443"
    assert caught.value.setting == "scimUrl (stack config scope-manager:scimUrl)"


def test_error_statuses_map_to_precise_errors_with_the_server_message():
    scim_404 = httpx.Response(
        404,
        json={
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
            "status": "404",
            "detail": "User not found",
        },
    )
    handler, _ = scripted(scim_404)
    transport, _ = make_transport(handler)
    with pytest.raises(NotFound) as caught:
        transport.request("GET", URL)
    assert caught.value.path == "/thing" and caught.value.method == "GET"
    assert str(caught.value) == "GET /thing -> 404: User not found"

    handler, _ = scripted(httpx.Response(409, json={"code": "DUPLICATE_NAME", "message": "name taken"}))
    transport, _ = make_transport(handler)
    with pytest.raises(Conflict) as caught:
        transport.request("POST", URL, json_body={})
    assert caught.value.code == "DUPLICATE_NAME" and caught.value.message == "name taken"


def test_ok_statuses_are_returned_instead_of_raised():
    handler, _ = scripted(httpx.Response(404))
    transport, _ = make_transport(handler)
    assert transport.request("DELETE", URL, ok_statuses=frozenset({404})).status_code == 404


# -- tokens over the transport ------------------------------------------------------------------------
class FakeIdentity:
    """A token endpoint handing out t1, t2, ... and an API accepting only the tokens listed in `valid`."""

    def __init__(self, valid: set[str], expires_in: int = 3600) -> None:
        self.valid = valid
        self.expires_in = expires_in
        self.issued = 0
        self.api_calls = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth2/v1/token":
            form = dict(x.split("=", 1) for x in request.content.decode().split("&"))
            assert (
                form["grant_type"] == "client_credentials"
                and form["audience"] == "https%3A%2F%2Fapi.zscaler.com"
            )
            self.issued += 1
            return httpx.Response(
                200,
                json={
                    "access_token": f"t{self.issued}",
                    "token_type": "Bearer",
                    "expires_in": self.expires_in,
                },
            )
        self.api_calls += 1
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if token not in self.valid:
            return httpx.Response(
                401, json={"code": "UNAUTHORIZED", "message": "invalid, expired or revoked access token"}
            )
        return httpx.Response(200, json={"pageOffset": 0, "pageSize": 1000, "totalRecord": 0, "records": []})


def oauth_tenant(identity: FakeIdentity) -> Tenant:
    return mock_tenant(identity)


def test_a_401_refreshes_the_token_once_and_retries():
    identity = FakeIdentity(valid={"t2"})
    with oauth_tenant(identity) as tenant:
        assert tenant.zidentity.list_clients() == []
        assert identity.issued == 2 and identity.api_calls == 2
        assert tenant.token_request_count == 2 and tenant.request_count == 4


def test_a_persistent_401_is_reported_after_one_refresh():
    identity = FakeIdentity(valid=set())
    with oauth_tenant(identity) as tenant, pytest.raises(Unauthorized) as caught:
        tenant.zidentity.list_clients()
    assert identity.issued == 2 and identity.api_calls == 2
    assert "revoked access token" in str(caught.value)


def test_the_token_is_reused_until_shortly_before_it_expires():
    identity = FakeIdentity(valid={"t1", "t2"}, expires_in=3600)
    now = [0.0]
    # The tenant's clock reaches its token cache: the lifetime is judged on the controllable clock.
    with mock_tenant(identity, clock=lambda: now[0]) as tenant:
        for _ in range(5):
            tenant.zidentity.list_clients()
        assert identity.issued == 1
        now[0] = 3600 - 61  # still valid, outside the refresh margin
        tenant.zidentity.list_clients()
        assert identity.issued == 1
        now[0] = 3600 - 30  # inside the margin: refreshed before the server would reject it
        tenant.zidentity.list_clients()
        assert identity.issued == 2


def test_token_endpoint_rejection_names_the_client_but_not_the_secret():
    def handler(request: httpx.Request) -> httpx.Response:
        body = {"error": "invalid_client", "error_description": f"bad secret {request.content.decode()}"}
        return httpx.Response(
            400, content=json.dumps(body).encode(), headers={"content-type": "application/json"}
        )

    with (
        mock_tenant(handler, clientSecret="client-secret-xyz") as tenant,
        pytest.raises(Unauthorized) as caught,
    ):
        tenant.zidentity.list_clients()
    text = str(caught.value)
    assert "'cid'" in text and "invalid_client" in text
    assert "client-secret-xyz" not in text


def test_token_endpoint_rejection_names_the_setting_to_fix_and_where_it_was_set():
    def handler(request: httpx.Request) -> httpx.Response:
        body = {"error": "invalid_client", "error_description": "Bad client credentials"}
        return httpx.Response(401, json=body)

    with (
        mock_tenant(handler, clientSecret="client-secret-xyz") as tenant,
        pytest.raises(Unauthorized) as caught,
    ):
        tenant.zidentity.list_clients()
    text = str(caught.value)
    assert "check the setting clientSecret (stack config scope-manager:clientSecret)" in text
    assert "client-secret-xyz" not in text
