"""Fault injection (off by default), deterministic for a given seed and request order.

Reliability code (retries, idempotent creates) is only trustworthy if it has met the failures it
claims to survive: 5xx answers, slow answers, connections closed without an answer, and the nastiest
one, a create that *succeeded* but whose response was lost ("commit then drop"). Each request that
matches ``routes`` draws the same four numbers from a seeded RNG, so a sequential test sees the same
fault sequence on every run.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from emulator.http import Response, json_response
from emulator.routing import TOKEN_PATH

DEFAULT_ERROR_STATUSES = (502, 503, 504)
_RATE_FIELDS = ("error_rate", "drop_rate", "commit_then_drop_rate")
_FIELDS = {"seed", "error_rate", "error_statuses", "latency_ms", "routes", *_RATE_FIELDS}


class DroppedConnection(Exception):
    """Raised by the app when the connection must close without a response; the server adapter
    turns it into a socket close (see ``emulator.server``)."""


@dataclass(frozen=True)
class FaultSpec:
    seed: int = 0
    error_rate: float = 0.0
    error_statuses: tuple[int, ...] = DEFAULT_ERROR_STATUSES
    latency_ms: int = 0
    drop_rate: float = 0.0
    commit_then_drop_rate: float = 0.0
    routes: tuple[str, ...] = field(default_factory=tuple)  # empty = every route

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> FaultSpec | None:
        """Parse a ``PUT /_emulator/faults`` body; ``{}`` means off. Raises ValueError naming the field."""
        if not body:
            return None
        unknown = sorted(set(body) - _FIELDS)
        if unknown:
            raise ValueError(f"{unknown[0]}: unknown field (expected one of: {', '.join(sorted(_FIELDS))})")
        seed = body.get("seed", 0)
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise ValueError("seed: expected an integer")
        rates = {}
        for name in _RATE_FIELDS:
            value = body.get(name, 0.0)
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= value <= 1.0:
                raise ValueError(f"{name}: expected a number between 0 and 1")
            rates[name] = float(value)
        statuses = body.get("error_statuses", list(DEFAULT_ERROR_STATUSES))
        if (
            not isinstance(statuses, list)
            or not statuses
            or any(isinstance(s, bool) or not isinstance(s, int) or not 500 <= s <= 599 for s in statuses)
        ):
            raise ValueError("error_statuses: expected a non-empty array of 5xx status codes")
        latency = body.get("latency_ms", 0)
        if isinstance(latency, bool) or not isinstance(latency, int) or not 0 <= latency <= 60_000:
            raise ValueError("latency_ms: expected an integer between 0 and 60000")
        routes = body.get("routes", [])
        if not isinstance(routes, list) or any(not isinstance(r, str) or not r.strip() for r in routes):
            raise ValueError('routes: expected an array of "METHOD PATH" patterns such as "POST *"')
        return cls(
            seed,
            rates["error_rate"],
            tuple(statuses),
            latency,
            rates["drop_rate"],
            rates["commit_then_drop_rate"],
            tuple(routes),
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "error_rate": self.error_rate,
            "error_statuses": list(self.error_statuses),
            "latency_ms": self.latency_ms,
            "drop_rate": self.drop_rate,
            "commit_then_drop_rate": self.commit_then_drop_rate,
            "routes": list(self.routes),
        }

    def applies_to(self, method: str, template: str, path: str) -> bool:
        if not self.routes:
            return True
        for pattern in self.routes:
            want_method, _, want_path = pattern.strip().partition(" ")
            want_path = want_path.strip() or "*"
            if not fnmatchcase(method, want_method.upper()):
                continue
            if fnmatchcase(template, want_path) or fnmatchcase(path, want_path):
                return True
        return False


@dataclass(frozen=True)
class FaultPlan:
    latency_s: float = 0.0
    error_status: int | None = None
    drop: bool = False
    commit_then_drop: bool = False


NO_FAULT = FaultPlan()


def error_response(status: int) -> Response:
    """A gateway-style 5xx with the ZPA ``retryable.server.error`` body (and ``Retry-After`` on 503)."""
    body = {
        "id": "retryable.server.error",
        "reason": "An error occurred. Refer to the Retry-After header, and then try again.",
    }
    headers = [("Retry-After", "1s")] if status == 503 else []
    return json_response(status, body, headers)


class FaultInjector:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._spec: FaultSpec | None = None
        self._rng = random.Random(0)

    @property
    def spec(self) -> FaultSpec | None:
        return self._spec

    def configure(self, spec: FaultSpec | None) -> None:
        with self._lock:
            self._spec = spec
            self._rng = random.Random(spec.seed if spec else 0)

    def plan(self, method: str, template: str, path: str) -> FaultPlan:
        spec = self._spec
        if spec is None or not spec.applies_to(method, template, path):
            return NO_FAULT
        with self._lock:
            error_draw, drop_draw, commit_draw = self._rng.random(), self._rng.random(), self._rng.random()
            status = self._rng.choice(spec.error_statuses)
        is_create = method == "POST" and path != TOKEN_PATH
        return FaultPlan(
            latency_s=spec.latency_ms / 1000.0,
            error_status=status if error_draw < spec.error_rate else None,
            drop=drop_draw < spec.drop_rate,
            commit_then_drop=is_create and commit_draw < spec.commit_then_drop_rate,
        )
