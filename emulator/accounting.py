"""Per-route request counters, read through ``GET /_emulator/stats``.

Benchmarks and tests assert on how many API calls an operation costs ("a refresh of N objects costs a
few list pages, not N GETs"); counting in the server sees every request, including retries and requests
the client library never reports.
"""

from __future__ import annotations

import threading
from collections import Counter, deque


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


class RequestLog:
    """The last ``capacity`` requests in arrival order: method, path and status; for token requests
    also the ``client_id`` asked for and the ``secret_id`` that matched (ids only).

    Counters say how many calls an operation cost; end-to-end tests also need the order ("the new
    secret was created, then a token obtained with it, then the old one revoked"). Paths hold object
    ids, never credentials; query strings, headers and bodies are not kept. Read through
    ``GET /_emulator/requests``; cleared with the counters by ``POST /_emulator/stats/reset``.
    """

    def __init__(self, capacity: int = 20_000) -> None:
        self._lock = threading.Lock()
        self._entries: deque[dict] = deque(maxlen=capacity)
        self._seq = 0

    def record(self, method: str, path: str) -> dict:
        """Log a request on arrival; the caller sets ``status`` on the returned entry when it answers."""
        with self._lock:
            self._seq += 1
            entry = {"seq": self._seq, "method": method, "path": path, "status": None}
            self._entries.append(entry)
        return entry

    def snapshot(self) -> list[dict]:
        with self._lock:
            return [dict(entry) for entry in self._entries]

    def reset(self) -> None:
        with self._lock:
            self._entries.clear()
