"""The ``/_emulator/*`` control API: health, request stats, fault and rate-limit switches.

It is for tests and benchmarks, not part of the emulated product, so it is never counted, rate
limited or faulted, and it takes its own bearer token (``control_token`` in credentials.json) rather
than an OAuth token: turning faults off must work even while the emulator is injecting them.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import TypeVar

from emulator.accounting import RequestCounter, RequestLog
from emulator.faults import FaultInjector, FaultSpec
from emulator.http import (
    HttpError,
    Request,
    Response,
    bearer_token,
    json_response,
    unauthorized,
)
from emulator.ratelimit import RateLimiter, RateLimitSpec
from emulator.routing import Route, RoutedApi

CONTROL_PREFIX = "/_emulator"
MAX_CONTROL_BODY = 64 * 1024
SpecT = TypeVar("SpecT")


class ControlApi(RoutedApi):
    what = "control endpoint"

    def __init__(
        self,
        control_token: str,
        counter: RequestCounter,
        limiter: RateLimiter,
        faults: FaultInjector,
        request_log: RequestLog,
    ) -> None:
        self._control_token = control_token
        self._counter = counter
        self._request_log = request_log
        self._limiter = limiter
        self._faults = faults
        p = CONTROL_PREFIX
        # access "open" needs no token (health is what a script polls before it has credentials).
        self.routes = [
            Route("GET", f"{p}/health", self._health, "open"),
            Route("GET", f"{p}/stats", self._stats, "control"),
            Route("POST", f"{p}/stats/reset", self._reset_stats, "control"),
            Route("GET", f"{p}/requests", self._requests, "control"),
            Route("GET", f"{p}/faults", self._get_faults, "control"),
            Route("PUT", f"{p}/faults", self._put_faults, "control"),
            Route("GET", f"{p}/ratelimit", self._get_ratelimit, "control"),
            Route("PUT", f"{p}/ratelimit", self._put_ratelimit, "control"),
        ]

    def authorize(self, request: Request, access: str) -> None:
        if access == "open":
            return
        token = bearer_token(request)
        if token is None or not hmac.compare_digest(token.encode(), self._control_token.encode()):
            raise unauthorized("the control API needs the emulator's control_token", "emulator-control")

    def _health(self, request: Request) -> Response:
        return json_response(200, {"ok": True})

    def _stats(self, request: Request) -> Response:
        return json_response(200, self._counter.snapshot())

    def _requests(self, request: Request) -> Response:
        return json_response(200, {"requests": self._request_log.snapshot()})

    def _reset_stats(self, request: Request) -> Response:
        self._counter.reset()
        self._request_log.reset()
        return json_response(200, self._counter.snapshot())

    def _get_faults(self, request: Request) -> Response:
        return _spec_response(self._faults.spec)

    def _put_faults(self, request: Request) -> Response:
        spec = _parse_spec(FaultSpec.from_json, request)
        self._faults.configure(spec)
        return _spec_response(spec)

    def _get_ratelimit(self, request: Request) -> Response:
        return _spec_response(self._limiter.spec)

    def _put_ratelimit(self, request: Request) -> Response:
        spec = _parse_spec(RateLimitSpec.from_json, request)
        self._limiter.configure(spec)
        return _spec_response(spec)


def _parse_spec(parse: Callable[[dict], SpecT], request: Request) -> SpecT:
    """A switch's JSON body parsed by its spec class; its ``ValueError`` (naming the field) becomes 400."""
    try:
        return parse(request.json_object(MAX_CONTROL_BODY))
    except ValueError as exc:
        raise HttpError(400, "INVALID_INPUT", str(exc)) from None


def _spec_response(spec: FaultSpec | RateLimitSpec | None) -> Response:
    """The switch's current setting; ``{}`` means off."""
    return json_response(200, spec.as_json() if spec else {})
