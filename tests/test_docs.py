"""What the README and docs tell a user to type must work as written."""

from __future__ import annotations

import re
from pathlib import Path

from providers.tenant import CONFIG_KEYS

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def test_every_pulumi_config_set_line_uses_the_scope_manager_namespace():
    """The project is `scope-manager`, but a key without the namespace would land in the project's own
    namespace only by luck of the name: the providers read `scope-manager:<key>`."""
    wrong = []
    for path in DOCS:
        for match in re.finditer(r"pulumi config set((?: --[a-z-]+(?: \S+)?)*) (\S+) ", path.read_text()):
            key = match.group(2)
            if key.removeprefix("scope-manager:") in CONFIG_KEYS and not key.startswith("scope-manager:"):
                wrong.append(f"{path.name}: {match.group(0)}")
    assert wrong == []


def test_the_quickstart_walks_through_the_onboarding_commands_in_order():
    text = (ROOT / "docs" / "quickstart.md").read_text()
    steps = ["pulumi stack init", "scopectl export", "scopectl validate", "pulumi preview", "pulumi up"]
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    positions = [next(n for n, h in enumerate(headings) if f"`{step}`" in h) for step in steps]
    assert positions == sorted(positions)
    assert (
        "read-only" in text and "ziam:read" in text and "ziam:admin" in text
    )  # which credentials, which rights
    assert "docs/quickstart.md" in (ROOT / "README.md").read_text()
