"""Client-side pacing shared by every thread that talks to one tenant.

Two jobs: a token bucket keeps us under the configured `rateLimit` (requests/s) so a big refresh does
not trip the tenant's limits in the first place (and does not starve production logins on the same
tenant), and a shared pause makes every thread hold back when the server says `Retry-After`, instead
of each thread discovering the 429 on its own.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class RequestPacer:
    """Token bucket (optional) plus a pause gate; `acquire()` blocks until a request may be sent."""

    def __init__(
        self,
        rate: float | None = None,
        burst: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate is not None and rate <= 0:
            raise ValueError("rate must be positive requests/s, or None for no limit")
        self.rate = rate
        # No burst by default: requests go out evenly spaced at `rate`, which stays under a server
        # bucket of the same rate whatever its burst size.
        self.burst = max(1.0, burst if burst is not None else 1.0)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = self.burst
        self._last = clock()
        self._paused_until = 0.0

    def acquire(self) -> float:
        """Reserve one request slot; sleep until it is due. Returns the seconds waited.

        Reservations may drive the bucket negative: each caller gets the next free slot in arrival
        order, so N threads are spread evenly instead of all waking at once.
        """
        with self._lock:
            now = self._clock()
            wait = max(0.0, self._paused_until - now)
            if self.rate is not None:
                self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
                self._last = now
                self._tokens -= 1.0
                if self._tokens < 0:
                    wait = max(wait, -self._tokens / self.rate)
        if wait > 0:
            self._sleep(wait)
        return wait

    def pause_for(self, seconds: float) -> None:
        """Hold every thread back for `seconds` (the server asked us to slow down)."""
        if seconds <= 0:
            return
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)

    def __repr__(self) -> str:
        return f"RequestPacer(rate={self.rate}, burst={self.burst})"
