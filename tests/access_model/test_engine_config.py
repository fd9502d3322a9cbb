"""The program reads dates the way the real Pulumi engine hands them over."""

from __future__ import annotations

from access_model.engine_config import normalize_engine_dates


def test_an_unquoted_yaml_date_as_the_engine_renders_it_becomes_a_plain_date() -> None:
    raw = {
        "users": {"ann": {"expires": "2027-06-30 00:00:00 +0000 UTC"}},
        "groups": {"g": {"members": [{"user": "ann", "expires": "2027-03-31 00:00:00 +0000 UTC"}]}},
        "clients": {"c": {"scopes": {"scim:read": {"expires": "2028-02-29 00:00:00 +0000 UTC"}}}},
    }

    normalized = normalize_engine_dates(raw)

    assert normalized["users"]["ann"]["expires"] == "2027-06-30"
    assert normalized["groups"]["g"]["members"][0]["expires"] == "2027-03-31"
    assert normalized["clients"]["c"]["scopes"]["scim:read"]["expires"] == "2028-02-29"


def test_only_expires_at_midnight_utc_is_touched() -> None:
    raw = {
        "clients": {"c": {"description": "2027-06-30 00:00:00 +0000 UTC"}},
        "users": {
            "a": {"expires": "2027-06-30 10:00:00 +0000 UTC"},
            "b": {"expires": "2027-06-30"},
            "c": {"expires": 20270630},
        },
    }

    assert normalize_engine_dates(raw) == raw
