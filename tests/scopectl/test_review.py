"""`scopectl.review`: what a reviewer of a stack change is told, built straight from a parsed preview
(`build_review`): scopes gained and lost per client, secret rotations and why, members joining and
leaving, users activated and deactivated; on the real engine's digests and on built ones."""

from __future__ import annotations

import pytest

from policies.rules import is_write_scope
from scopectl.preview import load_preview, parse_preview
from scopectl.review import FieldChange, ScopeGrant, build_review, display_value
from tests.scopectl import previews as pv
from tests.scopectl.real_engine_previews import FIXTURES, SYNC_SCOPES

WRITE = {"justification": "creates users (CHG-1)"}


def review_of(steps: list[dict], **digest_args):
    return build_review(parse_preview(pv.digest(steps, **digest_args), "preview.json"), is_write_scope)


def real_review(name: str):
    path = FIXTURES / f"{name}.json"
    return build_review(load_preview(path.read_text(), str(path)), is_write_scope)


def clients_by_key(review):
    return {client.key: client for client in review.clients}


def scopes_update(key: str, old: dict, new: dict) -> dict:
    return pv.step(
        "update", pv.SCOPE_ASSIGNMENT, f"{key}-scopes", pv.scopes_state(key, old), pv.scopes_state(key, new)
    )


# -- the real engine's digests ----------------------------------------------------------------------


def test_real_grant_and_revoke_names_exactly_the_scope_and_members_that_move() -> None:
    review = real_review("grant-and-revoke")

    (client,) = review.clients
    assert client.key == "directory-sync"
    assert client.scopes_granted == [ScopeGrant("ziam:read", False, "e2e needs ziam:read")]
    assert [(g.scope, g.privileged) for g in client.scopes_revoked] == [("connector:write", True)]
    assert client.secret is None and client.scopes_amended == []
    (group,) = review.groups
    assert (group.key, group.joining, group.leaving) == (
        "contractors",
        ["raj.patel@contractor.example"],
        ["ann.lee@contractor.example"],
    )
    assert review.has_changes and review.errors == [] and review.other == []


def test_real_rotation_says_why_until_when_the_old_secret_lives_and_lists_every_scope_held() -> None:
    (client,) = real_review("rotation").clients

    assert client.key == "directory-sync"
    assert client.secret.action == "rotate"
    assert client.secret.reasons == ("manual",)
    assert client.secret.details == ("manual rotation: incident-42",)
    assert client.previous_secret.startswith("valid until ")
    assert client.previous_secret.endswith("(overlap of 7 days)")
    # A rotation is a chance to re-evaluate what the client holds: the unchanged set, in full.
    assert [g.scope for g in client.scope_set] == sorted(SYNC_SCOPES)
    assert {g.scope for g in client.scope_set if g.privileged} == {"scim:write", "connector:write"}
    assert client.scopes_granted == [] and client.scopes_revoked == []


def test_real_new_stack_grants_every_declared_scope_to_created_clients() -> None:
    review = real_review("create")

    clients = clients_by_key(review)
    assert {key: c.lifecycle for key, c in clients.items()} == {
        "reporting": "created",
        "directory-sync": "created",
    }
    assert clients["directory-sync"].tenant_name == "directory-sync-connector"
    assert [g.scope for g in clients["directory-sync"].scopes_granted] == sorted(SYNC_SCOPES)
    assert clients["directory-sync"].secret.action == "create"
    assert {u.key: (u.lifecycle, u.activation) for u in review.users} == {
        "ann": ("created", None),
        "raj": ("created", None),
    }
    (group,) = review.groups
    assert (group.lifecycle, group.joining, group.leaving) == ("created", ["ann.lee@contractor.example"], [])


# -- scopes -----------------------------------------------------------------------------------------


def test_scopes_granted_revoked_and_amended_carry_privilege_and_justification() -> None:
    old = {"scim:read": {}, "connector:write": {"justification": "old reason"}, "ziam:read": {}}
    new = {"scim:read": {}, "connector:write": {"justification": "new reason"}, "scim:write": WRITE}

    (client,) = review_of([scopes_update("sync", old, new)]).clients

    assert client.key == "sync"  # found through the scope set's dependency on its ApiClient
    assert client.lifecycle == "unchanged"
    assert client.scopes_granted == [ScopeGrant("scim:write", True, "creates users (CHG-1)")]
    assert client.scopes_revoked == [ScopeGrant("ziam:read", False)]
    assert client.scopes_amended == [ScopeGrant("connector:write", True, "new reason")]


