"""Cross-process lost updates: do concurrent provider processes ever silently revert each other?

    .venv/bin/python bench/concurrency_cross_process.py              # 30 rounds, twice -> bench/results/
    .venv/bin/python bench/concurrency_cross_process.py --rounds 5 --out /tmp/x.md

Eight provider processes (each its own ``ApiClientProvider``/``ScopeAssignmentProvider``, tenant
connection, token and per-client lock: what two stacks or two CI jobs are) update one API client of an
emulator over loopback. Per round 2-8 of them (seeded) start at one barrier, each changing one field
(description, scopes, token lifetime, enabled, name; past five writers a field gets a second writer
with another value). Judged against the tenant after each round (``tests/support/cross_process.py``):

- landed: the writer's value is in the tenant;
- failed with conflict: its update raised ``ConcurrentUpdate`` naming the field;
- superseded: it succeeded and the other writer of the same field has its value there;
- silent revert: it succeeded and its field holds a value nobody in the round wrote. Must be 0.

The campaign runs twice: with the emulator answering reads of the client after 50 ms (a gateway's
latency; every writer of a round then reads before any writes, so every round is a race) and on bare
loopback (the race happens only when the writers' requests happen to interleave). Request figures
are the writers' GETs and PUTs of the client (the harness's own reads are not counted).
Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.cross_process import Campaign, campaign  # noqa: E402

VERDICTS = ("landed", "conflict", "superseded", "silent_revert", "error")


def run(rounds: int, seed: int, latency_ms: int) -> tuple[Campaign, float]:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="cross-process-") as name:
        result = campaign(Path(name) / "tenant", rounds, seed=seed, read_latency_ms=latency_ms)
    return result, time.monotonic() - started


def render(runs: list[tuple[int, Campaign, float]], seed: int) -> str:
    lines = [
        "# Cross-process concurrent updates (bench/concurrency_cross_process.py)",
        "",
        "Eight provider processes, one API client, 2-8 writers per round starting at one barrier, one field",
        f"each (two writers share a field past five). Seed {seed}. Emulator over loopback.",
        "",
        "| Reads answered after | Rounds | Writers | Landed | Failed with conflict | Superseded (same "
        "field) | Silent reverts | Other errors | GETs | PUTs | Seconds |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for latency, result, seconds in runs:
        counts = [result.total(v) for v in VERDICTS]
        lines.append(
            f"| {latency} ms | {len(result.rounds)} | {result.writers} | "
            + " | ".join(str(c) for c in counts)
            + f" | {result.requests['GET']} | {result.requests['PUT']} | {seconds:.1f} |"
        )
    latency, first, _ = runs[0]
    lines += ["", f"Per round of the run with reads after {latency} ms: each writer's field and verdict.", ""]
    lines += ["| Round | Writers | Verdicts |", "|---|---|---|"]
    for r in first.rounds:
        verdicts = ", ".join(f"{o.role}: {o.verdict}" for o in r.outcomes)
        lines.append(f"| {r.number} | {len(r.outcomes)} | {verdicts} |")
    errors = [
        f"- round {r.number}, writer {o.writer} ({o.role}): {o.verdict}: {o.error}"
        for _, result, _ in runs
        for r in result.rounds
        for o in r.outcomes
        if o.verdict in ("silent_revert", "error")
    ]
    if errors:
        lines += ["", "Problems:", "", *errors]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=30, help="rounds per run (default 30)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--quick", action="store_true", help="3 rounds per run")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "bench" / "results" / "concurrency_cross_process.md"
    )
    args = parser.parse_args()
    rounds = 3 if args.quick else args.rounds
    runs = []
    for latency in (50, 0):
        result, seconds = run(rounds, args.seed, latency)
        counts = ", ".join(f"{v} {result.total(v)}" for v in VERDICTS)
        print(
            f"reads after {latency} ms: {len(result.rounds)} rounds, {result.writers} writers: {counts}; "
            f"{result.requests['GET']} GETs, {result.requests['PUT']} PUTs; {seconds:.1f} s",
            flush=True,
        )
        runs.append((latency, result, seconds))
    text = render(runs, args.seed)
    args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
