"""What the README and docs tell a user to type must work as written."""

from __future__ import annotations

import re
from pathlib import Path

from providers.tenant.settings import CONFIG_KEYS

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
