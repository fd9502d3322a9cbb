"""One overall deadline across every request, retry and wait (`Tenant(..., deadline=...)`).

Time is fake (it moves only when the transport sleeps or a scripted request "waits out" its timeout),
so what is judged is the timeouts the transport gave each attempt and when it stopped, not a clock.
"""

from __future__ import annotations

import httpx
import pytest

from providers.tenant import Deadline, DeadlineExceeded, HttpTransport, Redactor, TenantSettings
from tests.providers.tenant.conftest import FakeTime

URL = "http://127.0.0.1:1/scim/v2/Users"


def transport_with(handler, fake: FakeTime, seconds: float) -> HttpTransport:
    config = {"scimUrl": "http://127.0.0.1:1/scim/v2", "scimToken": "tok-abc"}
    settings = TenantSettings.resolve(config, env={})
    assert settings.timeout == 30.0
    return HttpTransport(
        settings,
        Redactor(),
        http_transport=httpx.MockTransport(handler),
        sleep=fake.sleep,
        clock=fake.clock,
        deadline=Deadline(seconds, source="--timeout", clock=fake.clock),
    )


def test_a_server_that_never_answers_is_given_up_on_at_the_deadline_not_after_every_retry() -> None:
    fake = FakeTime()
    read_timeouts: list[float] = []

    def silent(request: httpx.Request) -> httpx.Response:
        read_timeouts.append(request.extensions["timeout"]["read"])
        fake.now += request.extensions["timeout"]["read"]  # the whole read timeout passes unanswered
        raise httpx.ReadTimeout("timed out", request=request)

    transport = transport_with(silent, fake, 12.0)
    with pytest.raises(DeadlineExceeded) as caught:
        transport.request("GET", URL)

    # Without the deadline: 8 attempts of a 30 s read timeout plus backoff (the 263 s of issue 13).
    assert read_timeouts == [12.0]
    error = caught.value
    assert (error.method, error.path, error.elapsed, error.limit) == ("GET", "/scim/v2/Users", 12.0, 12.0)
    assert str(error) == (
        "GET /scim/v2/Users: timed out after 12.0s (overall deadline 12 s (--timeout)) with no usable "
        "answer to this request (the server accepted the connection but sent no answer; 1 attempt)"
    )


def test_retries_get_only_the_time_left_and_none_starts_a_wait_past_the_deadline() -> None:
    fake = FakeTime()
    read_timeouts: list[float] = []

    def busy(request: httpx.Request) -> httpx.Response:
        read_timeouts.append(request.extensions["timeout"]["read"])
        fake.now += 0.5
        return httpx.Response(503, headers={"Retry-After": "2"}, json={"message": "busy"})

    transport = transport_with(busy, fake, 6.0)
    with pytest.raises(DeadlineExceeded) as caught:
        transport.request("GET", URL)

    assert read_timeouts[0] == 6.0 and read_timeouts == sorted(read_timeouts, reverse=True)
    assert all(timeout <= 6.0 - 2.5 * index for index, timeout in enumerate(read_timeouts))
    assert fake.now <= 6.0  # no wait was started that would end past the deadline
    assert "the last answer was 503; no time left to retry" in str(caught.value)
    assert f"; {len(read_timeouts)} attempts)" in str(caught.value)
