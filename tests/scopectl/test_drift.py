"""`scopectl.drift.find_drift`: what differs between a stack's model and a tenant snapshot, one kind
of out-of-band change at a time (a scope granted in the console, a member added by hand, a secret or
client deleted, objects nobody declared), on `LiveTenant` records as `scopectl.live` produces them.
The end-to-end path through a real tenant is in test_audit.py."""

from __future__ import annotations

import datetime as dt

import pytest

from access_model import desired_state, parse
from policies.rules import is_write_scope
from scopectl import drift as d
from scopectl.live import LiveClient, LiveGroup, LiveSecret, LiveTenant, LiveUser

TODAY = dt.date(2026, 6, 1)
NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
ADMIN_ID = "admin-client"

MODEL = {
    "clients": {
        "sync": {
            "name": "directory-sync",
            "description": "Provisions users",
            "owner": "identity@example.com",
            "purpose": "provisioning",
            "access_token_lifetime": 900,
            "scopes": {"scim:read": {}, "scim:write": {"justification": "creates users (CHG-1)"}},
        },
    },
    "groups": {
        "contractors": {
            "display_name": "Contractors",
            "exclusive": True,
            "members": ["ann@example.com", "raj@example.com"],
        },
        "all-staff": {"display_name": "All Staff", "exclusive": False, "members": ["ann@example.com"]},
    },
    "users": {
        "ann": {"user_name": "ann@example.com"},
        "raj": {"user_name": "raj@example.com"},
    },
}


def secret(days_left: float, id_: str = "s1") -> LiveSecret:
    return LiveSecret(
        id=id_, created_at=NOW - dt.timedelta(days=10), expires_at=NOW + dt.timedelta(days=days_left)
    )


def sync_client(**changes) -> LiveClient:
    fields = {
        "id": "c-sync",
        "name": "directory-sync",
        "description": "Provisions users",
        "enabled": True,
        "access_token_lifetime": 900,
        "scopes": ["scim:read", "scim:write"],
        "secrets": [secret(60)],
        **changes,
    }
    return LiveClient(**fields)


def user(user_name: str, *, active: bool = True) -> LiveUser:
    return LiveUser(
        id=f"u-{user_name}",
        user_name=user_name,
        active=active,
        given_name=None,
        family_name=None,
        emails=[],
        external_id=None,
    )


def matching_tenant(**changes) -> LiveTenant:
    """A snapshot of a tenant that holds exactly MODEL (plus the audit's own admin client)."""
    fields = {
        "clients": [
            sync_client(),
            LiveClient(ADMIN_ID, "scope-manager-admin", None, True, 3600, ["ziam:admin"], secrets=[]),
        ],
        "users": [user("ann@example.com"), user("raj@example.com")],
        "groups": [
            LiveGroup("g1", "Contractors", None, ["ann@example.com", "raj@example.com"]),
            LiveGroup("g2", "All Staff", None, ["ann@example.com"]),
        ],
        "catalog": ["scim:read", "scim:write", "ziam:admin", "ziam:read"],
        "admin_client_id": ADMIN_ID,
        "read_zidentity": True,
        "read_scim": True,
        **changes,
    }
    return LiveTenant(**fields)


def drift(live: LiveTenant, raw: dict = MODEL, *, expiring_days: int = 14, today: dt.date = TODAY):
    model = parse(raw)
    return d.find_drift(
        model,
        desired_state(model, today),
        live,
        expiring_days=expiring_days,
        now=dt.datetime.combine(today, dt.time(12), tzinfo=dt.UTC),
        is_privileged=is_write_scope,
    )


def kinds(found) -> list[tuple[str, str, str | None]]:
    return [(f.kind, f.name, f.item) for f in found]


def with_model(**clients) -> dict:
    return {**MODEL, "clients": {"sync": {**MODEL["clients"]["sync"], **clients}}}


# -- clean ------------------------------------------------------------------------------------------


def test_a_tenant_holding_exactly_the_model_has_no_drift_and_the_admin_client_is_not_undeclared() -> None:
    assert drift(matching_tenant()) == []


def test_what_was_not_read_is_not_judged() -> None:
    nothing_read = matching_tenant(clients=[], groups=[], users=[], read_zidentity=False, read_scim=False)

    assert drift(nothing_read) == []


# -- clients ----------------------------------------------------------------------------------------


def test_a_client_created_in_the_console_is_undeclared_and_privileged_when_it_holds_a_write_scope() -> None:
    live = matching_tenant()
    live.clients += [
        LiveClient("c-x", "shadow-admin", None, True, 3600, ["connector:write", "scim:read"], secrets=None),
        LiveClient("c-y", "shadow-reader", None, True, 3600, [], secrets=None),
    ]

    found = drift(live)

    assert kinds(found) == [
        (d.UNDECLARED_CLIENT, "shadow-admin", "c-x"),
        (d.UNDECLARED_CLIENT, "shadow-reader", "c-y"),
    ]
    assert [f.privileged for f in found] == [True, False]
    assert "connector:write, scim:read" in found[0].detail and "no scopes" in found[1].detail
    assert all(f.key is None for f in found)


