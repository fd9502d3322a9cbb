"""ScopeCatalog: names users write <-> ids the API wants, from the emulator's real catalog."""

from __future__ import annotations

import pytest

from providers.tenant import ScopeCatalog, UnknownScope


@pytest.fixture
def catalog(inproc_tenant) -> ScopeCatalog:
    return inproc_tenant.zidentity.catalog()


def test_catalog_is_fetched_once_per_process(inproc_tenant):
    first = inproc_tenant.zidentity.catalog()
    before = inproc_tenant.request_count
    assert inproc_tenant.zidentity.catalog() is first
    assert inproc_tenant.request_count == before


def test_all_documented_scope_names_are_known(catalog):
    assert {"ziam:admin", "ziam:read", "scim:read", "scim:write", "sync:profile:read", "connector:read",
            "connector:write", "Role:API_Role01", "Scope:Default: Role:API Full Access",
            "Role:ZDX Read Only"} <= set(catalog.all_names())  # fmt: skip


def test_resolve_and_back_round_trip_through_a_real_client(inproc_tenant, catalog):
    names = ["scim:write", "scim:read", "connector:read"]
    ids = catalog.resolve(names)
    assert len(ids) == 3 and all("::" in i or ":" in i for i in ids)
    created = inproc_tenant.zidentity.create_client(
        {
            "name": "round-trip",
            "accessTokenLifeTime": 3600,
            "clientResources": catalog.client_resources(names),
        }
    )
    assert catalog.names_of(created) == sorted(names)
    assert catalog.names_of(inproc_tenant.zidentity.get_client(created["id"])) == sorted(names)


def test_unknown_scope_names_every_unknown_name_with_close_matches(catalog):
    with pytest.raises(UnknownScope) as caught:
        catalog.resolve(["scim:wrte", "scim:read", "conector:read"])
    error = caught.value
    assert set(error.unknown) == {"scim:wrte", "conector:read"}
    assert error.unknown["scim:wrte"][0] == "scim:write"
    assert error.unknown["conector:read"][0] == "connector:read"
    assert "unknown scope 'scim:wrte'; did you mean scim:write" in str(error)


def test_client_resources_rejects_unknown_names_before_any_request(inproc_tenant, catalog):
    before = inproc_tenant.request_count
    with pytest.raises(UnknownScope):
        catalog.client_resources(["scim:write", "Scim:Admin"])
    assert inproc_tenant.request_count == before


def test_suggestions_ignore_case_when_nothing_else_is_close(catalog):
    assert catalog.suggest("ROLE:ZDX READ ONLY")[0] == "Role:ZDX Read Only"


def test_ids_the_catalog_does_not_know_stay_visible_as_drift():
    catalog = ScopeCatalog.from_resource_servers(
        [
            {
                "id": "rs",
                "defaultApi": True,
                "serviceScopes": [{"service": {"name": "S"}, "scopes": [{"id": "s::1", "name": "a"}]}],
            }
        ]
    )
    record = {
        "clientResources": [
            {"id": "rs", "selectedScopes": [{"id": "s::1"}, {"id": "s::9", "name": "ghost"}, {"id": "s::8"}]}
        ]
    }
    assert catalog.names_of(record) == ["a", "ghost", "s::8"]