def test_a_grant_expiry_change_is_an_amendment() -> None:
    old = {"scim:read": {"expires": "2026-12-31"}}
    new = {"scim:read": {"expires": "2027-03-31"}}

    (client,) = review_of([scopes_update("sync", old, new)]).clients

    assert client.scopes_amended == [ScopeGrant("scim:read", False, None, "2027-03-31")]
    assert client.scopes_granted == client.scopes_revoked == []


def test_a_scope_set_hidden_as_a_secret_is_opaque_not_guessed() -> None:
    old = pv.scopes_state("sync", {"scim:read": {}})
    new = pv.scopes_state("sync", {"scim:read": {}})
    new["inputs"]["scopes"] = pv.SECRET

    (client,) = review_of([pv.step("update", pv.SCOPE_ASSIGNMENT, "sync-scopes", old, new)]).clients

    assert client.scopes_opaque
    assert client.scopes_granted == client.scopes_revoked == []


def test_adopting_a_client_adopts_its_scopes_rather_than_granting_them() -> None:
    steps = [
        pv.step("create", pv.API_CLIENT, "legacy", new=pv.client_state("legacy", adopt=True)),
        pv.step(
            "create", pv.SCOPE_ASSIGNMENT, "legacy-scopes", new=pv.scopes_state("legacy", {"scim:write": {}})
        ),
    ]

    (client,) = review_of(steps).clients

    assert client.lifecycle == "adopted"
    assert client.scopes_adopted == [ScopeGrant("scim:write", True)]
    assert client.scopes_granted == []


def test_a_deleted_client_revokes_its_scopes_and_its_secret() -> None:
    client_state = pv.client_state("legacy", client_id="cid-legacy")
    scopes = pv.scopes_state("legacy", {"scim:read": {}, "scim:write": WRITE})
    secret = pv.secret_state("legacy")
    steps = [
        pv.step("delete", pv.SCOPE_ASSIGNMENT, "legacy-scopes", old=scopes),
        pv.step("delete", pv.CLIENT_SECRET, "legacy-secret", old=secret),
        pv.step("delete", pv.API_CLIENT, "legacy", old=client_state),
    ]

    (client,) = review_of(steps).clients

    assert client.lifecycle == "deleted"
    assert [g.scope for g in client.scopes_revoked] == ["scim:read", "scim:write"]
    assert client.secret.action == "revoke"


def test_a_scope_set_is_matched_to_its_client_by_client_id_when_nothing_else_links_them() -> None:
    client = pv.client_state("billing", client_id="cid-777")
    scopes = pv.scopes_state("renamed-resource", {"scim:read": {}}, client_id="cid-777")
    scopes["dependencies"] = []
    scopes["parent"] = pv.urn(pv.STACK_TYPE, "")
    updated = {**scopes, "inputs": {**scopes["inputs"], "scopes": {"scim:read": {}, "ziam:read": {}}}}
    steps = [
        pv.step("same", pv.API_CLIENT, "billing", client, client),
        pv.step("update", pv.SCOPE_ASSIGNMENT, "renamed-resource-scopes", scopes, updated),
    ]

    (review,) = review_of(steps).clients

    assert review.key == "billing"
    assert [g.scope for g in review.scopes_granted] == ["ziam:read"]


def test_client_setting_changes_name_the_field_and_never_show_secret_or_unknown_values() -> None:
    old = pv.client_state("sync", client_id="cid-sync", description="Sync users", enabled=True)
    new = pv.client_state(
        "sync", client_id="cid-sync", description=pv.SECRET, enabled=False, owner=pv.UNKNOWN
    )

    (client,) = review_of([pv.step("update", pv.API_CLIENT, "sync", old, new)]).clients

    assert client.lifecycle == "updated"
    assert client.field_changes == [
        FieldChange("description", "Sync users", "(secret)"),
        FieldChange("enabled", "true", "false"),
        FieldChange("owner", "identity-platform@example.com", "(known after apply)"),
    ]