def test_a_deleted_client_is_missing() -> None:
    live = matching_tenant(clients=[c for c in matching_tenant().clients if c.id == ADMIN_ID])

    (found,) = drift(live)

    assert (found.kind, found.subject, found.name, found.key) == (
        d.MISSING_OBJECT,
        "client",
        "directory-sync",
        "sync",
    )


def test_scopes_granted_in_the_console_and_removed_by_hand() -> None:
    live = matching_tenant(clients=[sync_client(scopes=["scim:write", "ziam:admin", "ziam:read"])])

    found = drift(live)

    assert kinds(found) == [
        (d.UNDECLARED_SCOPE, "directory-sync", "ziam:admin"),
        (d.UNDECLARED_SCOPE, "directory-sync", "ziam:read"),
        (d.MISSING_SCOPE, "directory-sync", "scim:read"),
    ]
    assert [f.privileged for f in found] == [True, False, False]
    assert {f.key for f in found} == {"sync"}


def test_a_grant_past_its_expiry_but_still_granted_is_an_expired_grant_not_an_undeclared_scope() -> None:
    raw = with_model(scopes={"scim:read": {"expires": "2026-05-31"}, "scim:write": {"justification": "x"}})

    on_the_day = drift(matching_tenant(), raw, today=dt.date(2026, 5, 31))
    (after,) = drift(matching_tenant(), raw)

    assert on_the_day == []  # expiry dates are inclusive
    assert (after.kind, after.item) == (d.EXPIRED_GRANT, "scim:read")
    assert "expired on 2026-05-31" in after.detail


def test_settings_changed_by_hand_name_the_setting_and_both_values() -> None:
    live = matching_tenant(
        clients=[sync_client(description="edited in console", access_token_lifetime=86400)]
    )

    found = drift(live)

    assert [(f.kind, f.item, f.detail) for f in found] == [
        (d.SETTING_CHANGED, "access_token_lifetime", "declared 900, tenant has 86400"),
        (d.SETTING_CHANGED, "description", "declared 'Provisions users', tenant has 'edited in console'"),
    ]


def test_an_empty_description_and_an_unreported_lifetime_are_not_drift() -> None:
    raw = {
        **MODEL,
        "clients": {"sync": {k: v for k, v in MODEL["clients"]["sync"].items() if k != "description"}},
    }
    live = matching_tenant(clients=[sync_client(description="", access_token_lifetime=None)])

    assert drift(live, raw) == []


def test_a_client_disabled_by_hand_is_a_changed_setting_and_dormant() -> None:
    found = drift(matching_tenant(clients=[sync_client(enabled=False)]))

    assert kinds(found) == [
        (d.SETTING_CHANGED, "directory-sync", "enabled"),
        (d.DORMANT_CLIENT, "directory-sync", "disabled"),
    ]
    assert found[0].detail == "declared true, tenant has false"
    assert not found[1].declared


def test_a_client_declared_disabled_is_reported_dormant_on_purpose() -> None:
    (found,) = drift(matching_tenant(clients=[sync_client(enabled=False)]), with_model(enabled=False))

    assert (found.kind, found.item, found.declared) == (d.DORMANT_CLIENT, "disabled", True)
    assert "declared `enabled: false`" in found.detail


# -- secrets ----------------------------------------------------------------------------------------


def test_a_secret_deleted_out_of_band_is_missing_and_leaves_the_client_dormant() -> None:
    found = drift(matching_tenant(clients=[sync_client(secrets=[])]))

    assert kinds(found) == [
        (d.SECRET_MISSING, "directory-sync", None),
        (d.DORMANT_CLIENT, "directory-sync", "no live secret"),
    ]


def test_every_secret_expired_is_reported_with_the_newest_one() -> None:
    found = drift(matching_tenant(clients=[sync_client(secrets=[secret(-30, "old"), secret(-2, "newer")])]))

    assert kinds(found) == [
        (d.SECRET_EXPIRED, "directory-sync", "newer"),
        (d.DORMANT_CLIENT, "directory-sync", "no live secret"),
    ]


@pytest.mark.parametrize(("days_left", "phrase"), [(1.5, "(in 1 day)"), (10.5, "(in 10 days)")])
def test_a_newest_secret_inside_the_expiry_window_is_expiring(days_left: float, phrase: str) -> None:
    live = matching_tenant(clients=[sync_client(secrets=[secret(-5, "old"), secret(days_left, "new")])])

    (found,) = drift(live)

    assert (found.kind, found.item) == (d.SECRET_EXPIRING, "new")
    assert found.detail.endswith(phrase)


