"""Concurrent updates of one API client from separate provider processes never silently revert.

Eight real OS processes, each with its own provider instances, tenant connection and per-client lock
(what two stacks or two CI jobs are), update one client of an emulator over loopback at the same
moment: 2-8 of them per round, each changing one field, two of them the same field past five
writers (``tests/support/cross_process.py``). Run through ``bench/concurrency_cross_process.py
--quick``: 3 rounds with the emulator answering reads of the client after 50 ms (every writer of a
round reads before any of them writes, so each round is a real race) and 3 on bare loopback. Every
writer's change must be in the tenant at the end, or its run must have failed naming the conflict,
or (same field only) the other writer's value must be there. Before the verified writes, these rounds
silently reverted about two writers in three.
"""

from __future__ import annotations

from pathlib import Path

from tests.support.bench import run_quick_bench


def test_concurrent_writers_in_separate_processes_never_silently_revert_each_other(tmp_path: Path) -> None:
    text = run_quick_bench("concurrency_cross_process.py", tmp_path / "cross_process.md", timeout=240)

    rows = [line.strip("| ").split(" | ") for line in text.splitlines() if line.startswith("| 50 ms |")]
    rows += [line.strip("| ").split(" | ") for line in text.splitlines() if line.startswith("| 0 ms |")]
    assert len(rows) == 2, text
    for latency, rounds, writers, landed, conflict, superseded, reverts, errors, gets, puts, _ in rows:
        assert (latency, rounds) in (("50 ms", "3"), ("0 ms", "3"))
        assert (reverts, errors) == ("0", "0"), text
        assert int(landed) + int(conflict) + int(superseded) == int(writers) >= 6
        assert int(gets) == 2 * int(puts)  # every PUT was verified by a read
    # With reads after 50 ms the first round's writers all read before any wrote: some write was
    # reverted by another and made again, or failed naming a conflict.
    writers, conflict, puts = rows[0][2], rows[0][4], rows[0][9]
    assert int(puts) > int(writers) or int(conflict) > 0, text
