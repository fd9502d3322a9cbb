"""`scopectl audit` against a live emulator: each kind of out-of-band change is reported, with the
right exit code, and the tenant is read with list pages rather than one GET per object."""

from __future__ import annotations

import datetime as dt
import json
import socket
import time
from pathlib import Path

import pytest
import yaml

from access_model import desired_state, parse
from scopectl.__main__ import main
from tests.scopectl.tenant_setup import (
    ADMIN_API,
    apply_desired,
    console_client,
    patch_members,
    scim_http,
    set_client_scopes,
    settings_of,
    tenant_environment,
)

TODAY = dt.datetime.now(dt.UTC).date()
GRANT_EXPIRES = TODAY + dt.timedelta(days=60)

MODEL = {
    "clients": {
        "sync": {
            "name": "directory-sync",
            "description": "Provisions users from HR",
            "owner": "identity@example.com",
            "purpose": "provisioning",
            "scopes": {
                "scim:read": {},
                "scim:write": {"justification": "creates users (CHG-1)"},
                "connector:read": {"expires": GRANT_EXPIRES.isoformat()},
            },
        },
        "reporting": {
            "name": "reporting",
            "owner": "security@example.com",
            "purpose": "reporting",
            "access_token_lifetime": 900,
            "scopes": {"scim:read": {}},
        },
    },
    "groups": {
        "quarantine": {"display_name": "Quarantine", "exclusive": True, "members": []},
        "contractors": {
            "display_name": "Contractors",
            "exclusive": True,
            "members": ["ann@contractor.example", "raj@contractor.example"],
        },
        "all-staff": {"display_name": "All Staff", "exclusive": False, "members": ["ann@contractor.example"]},
    },
    "users": {
        "ann": {"user_name": "ann@contractor.example", "given_name": "Ann", "family_name": "Lee"},
        "raj": {"user_name": "raj@contractor.example", "given_name": "Raj", "family_name": "Patel"},
        "bob": {"user_name": "bob@example.com"},
    },
}


@pytest.fixture
def stack(tenant, tmp_path, monkeypatch) -> dict:
    """A project whose dev stack declares MODEL against the emulator, with the tenant holding it.

    Endpoints and the client id are plain stack config; the secrets are encrypted in the stack file
    (as `pulumi config set --secret` leaves them) and come from the environment, as in CI."""
    creds = tenant.credentials
    (tmp_path / "Pulumi.yaml").write_text("name: scope-manager\nruntime: python\n")
    config = {
        "scope-manager:tokenUrl": creds["token_url"],
        "scope-manager:apiUrl": creds["api_url"],
        "scope-manager:scimUrl": creds["scim_url"],
        "scope-manager:clientId": creds["client_id"],
        "scope-manager:clientSecret": {"secure": "v1:bm90LWRlY3J5cHRhYmxl"},
        "scope-manager:scimToken": {"secure": "v1:bm90LWRlY3J5cHRhYmxl"},
        "scope-manager:access": MODEL,
    }
    (tmp_path / "Pulumi.dev.yaml").write_text(yaml.safe_dump({"config": config}, sort_keys=False))
    tenant_environment(monkeypatch, creds["client_secret"], creds["scim_token"])
    desired = desired_state(parse(MODEL), TODAY)
    applied = apply_desired(settings_of(tenant.data_dir / "credentials.json"), desired)
    return {"dir": tmp_path, "applied": applied, "emu": tenant}


def audit(stack: dict, *args: str, capsys) -> tuple[int, dict, str, str]:
    report = stack["dir"] / "audit.json"
    code = main(["audit", "--stack", "dev", "--cwd", str(stack["dir"]), "--json-output", str(report), *args])
    out, err = capsys.readouterr()
    return code, json.loads(report.read_text()) if report.exists() else {}, out, err


def kinds(payload: dict) -> list[tuple[str, str, str | None]]:
    return [(d["kind"], d["name"], d["item"]) for d in payload["drift"]]


# -- clean -------------------------------------------------------------------------------------------


def test_tenant_matching_the_stack_is_clean(stack, capsys):
    code, payload, out, err = audit(stack, capsys=capsys)

    assert code == 0, out
    assert payload["clean"] is True and payload["drift"] == []
    assert "**No drift.**" in out
    assert "reading SCIM users" in err  # progress goes to stderr, the report to stdout