def test_a_fresh_secret_beside_an_expiring_one_ends_the_warning() -> None:
    live = matching_tenant(clients=[sync_client(secrets=[secret(3, "old"), secret(89, "new")])])

    assert drift(live) == []
    assert kinds(drift(live, expiring_days=90)) == [(d.SECRET_EXPIRING, "directory-sync", "new")]


def test_secrets_that_could_not_be_read_are_unreadable_and_secrets_not_read_are_not_judged() -> None:
    unreadable = matching_tenant(clients=[sync_client(secrets=None, secrets_error="HTTP 403 forbidden")])
    unread = matching_tenant(clients=[sync_client(secrets=None)])
    undated = matching_tenant(clients=[sync_client(secrets=[LiveSecret("s", None, None)])])

    (found,) = drift(unreadable)
    assert (found.kind, found.detail) == (
        d.SECRET_UNREADABLE,
        "secrets could not be read: HTTP 403 forbidden",
    )
    assert drift(unread) == []
    assert drift(undated) == []  # a secret that never expires is alive


# -- directory --------------------------------------------------------------------------------------


def test_members_added_and_removed_by_hand() -> None:
    live = matching_tenant(
        groups=[
            LiveGroup("g1", "Contractors", None, ["eve@example.com", "raj@example.com"]),
            LiveGroup("g2", "All Staff", None, ["ann@example.com", "eve@example.com"]),
        ]
    )

    found = drift(live)

    # All Staff is not exclusive: extra members there are allowed.
    assert kinds(found) == [
        (d.MEMBER_ADDED, "Contractors", "eve@example.com"),
        (d.MEMBER_REMOVED, "Contractors", "ann@example.com"),
    ]
    assert {f.key for f in found} == {"contractors"}


def test_members_that_are_not_users_count_in_an_exclusive_group() -> None:
    live = matching_tenant()
    live.groups[0].other_members.append("group 'Nested'")

    assert kinds(drift(live)) == [(d.MEMBER_ADDED, "Contractors", "group 'Nested'")]


def test_scim_names_compare_without_case() -> None:
    live = matching_tenant(
        users=[user("ANN@example.com"), user("raj@EXAMPLE.com")],
        groups=[
            LiveGroup("g1", "CONTRACTORS", None, ["Ann@Example.com", "raj@example.com"]),
            LiveGroup("g2", "all staff", None, ["ann@example.com"]),
        ],
    )

    assert drift(live) == []


def test_deleted_group_and_user_are_missing_but_a_user_declared_inactive_may_be_gone() -> None:
    raw = {**MODEL, "users": {**MODEL["users"], "old": {"user_name": "old@example.com", "active": False}}}
    live = matching_tenant(
        users=[user("ann@example.com")],
        groups=[LiveGroup("g1", "Contractors", None, ["ann@example.com"])],
    )

    found = drift(live, raw)

    assert [(f.kind, f.subject, f.name) for f in found] == [
        (d.MISSING_OBJECT, "group", "All Staff"),
        (d.MISSING_OBJECT, "user", "raj@example.com"),
        (d.MEMBER_REMOVED, "group", "Contractors"),
    ]


def test_a_user_deactivated_by_hand_and_one_reactivated() -> None:
    raw = {**MODEL, "users": {**MODEL["users"], "left": {"user_name": "left@example.com", "active": False}}}
    live = matching_tenant(
        users=[user("ann@example.com", active=False), user("raj@example.com"), user("left@example.com")]
    )

    found = drift(live, raw)

    assert [(f.kind, f.name, f.detail) for f in found] == [
        (d.SETTING_CHANGED, "ann@example.com", "declared active, tenant has it deactivated"),
        (d.SETTING_CHANGED, "left@example.com", "declared inactive, tenant has it active"),
    ]


# -- the whole list ---------------------------------------------------------------------------------


def test_findings_are_listed_most_urgent_kind_first() -> None:
    live = matching_tenant(
        clients=[
            sync_client(scopes=["scim:read", "scim:write", "ziam:read"], secrets=[]),
            LiveClient("c-x", "shadow", None, True, 3600, ["scim:read"]),
        ],
        groups=[
            LiveGroup("g1", "Contractors", None, ["ann@example.com", "raj@example.com", "eve@example.com"]),
            LiveGroup("g2", "All Staff", None, ["ann@example.com"]),
        ],
    )

    found = drift(live)

    assert [f.kind for f in found] == [
        d.UNDECLARED_CLIENT,
        d.UNDECLARED_SCOPE,
        d.SECRET_MISSING,
        d.MEMBER_ADDED,
        d.DORMANT_CLIENT,
    ]
    assert [f.kind for f in found] == sorted((f.kind for f in found), key=d.KIND_ORDER.index)
