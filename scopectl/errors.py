"""Exit codes and the one exception every scopectl command raises for bad input.

CI branches on the exit code the way it does for `terraform plan -detailed-exitcode`: 0 means
nothing to do, 2 means a reviewer (or the on-call engineer) has something to look at, 1 means the
tool could not do its job. Pulumi's own `--expect-no-changes` historically used 255 for both
"changes" and "error", which is why scopectl computes its own.
"""

from __future__ import annotations

from pathlib import Path

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CHANGES = 2


class ScopectlError(Exception):
    """A problem the user can fix (bad file, wrong stack, unreachable tenant).

    The message is printed as-is on stderr, so it must name the exact place that is wrong and must
    never contain a secret value.
    """


def write_text(path: Path, text: str) -> None:
    """Write a report file; a bad path is a user error with the path in the message, not a traceback."""
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ScopectlError(f"{path}: cannot write ({exc.strerror})") from None
