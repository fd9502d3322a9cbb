"""The least-privilege pack under the real engine: mandatory stops, advisory warns, config tunes it."""

from __future__ import annotations

import re
from pathlib import Path

from tests.e2e.harness import ProjectStack, client_model, dev_catalog, model, writes
from tests.support.emulator import RunningEmulator

BASE_SCOPES = ["scim:read", "connector:read"]
NINE_SCOPES = [scope for scope in dev_catalog() if scope != "ziam:admin"]  # every scope the pack allows


def test_a_mandatory_violation_stops_preview_and_up_and_the_tenant_gets_no_write(
    tmp_path: Path, emulator: RunningEmulator, prefix: str
) -> None:
    stack = ProjectStack(
        tmp_path, emulator, model({"sync": client_model(BASE_SCOPES, name=f"{prefix}-sync")})
    )
    stack.up()
    unjustified = client_model([*BASE_SCOPES, "scim:write"], name=f"{prefix}-sync")
    unjustified["scopes"]["scim:write"] = {}
    stack.set_model(model({"sync": unjustified}))
    emulator.reset_stats()

    preview = stack.preview()
    up = stack.run("up", "--yes", "--skip-preview", *stack.policy_arguments())

    for result in (preview, up):
        assert result.returncode != 0, result.output
        assert "write-scopes-justified" in result.output
        assert "mandatory" in result.output
        assert "scim:write" in result.output
    assert writes(emulator.requests()) == []


def test_an_advisory_violation_warns_and_up_proceeds(
    tmp_path: Path, emulator: RunningEmulator, prefix: str
) -> None:
    stack = ProjectStack(
        tmp_path, emulator, model({"wide": client_model(NINE_SCOPES, name=f"{prefix}-wide")})
    )

    preview = stack.preview()
    up = stack.up()

    for result in (preview, up):
        assert result.returncode == 0, result.output
        assert "max-scopes-per-client" in result.output
        assert re.search(r"- \[advisory\]\s+max-scopes-per-client", result.output), result.output
        assert "holds 9 scopes, more than 8" in result.output
    assert stack.resources()["wide-scopes"]["id"]


def test_policy_pack_config_changes_a_level_and_a_threshold(
    tmp_path: Path, emulator: RunningEmulator, prefix: str
) -> None:
    stack = ProjectStack(
        tmp_path, emulator, model({"sync": client_model([*BASE_SCOPES, "ziam:read"], name=f"{prefix}-sync")})
    )
    assert stack.preview().returncode == 0  # 3 scopes: under the default threshold of 8

    stack.set_policy_config({"max-scopes-per-client": {"enforcementLevel": "mandatory", "maxScopes": 2}})
    tightened = stack.preview()

    assert tightened.returncode != 0, tightened.output
    assert re.search(
        r"- \[mandatory\]\s+max-scopes-per-client\s+\(.*ScopeAssignment: sync-scopes\)", tightened.output
    ), tightened.output
    assert "holds 3 scopes, more than 2" in tightened.output


def test_the_engine_refuses_a_policy_config_that_breaks_a_rules_schema(
    tmp_path: Path, emulator: RunningEmulator, prefix: str
) -> None:
    stack = ProjectStack(
        tmp_path, emulator, model({"sync": client_model(BASE_SCOPES, name=f"{prefix}-sync")})
    )
    stack.set_policy_config({"max-scopes-per-client": {"maxScopes": "x"}})
    emulator.reset_stats()

    result = stack.preview()

    assert result.returncode != 0
    assert (
        "validating policy config: scope-guardrails 1.0.0  max-scopes-per-client: maxScopes: "
        "Invalid type. Expected: integer, given: string"
    ) in result.output
    assert writes(emulator.requests()) == []
