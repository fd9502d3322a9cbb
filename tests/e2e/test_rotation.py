"""Secret rotation through the real engine: by hand, by schedule and by expiry.

Each is a replacement of the secret in a plain `pulumi preview`, plus the update of the client's
PreviousSecret that takes the old secret over for the overlap window; `up` creates the new secret and
obtains a token with it (the emulator's request log holds the order) and revokes nothing: the old secret
stays valid next to the new one until the window ends (tests/e2e/test_rotation_consumer.py follows it to
its revocation). The new value is shown only by `pulumi stack output --show-secrets` and is never in
plaintext in `pulumi stack export`.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import httpx

from access_model.rotation import next_rotation
from tests.e2e.harness import ProjectStack, changed_steps, client_model, model
from tests.support.emulator import RunningEmulator

ADMIN = "/ziam/admin/api/v1"


def secret_stack(
    tmp_path: Path,
    emulator: RunningEmulator,
    prefix: str,
    secret: dict[str, Any],
    env: dict[str, str] | None = None,
) -> ProjectStack:
    clients = {
        "reporting": client_model(
            ["scim:read"], name=f"{prefix}-reporting", purpose="reporting", secret=secret
        )
    }
    stack = ProjectStack(tmp_path, emulator, model(clients))
    stack.up(env=env)
    return stack


def assert_secret_alone_is_replaced(
    stack: ProjectStack, reason: str, env: dict[str, str] | None = None
) -> None:
    plain = stack.preview(env=env)
    assert plain.returncode == 0, plain.output
    assert re.search(r"^\s*\+- .*zidentity:ClientSecret\s+reporting-secret\s+replace", plain.stdout, re.M), (
        plain.stdout
    )
    assert re.search(r"^\s*\+-1 to replace$", plain.stdout, re.M), plain.stdout
    assert re.search(
        r"^\s*~ .*zidentity:PreviousSecret\s+reporting-previous-secret\s+update", plain.stdout, re.M
    )
    assert re.search(r"^\s*~ 1 to update$", plain.stdout, re.M), plain.stdout
    assert not re.search(r"to (create|delete)$", plain.stdout, re.M), plain.stdout
    steps = changed_steps(stack.preview_json(env=env))
    assert sorted(steps) == ["reporting-previous-secret", "reporting-secret"]
    assert steps["reporting-secret"]["op"] == "replace"
    assert reason in steps["reporting-secret"]["replaceReasons"]
    assert steps["reporting-previous-secret"]["op"] == "update"


def apply_and_check_order(
    stack: ProjectStack, emulator: RunningEmulator, admin: httpx.Client, env: dict[str, str] | None = None
) -> None:
    """`up`: the new secret is created and obtains a token, and nothing is revoked: the old secret stays
    valid as the previous one (both remain); the new value appears only with --show-secrets and is
    encrypted in the exported state."""
    before = stack.resources()
    client_id = before["reporting"]["id"]
    old_secret = before["reporting-secret"]["id"]
    emulator.reset_stats()

    applied = stack.up(env=env)

    log = [(r["method"], r["path"], r.get("secret_id")) for r in emulator.requests()]
    secrets_path = f"{ADMIN}/api-clients/{client_id}/secrets"
    new_secret = stack.resources()["reporting-secret"]["id"]
    created_at = log.index(("POST", secrets_path, None))
    verified_at = log.index(("POST", "/oauth2/v1/token", new_secret))
    assert created_at < verified_at, log
    assert ("DELETE", f"{secrets_path}/{old_secret}", None) not in log, "revoked inside the overlap window"
    assert sorted(s["id"] for s in admin.get(f"/api-clients/{client_id}/secrets").json()) == sorted(
        [old_secret, new_secret]
    )

    revealed = stack.run("stack", "output", "client_secrets", "--show-secrets", "--json", check=True).json()
    value = revealed["reporting"]
    assert value and isinstance(value, str)
    emulator.access_token(client_id, value)  # the published value is the live secret
    credentials = stack.run(
        "stack", "output", "client_credentials", "--show-secrets", "--json", check=True
    ).json()["reporting"]
    assert credentials["current"]["value"] == value
    assert credentials["previous"]["secret_id"] == old_secret
    emulator.access_token(client_id, credentials["previous"]["value"])  # and the previous one still works
    hidden = stack.run("stack", "output", check=True)
    exported = stack.run("stack", "export", check=True)
    for output in (applied.output, hidden.output, exported.output):
        assert value not in output
    assert "[secret]" in hidden.stdout


def test_rotation_by_hand(
    tmp_path: Path, emulator: RunningEmulator, admin: httpx.Client, prefix: str
) -> None:
    secret = {"lifetime_days": 90, "renew_before_days": 14, "rotate_every_days": 76}
    stack = secret_stack(tmp_path, emulator, prefix, secret)
    clients = {
        "reporting": client_model(
            ["scim:read"],
            name=f"{prefix}-reporting",
            purpose="reporting",
            secret={**secret, "rotation": "incident-42"},
        )
    }
    stack.set_model(model(clients))

    assert_secret_alone_is_replaced(stack, "rotation")
    apply_and_check_order(stack, emulator, admin)


def test_rotation_by_schedule(
    tmp_path: Path, emulator: RunningEmulator, admin: httpx.Client, prefix: str
) -> None:
    # The first `up` runs on the day the schedule is counted from, even if the test crosses midnight.
    today = dt.datetime.now(dt.UTC).date()
    stack = secret_stack(
        tmp_path,
        emulator,
        prefix,
        {"lifetime_days": 90, "renew_before_days": 14, "rotate_every_days": 30},
        env={"SCOPE_MANAGER_TODAY": today.isoformat()},
    )
    rotation_day = next_rotation(today, 30)
    the_day_before = {"SCOPE_MANAGER_TODAY": (rotation_day - dt.timedelta(days=1)).isoformat()}
    on_the_day = {"SCOPE_MANAGER_TODAY": rotation_day.isoformat()}

    assert changed_steps(stack.preview_json(env=the_day_before)) == {}
    assert_secret_alone_is_replaced(stack, "rotation", env=on_the_day)
    apply_and_check_order(stack, emulator, admin, env=on_the_day)


def test_rotation_by_expiry(
    tmp_path: Path, emulator: RunningEmulator, admin: httpx.Client, prefix: str
) -> None:
    # Without a schedule (allowed by the policy config), only the renewal window, the last 14 of the
    # secret's 90 days, rotates it. A schedule of at most 90 - 14 days always fires before that window.
    clients = {
        "reporting": client_model(
            ["scim:read"],
            name=f"{prefix}-reporting",
            purpose="reporting",
            secret={"lifetime_days": 90, "renew_before_days": 14},
        )
    }
    stack = ProjectStack(tmp_path, emulator, model(clients))
    stack.set_policy_config({"client-has-rotating-secret": {"requireSchedule": False}})
    stack.up()
    # Days counted from the secret's own expiry (the tenant's clock at `up`), not from the test's day.
    expires_on = dt.date.fromisoformat(stack.resources()["reporting-secret"]["outputs"]["expires_at"][:10])
    before_window = {"SCOPE_MANAGER_TODAY": (expires_on - dt.timedelta(days=15)).isoformat()}
    inside_window = {"SCOPE_MANAGER_TODAY": (expires_on - dt.timedelta(days=13)).isoformat()}

    assert changed_steps(stack.preview_json(env=before_window)) == {}
    assert_secret_alone_is_replaced(stack, "expires_at", env=inside_window)
    apply_and_check_order(stack, emulator, admin, env=inside_window)
