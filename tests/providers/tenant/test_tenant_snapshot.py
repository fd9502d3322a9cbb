"""SharedListing: one listing for many concurrent readers, never a stale one after a write."""

from __future__ import annotations

import threading

import pytest

from providers.tenant import SINGLE_READS_BEFORE_LISTING, SharedListing


class Loader:
    """Counts loads; can block inside a load until released, to line up concurrent callers."""

    def __init__(self) -> None:
        self.calls = 0
        self.started = threading.Event()
        self.release = threading.Event()
        self.release.set()
        self.lock = threading.Lock()

    def __call__(self) -> dict:
        with self.lock:
            self.calls += 1
            n = self.calls
        self.started.set()
        assert self.release.wait(10)
        return {"x": {"id": "x", "load": n}}


def test_concurrent_callers_share_the_one_listing_in_flight():
    loader = Loader()
    loader.release.clear()
    listing = SharedListing("t", loader, ttl=30)
    results = []

    def reader():
        results.append(listing.get())

    threads = [threading.Thread(target=reader) for _ in range(16)]
    threads[0].start()
    assert loader.started.wait(10)
    for t in threads[1:]:
        t.start()
    loader.release.set()
    for t in threads:
        t.join(10)
    assert loader.calls == 1
    assert len(results) == 16 and all(r["x"]["load"] == 1 for r in results)


def test_fresh_until_ttl_then_reloaded():
    now = [0.0]
    loader = Loader()
    listing = SharedListing("t", loader, ttl=30, clock=lambda: now[0])
    listing.get()
    now[0] = 29.9
    listing.get()
    assert loader.calls == 1 and listing.peek() is not None
    now[0] = 30.1
    assert listing.peek() is None
    listing.get()
    assert loader.calls == 2


def test_a_write_invalidates_and_a_load_that_straddles_the_write_is_not_kept():
    loader = Loader()
    listing = SharedListing("t", loader, ttl=30)
    listing.get()
    listing.invalidate()
    assert listing.peek() is None

    loader.release.clear()
    loader.started.clear()
    first: list = []
    t = threading.Thread(target=lambda: first.append(listing.get()))
    t.start()
    assert loader.started.wait(10)
    listing.invalidate()  # a write lands while the listing is in flight
    loader.release.set()
    t.join(10)
    assert first[0]["x"]["load"] == 2
    assert listing.peek() is None  # the pre-write listing was not kept
    assert listing.get()["x"]["load"] == 3


def test_a_failed_load_is_not_cached_and_the_next_caller_retries():
    calls = []

    def load():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("boom")
        return {}

    listing = SharedListing("t", load, ttl=30)
    with pytest.raises(RuntimeError):
        listing.get()
    assert listing.get() == {}
    assert len(calls) == 2


def test_snapshots_are_read_only():
    listing = SharedListing("t", lambda: {"a": {"id": "a"}}, ttl=30)
    with pytest.raises(TypeError):
        listing.get()["b"] = {}  # type: ignore[index]


def test_a_burst_of_single_reads_switches_to_the_listing_and_writes_reset_the_count():
    listing = SharedListing("t", dict, ttl=30)
    verdicts = [listing.note_single_read() for _ in range(SINGLE_READS_BEFORE_LISTING + 1)]
    assert verdicts == [False] * SINGLE_READS_BEFORE_LISTING + [True]
    listing.invalidate()
    assert listing.note_single_read() is False
