"""`scopectl.export_model.build_model`: a tenant snapshot turned into the `scope-manager:access` value
of a stack file. Asserted through what a person and the tools do with it: it validates and parses
back to the tenant's own settings, what the tenant does not say is left out (so the model's defaults
apply), keys are valid and unique, and the policy pack objects only to the TODOs a person must fill.
The CLI path (YAML, TODO comments, the live emulator) is in test_export.py."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml

from access_model import ACCESS_KEY, desired_state, format_path, load_stack, parse, validate
from policies.rules import is_write_scope
from scopectl import drift
from scopectl.export_model import build_model
from scopectl.live import LiveClient, LiveGroup, LiveTenant, LiveUser
from scopectl.model_policy import evaluate_model

TODAY = dt.date(2026, 6, 1)
ADMIN_ID = "admin-id"
CATALOG = ["scim:read", "scim:write", "ziam:admin", "ziam:read", "connector:read", "connector:write"]


def client(name: str, scopes: list[str] = (), **fields) -> LiveClient:
    values = {
        "id": f"id-{name}",
        "name": name,
        "description": None,
        "enabled": True,
        "access_token_lifetime": 3600,
        "scopes": sorted(scopes),
        **fields,
    }
    return LiveClient(**values)


def user(user_name: str, **fields) -> LiveUser:
    values = {
        "id": f"u-{user_name}",
        "user_name": user_name,
        "active": True,
        "given_name": None,
        "family_name": None,
        "emails": [],
        "external_id": None,
        **fields,
    }
    return LiveUser(**values)


def tenant(clients=(), users=(), groups=(), *, zidentity: bool = True, scim: bool = True) -> LiveTenant:
    return LiveTenant(
        clients=list(clients),
        users=list(users),
        groups=list(groups),
        catalog=list(CATALOG),
        admin_client_id=ADMIN_ID,
        read_zidentity=zidentity,
        read_scim=scim,
    )


HANDMADE = tenant(
    clients=[
        client("Directory Sync (prod)", ["scim:read", "scim:write"], description="made in the console"),
        client("old reporting", ["scim:read"], enabled=False, access_token_lifetime=900),
        client("emulator-admin", ["ziam:admin"], id=ADMIN_ID),
    ],
    users=[
        user(
            "ann@contractor.example", given_name="Ann", family_name="Lee", emails=["ann@contractor.example"]
        ),
        user("bob@example.com", active=False, external_id="hr-2"),
    ],
    groups=[
        LiveGroup("g1", "Contractors 2026", "hr-4711", ["ann@contractor.example", "bob@example.com"]),
        LiveGroup("g2", "Quarantine", None, []),
    ],
)


def by_name(mapping, field: str = "name") -> dict:
    return {getattr(item, field): item for item in mapping.values()}


# -- round trip -------------------------------------------------------------------------------------


def test_the_exported_model_validates_and_parses_back_to_the_tenants_settings() -> None:
    access = build_model(HANDMADE, is_write_scope).access

    assert validate(access) == []
    model = parse(access)
    clients = by_name(model.clients)
    sync, old = clients["Directory Sync (prod)"], clients["old reporting"]
    assert (sync.description, sync.enabled, sync.access_token_lifetime, sync.adopt) == (
        "made in the console",
        True,
        3600,
        True,
    )
    assert (old.enabled, old.access_token_lifetime) == (False, 900)
    assert set(sync.scopes) == {"scim:read", "scim:write"}
    users = by_name(model.users, "user_name")
    assert (users["ann@contractor.example"].given_name, users["ann@contractor.example"].emails) == (
        "Ann",
        ("ann@contractor.example",),
    )
    assert (users["bob@example.com"].active, users["bob@example.com"].external_id) == (False, "hr-2")
    groups = by_name(model.groups, "display_name")
    assert groups["Contractors 2026"].external_id == "hr-4711"
    assert [m.user_name for m in groups["Contractors 2026"].members] == [
        "ann@contractor.example",
        "bob@example.com",
    ]
    assert all(g.exclusive and g.adopt for g in groups.values())
    assert all(u.adopt for u in users.values())
    assert model.catalog == tuple(sorted(CATALOG))


def test_the_exported_model_survives_a_stack_file(tmp_path) -> None:
    access = build_model(HANDMADE, is_write_scope).access
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text(yaml.safe_dump({"config": {ACCESS_KEY: access}}))

    assert load_stack(path) == parse(access)


def test_auditing_the_tenant_against_its_export_finds_only_the_disabled_client_dormant_on_purpose() -> None:
    model = parse(build_model(HANDMADE, is_write_scope).access)

    found = drift.find_drift(
        model,
        desired_state(model, TODAY),
        HANDMADE,
        expiring_days=14,
        now=dt.datetime.combine(TODAY, dt.time(), tzinfo=dt.UTC),
        is_privileged=is_write_scope,
    )

    assert [(f.kind, f.name, f.declared) for f in found] == [(drift.DORMANT_CLIENT, "old reporting", True)]


def test_the_policy_pack_objects_only_to_the_owner_and_justifications_left_for_a_person() -> None:
    exported = build_model(HANDMADE, is_write_scope)
    model = parse(exported.access)

    findings = evaluate_model(desired_state(model, TODAY))

    keys = {c.name: key for key, c in model.clients.items()}
    sync = keys["Directory Sync (prod)"]
    assert exported.todo_scopes == {sync: ["scim:write"]}
    assert {(f.rule, f.path) for f in findings if f.level == "mandatory"} == {
        ("client-has-owner", format_path(("clients", sync, "owner"))),
        ("client-has-owner", format_path(("clients", keys["old reporting"], "owner"))),
        ("write-scopes-justified", format_path(("clients", sync, "scopes", "scim:write"))),
    }


def test_every_exported_client_gets_a_secret_rotated_on_a_schedule() -> None:
    model = parse(build_model(HANDMADE, is_write_scope).access)
    state = desired_state(model, TODAY)

    for client_state in state.clients.values():
        assert client_state.secret.rotation.startswith("schedule:")
        assert client_state.secret.rotates_on is not None
        assert client_state.secret.renew_before_days < client_state.secret.lifetime_days


# -- what is left out -------------------------------------------------------------------------------


def test_settings_the_tenant_does_not_have_are_left_out_so_the_models_defaults_apply() -> None:
    live = tenant(
        clients=[client("bare", description="", access_token_lifetime=None)],
        users=[user("svc-backup")],
        groups=[LiveGroup("g", "Plain", None, [])],
    )

    access = build_model(live, is_write_scope).access

    (body,) = access["clients"].values()
    assert "description" not in body and body["scopes"] == {}
    assert (
        parse(access).clients["bare"].access_token_lifetime
        == parse({"clients": {"bare": {"name": "bare"}}}).clients["bare"].access_token_lifetime
    )
    (user_body,) = access["users"].values()
    assert set(user_body) <= {"user_name", "active", "adopt"}
    (group_body,) = access["groups"].values()
    assert "external_id" not in group_body


def test_only_usable_emails_are_exported_once_each() -> None:
    live = tenant(
        users=[
            user("ann", emails=["ann@example.com", "not an email", "ann@example.com", "a b@example.com", "x"])
        ]
    )

    (body,) = build_model(live, is_write_scope).access["users"].values()

    assert body["emails"] == ["ann@example.com"]
    assert validate({"users": {"ann": body}}) == []


def test_the_admin_client_scopectl_runs_as_is_left_out_and_named() -> None:
    exported = build_model(HANDMADE, is_write_scope)

    assert exported.excluded_client is not None and exported.excluded_client.id == ADMIN_ID
    assert all(body["name"] != "emulator-admin" for body in exported.access["clients"].values())


def test_group_members_that_are_not_users_are_listed_for_a_person_not_exported() -> None:
    live = tenant(groups=[LiveGroup("g", "Admins", None, ["ann@example.com"], ["group 'Nested'"])])

    exported = build_model(live, is_write_scope)

    (key,) = exported.access["groups"]
    assert exported.access["groups"][key]["members"] == ["ann@example.com"]
    assert exported.skipped_members == {key: ["group 'Nested'"]}


@pytest.mark.parametrize(
    ("read", "options", "sections"),
    [
        ({"zidentity": True, "scim": True}, {}, {"catalog", "clients", "groups", "users"}),
        ({"zidentity": True, "scim": True}, {"include_users": False}, {"catalog", "clients", "groups"}),
        ({"zidentity": True, "scim": True}, {"include_groups": False}, {"catalog", "clients", "users"}),
        ({"zidentity": False, "scim": True}, {}, {"groups", "users"}),
        ({"zidentity": True, "scim": False}, {}, {"catalog", "clients"}),
    ],
)
def test_only_what_was_read_and_asked_for_is_exported(read: dict, options: dict, sections: set) -> None:
    live = tenant(HANDMADE.clients, HANDMADE.users, HANDMADE.groups, **read)

    access = build_model(live, is_write_scope, **options).access

    assert set(access) == sections
    assert validate(access) == []


# -- keys -------------------------------------------------------------------------------------------


def test_keys_from_tenant_names_are_valid_unique_and_readable() -> None:
    long_name = "Reporting integration for the finance department's quarterly close, EMEA and APAC"
    live = tenant(
        clients=[
            client("Directory Sync (prod)"),
            client("directory-sync-prod"),  # slugs to the same key, without case
            client("9-lives"),
            client("???"),
            client(long_name),
            client(long_name + "!"),
        ],
        users=[user("ann@contractor.example"), user("ann@example.com"), user("svc-backup")],
    )

    access = build_model(live, is_write_scope).access

    keys = {body["name"]: key for key, body in access["clients"].items()}
    assert keys["Directory Sync (prod)"] == "Directory-Sync-prod"
    assert keys["directory-sync-prod"] == "directory-sync-prod-2"
    assert keys["9-lives"] == "client-9-lives"
    assert keys["???"] == "client"
    assert keys[long_name] != keys[long_name + "!"]
    assert len(keys[long_name]) <= 63 and len(keys[long_name + "!"]) <= 63
    user_keys = {body["user_name"]: key for key, body in access["users"].items()}
    assert user_keys == {
        "ann@contractor.example": "ann",
        "ann@example.com": "ann-2",
        "svc-backup": "svc-backup",
    }
    assert validate(access) == []


def test_a_client_with_the_longest_name_and_description_the_tenant_accepts_exports_to_a_valid_model() -> None:
    live = tenant(clients=[client("n" * 255, description="d" * 4096)])

    assert validate(build_model(live, is_write_scope).access) == []


@pytest.mark.parametrize("name", [" padded", "padded ", "\tpadded"])
def test_a_client_whose_name_a_stack_file_cannot_declare_is_set_aside_not_exported(name: str) -> None:
    live = tenant(clients=[client(name), client("kept")])

    exported = build_model(live, is_write_scope)

    assert [body["name"] for body in exported.access["clients"].values()] == ["kept"]
    assert [(c.name, "whitespace" in why) for c, why in exported.undeclarable_clients] == [(name, True)]
    assert validate(exported.access) == []
