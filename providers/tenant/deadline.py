"""One overall time limit for a whole command (`scopectl audit`, `export`), across every request.

The transport's own limits are per request (`timeout`, a read timeout per socket operation) and per
retry loop (`maxRetryWait`, counting only the waits between attempts), so a tenant that accepts
connections and never answers could hold a read-only command for minutes: 8 attempts of a 30 s read
timeout plus the backoff between them. A `Deadline` given to `Tenant(..., deadline=...)` bounds all of
it: each attempt's timeouts are cut to the time left, no retry starts or waits past it, and when it is
reached the request in flight fails with `DeadlineExceeded`, naming the request and the time spent.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class Deadline:
    """`seconds` from now (by `clock`); `source` says where the limit was set, for the error."""

    def __init__(
        self, seconds: float, *, source: str = "", clock: Callable[[], float] = time.monotonic
    ) -> None:
        if not seconds > 0:
            raise ValueError("a deadline needs a positive number of seconds")
        self.seconds = float(seconds)
        self.source = source
        self._clock = clock
        self._started = clock()

    def elapsed(self) -> float:
        return self._clock() - self._started

    def remaining(self) -> float:
        return self.seconds - self.elapsed()

    def describe(self) -> str:
        """`45 s (default)`, `2 s (--timeout)`: the limit and where it came from."""
        return f"{self.seconds:g} s" + (f" ({self.source})" if self.source else "")

    def __repr__(self) -> str:
        return f"Deadline({self.seconds:g}s, remaining={self.remaining():.1f}s)"
