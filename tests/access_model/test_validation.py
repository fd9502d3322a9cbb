"""Schema and semantic validation: every mistake reported with its exact path, all at once."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import yaml
from jsonschema import Draft202012Validator

from access_model import InvalidModelError, ModelError, load_yaml, parse, schema, validate
from tests.access_model.invalid_models import CASES, Case


def test_schema_is_valid_draft_2020_12() -> None:
    assert schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema())


def test_there_are_at_least_thirty_invalid_models() -> None:
    assert len(CASES) >= 30
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_invalid_model_reports_exactly_its_mistake(case: Case) -> None:
    errors = validate(load_yaml(case.yaml, case.id))
    assert [e.path for e in errors] == [case.path], errors
    assert case.message in errors[0].message
    assert str(errors[0]) == f"{case.path}: {errors[0].message}"


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_parse_refuses_invalid_model_naming_the_path(case: Case) -> None:
    with pytest.raises(InvalidModelError) as raised:
        parse(load_yaml(case.yaml, case.id), source="Pulumi.test.yaml")
    assert f"  {case.path}: " in str(raised.value)
    assert str(raised.value).startswith("Pulumi.test.yaml is invalid (1 problem):")


def test_all_problems_are_reported_at_once_in_document_order() -> None:
    raw = load_yaml(
        """
catalog: [scim:read, scim:write]
clients:
  reporting:
    purpose: reportin
    scopes:
      scim:wrte: {}
    secret: {lifetime_days: 10}
  other: {name: reporting}
groups:
  quarantine: {exclusive: maybe}
extra: 1
""",
        "multi",
    )
    errors = validate(raw)
    assert [e.path for e in errors] == [
        "clients.reporting.purpose",
        'clients.reporting.scopes["scim:wrte"]',
        "clients.reporting.secret.lifetime_days",
        "clients.other.name",
        "groups.quarantine.display_name",
        "groups.quarantine.exclusive",
        "extra",
    ]
    with pytest.raises(InvalidModelError) as raised:
        parse(raw)
    assert raised.value.errors == errors
    assert "(7 problems)" in str(raised.value)


def test_dev_stack_model_is_valid(dev_stack_access: dict) -> None:
    assert validate(dev_stack_access) == []


def test_minimal_and_empty_forms_are_valid() -> None:
    assert validate({}) == []
    model = parse(load_yaml("clients: {svc: {scopes: {scim:read: null, scim:write: {}}}}", "t"))
    client = model.clients["svc"]
    assert client.name == "svc"  # the tenant name defaults to the logical name
    assert set(client.scopes) == {"scim:read", "scim:write"}
    assert client.secret.lifetime_days == 90 and client.secret.renew_before_days == 14
    assert client.access_token_lifetime == 3600 and client.enabled is True


def test_yaml_dates_and_string_dates_validate_alike() -> None:
    """PyYAML's own loader makes `date` objects; the Pulumi CLI passes strings. Both must work."""
    text = "users: {ann: {user_name: ann@example.com, expires: 2027-01-31}}"
    from_pyyaml = yaml.safe_load(text)
    assert isinstance(from_pyyaml["users"]["ann"]["expires"], dt.date)
    from_config = json.loads(json.dumps(load_yaml(text, "t")))
    assert validate(from_pyyaml) == validate(from_config) == []
    assert (
        parse(from_pyyaml).users["ann"].expires
        == parse(from_config).users["ann"].expires
        == dt.date(2027, 1, 31)
    )


def test_unknown_scopes_are_not_checked_without_a_catalog() -> None:
    assert validate({"clients": {"svc": {"scopes": {"anything:goes": {}}}}}) == []


def test_member_need_not_be_a_declared_user() -> None:
    """Most users come from the IdP, so a userName not declared under `users` is allowed."""
    assert validate({"groups": {"g": {"display_name": "G", "members": ["someone@example.com"]}}}) == []


def test_model_error_is_plain_data() -> None:
    error = ModelError('clients.reporting.scopes["scim:wrte"]', "unknown scope")
    assert str(error) == 'clients.reporting.scopes["scim:wrte"]: unknown scope'


def test_a_credential_pasted_into_the_model_is_not_echoed() -> None:
    """`secret:` holds the secret's policy; a user who pastes the secret itself there gets an error
    that names the place without repeating the value (errors end up in CI logs)."""
    pasted = "s3cr3t-V4lue-from-the-console"
    errors = validate({"clients": {"svc": {"secret": pasted, "scopes": {}}}})
    assert [(e.path, e.message) for e in errors] == [
        ("clients.svc.secret", "must be a mapping, got a string (not shown: it may be a secret)")
    ]
    with pytest.raises(InvalidModelError) as raised:
        parse({"clients": {"svc": {"secret": pasted}}})
    assert pasted not in str(raised.value)
