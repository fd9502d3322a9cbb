"""Rotating the admin credential the stack itself uses (`pulumi config set --secret clientSecret`).

The engine saves the provider's settings in state at `up` and `pulumi refresh`/`pulumi destroy` use that
saved copy. After the old secret is revoked, a plain refresh therefore cannot authenticate: it must say
so in a few lines and tell the user what to run, and `--run-program` (or one `pulumi up`) recovers.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from tests.e2e.harness import ProjectStack, client_model, model
from tests.support.emulator import RunningEmulator


def rotate_admin_secret(stack: ProjectStack, emulator: RunningEmulator, admin: httpx.Client) -> str:
    """Mint a new secret for the admin client, put it in the stack config, revoke every older one."""
    admin_id = emulator.credentials["client_id"]
    old = admin.get(f"/api-clients/{admin_id}/secrets").json()
    new = admin.post(f"/api-clients/{admin_id}/secrets", json={"expiresAt": int(time.time()) + 90 * 86400})
    new.raise_for_status()
    value = new.json()["value"]
    stack.run("config", "set", "--secret", "scope-manager:clientSecret", stdin=value, check=True)
    for secret in old:
        admin.delete(f"/api-clients/{admin_id}/secrets/{secret['id']}").raise_for_status()
    return value


def test_after_rotating_the_admin_secret_refresh_says_what_to_run_and_every_command_recovers(
    tmp_path: Path, emulator: RunningEmulator, admin: httpx.Client, prefix: str
) -> None:
    stack = ProjectStack(
        tmp_path, emulator, model({"sync": client_model(["scim:read"], name=f"{prefix}-sync")})
    )
    stack.up()
    old_value = emulator.credentials["client_secret"]
    try:
        new_value = rotate_admin_secret(stack, emulator, admin)

        stale = stack.run("refresh", "--yes", "--skip-preview")

        assert stale.returncode != 0
        assert "the token endpoint rejected the credentials" in stale.output
        assert "--run-program" in stale.output and "pulumi up" in stale.output
        # The SDK's plugin server prints a traceback header and its own two frames; nothing of ours
        # below the provider method, and the explanation once per resource.
        assert "providers/tenant/" not in stale.output
        assert stale.output.count("--run-program") == stale.output.count("the token endpoint rejected")
        for value in (old_value, new_value):
            assert value not in stale.output
        assert stack.preview().returncode == 0  # the program runs, so preview uses the new secret
        assert stack.run("refresh", "--yes", "--skip-preview", "--run-program").returncode == 0
        stack.up()
        assert stack.run("refresh", "--yes", "--skip-preview").returncode == 0  # state holds the new one
        stack.destroy()
        assert stack.resources() == {}
    finally:
        # The module's emulator and the other tests keep using the admin client: give them a working secret.
        emulator.credentials["client_secret"] = new_value
