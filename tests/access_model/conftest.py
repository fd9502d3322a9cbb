from __future__ import annotations

from pathlib import Path

import pytest

from access_model import read_stack_access

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def dev_stack_access() -> dict:
    """The raw access model committed in Pulumi.dev.yaml."""
    return read_stack_access(ROOT / "Pulumi.dev.yaml")
