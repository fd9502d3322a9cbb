"""`scopectl audit --state FILE`: secrets on managed clients that the stack does not hold.

The state is what `pulumi stack export` writes; here it is built in that format from the secrets the
stack made (`ClientSecret` resources with plain `secret_id`/`client_id` outputs and an encrypted
`value`), so the test needs no Pulumi CLI. The end-to-end drift workflow test runs the real export.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from scopectl.__main__ import main
from tests.scopectl.tenant_setup import ADMIN_API
from tests.scopectl.test_audit import stack  # noqa: F401 - the fixture: MODEL applied to the emulator

SECRET_TYPE = "pulumi-python:dynamic/zidentity:ClientSecret"
CIPHERTEXT = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "v1:AAAA"}


def export(project: dict, stack_name: str = "dev", leave_out: str | None = None) -> Path:
    """A `pulumi stack export` document holding one ClientSecret per applied secret."""
    applied = project["applied"]
    resources = [
        {"urn": f"urn:pulumi:{stack_name}::scope-manager::pulumi:pulumi:Stack::scope-manager-{stack_name}",
         "type": "pulumi:pulumi:Stack"},
    ]  # fmt: skip
    for key, secret_id in applied.secret_ids.items():
        if key == leave_out:
            continue
        resources.append(
            {
                "urn": f"urn:pulumi:{stack_name}::scope-manager::{SECRET_TYPE}::{key}-secret",
                "type": SECRET_TYPE,
                "id": secret_id,
                "outputs": {
                    "client_id": applied.client_ids[key],
                    "secret_id": secret_id,
                    "value": CIPHERTEXT,
                },
            }
        )
    path = project["dir"] / f"state-{stack_name}.json"
    path.write_text(json.dumps({"version": 3, "deployment": {"manifest": {}, "resources": resources}}))
    return path


def audit(project: dict, capsys, *args: str) -> tuple[int, dict, str, str]:
    report = project["dir"] / "audit.json"
    code = main(
        ["audit", "--stack", "dev", "--cwd", str(project["dir"]), "--json-output", str(report), *args]
    )
    out, err = capsys.readouterr()
    return code, json.loads(report.read_text()) if report.exists() else {}, out, err


def mint_by_hand(project: dict, key: str) -> str:
    client_id = project["applied"].client_ids[key]
    with project["emu"].admin_http() as http:
        response = http.post(
            f"{ADMIN_API}/api-clients/{client_id}/secrets", json={"expiresAt": int(time.time()) + 30 * 86400}
        )
        response.raise_for_status()
        return str(response.json()["id"])


def test_a_secret_minted_by_hand_on_a_managed_client_is_reported(stack, capsys) -> None:  # noqa: F811
    state = export(stack)
    assert audit(stack, capsys, "--state", str(state))[0] == 0  # every secret in the tenant is the stack's

    minted = mint_by_hand(stack, "sync")
    code, payload, out, err = audit(stack, capsys, "--state", str(state))

    assert code == 2
    assert [(f["kind"], f["name"], f["key"], f["item"]) for f in payload["drift"]] == [
        ("secret_not_in_state", "directory-sync", "sync", minted)
    ]
    assert f"secret **not held by the stack**: secret {minted} (created " in out
    assert "ciphertext" not in out + err and "v1:AAAA" not in out + err


def test_a_secret_left_out_of_state_is_an_orphan_and_without_state_nothing_is_claimed(stack, capsys) -> None:  # noqa: F811
    state = export(stack, leave_out="reporting")
    orphan = stack["applied"].secret_ids["reporting"]

    code, payload, _, _ = audit(stack, capsys, "--state", str(state))
    assert code == 2
    assert [(f["kind"], f["item"]) for f in payload["drift"]] == [("secret_not_in_state", orphan)]

    code, payload, out, _ = audit(stack, capsys)
    assert (code, payload["drift"], payload["state"]) == (0, [], None)
    assert "Secrets were not compared with the stack's state (no `--state`)" in out


def test_a_previous_secret_kept_through_an_overlap_window_is_the_stacks(stack, capsys) -> None:  # noqa: F811
    """After a rotation the replaced secret is held by the client's PreviousSecret, not its ClientSecret."""
    state = export(stack, leave_out="reporting")
    document = json.loads(state.read_text())
    previous = stack["applied"].secret_ids["reporting"]
    previous_type = "pulumi-python:dynamic/zidentity:PreviousSecret"
    document["deployment"]["resources"].append(
        {
            "urn": f"urn:pulumi:dev::scope-manager::{previous_type}::reporting-previous-secret",
            "type": previous_type,
            "id": "reporting-previous",
            "outputs": {
                "client_id": stack["applied"].client_ids["reporting"],
                "previous_secret_id": previous,
                "previous_value": CIPHERTEXT,
                "previous_live": True,
            },
        }
    )
    state.write_text(json.dumps(document))

    code, payload, _, _ = audit(stack, capsys, "--state", str(state))

    assert (code, payload["drift"]) == (0, [])


def test_another_stacks_state_or_a_file_that_is_no_export_is_an_error(stack, capsys, tmp_path) -> None:  # noqa: F811
    code, _, out, err = audit(stack, capsys, "--state", str(export(stack, stack_name="prod")))
    assert (code, out) == (1, "")
    assert "this is the state of stack 'prod', not of 'dev'" in err

    not_export = tmp_path / "preview.json"
    not_export.write_text(json.dumps({"steps": []}))
    code, _, _, err = audit(stack, capsys, "--state", str(not_export))
    assert code == 1 and "not a stack export (no deployment.resources)" in err


@pytest.mark.parametrize("text", ["{", "[1, 2]"])
def test_an_unreadable_state_file_is_one_line(stack, capsys, tmp_path, text) -> None:  # noqa: F811
    bad = tmp_path / "state.json"
    bad.write_text(text)
    code, _, _, err = audit(stack, capsys, "--state", str(bad))
    assert code == 1
    [line] = err.strip().splitlines()
    assert line.startswith(f"scopectl audit: error: --state {bad}: ")
