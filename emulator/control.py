"""The ``/_emulator/*`` control API: health, request stats, fault and rate-limit switches.

It is for tests and benchmarks, not part of the emulated product, so it is never counted, rate
limited or faulted, and it takes its own bearer token (``control_token`` in credentials.json) rather
than an OAuth token: turning faults off must work even while the emulator is injecting them.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable

from emulator.accounting import RequestCounter
from emulator.faults import FaultInjector, FaultSpec
from emulator.http import HttpError, Request, Response, bearer_token, json_response, not_found
from emulator.ratelimit import RateLimiter, RateLimitSpec

CONTROL_PREFIX = "/_emulator"
MAX_CONTROL_BODY = 64 * 1024


class ControlApi:
    def __init__(
        self, control_token: str, counter: RequestCounter, limiter: RateLimiter, faults: FaultInjector
    ) -> None:
        self._control_token = control_token
        self._counter = counter
        self._limiter = limiter
        self._faults = faults
        self._routes: dict[tuple[str, str], Callable[[Request], Response]] = {
            ("GET", "/stats"): self._stats,
            ("POST", "/stats/reset"): self._reset_stats,
            ("GET", "/faults"): self._get_faults,
            ("PUT", "/faults"): self._put_faults,
            ("GET", "/ratelimit"): self._get_ratelimit,
            ("PUT", "/ratelimit"): self._put_ratelimit,
        }

    def __call__(self, request: Request) -> Response:
        try:
            return self._dispatch(request)
        except HttpError as exc:
            return exc.response()

    def _dispatch(self, request: Request) -> Response:
        sub_path = request.path[len(CONTROL_PREFIX) :]
        if sub_path == "/health":
            if request.method != "GET":
                raise HttpError(
                    405, "METHOD_NOT_ALLOWED", f"{request.method} is not allowed here", [("Allow", "GET")]
                )
            return json_response(200, {"ok": True})
        handler = self._routes.get((request.method, sub_path))
        if handler is None:
            allowed = sorted(method for method, path in self._routes if path == sub_path)
            if allowed:
                raise HttpError(
                    405,
                    "METHOD_NOT_ALLOWED",
                    f"{request.method} is not allowed here",
                    [("Allow", ", ".join(allowed))],
                )
            raise not_found(f"no such control endpoint: {request.path}")
        token = bearer_token(request)
        if token is None or not hmac.compare_digest(token.encode(), self._control_token.encode()):
            raise HttpError(
                401,
                "UNAUTHORIZED",
                "the control API needs the emulator's control_token",
                [("WWW-Authenticate", 'Bearer realm="emulator-control"')],
            )
        return handler(request)

    def _stats(self, request: Request) -> Response:
        return json_response(200, self._counter.snapshot())

    def _reset_stats(self, request: Request) -> Response:
        self._counter.reset()
        return json_response(200, self._counter.snapshot())

    def _get_faults(self, request: Request) -> Response:
        spec = self._faults.spec
        return json_response(200, spec.as_json() if spec else {})

    def _put_faults(self, request: Request) -> Response:
        try:
            spec = FaultSpec.from_json(request.json_object(MAX_CONTROL_BODY))
        except ValueError as exc:
            raise HttpError(400, "INVALID_INPUT", str(exc)) from None
        self._faults.configure(spec)
        return json_response(200, spec.as_json() if spec else {})

    def _get_ratelimit(self, request: Request) -> Response:
        spec = self._limiter.spec
        return json_response(200, spec.as_json() if spec else {})

    def _put_ratelimit(self, request: Request) -> Response:
        try:
            spec = RateLimitSpec.from_json(request.json_object(MAX_CONTROL_BODY))
        except ValueError as exc:
            raise HttpError(400, "INVALID_INPUT", str(exc)) from None
        self._limiter.configure(spec)
        return json_response(200, spec.as_json() if spec else {})
