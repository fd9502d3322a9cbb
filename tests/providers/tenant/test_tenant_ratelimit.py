"""The client-side token bucket and the shared pause, with a clock the test controls."""

from __future__ import annotations

import threading

import pytest

from providers.tenant import RequestPacer


class FrozenClock:
    """Time stands still unless a test moves it, so reservations show exactly when each slot is due."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_threads_share_one_bucket_and_get_evenly_spread_slots():
    clock = FrozenClock()
    waits: list[float] = []
    lock = threading.Lock()
    pacer = RequestPacer(rate=10, burst=1, clock=clock, sleep=lambda s: None)

    def worker():
        for _ in range(10):
            wait = pacer.acquire()
            with lock:
                waits.append(wait)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # 40 requests at 10/s from 4 threads: one slot every 0.1 s, none shared, none skipped.
    assert sorted(round(w, 6) for w in waits) == [round(i * 0.1, 6) for i in range(40)]


def test_burst_is_free_and_the_bucket_refills_with_time():
    clock = FrozenClock()
    pacer = RequestPacer(rate=5, burst=3, clock=clock, sleep=lambda s: None)
    assert [pacer.acquire() for _ in range(3)] == [0, 0, 0]
    assert pacer.acquire() == pytest.approx(0.2)
    clock.now += 10  # long idle: full burst again (never more than the burst)
    assert [pacer.acquire() for _ in range(3)] == [0, 0, 0]
    assert pacer.acquire() == pytest.approx(0.2)


def test_a_pause_holds_back_every_caller_even_without_a_rate():
    clock = FrozenClock()
    pacer = RequestPacer(rate=None, clock=clock, sleep=lambda s: None)
    assert pacer.acquire() == 0
    pacer.pause_for(2.0)
    assert pacer.acquire() == pytest.approx(2.0)
    clock.now += 2.5
    assert pacer.acquire() == 0


def test_sleeps_for_the_wait_it_reports():
    slept: list[float] = []
    clock = FrozenClock()
    pacer = RequestPacer(rate=4, burst=1, clock=clock, sleep=slept.append)
    pacer.acquire()
    pacer.acquire()
    assert slept == [pytest.approx(0.25)]


def test_rate_must_be_positive():
    with pytest.raises(ValueError, match="positive"):
        RequestPacer(rate=0)
