"""Lint: no function of the product code is longer than 60 lines (ruff has no such rule).

Why: the review behind issue 12 found request handling and settings resolution written as 80-110 line
functions with several jobs each; splitting them made each rule exist once. This keeps it that way.
Tests and benchmarks are not product code and are not checked.

    .venv/bin/python scripts/function_length.py   # exit 1 and one line per offender, else exit 0
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("providers", "access_model", "scopectl", "policies", "emulator", "common")
MAX_LINES = 60


def long_functions(root: Path = ROOT) -> list[str]:
    """`path:line name (N lines)` for every function or method longer than MAX_LINES."""
    files = [root / "__main__.py", *(p for d in PRODUCT for p in sorted((root / d).rglob("*.py")))]
    found = []
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_LINES:
                    found.append(f"{path.relative_to(root)}:{node.lineno} {node.name} ({length} lines)")
    return found


def main() -> int:
    found = long_functions()
    for line in found:
        print(f"{line}: longer than {MAX_LINES} lines; split it into functions with one job each")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
