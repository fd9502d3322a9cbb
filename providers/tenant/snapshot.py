"""Short-lived shared listings: how a refresh of N objects costs the list pages, not N GETs.

During `pulumi refresh` the engine asks the provider to read every resource, often from several
threads. `SharedListing` holds one paged listing (id -> record) that all those callers share:

- the first caller loads it; concurrent callers wait for that one load instead of starting their own;
- it is fresh for `ttl` seconds; any write through the same client invalidates it at once, and a load
  that was in flight during a write is not kept (it may predate the write);
- `note_single_read()` lets `get_*` methods notice a burst of reads by id and switch from single GETs
  to the listing, so callers that never ask for a snapshot still get the cheap path.

Records in a snapshot are shared: treat them as read-only (the `get_*` methods hand out copies).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from types import MappingProxyType
from typing import Any

Record = dict[str, Any]

# Direct GETs by id tolerated since the last write before a listing is used instead: a single `up`
# reads one or two objects between writes, a refresh reads many in a row.
SINGLE_READS_BEFORE_LISTING = 2


class SharedListing:
    """Thread-safe, single-flight, TTL-bounded cache of one listing; writes invalidate it."""

    def __init__(
        self,
        name: str,
        load: Callable[[], dict[str, Record]],
        ttl: float,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self._load = load
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._value: Mapping[str, Record] | None = None
        self._taken_at = 0.0
        self._generation = 0
        self._inflight: tuple[int, Future[Mapping[str, Record]]] | None = None
        self._single_reads = 0
        self.loads = 0

    def peek(self) -> Mapping[str, Record] | None:
        """The current snapshot if it is still fresh, else None (never loads)."""
        with self._lock:
            return self._fresh_locked()

    def get(self) -> Mapping[str, Record]:
        """The fresh snapshot, loading it (once, for all concurrent callers) when needed."""
        with self._lock:
            fresh = self._fresh_locked()
            if fresh is not None:
                return fresh
            if self._inflight is not None and self._inflight[0] == self._generation:
                future = self._inflight[1]
                leader = False
            else:
                future = Future()
                self._inflight = (self._generation, future)
                generation = self._generation
                leader = True
        if not leader:
            return future.result()
        started = self._clock()
        try:
            loaded = MappingProxyType(self._load())
        except BaseException as exc:
            with self._lock:
                if self._inflight is not None and self._inflight[1] is future:
                    self._inflight = None
            future.set_exception(exc)
            raise
        with self._lock:
            self.loads += 1
            if self._generation == generation:
                self._value, self._taken_at = loaded, started
                self._single_reads = 0
            if self._inflight is not None and self._inflight[1] is future:
                self._inflight = None
        future.set_result(loaded)
        return loaded

    def invalidate(self) -> None:
        """Forget the snapshot (a write happened); a load in flight will not be kept either."""
        with self._lock:
            self._generation += 1
            self._value = None
            self._single_reads = 0

    def note_single_read(self) -> bool:
        """Count a read by id; True once enough reads came without a write to make listing cheaper."""
        with self._lock:
            self._single_reads += 1
            return self._single_reads > SINGLE_READS_BEFORE_LISTING

    def for_single_read(self) -> Mapping[str, Record] | None:
        """The snapshot a read by id should answer from: the fresh one, or a new load once a burst
        of such reads is noticed (`note_single_read`). None: send the single GET instead."""
        snapshot = self.peek()
        if snapshot is None and self.note_single_read():
            snapshot = self.get()
        return snapshot

    def _fresh_locked(self) -> Mapping[str, Record] | None:
        if self._value is not None and self._clock() - self._taken_at < self._ttl:
            return self._value
        return None

    def __repr__(self) -> str:
        return f"SharedListing({self.name!r}, loads={self.loads})"
