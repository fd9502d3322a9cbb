"""`scopectl export` against a live emulator: the exported stack file validates, the model's desired
state reproduces the tenant exactly, and an audit of it finds no drift."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from pathlib import Path

import pytest
import yaml

from access_model import desired_state, load_stack, read_stack_access
from policies import rules
from scopectl.__main__ import main
from scopectl.export import _scalar
from tests.scopectl.tenant_setup import ADMIN_API, console_client, patch_members, scim_http
from tests.support.program_double import run_program

TODAY = dt.datetime.now(dt.UTC).date()


@pytest.fixture
def handmade(tenant) -> dict:
    """A tenant clicked together by hand: clients with odd names, a disabled one, groups, users."""
    clients = {
        "Directory Sync (prod)": (["scim:read", "scim:write", "sync:profile:read"], True, 3600),
        "directory-sync-prod": (["connector:read"], True, 600),  # slugs to the same key as above
        "old reporting": (["scim:read"], False, 900),
        "9-lives": ([], True, 86400),
    }
    ids = {}
    with tenant.admin_http() as http:
        for name, (scopes, enabled, lifetime) in clients.items():
            description = f"{name}, made in the console"
            ids[name] = console_client(
                http, name, scopes, enabled=enabled, lifetime=lifetime, description=description
            )
            expires = int(time.time()) + 200 * 86400
            http.post(
                f"{ADMIN_API}/api-clients/{ids[name]}/secrets", json={"expiresAt": expires}
            ).raise_for_status()
    users = {}
    with scim_http(tenant.credentials) as http:
        for user_name, active in (
            ("ann@contractor.example", True),
            ("bob@example.com", False),
            ("svc-backup", True),
        ):
            body = {
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": user_name,
                "active": active,
                "name": {"givenName": user_name.split("@")[0].title(), "familyName": "Example"},
            }
            if "@" in user_name:
                body["emails"] = [{"value": user_name, "primary": True}]
            response = http.post("/Users", json=body)
            response.raise_for_status()
            users[user_name] = response.json()["id"]
        groups = {}
        for display_name, external_id in (("Quarantine", None), ("Contractors 2026", "hr-4711")):
            body = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": display_name}
            if external_id:
                body["externalId"] = external_id
            response = http.post("/Groups", json=body)
            response.raise_for_status()
            groups[display_name] = response.json()["id"]
    patch_members(tenant.credentials, groups["Contractors 2026"], "add", users["ann@contractor.example"])
    patch_members(tenant.credentials, groups["Contractors 2026"], "add", users["bob@example.com"])
    return {"emu": tenant, "clients": clients, "client_ids": ids, "users": users, "groups": groups}


def export(handmade: dict, tmp_path: Path, *args: str, capsys) -> tuple[int, Path, str]:
    output = tmp_path / "Pulumi.adopted.yaml"
    creds = handmade["emu"].data_dir / "credentials.json"
    code = main(["export", "--credentials-file", str(creds), "--output", str(output), *args])
    return code, output, capsys.readouterr().err


def test_exported_stack_file_validates(handmade, tmp_path, capsys):
    code, output, _ = export(handmade, tmp_path, capsys=capsys)

    assert code == 0
    capsys.readouterr()
    # The model is valid; the policy pack's rules flag the TODOs an export cannot fill in (owners,
    # justifications), so validate exits 1 until they are, as `pulumi up --policy-pack` would refuse.
    assert main(["validate", "--stack-file", str(output), "--format", "json"]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert payload["valid"] is True and payload["errors"] == []
    assert {f["rule"] for f in payload["findings"]} >= {"client-has-owner"}


def test_desired_state_of_the_export_reproduces_the_tenant_exactly(handmade, tmp_path, capsys):
    _, output, _ = export(handmade, tmp_path, capsys=capsys)

    desired = desired_state(load_stack(output), TODAY)

    clients = {c.name: c for c in desired.clients.values()}
    assert set(clients) == set(handmade["clients"])  # the admin client is left out
    for name, (scopes, enabled, lifetime) in handmade["clients"].items():
        client = clients[name]
        assert sorted(client.scopes) == sorted(scopes), name
        assert (client.enabled, client.access_token_lifetime, client.adopt) == (enabled, lifetime, True)
        assert client.description == f"{name}, made in the console"
    groups = {g.display_name: g for g in desired.groups.values()}
    assert groups["Contractors 2026"].members == ("ann@contractor.example", "bob@example.com")
    assert groups["Contractors 2026"].external_id == "hr-4711"
    assert groups["Quarantine"].members == ()
    assert all(g.adopt and g.exclusive for g in groups.values())
    users = {u.user_name: u for u in desired.users.values()}
    assert set(users) == set(handmade["users"])
    assert users["bob@example.com"].active is False
    assert users["ann@contractor.example"].emails == ("ann@contractor.example",)
    assert users["ann@contractor.example"].given_name == "Ann"
    assert all(u.adopt for u in users.values())


def test_the_program_declares_resources_matching_the_tenant(handmade, tmp_path, capsys):
    _, output, _ = export(handmade, tmp_path, capsys=capsys)

    run = run_program(read_stack_access(output), env={"SCOPE_MANAGER_TODAY": TODAY.isoformat()})

    assert run.error is None, run.error
    clients = {r.plain_inputs["name"]: r for r in run.by_type("zidentity:ApiClient").values()}
    assignments = run.by_type("zidentity:ScopeAssignment")
    assert set(clients) == set(handmade["clients"])
    for name, (scopes, enabled, lifetime) in handmade["clients"].items():
        inputs = clients[name].plain_inputs
        assert (inputs["enabled"], inputs["access_token_lifetime"], inputs["adopt"]) == (
            enabled,
            lifetime,
            True,
        )
        assert sorted(assignments[f"{clients[name].name}-scopes"].plain_inputs["scopes"]) == sorted(scopes)
    groups = {r.plain_inputs["display_name"]: r.plain_inputs for r in run.by_type("scim:Group").values()}
    assert sorted(groups["Contractors 2026"]["members"]) == ["ann@contractor.example", "bob@example.com"]
    assert not groups["Quarantine"].get("members")
    assert all(g["adopt"] is True for g in groups.values())
    users = {r.plain_inputs["user_name"]: r.plain_inputs for r in run.by_type("scim:User").values()}
    assert set(users) == set(handmade["users"])
    assert users["bob@example.com"]["active"] is False and users["svc-backup"]["active"] is True


def test_policy_rules_flag_exactly_the_todo_placeholders(handmade, tmp_path, capsys):
    _, output, _ = export(handmade, tmp_path, capsys=capsys)
    run = run_program(read_stack_access(output), env={"SCOPE_MANAGER_TODAY": TODAY.isoformat()})
    resources = [
        {
            "type": r.type,
            "urn": r.urn,
            "name": r.name,
            "props": r.plain_inputs,
            "dependencies": r.dependencies,
            "property_dependencies": r.property_dependencies,
        }
        for r in run.registrations
    ]

    mandatory = {
        (f.rule, f.urn.rsplit("::", 1)[-1]) for f in rules.evaluate(resources) if f.level == "mandatory"
    }

    keys = {r.plain_inputs["name"]: r.name for r in run.by_type("zidentity:ApiClient").values()}
    expected = {("client-has-owner", key) for key in keys.values()}
    expected.add(("write-scopes-justified", f"{keys['Directory Sync (prod)']}-scopes"))  # scim:write
    assert mandatory == expected


def test_audit_of_the_export_finds_no_drift(handmade, tmp_path, capsys):
    _, output, _ = export(handmade, tmp_path, capsys=capsys)
    creds = handmade["emu"].data_dir / "credentials.json"
    report = tmp_path / "audit.json"

    code = main(
        [
            "audit",
            "--stack-file",
            str(output),
            "--credentials-file",
            str(creds),
            "--json-output",
            str(report),
            "-q",
        ]
    )

    found = json.loads(report.read_text())["drift"]
    assert code == 0, found
    # The exported model declares the disabled client disabled: reported as dormant, not as drift.
    assert [(f["kind"], f["name"], f["item"], f["declared"]) for f in found] == [
        ("dormant_client", "old reporting", "disabled", True)
    ]


def test_clashing_names_get_distinct_valid_keys(handmade, tmp_path, capsys):
    _, output, _ = export(handmade, tmp_path, capsys=capsys)

    keys = {c.name: c.key for c in load_stack(output).clients.values()}
    assert keys["Directory Sync (prod)"] == "Directory-Sync-prod"
    assert keys["directory-sync-prod"] == "directory-sync-prod-2"
    assert keys["9-lives"] == "client-9-lives"


def test_write_scopes_are_left_without_justification_and_marked_todo(handmade, tmp_path, capsys):
    _, output, err = export(handmade, tmp_path, capsys=capsys)
    text = output.read_text()

    model = load_stack(output)
    [sync] = [c for c in model.clients.values() if c.name == "Directory Sync (prod)"]
    assert sync.scopes["scim:write"].justification is None
    assert "scim:write: {}  # TODO justification" in text
    assert "scim:read: {}\n" in text  # read scopes need none
    assert text.count("# TODO owner:") == 4
    assert "1 write/admin scope without a justification" in err


def test_admin_client_is_left_out_and_named(handmade, tmp_path, capsys):
    _, output, _ = export(handmade, tmp_path, capsys=capsys)
    text = output.read_text()

    admin_id = handmade["emu"].credentials["client_id"]
    assert f"# Not exported: API client 'emulator-admin' (id {admin_id})" in text
    assert all(c.name != "emulator-admin" for c in load_stack(output).clients.values())


def test_no_secret_value_is_written(handmade, tmp_path, capsys):
    _, output, err = export(handmade, tmp_path, capsys=capsys)
    text = output.read_text() + err

    creds = handmade["emu"].credentials
    assert creds["client_secret"] not in text
    assert creds["scim_token"] not in text
    assert "scope-manager:clientSecret:" not in text
    assert f"scope-manager:apiUrl: {creds['api_url']}" in text  # non-secret endpoints are carried over


def test_existing_output_is_not_overwritten_without_force(handmade, tmp_path, capsys):
    output = tmp_path / "Pulumi.adopted.yaml"
    output.write_text("config: {}\n")

    code, _, err = export(handmade, tmp_path, capsys=capsys)

    assert code == 1
    assert "the file exists; pass --force" in err
    assert output.read_text() == "config: {}\n"
    assert export(handmade, tmp_path, "--force", capsys=capsys)[0] == 0


def test_a_model_file_holds_the_model_and_the_stack_file_names_it(handmade, tmp_path, capsys):
    (tmp_path / "Pulumi.yaml").write_text("name: scope-manager\nruntime: python\n")
    model_file = tmp_path / "access" / "adopted.yaml"  # access/ does not exist yet

    code, output, err = export(handmade, tmp_path, "--model-file", str(model_file), capsys=capsys)

    assert code == 0 and f"wrote {model_file} (the access model)" in err
    stack_config = yaml.safe_load(output.read_text())["config"]
    assert stack_config["scope-manager:accessFile"] == "access/adopted.yaml"  # relative to Pulumi.yaml
    assert "scope-manager:access" not in stack_config
    assert "# TODO owner:" in model_file.read_text()  # the comments travel with the model
    inline = tmp_path / "inline"
    inline.mkdir()
    _, inline_output, _ = export(handmade, inline, capsys=capsys)
    assert read_stack_access(output) == read_stack_access(inline_output)
    # A second export keeps both files unless --force.
    code, _, err = export(handmade, tmp_path, "--model-file", str(model_file), capsys=capsys)
    assert code == 1 and "the file exists; pass --force" in err


def test_an_inline_export_too_large_for_the_engine_says_to_use_a_model_file(handmade, tmp_path, capsys):
    with handmade["emu"].admin_http() as http:
        for number in range(34):  # about 4 KB of stack config each
            console_client(http, f"bulk-{number}", description="d" * 4000)

    code, _, err = export(handmade, tmp_path, "--quiet", capsys=capsys)

    assert code == 0
    assert re.search(
        r"^warning: the exported stack config is about [\d,]+ bytes, more than the 131,072", err, re.M
    )
    assert "export again with --model-file access/<stack>.yaml" in err
    _, _, err = export(
        handmade, tmp_path, "--quiet", "--force", "--model-file", str(tmp_path / "m.yaml"), capsys=capsys
    )
    assert err == ""


def test_no_users_leaves_users_out_but_keeps_group_members(handmade, tmp_path, capsys):
    _, output, _ = export(handmade, tmp_path, "--no-users", capsys=capsys)

    model = load_stack(output)
    assert model.users == {}
    assert any(g.members for g in model.groups.values())


def test_export_to_stdout(handmade, capsys):
    creds = handmade["emu"].data_dir / "credentials.json"

    code = main(["export", "--credentials-file", str(creds), "-q"])

    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("# Access model exported from ")
    assert "  scope-manager:access:\n" in out


def test_group_member_that_is_not_a_user_is_reported_not_exported(handmade, tmp_path, capsys):
    with scim_http(handmade["emu"].credentials) as http:
        patch = {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [
                {"op": "add", "path": "members", "value": [{"value": handmade["groups"]["Quarantine"]}]}
            ],
        }
        response = http.patch(f"/Groups/{handmade['groups']['Contractors 2026']}", json=patch)
    # The emulator, like RFC 7644, does not check that a member id names a user, so a group id is
    # accepted as a member; the export must leave such a member out and say why.
    assert response.status_code < 400, response.text

    _, output, _ = export(handmade, tmp_path, capsys=capsys)

    assert "# not exported: member group 'Quarantine' (members are users)" in output.read_text()


@pytest.mark.parametrize(
    "value",
    ["scim:read", "Scope:Default: Role:API Full Access", "Role:ZDX Read Only", "O'Brien", "a #b", "x:",
     "-dash", "true", "yes", "on", "null", "~", "2026-01-01", "1e3", "0o17", "0x1F", "12", ".inf", "",
     " padded ", "Directory Sync (prod)", "ann@contractor.example", "multi\nline", "tab\there", "ünïcödé"],
)  # fmt: skip
def test_every_exported_string_reads_back_as_the_same_string(value):
    written = _scalar(value)

    assert yaml.safe_load(f"key: {written}")["key"] == value
    if value in ("1e3", "0o17", "12", ".inf", "true", "null", "~"):
        assert written.startswith("'")  # a YAML 1.2 reader (the Pulumi CLI) would not see a string otherwise


def test_a_console_client_with_a_padded_name_is_named_and_left_out_not_a_failed_export(
    handmade, tmp_path, capsys
):
    # The tenant keeps a name with a trailing space; a stack file cannot declare it (the model refuses
    # surrounding whitespace), so the export says which client it left out and why, and still succeeds.
    with handmade["emu"].admin_http() as http:
        padded_id = console_client(http, "legacy sync ")

    code, output, err = export(handmade, tmp_path, capsys=capsys)

    assert code == 0
    assert f"not exported: API client 'legacy sync ' (id {padded_id}): its name starts or ends with" in err
    assert f"# Not exported: API client 'legacy sync ' (id {padded_id})" in output.read_text()
    exported_names = {c.name for c in load_stack(output).clients.values()}
    assert exported_names == set(handmade["clients"])
