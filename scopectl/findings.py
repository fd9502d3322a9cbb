"""Least-privilege findings for a preview, from the policy pack's own rules (policies.rules).

PROVISIONAL: wired to policies.rules once it lands.
"""

from __future__ import annotations

from dataclasses import dataclass

from scopectl.preview import PreviewDocument


@dataclass(frozen=True)
class Finding:
    level: str  # mandatory | advisory
    rule: str
    resource: str
    message: str


def is_privileged_scope(name: str) -> bool:
    return name.endswith((":write", ":admin")) or (name.startswith("Role:") and "Full" in name)


def evaluate(document: PreviewDocument) -> list[Finding]:
    return []
