"""Progress lines on stderr for long runs (a tenant with hundreds of clients and thousands of users),
so stdout stays clean for the report itself and CI logs show where time goes."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    def __init__(self, enabled: bool = True, stream: TextIO | None = None) -> None:
        self.enabled = enabled
        self.stream = stream or sys.stderr
        self._started = time.monotonic()

    def step(self, message: str) -> None:
        if self.enabled:
            elapsed = time.monotonic() - self._started
            print(f"[{elapsed:6.1f}s] {message}", file=self.stream, flush=True)

    def warn(self, message: str) -> None:
        """A warning the user must see: printed with --quiet too."""
        print(f"warning: {message}", file=self.stream, flush=True)
