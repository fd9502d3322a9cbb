"""The stored real-engine previews (tests/scopectl/fixtures/real_engine) still match what the engine
writes: the same steps, operations and detailed-diff keys. Regenerate them when this fails after a CLI
upgrade: `python -m tests.scopectl.real_engine_previews`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.e2e.harness import ProjectStack
from tests.scopectl import real_engine_previews
from tests.support.emulator import run_emulator


def shape(document: dict[str, Any]) -> dict[str, Any]:
    steps = {
        step["urn"].rsplit("::", 1)[-1]: (step["op"], tuple(sorted(step.get("detailedDiff") or {})))
        for step in document["steps"]
        if "::pulumi:providers:" not in step["urn"]
    }
    return {"keys": sorted(document), "steps": steps, "summary": document.get("changeSummary")}


def test_the_stored_grant_and_revoke_preview_has_the_shape_the_engine_writes_today(tmp_path: Path) -> None:
    with run_emulator(tmp_path / "tenant") as emulator:
        fresh = real_engine_previews.grant_and_revoke(
            lambda access: ProjectStack(tmp_path / "w", emulator, access)
        )

    assert shape(fresh) == shape(real_engine_previews.load("grant-and-revoke"))
