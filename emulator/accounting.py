"""Per-route request counters, read through ``GET /_emulator/stats``.

Benchmarks and tests assert on how many API calls an operation costs ("a refresh of N objects costs a
few list pages, not N GETs"); counting in the server sees every request, including retries and requests
the client library never reports.
"""

from __future__ import annotations

import threading
from collections import Counter


class RequestCounter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    def count(self, label: str) -> None:
        with self._lock:
            self._counts[label] += 1

    def snapshot(self) -> dict:
        with self._lock:
            routes = dict(sorted(self._counts.items()))
        return {"routes": routes, "total": sum(routes.values())}

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()