def test_a_model_in_its_own_file_is_audited_like_the_inline_one(stack, capsys):
    """`scope-manager:accessFile`: the stack file names the model file; the audit reads it from there."""
    stack_file = stack["dir"] / "Pulumi.dev.yaml"
    document = yaml.safe_load(stack_file.read_text())
    model = document["config"].pop("scope-manager:access")
    document["config"]["scope-manager:accessFile"] = "access/dev.yaml"
    (stack["dir"] / "access").mkdir()
    (stack["dir"] / "access" / "dev.yaml").write_text(yaml.safe_dump(model, sort_keys=False))
    stack_file.write_text(yaml.safe_dump(document, sort_keys=False))
    with stack["emu"].admin_http() as http:  # one change by hand, so the audit shows it read the model
        set_client_scopes(http, stack["applied"].client_ids["reporting"], ["scim:read", "scim:write"])

    code, payload, _, _ = audit(stack, capsys=capsys)

    assert code == 2
    assert kinds(payload) == [("undeclared_scope", "reporting", "scim:write")]


def test_the_audits_own_client_is_not_reported_as_undeclared(stack, capsys):
    code, payload, out, _ = audit(stack, capsys=capsys)

    admin_id = stack["emu"].credentials["client_id"]
    assert code == 0
    assert payload["tenant"]["excluded_admin_client"] == admin_id
    assert f"`{admin_id}`" in out


# -- each kind of drift --------------------------------------------------------------------------------


def test_client_created_in_the_console_is_undeclared(stack, capsys):
    with stack["emu"].admin_http() as http:
        console_client(http, "shadow-integration", ["ziam:admin"])

    code, payload, out, _ = audit(stack, capsys=capsys)

    assert code == 2
    [found] = payload["drift"]
    assert (found["kind"], found["name"], found["privileged"]) == (
        "undeclared_client",
        "shadow-integration",
        True,
    )
    assert "ziam:admin" in found["detail"]
    assert "#### Undeclared API clients" in out and "⚠️ write/admin" in out


def test_scope_granted_and_scope_removed_by_hand(stack, capsys):
    with stack["emu"].admin_http() as http:
        set_client_scopes(http, stack["applied"].client_ids["reporting"], ["scim:read", "scim:write"])
        set_client_scopes(http, stack["applied"].client_ids["sync"], ["scim:read", "scim:write"])

    code, payload, out, _ = audit(stack, capsys=capsys)

    assert code == 2
    assert kinds(payload) == [
        ("undeclared_scope", "reporting", "scim:write"),
        ("missing_scope", "directory-sync", "connector:read"),
    ]
    assert payload["drift"][0]["privileged"] is True
    assert "`scim:write` ⚠️ write/admin **granted by hand**" in out


def test_grant_past_its_expiry_but_still_granted(stack, capsys):
    as_of = GRANT_EXPIRES + dt.timedelta(days=1)

    code, payload, _, _ = audit(stack, "--as-of", as_of.isoformat(), capsys=capsys)

    assert code == 2
    assert kinds(payload) == [("expired_grant", "directory-sync", "connector:read")]
    assert GRANT_EXPIRES.isoformat() in payload["drift"][0]["detail"]


def test_members_added_and_removed_by_hand(stack, capsys):
    ids = stack["applied"].user_ids
    groups = stack["applied"].group_ids
    creds = stack["emu"].credentials
    patch_members(creds, groups["quarantine"], "add", ids["bob@example.com"])
    patch_members(creds, groups["contractors"], "remove", ids["raj@contractor.example"])
    patch_members(creds, groups["all-staff"], "add", ids["bob@example.com"])  # not exclusive: allowed

    code, payload, out, _ = audit(stack, capsys=capsys)

    assert code == 2
    assert kinds(payload) == [
        ("member_added", "Quarantine", "bob@example.com"),
        ("member_removed", "Contractors", "raj@contractor.example"),
    ]
    assert "`bob@example.com` **added by hand**" in out


