"""Rate limiting (off by default) with the 429 spellings of the real Zscaler APIs.

A token bucket (``rps`` refill, ``burst`` capacity) shared by every non-control request. The rejection
mimics one of three recorded styles so client retry code is tested against what it will meet:

* ``zia``:  ``Retry-After: 1`` and body
  ``{"message": "Rate Limit (2/SECOND) exceeded", "Retry-After": "1 seconds"}``
* ``zpa``:  ``Retry-After: 4s`` and body ``{"exception": "invalid.toomanyrequests", ...}``
* ``ziam``: the OneAPI gateway: no Retry-After, two ``x-ratelimit-limit`` headers and ``x-ratelimit-reset``

With limiting off, token responses still carry the gateway's nominal ``x-ratelimit-*`` headers
(500 per second), computed from a real per-second request count but never enforced.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from emulator.http import Response, json_response

STYLES = ("zia", "zpa", "ziam")
GATEWAY_TOKEN_LIMIT = 500
MAX_RATE = 1_000_000
"""Largest rps and burst: far beyond what the emulator can serve, and small enough to stay a float."""


@dataclass(frozen=True)
class RateLimitSpec:
    rps: float
    burst: int
    style: str = "zia"

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> RateLimitSpec | None:
        """Parse a ``PUT /_emulator/ratelimit`` body; ``{}`` means off. Raises ValueError naming the field."""
        if not body:
            return None
        unknown = sorted(set(body) - {"rps", "burst", "style"})
        if unknown:
            raise ValueError(f"{unknown[0]}: unknown field (expected rps, burst, style)")
        rps = body.get("rps")
        # Python reads NaN and Infinity from JSON and float(); the range check refuses both.
        if isinstance(rps, bool) or not isinstance(rps, int | float) or not 0 < rps <= MAX_RATE:
            raise ValueError(f"rps: expected a positive number, at most {MAX_RATE}")
        burst = body.get("burst", max(1, math.ceil(rps)))
        if isinstance(burst, bool) or not isinstance(burst, int) or not 1 <= burst <= MAX_RATE:
            raise ValueError(f"burst: expected a positive integer, at most {MAX_RATE}")
        style = body.get("style", "zia")
        if style not in STYLES:
            raise ValueError(f"style: must be one of {', '.join(STYLES)}")
        return cls(float(rps), burst, style)

    def as_json(self) -> dict[str, Any]:
        return {"rps": self.rps, "burst": self.burst, "style": self.style}


@dataclass(frozen=True)
class Admission:
    rejection: Response | None  # a 429 to send instead of handling the request
    headers: list[tuple[str, str]]  # x-ratelimit-* headers to add to the real response


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


class RateLimiter:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._spec: RateLimitSpec | None = None
        self._tokens = 0.0
        self._updated = 0.0
        self._window_second = -1
        self._window_count = 0

    @property
    def spec(self) -> RateLimitSpec | None:
        return self._spec

    def configure(self, spec: RateLimitSpec | None) -> None:
        with self._lock:
            self._spec = spec
            self._tokens = float(spec.burst) if spec else 0.0
            self._updated = self._clock()

    def admit(self, is_token_request: bool) -> Admission:
        with self._lock:
            spec = self._spec
            if spec is None:
                return Admission(None, self._nominal_headers() if is_token_request else [])
            now = self._clock()
            self._tokens = min(float(spec.burst), self._tokens + (now - self._updated) * spec.rps)
            self._updated = now
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                wait = 0.0 if self._tokens >= 1.0 else (1.0 - self._tokens) / spec.rps
                return Admission(None, self._headers(spec, math.floor(self._tokens), wait))
            wait = (1.0 - self._tokens) / spec.rps
        return Admission(self._rejection(spec, wait), [])

    def _nominal_headers(self) -> list[tuple[str, str]]:
        second = int(self._clock())
        if second != self._window_second:
            self._window_second, self._window_count = second, 0
        self._window_count += 1
        remaining = max(0, GATEWAY_TOKEN_LIMIT - self._window_count)
        return [
            ("x-ratelimit-limit", f"{GATEWAY_TOKEN_LIMIT}, {GATEWAY_TOKEN_LIMIT};w=1, 100000;w=60"),
            ("x-ratelimit-remaining", str(remaining)),
            ("x-ratelimit-reset", "1"),
        ]

    @staticmethod
    def _headers(spec: RateLimitSpec, remaining: int, wait: float) -> list[tuple[str, str]]:
        reset = str(max(1, math.ceil(wait)))
        rps = _number(spec.rps)
        headers = [("x-ratelimit-limit", f"{rps}, {rps};w=1"), ("x-ratelimit-remaining", str(remaining))]
        if spec.style == "ziam":
            # The OneAPI gateway sends two limit headers: its own window and the upstream service's.
            headers += [
                ("x-ratelimit-limit", f"{spec.burst}, {spec.burst};w=1"),
                ("x-ratelimit-remaining", str(remaining)),
            ]
        headers.append(("x-ratelimit-reset", reset))
        return headers

    @classmethod
    def _rejection(cls, spec: RateLimitSpec, wait: float) -> Response:
        seconds = max(1, math.ceil(wait))
        if spec.style == "zia":
            body = {
                "message": f"Rate Limit ({_number(spec.rps)}/SECOND) exceeded",
                "Retry-After": f"{seconds} seconds",
            }
            return json_response(429, body, [("Retry-After", str(seconds))])
        if spec.style == "zpa":
            body = {
                "exception": "invalid.toomanyrequests",
                "id": "invalid.toomanyrequests",
                "reason": "Exceeded the number of requests allowed.",
            }
            return json_response(429, body, [("Retry-After", f"{seconds}s")])
        body = {"code": "TOO_MANY_REQUESTS", "message": "Rate limit exceeded"}
        return json_response(429, body, cls._headers(spec, 0, wait))
