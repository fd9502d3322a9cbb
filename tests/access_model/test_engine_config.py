"""The program reads dates the way the real Pulumi engine hands them over."""

from __future__ import annotations

import json

from access_model.engine_config import normalize_engine_dates, pulumi_config_bytes


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


# -- the size of PULUMI_CONFIG (exactness against the real engine: tests/e2e/test_config_size.py) ------
def environment_bytes(json_text: str) -> int:
    return len(f"PULUMI_CONFIG={json_text}".encode()) + 1  # the variable's name and its NUL count too


def test_a_config_is_counted_as_one_compact_json_object_of_strings() -> None:
    config = {"scope-manager:apiUrl": "https://api.example", "scope-manager:retries": 3, "x:on": True}

    assert pulumi_config_bytes(config) == environment_bytes(
        '{"scope-manager:apiUrl":"https://api.example","scope-manager:retries":"3","x:on":"true"}'
    )


def test_a_structured_value_is_its_own_json_inside_with_escaped_quotes() -> None:
    model = {"clients": {"c": {"name": 'say "hi"', "scopes": {"a:b": {}}}}}

    inner = json.dumps(model, separators=(",", ":"))  # {"clients":{"c":{"name":"say \\"hi\\"",...
    assert pulumi_config_bytes({"scope-manager:access": model}) == environment_bytes(
        json.dumps({"scope-manager:access": inner}, separators=(",", ":"))
    )


def test_an_expiry_date_counts_as_the_engine_timestamp_it_becomes() -> None:
    written = {"a:access": {"users": {"u": {"expires": "2027-06-30"}}}}
    engine = {"a:access": {"users": {"u": {"expires": "2027-06-30 00:00:00 +0000 UTC"}}}}
    other_key = {"a:access": {"users": {"u": {"expired": "2027-06-30"}}}}  # not a date key: as written

    assert pulumi_config_bytes(written) == pulumi_config_bytes(engine)
    assert pulumi_config_bytes(written) - pulumi_config_bytes(other_key) == len(" 00:00:00 +0000 UTC")


def test_characters_go_escapes_count_six_bytes_and_utf8_its_own_length() -> None:
    base = pulumi_config_bytes({"a:b": "x"})

    assert pulumi_config_bytes({"a:b": "<"}) - base == len("\\u003c") - 1
    assert pulumi_config_bytes({"a:b": "é"}) - base == len("é".encode()) - 1
    # Inside a structured value the escape is escaped once more: \\u003c.
    assert pulumi_config_bytes({"a:b": {"k": "&"}}) - pulumi_config_bytes({"a:b": {"k": "x"}}) == 6


def test_a_secret_counts_as_its_ciphertext_so_the_figure_leans_high() -> None:
    ciphertext = "v1:LKwhdFApHLTjVwZb:qRXKpM3gEZHY6fBPM0OEfwlLz1cEPoes1w=="

    assert pulumi_config_bytes({"a:secret": {"secure": ciphertext}}) == environment_bytes(
        '{"a:secret":"' + ciphertext + '"}'
    )
