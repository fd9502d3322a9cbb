"""`scopectl audit` against the emulator's ZPA dialect, whose group lists carry no members: member
drift is still found, at the cost of one read per group (and only then)."""

from __future__ import annotations

import datetime as dt
import json

import yaml

from access_model import desired_state, parse
from scopectl.__main__ import main
from tests.scopectl.tenant_setup import apply_desired, patch_members, settings_of
from tests.support.emulator import run_emulator

MODEL = {
    "groups": {
        "quarantine": {"display_name": "Quarantine", "members": []},
        "contractors": {"display_name": "Contractors", "members": ["ann@contractor.example"]},
    },
    "users": {
        "ann": {"user_name": "ann@contractor.example"},
        "bob": {"user_name": "bob@example.com"},
    },
}


def test_member_added_by_hand_is_found_when_group_lists_omit_members(tmp_path, capsys):
    stack_file = tmp_path / "Pulumi.zpa.yaml"
    stack_file.write_text(yaml.safe_dump({"config": {"scope-manager:access": MODEL}}))
    with run_emulator(tmp_path / "tenant", dialect="zpa") as emu:
        credentials = emu.data_dir / "credentials.json"
        applied = apply_desired(settings_of(credentials), desired_state(parse(MODEL), dt.date.today()))
        patch_members(
            emu.credentials, applied.group_ids["quarantine"], "add", applied.user_ids["bob@example.com"]
        )
        emu.reset_stats()

        code = main(
            [
                "audit",
                "--stack-file",
                str(stack_file),
                "--credentials-file",
                str(credentials),
                "--format",
                "json",
            ]
        )
        routes = emu.stats()

    payload = json.loads(capsys.readouterr().out)
    assert code == 2
    assert [(d["kind"], d["name"], d["item"]) for d in payload["drift"]] == [
        ("member_added", "Quarantine", "bob@example.com")
    ]
    assert routes.get("GET /scim/1/{idpId}/v2/Groups/{id}") == len(MODEL["groups"])