# -- secrets ----------------------------------------------------------------------------------------


def rotation_review(old_rotation: str, new_rotation: str, reasons: list[str], **old_args):
    old = pv.secret_state("sync", rotation=old_rotation, **old_args)
    new = pv.secret_state("sync", rotation=new_rotation)
    (client,) = review_of(pv.replacement(pv.CLIENT_SECRET, "sync-secret", old, new, reasons)).clients
    return client.secret


def test_a_scheduled_rotation_names_the_new_period() -> None:
    secret = rotation_review("schedule:2026-07-01", "schedule:2026-09-15", ["rotation"])

    assert (secret.action, secret.reasons) == ("rotate", ("schedule",))
    assert secret.details == ("scheduled rotation: new period from 2026-09-15",)


def test_a_manual_rotation_is_told_apart_from_the_schedule_and_keeps_its_reason_text() -> None:
    secret = rotation_review(
        "schedule:2026-07-01", "schedule:2026-07-01 manual:leaked in CI log", ["rotation"]
    )

    assert secret.reasons == ("manual",)
    assert secret.details == ("manual rotation: leaked in CI log",)


def test_a_rotation_forced_by_expiry_names_when_the_current_secret_expires() -> None:
    secret = rotation_review(
        "schedule:2026-07-01", "schedule:2026-07-01", ["expires_at"], expires_at="2026-07-20T00:00:00Z"
    )

    assert secret.reasons == ("expiry",)
    assert secret.details == (
        "the current secret expires 2026-07-20T00:00:00Z (expired, missing or inside its renewal window)",
    )


def test_a_replacement_for_another_reason_names_the_inputs_not_their_values() -> None:
    secret = rotation_review("schedule:2026-07-01", "schedule:2026-07-01", ["client_id"])

    assert secret.reasons == ("other",)
    assert secret.details == ("replaced because client_id changed",)


def test_a_new_secret_states_its_lifetime_and_a_lifetime_edit_is_a_field_change() -> None:
    created = review_of([pv.step("create", pv.CLIENT_SECRET, "sync-secret", new=pv.secret_state("sync"))])
    old = pv.secret_state("sync")
    new = pv.secret_state("sync")
    new["inputs"]["lifetime_days"] = 60
    edited = review_of([pv.step("update", pv.CLIENT_SECRET, "sync-secret", old, new)])

    assert created.clients[0].secret.action == "create"
    assert created.clients[0].secret.details == ("lifetime 90 days",)
    assert edited.clients[0].secret.action == "update"
    assert edited.clients[0].secret.field_changes == (FieldChange("lifetime_days", "90", "60"),)


def test_the_run_that_ends_an_overlap_window_says_the_previous_secret_is_revoked() -> None:
    note = "previous secret of `sync` will be revoked: overlap ended on 2027-01-13"
    old = pv.previous_secret_state("sync", previous="valid until 2027-01-13 (overlap of 7 days)")
    new = pv.previous_secret_state("sync", previous=note)
    unchanged = pv.step("update", pv.PREVIOUS_SECRET, "sync-previous-secret", old, old)

    (client,) = review_of([pv.step("update", pv.PREVIOUS_SECRET, "sync-previous-secret", old, new)]).clients

    assert client.key == "sync" and client.previous_secret == note
    assert review_of([unchanged]).clients == []


# -- groups and users -------------------------------------------------------------------------------


def test_members_joining_and_leaving_compare_as_declared() -> None:
    old = pv.group_state("contractors", ["ann@example.com", "bob@example.com"])
    new = pv.group_state(
        "contractors", ["bob@example.com", "eve@example.com"], display_name="Contractors 2027"
    )

    (group,) = review_of([pv.step("update", pv.SCIM_GROUP, "contractors", old, new)]).groups

    assert (group.joining, group.leaving, group.member_count) == (["eve@example.com"], ["ann@example.com"], 2)
    assert group.display_name == "Contractors 2027"
    assert group.field_changes == [FieldChange("display_name", "Contractors", "Contractors 2027")]


