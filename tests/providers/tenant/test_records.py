"""One record -> fields mapping per kind, shared by the providers' read() and scopectl's live view."""

from __future__ import annotations

from providers.api_client import inputs_from_record
from providers.scim_user import managed_from_record
from providers.tenant import client_fields, group_fields, user_fields
from scopectl.live import _client, _group, _user

USER = {
    "id": "u1",
    "userName": "ann@example.com",
    "name": {"givenName": "Ann"},
    "emails": [
        {"value": "ann@home.example", "primary": False},
        "not-a-dict",
        {"value": "ann@example.com", "primary": True},
    ],
    "active": False,
}


def test_a_user_reads_the_same_for_the_provider_and_for_scopectl() -> None:
    fields = user_fields(USER)
    assert fields == {
        "user_name": "ann@example.com",
        "given_name": "Ann",
        "family_name": "",
        "emails": ["ann@example.com", "ann@home.example"],  # the primary first, as the resource writes it
        "active": False,
        "external_id": "",
    }
    assert managed_from_record(USER) == fields
    live = _user(USER)
    assert live.emails == fields["emails"]
    assert (live.given_name, live.family_name, live.external_id) == ("Ann", None, None)


def test_a_client_reads_the_same_for_the_provider_and_for_scopectl() -> None:
    record = {"id": "c1", "name": "app", "status": True, "accessTokenLifeTime": "7200"}
    assert client_fields(record) == {
        "name": "app",
        "description": "",
        "enabled": True,
        "access_token_lifetime": 7200,
    }
    assert inputs_from_record(record, {})["access_token_lifetime"] == 7200
    assert _client(record, []).access_token_lifetime == 7200
    unreadable = {**record, "accessTokenLifeTime": None}
    assert _client(unreadable, []).access_token_lifetime is None  # scopectl: not reported
    assert inputs_from_record(unreadable, {})["access_token_lifetime"] == 0  # refresh: drift to revert


def test_a_group_reads_its_members_ids_for_both() -> None:
    record = {
        "id": "g1",
        "displayName": "Ops",
        "members": [{"value": "u1"}, {"value": "g2", "display": "Nested"}, {"value": ""}, "junk"],
    }
    assert group_fields(record) == {"display_name": "Ops", "external_id": "", "member_ids": ["u1", "g2"]}
    live = _group(record, {"u1": "ann@example.com"}, {})
    assert live.members == ["ann@example.com"]
    assert live.other_members == ["'Nested' (not a user of this tenant)"]
