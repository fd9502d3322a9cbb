"""`scopectl <command>`: dispatch to one module per command.

The console script `scopectl` (pyproject.toml `[project.scripts]`) calls `main`; `python -m scopectl`
still works from the project directory.

Every command writes its result to stdout (or --output) and progress and errors to stderr, and
exits 0 (nothing to do), 2 (changes or drift) or 1 (error), so CI can branch on the status.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from scopectl import audit, export, report, validate
from scopectl.errors import EXIT_ERROR, ScopectlError


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on a usage error, which CI would read as "changes found"; make it 1."""

    def error(self, message: str):  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_ERROR, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="scopectl",
        description="Review previews, audit drift, export and validate Scope Manager access models.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (report, audit, export, validate):
        module.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except ScopectlError as exc:
        print(f"scopectl {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print(f"scopectl {args.command}: interrupted", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
