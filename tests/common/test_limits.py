"""The defaults and bounds have one home (``common.limits``); the JSON Schema users read must agree."""

from __future__ import annotations

import inspect

from access_model import schema
from common.limits import (
    ACCESS_TOKEN_LIFETIME,
    CLIENT_DESCRIPTION_MAX_LENGTH,
    CLIENT_NAME_MAX_LENGTH,
    MODEL_MIN_RENEW_BEFORE_DAYS,
    OVERLAP_DAYS,
    RENEW_BEFORE_DAYS,
    ROTATE_EVERY_DAYS,
    SECRET_LIFETIME_DAYS,
)


def test_the_schema_states_the_shared_secret_defaults_and_bounds() -> None:
    secret = schema()["$defs"]["secret"]["properties"]
    lifetime = secret["lifetime_days"]
    assert (lifetime["default"], lifetime["minimum"], lifetime["maximum"]) == (
        SECRET_LIFETIME_DAYS.default,
        SECRET_LIFETIME_DAYS.low,
        SECRET_LIFETIME_DAYS.high,
    )
    renew = secret["renew_before_days"]
    assert (renew["default"], renew["minimum"], renew["maximum"]) == (
        RENEW_BEFORE_DAYS.default,
        MODEL_MIN_RENEW_BEFORE_DAYS,
        RENEW_BEFORE_DAYS.high,
    )
    assert (secret["overlap_days"]["minimum"], secret["overlap_days"]["maximum"]) == (
        OVERLAP_DAYS.low,
        OVERLAP_DAYS.high,
    )
    assert f"Default {OVERLAP_DAYS.default}," in secret["overlap_days"]["description"]
    every = secret["rotate_every_days"]
    assert (every["minimum"], every["maximum"]) == (ROTATE_EVERY_DAYS.low, ROTATE_EVERY_DAYS.high)


def test_the_schema_states_the_shared_token_lifetime() -> None:
    lifetime = schema()["$defs"]["client"]["properties"]["access_token_lifetime"]
    assert (lifetime["default"], lifetime["minimum"], lifetime["maximum"]) == (
        ACCESS_TOKEN_LIFETIME.default,
        ACCESS_TOKEN_LIFETIME.low,
        ACCESS_TOKEN_LIFETIME.high,
    )


def test_the_shared_module_stays_cheap_to_import() -> None:
    # The policy pack, the access model and scopectl import it: no Pulumi, no jsonschema.
    import common.limits
    import common.paths
    import common.rotation
    import common.suggest

    for module in (common.limits, common.paths, common.rotation, common.suggest):
        source = inspect.getsource(module)
        assert "import pulumi" not in source and "from pulumi" not in source
        assert "jsonschema" not in source


def test_the_schema_accepts_every_client_name_and_description_the_tenant_accepts() -> None:
    # `scopectl export` writes what the tenant holds; a model stricter than the tenant could not say it.
    client = schema()["$defs"]["client"]["properties"]
    assert client["name"]["maxLength"] == CLIENT_NAME_MAX_LENGTH
    assert client["description"]["maxLength"] == CLIENT_DESCRIPTION_MAX_LENGTH
