"""A consumer stack: takes one client's credentials from a Scope Manager stack through a StackReference.

Scope Manager publishes `client_credentials` (a secret): per client its `client_id`, the `current` secret
and, during an overlap window after a rotation, the `previous` one, each with `expires_at` and
`revoke_on`. This stack re-exports the current secret of one client; in a real deployment the same
`Output` would feed a secret store (a Kubernetes Secret, a vault entry, an app setting), so every
`pulumi up` of this stack after a rotation hands the application the new secret while the old one still
works. Run it on a schedule shorter than the producer's `overlap_days` and no consumer ever holds a
revoked secret.

Config: `scopeManagerStack` (required, `<org>/scope-manager/<stack>`), `client` (default `reporting`).
"""

from __future__ import annotations

from typing import Any

import pulumi

config = pulumi.Config()
producer = pulumi.StackReference(config.require("scopeManagerStack"))
key = config.get("client") or "reporting"
credentials = producer.require_output("client_credentials").apply(lambda every: every[key])


def field(*path: str) -> pulumi.Output[Any]:
    def pick(entry: Any) -> Any:
        for part in path:
            entry = (entry or {}).get(part)
        return entry if entry is not None else ""

    return credentials.apply(pick)


pulumi.export("client_id", field("client_id"))
pulumi.export("client_secret", pulumi.Output.secret(field("current", "value")))
pulumi.export("client_secret_expires_at", field("current", "expires_at"))
# During an overlap window: the secret being phased out and the day a later run revokes it.
pulumi.export("previous_secret_revoke_on", field("previous", "revoke_on"))
