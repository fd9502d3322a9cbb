"""Pulumi type tokens of Scope Manager's dynamic resources (a public contract, see
docs/architecture.md), the engine's preview placeholders, and URN parsing.

The tokens and the unknown-value sentinel come from `policies.rules`, which the report already uses
for its findings, rather than from `providers`, so that `scopectl report` can read a preview on a
machine that has only the JSON and the CLI never depends on provider internals.
"""

from __future__ import annotations

from dataclasses import dataclass

from policies.rules import (
    API_CLIENT,
    CLIENT_SECRET,
    PREVIOUS_SECRET,
    SCIM_GROUP,
    SCIM_USER,
    SCOPE_ASSIGNMENT,
)

# What the engine puts in place of values it will only know after `pulumi up` (preview only).
from policies.rules import UNKNOWN_SENTINEL as UNKNOWN_SENTINEL

MANAGED_TYPES = frozenset(
    {API_CLIENT, SCOPE_ASSIGNMENT, CLIENT_SECRET, PREVIOUS_SECRET, SCIM_GROUP, SCIM_USER}
)

# What `pulumi preview --json` prints in place of every secret value.
SECRET_PLACEHOLDER = "[secret]"


@dataclass(frozen=True)
class Urn:
    """The parts of `urn:pulumi:<stack>::<project>::<qualified type>::<name>` a report needs."""

    stack: str
    project: str
    type: str
    name: str

    @classmethod
    def parse(cls, urn: str) -> Urn:
        """Split a URN; raises ValueError (without echoing anything but the URN) when malformed.

        The qualified type carries parent types joined with `$`; the resource's own type is the last.
        The name is everything after the third `::`, because names may themselves contain `::`.
        """
        parts = urn.split("::", 3)
        if len(parts) != 4 or not parts[0].startswith("urn:pulumi:") or not parts[3]:
            raise ValueError(f"not a Pulumi URN: {urn!r}")
        return cls(
            stack=parts[0].removeprefix("urn:pulumi:"),
            project=parts[1],
            type=parts[2].rsplit("$", 1)[-1],
            name=parts[3],
        )