def test_secret_deleted_out_of_band(stack, capsys):
    client_id = stack["applied"].client_ids["reporting"]
    secret_id = stack["applied"].secret_ids["reporting"]
    with stack["emu"].admin_http() as http:
        http.delete(f"{ADMIN_API}/api-clients/{client_id}/secrets/{secret_id}").raise_for_status()

    code, payload, _, _ = audit(stack, capsys=capsys)

    assert code == 2
    assert kinds(payload) == [
        ("secret_missing", "reporting", None),
        ("dormant_client", "reporting", "no live secret"),  # nothing can get a token for it now
    ]


def test_secrets_expiring_within_the_window_and_expired(stack, capsys):
    code, payload, _, _ = audit(stack, "--expiring-days", "95", capsys=capsys)
    assert code == 2
    assert sorted(kinds(payload)) == [
        ("secret_expiring", "directory-sync", stack["applied"].secret_ids["sync"]),
        ("secret_expiring", "reporting", stack["applied"].secret_ids["reporting"]),
    ]

    later = stack["applied"].secrets_made_on + dt.timedelta(days=91)  # the 90-day secrets have expired
    code, payload, _, _ = audit(stack, "--as-of", later.isoformat(), capsys=capsys)
    assert code == 2
    assert {k for k, _, _ in kinds(payload)} == {"secret_expired", "expired_grant", "dormant_client"}
    assert sorted((name, item) for kind, name, item in kinds(payload) if kind == "dormant_client") == [
        ("directory-sync", "no live secret"),
        ("reporting", "no live secret"),
    ]


def test_a_new_secret_ends_the_expiry_warning(stack, capsys):
    client_id = stack["applied"].client_ids["reporting"]
    with stack["emu"].admin_http() as http:
        http.post(
            f"{ADMIN_API}/api-clients/{client_id}/secrets", json={"expiresAt": int(time.time()) + 300 * 86400}
        ).raise_for_status()

    _, payload, _, _ = audit(stack, "--expiring-days", "95", capsys=capsys)

    assert [name for kind, name, _ in kinds(payload) if kind == "secret_expiring"] == ["directory-sync"]


def test_declared_objects_deleted_out_of_band_are_missing(stack, capsys):
    applied = stack["applied"]
    with stack["emu"].admin_http() as http:
        http.delete(f"{ADMIN_API}/api-clients/{applied.client_ids['reporting']}").raise_for_status()
    with scim_http(stack["emu"].credentials) as http:
        http.delete(f"/Groups/{applied.group_ids['quarantine']}").raise_for_status()
        http.delete(f"/Users/{applied.user_ids['bob@example.com']}").raise_for_status()

    code, payload, out, _ = audit(stack, capsys=capsys)

    assert code == 2
    assert kinds(payload) == [
        ("missing_object", "reporting", None),
        ("missing_object", "Quarantine", None),
        ("missing_object", "bob@example.com", None),
    ]
    assert "#### Declared objects missing from the tenant" in out


def test_user_deactivated_and_client_disabled_by_hand(stack, capsys):
    applied = stack["applied"]
    with scim_http(stack["emu"].credentials) as http:
        body = {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "active", "value": False}],
        }
        http.patch(f"/Users/{applied.user_ids['ann@contractor.example']}", json=body).raise_for_status()
    with stack["emu"].admin_http() as http:
        path = f"{ADMIN_API}/api-clients/{applied.client_ids['reporting']}"
        record = http.get(path).json()
        record["status"] = False
        record.pop("id")
        for resource in record["clientResources"]:
            resource["selectedScopes"] = [{"id": s["id"]} for s in resource["selectedScopes"]]
            resource.pop("name", None)
            resource.pop("defaultApi", None)
        http.put(path, json=record).raise_for_status()

    code, payload, _, _ = audit(stack, capsys=capsys)

    assert code == 2
    assert kinds(payload) == [
        ("setting_changed", "reporting", "enabled"),
        ("setting_changed", "ann@contractor.example", "active"),
        ("dormant_client", "reporting", "disabled"),
    ]


# -- cost, output, errors ------------------------------------------------------------------------------


