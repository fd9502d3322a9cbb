"""The function-length lint (``scripts/function_length.py``, run by ``./scripts/test``) finds what it
must: a 61-line function fails it, a 60-line one and a long test file do not."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "function_length.py"


def lint():
    spec = importlib.util.spec_from_file_location("function_length", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def function(name: str, lines: int) -> str:
    body = "".join(f"    x{i} = {i}\n" for i in range(lines - 1))
    return f"def {name}():\n{body}"


def test_a_product_function_over_sixty_lines_is_named_and_one_of_sixty_is_not(tmp_path: Path) -> None:
    (tmp_path / "__main__.py").write_text("")
    (tmp_path / "providers").mkdir()
    (tmp_path / "providers" / "thing.py").write_text(function("fits", 60) + function("too_long", 61))
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_thing.py").write_text(function("long_test", 200))

    assert lint().long_functions(tmp_path) == ["providers/thing.py:61 too_long (61 lines)"]
