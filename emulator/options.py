"""Runtime options of one emulator instance (what the CLI flags set, and what tests pass in-process)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from emulator.faults import FaultSpec
from emulator.ratelimit import RateLimitSpec

DIALECTS = ("strict", "zpa")


@dataclass(frozen=True)
class EmulatorOptions:
    dialect: str = "strict"
    rate_limit: RateLimitSpec | None = None
    faults: FaultSpec | None = None
    verbose: bool = False  # one INFO line per request on the "emulator.requests" logger
    # Injectable clocks let in-process tests expire tokens and secrets without waiting.
    clock: Callable[[], float] = field(default=time.time)
    monotonic: Callable[[], float] = field(default=time.monotonic)  # drives the rate limiter's bucket
    sleep: Callable[[float], None] = field(default=time.sleep)

    def __post_init__(self) -> None:
        if self.dialect not in DIALECTS:
            raise ValueError(f"dialect must be one of {', '.join(DIALECTS)}, got {self.dialect!r}")
