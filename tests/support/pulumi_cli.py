"""Where the end-to-end tests get the Pulumi CLI, and what happens when there is none.

The CLI is the one `scripts/test` puts on PATH (a supported `pulumi` already there, else the pinned
build of `scripts/engine`). Run outside `scripts/test`, the tests still find the pinned build in its
cache. Without either they are skipped with the reason, except under CI=true, where a missing engine
fails the run: a CI run that skipped the end-to-end tests proved nothing about what users see.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
ENGINE_SCRIPT = REPO_ROOT / "scripts" / "engine"
MISSING_REASON = (
    "no Pulumi CLI: neither `pulumi` on PATH nor a cached pinned build (run ./scripts/engine, or "
    "install the CLI from https://www.pulumi.com/docs/install/)"
)


def _pinned_build() -> Path | None:
    result = subprocess.run(
        [str(ENGINE_SCRIPT), "--check"], capture_output=True, text=True, timeout=60, check=False
    )
    if result.returncode != 0:
        return None
    candidate = Path(result.stdout.strip().splitlines()[-1]) / "pulumi"
    return candidate if candidate.is_file() else None


def find_pulumi() -> Path | None:
    """The CLI the end-to-end tests drive: `pulumi` on PATH, else the cached pinned build."""
    on_path = shutil.which("pulumi")
    return Path(on_path) if on_path else _pinned_build()


def running_in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


PULUMI = find_pulumi()


def require_pulumi() -> Path:
    """The CLI, or skip (locally) / fail (under CI) naming what is missing."""
    if PULUMI is not None:
        return PULUMI
    if running_in_ci():
        pytest.fail(f"CI=true and {MISSING_REASON}", pytrace=False)
    pytest.skip(MISSING_REASON)


def environment_with_pulumi(env: dict[str, str]) -> dict[str, str]:
    """`env` with the CLI's directory first on PATH, so the engine finds its plugins beside it."""
    cli = require_pulumi()
    return {**env, "PATH": os.pathsep.join([str(cli.parent), env.get("PATH", "")])}
