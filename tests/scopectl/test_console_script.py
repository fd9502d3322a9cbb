"""`scopectl` is an installed console script that works from any directory, and the docs use it."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(sys.executable).parent / "scopectl"


def test_pyproject_declares_the_console_script():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["scripts"] == {"scopectl": "scopectl.__main__:main"}
    assert project["build-system"]["build-backend"] == "setuptools.build_meta"


def test_venv_setup_installs_the_project_editable():
    script = (ROOT / "scripts" / "_venv.sh").read_text()
    assert '--no-deps --editable "$ROOT"' in script
    # A change to pyproject.toml (a new console script, say) reinstalls on the next run.
    assert '"$ROOT/pyproject.toml" | sha256sum' in script


@pytest.mark.skipif(not SCRIPT.is_file(), reason="scopectl is not installed in this interpreter's venv")
def test_installed_scopectl_works_from_another_directory(tmp_path):
    elsewhere = tmp_path / "somewhere-else"
    elsewhere.mkdir()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}  # no PYTHONPATH: the install finds the code

    helped = subprocess.run([str(SCRIPT), "--help"], cwd=elsewhere, env=env, capture_output=True, text=True)
    validated = subprocess.run(
        [str(SCRIPT), "validate", "--stack", "dev", "--cwd", str(ROOT)],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert helped.returncode == 0 and helped.stdout.startswith("usage: scopectl ")
    assert validated.returncode == 0, validated.stderr
    assert "Pulumi.dev.yaml: valid" in validated.stdout


def test_docs_and_workflows_use_the_scopectl_command():
    places = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    places += sorted((ROOT / ".github" / "workflows").glob("*.yml"))
    stale = [str(p.relative_to(ROOT)) for p in places if "python -m scopectl" in p.read_text()]
    assert stale == []