def test_an_adopted_group_adopts_its_members_and_a_deleted_one_counts_them() -> None:
    adopted = pv.group_state("staff", ["ann@example.com", "bob@example.com"])
    adopted["inputs"]["adopt"] = True
    gone = pv.group_state("legacy", ["ann@example.com"])

    added, deleted = review_of(
        [
            pv.step("create", pv.SCIM_GROUP, "staff", new=adopted),
            pv.step("delete", pv.SCIM_GROUP, "legacy", old=gone),
        ]
    ).groups

    assert (added.lifecycle, added.adopted_members, added.joining) == (
        "adopted",
        ["ann@example.com", "bob@example.com"],
        [],
    )
    assert (deleted.lifecycle, deleted.member_count, deleted.leaving) == ("deleted", 1, [])


def test_a_member_list_hidden_as_a_secret_is_opaque() -> None:
    old = pv.group_state("contractors", ["ann@example.com"])
    new = pv.group_state("contractors", ["ann@example.com"])
    new["inputs"]["members"] = pv.SECRET

    (group,) = review_of([pv.step("update", pv.SCIM_GROUP, "contractors", old, new)]).groups

    assert group.members_opaque and group.joining == group.leaving == []


@pytest.mark.parametrize(
    ("kind", "old_active", "new_active", "on_delete", "expected"),
    [
        ("update", True, False, "deactivate", "deactivated"),
        ("update", False, True, "deactivate", "activated"),
        ("update", True, True, "deactivate", None),
        ("create", None, False, "deactivate", None),  # created inactive: nothing is taken away
        ("delete", True, None, "deactivate", "deactivated"),
        ("delete", True, None, "delete", None),  # deleted outright, not deactivated
    ],
)
def test_user_activation_is_what_the_change_does_to_the_users_access(
    kind: str, old_active: bool | None, new_active: bool | None, on_delete: str, expected: str | None
) -> None:
    old = (
        None
        if old_active is None
        else pv.user_state("ann", "ann@example.com", active=old_active, on_delete=on_delete)
    )
    new = (
        None
        if new_active is None
        else pv.user_state("ann", "ann@example.com", active=new_active, on_delete=on_delete)
    )

    (user,) = review_of([pv.step(kind, pv.SCIM_USER, "ann", old, new)]).users

    assert user.user_name == "ann@example.com"
    assert user.activation == expected


# -- the preview as a whole -------------------------------------------------------------------------


def test_unmanaged_resources_and_preview_errors_are_passed_on() -> None:
    other = pv.state("random:index/randomPet:RandomPet", "pet", {"length": 2})
    steps = [pv.step("create", "random:index/randomPet:RandomPet", "pet", new=other)]
    diagnostics = [
        {"severity": "error", "message": "  the program\n failed  "},
        {"severity": "warning", "message": "just a warning"},
    ]

    review = review_of(steps, diagnostics=diagnostics)

    assert [(o.name, o.type, o.kind) for o in review.other] == [
        ("pet", "random:index/randomPet:RandomPet", "create")
    ]
    assert review.errors == ["the program failed"]
    assert review.stack == "dev"


def test_only_unchanged_resources_is_a_review_with_nothing_to_read() -> None:
    client = pv.client_state("sync", client_id="cid-sync")
    scopes = pv.scopes_state("sync", {"scim:write": WRITE})

    review = review_of(
        [
            pv.step("same", pv.API_CLIENT, "sync", client, client),
            pv.step("same", pv.SCOPE_ASSIGNMENT, "sync-scopes", scopes, scopes),
        ]
    )

    assert not review.has_changes
    assert review.clients == review.groups == review.users == review.other == []


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (pv.SECRET, "(secret)"),
        (pv.UNKNOWN, "(known after apply)"),
        (None, "(unset)"),
        (False, "false"),
        (3600, "3600"),
        ("  two\n lines ", "two lines"),
        ("x" * 300, "x" * 199 + "…"),
        (["a@example.com", "b@example.com"], "a@example.com, b@example.com"),
        (["a", pv.SECRET], "(structured value)"),
        ({"nested": "value"}, "(structured value)"),
    ],
)
def test_display_value_shows_plain_values_short_and_never_a_secret(value, shown: str) -> None:
    assert display_value(value) == shown