def test_reads_list_pages_not_one_get_per_object(stack, capsys):
    emu = stack["emu"]
    emu.reset_stats()

    code, payload, _, _ = audit(stack, capsys=capsys)

    routes = emu.stats()
    assert code == 0
    assert routes.get("GET /ziam/admin/api/v1/api-clients") == 1
    assert routes.get("GET /ziam/admin/api/v1/api-clients/{id}", 0) == 0
    # The API lists secrets per client: one list for each declared client, none for the others.
    assert routes.get("GET /ziam/admin/api/v1/api-clients/{id}/secrets") == len(MODEL["clients"])
    scim_gets = {route: count for route, count in routes.items() if route.startswith("GET /scim/")}
    assert sum(scim_gets.values()) == 2, scim_gets  # one page of users, one page of groups
    assert routes.get("POST /oauth2/v1/token") == 1
    assert payload["requests"] == sum(routes.values())


def test_markdown_and_json_can_go_to_files(stack, capsys):
    report = stack["dir"] / "audit.md"

    before = dt.datetime.now(dt.UTC).date()
    code, payload, out, _ = audit(stack, "--output", str(report), capsys=capsys)
    after = dt.datetime.now(dt.UTC).date()

    assert code == 0 and out == ""
    assert report.read_text().startswith("### Scope Manager drift audit — stack `dev`")
    # Without --as-of the audit is as of the UTC day it ran (either one, if it ran across midnight).
    assert payload["stack"] == "dev" and payload["as_of"] in {before.isoformat(), after.isoformat()}


def test_encrypted_credentials_without_environment_are_a_clear_error(stack, capsys, monkeypatch):
    monkeypatch.delenv("SCOPE_MANAGER_CLIENT_SECRET")
    monkeypatch.delenv("SCOPE_MANAGER_SCIM_TOKEN")

    code, _, out, err = audit(stack, capsys=capsys)

    assert code == 1 and out == ""
    assert "SCOPE_MANAGER_CLIENT_SECRET" in err
    assert "scope-manager:clientSecret, scope-manager:scimToken encrypted (secure:)" in err
    assert "--credentials-file" in err
    assert "v1:bm90" not in err


def test_credentials_file_replaces_stack_settings(stack, capsys, monkeypatch):
    monkeypatch.delenv("SCOPE_MANAGER_CLIENT_SECRET")
    creds_file = stack["emu"].data_dir / "credentials.json"

    code, _, _, _ = audit(stack, "--credentials-file", str(creds_file), capsys=capsys)

    assert code == 0


def test_secret_values_never_appear_in_output(stack, capsys):
    creds = stack["emu"].credentials
    with stack["emu"].admin_http() as http:
        console_client(http, "leaky")

    _, payload, out, err = audit(stack, capsys=capsys)

    text = out + err + json.dumps(payload)
    assert creds["client_secret"] not in text and creds["scim_token"] not in text


def test_invalid_model_is_an_error_listing_every_problem(stack, capsys):
    path: Path = stack["dir"] / "Pulumi.dev.yaml"
    document = yaml.safe_load(path.read_text())
    document["config"]["scope-manager:access"]["clients"]["reporting"]["purpose"] = "reportin"
    document["config"]["scope-manager:access"]["groups"]["quarantine"]["colour"] = "red"
    path.write_text(yaml.safe_dump(document))

    code, _, _, err = audit(stack, capsys=capsys)

    assert code == 1
    assert "clients.reporting.purpose" in err and "groups.quarantine.colour" in err


def test_a_wrong_scim_url_is_one_line_naming_it_and_its_setting(stack, capsys):
    """The token and admin API answer but nothing listens at scimUrl: the most likely typo in a stack."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}/scim/v2"
    path: Path = stack["dir"] / "Pulumi.dev.yaml"
    document = yaml.safe_load(path.read_text())
    document["config"]["scope-manager:scimUrl"] = dead
    path.write_text(yaml.safe_dump(document))

    code, _, out, err = audit(stack, "--quiet", capsys=capsys)

    assert code == 1 and out == ""
    [line] = err.strip().splitlines()
    assert dead.rsplit("/scim", 1)[0] in line and "scimUrl" in line
    creds = stack["emu"].credentials
    assert creds["client_secret"] not in err and creds["scim_token"] not in err
