"""One "did you mean" for the model, the policy pack and the scope catalog."""

from __future__ import annotations

from common.suggest import close_matches, did_you_mean, hint
from providers.tenant import ScopeCatalog, unknown_scope_message


def test_the_closest_name_is_suggested_in_one_wording() -> None:
    assert did_you_mean("scim:wrte", ["scim:write", "scim:read"]) == "; did you mean scim:write?"
    assert did_you_mean("zzz", ["scim:write"]) == ""


def test_case_is_ignored_when_nothing_matches_with_it() -> None:
    assert close_matches("SCIM:WRITE", ["scim:write", "ziam:admin"]) == ["scim:write"]


def test_several_matches_read_as_alternatives() -> None:
    assert hint(["scim:read", "scim:write"]) == "; did you mean scim:read or scim:write?"
    message = unknown_scope_message("scim:raed", ["scim:read"])
    assert message == "unknown scope 'scim:raed'; did you mean scim:read?"


def test_the_catalog_suggests_with_the_shared_helper() -> None:
    catalog = ScopeCatalog.from_resource_servers(
        [{"id": "rs", "serviceScopes": [{"scopes": [{"id": "1", "name": "scim:write"}]}]}]
    )
    assert catalog.suggest("SCIM:WRTE") == close_matches("SCIM:WRTE", ["scim:write"], 3)
