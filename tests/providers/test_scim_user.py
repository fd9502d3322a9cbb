"""``scim:User`` through the real plugin process and the emulator's SCIM API."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from providers import ScimUser
from tests.providers.conftest import SCIM_USER
from tests.providers.helpers import requests_during, writes
from tests.support.emulator import RunningEmulator
from tests.support.engine_double import CheckFailed, Engine, ProviderError


def contractor(user_name: str, **inputs: Any) -> ScimUser:
    fields: dict[str, Any] = {"given_name": "Ann", "family_name": "Lee", "emails": [user_name]}
    fields.update(inputs)
    return ScimUser("contractor", user_name=user_name, **fields)


def live_user(scim_http: httpx.Client, user_id: str) -> dict[str, Any] | None:
    response = scim_http.get(f"/Users/{user_id}")
    if response.status_code == 404:
        return None
    response.raise_for_status()
    return response.json()


def test_preview_sends_no_request(engine: Engine, tenant: RunningEmulator) -> None:
    counts = requests_during(tenant, lambda: engine.run(lambda: contractor("u-preview@ex.com"), preview=True))

    assert counts == {}


def test_up_creates_the_user_and_the_next_up_changes_nothing(
    engine: Engine, tenant: RunningEmulator, scim_http: httpx.Client
) -> None:
    def program() -> None:
        contractor(
            "ann@contractor.example", emails=["ann@contractor.example", "ann.lee@ex.com"], external_id="hr-7"
        )

    engine.run(program)

    state = engine.resource(SCIM_USER, "contractor")
    user = live_user(scim_http, state.id)
    assert user is not None
    assert (user["userName"], user["name"]["givenName"], user["name"]["familyName"]) == (
        "ann@contractor.example",
        "Ann",
        "Lee",
    )
    assert [(e["value"], e.get("primary", False)) for e in user["emails"]] == [
        ("ann@contractor.example", True),
        ("ann.lee@ex.com", False),
    ]
    assert (user["active"], user["externalId"], state.outputs["user_id"]) == (True, "hr-7", state.id)
    counts = requests_during(tenant, lambda: engine.run(program))
    assert writes(counts) == {}


def test_update_patches_only_the_changed_attribute(
    engine: Engine, tenant: RunningEmulator, scim_http: httpx.Client
) -> None:
    engine.run(lambda: contractor("bo@ex.com"))

    steps: list[Any] = []
    counts = requests_during(
        tenant, lambda: steps.extend(engine.run(lambda: contractor("bo@ex.com", family_name="Li")))
    )

    (update,) = steps
    assert update.diff is not None and update.diff.detailed_diff == {"family_name": "UPDATE"}
    assert writes(counts) == {"PATCH /scim/1/{idpId}/v2/Users/{id}": 1}
    user = live_user(scim_http, engine.resource(SCIM_USER, "contractor").id)
    assert user is not None and user["name"] == {"givenName": "Ann", "familyName": "Li"}


def test_refresh_sees_a_deactivation_by_hand_and_up_reactivates(
    engine: Engine, scim_http: httpx.Client
) -> None:
    engine.run(lambda: contractor("cy@ex.com"))
    user_id = engine.resource(SCIM_USER, "contractor").id
    patch = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}
    patch["Operations"] = [{"op": "replace", "path": "active", "value": False}]
    scim_http.patch(f"/Users/{user_id}", json=patch).raise_for_status()
    engine.provider.restart()

    (refresh,) = engine.refresh()

    assert refresh.diff is not None and refresh.diff.detailed_diff == {"active": "UPDATE"}
    assert engine.resource(SCIM_USER, "contractor").inputs["active"] is False
    steps = engine.run(lambda: contractor("cy@ex.com"))
    assert [step.op for step in steps] == ["update"]
    user = live_user(scim_http, user_id)
    assert user is not None and user["active"] is True


def test_refresh_sees_attributes_edited_by_hand_and_up_restores_them(
    engine: Engine, scim_http: httpx.Client
) -> None:
    engine.run(lambda: contractor("eve@ex.com", external_id="hr-1"))
    user_id = engine.resource(SCIM_USER, "contractor").id
    patch = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}
    patch["Operations"] = [
        {"op": "replace", "path": "name.givenName", "value": "Edna"},
        {"op": "replace", "path": "externalId", "value": "hr-2"},
    ]
    scim_http.patch(f"/Users/{user_id}", json=patch).raise_for_status()
    engine.provider.restart()

    (refresh,) = engine.refresh()

    assert refresh.diff is not None
    assert refresh.diff.detailed_diff == {"external_id": "UPDATE", "given_name": "UPDATE"}
    (update,) = engine.run(lambda: contractor("eve@ex.com", external_id="hr-1"))
    assert update.op == "update"
    user = live_user(scim_http, user_id)
    assert user is not None
    assert (user["name"]["givenName"], user["externalId"]) == ("Ann", "hr-1")


def test_refresh_drops_a_user_deleted_by_hand_and_up_creates_it_again(
    engine: Engine, scim_http: httpx.Client
) -> None:
    engine.run(lambda: contractor("di@ex.com"))
    old_id = engine.resource(SCIM_USER, "contractor").id
    scim_http.delete(f"/Users/{old_id}").raise_for_status()
    engine.provider.restart()

    (refresh,) = engine.refresh()

    assert refresh.gone and engine.state == {}
    assert [step.op for step in engine.run(lambda: contractor("di@ex.com"))] == ["create"]
    assert engine.resource(SCIM_USER, "contractor").id != old_id


def test_an_existing_user_name_needs_adopt(engine: Engine, scim_http: httpx.Client) -> None:
    body = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "ed@ex.com",
        "active": True,
    }
    response = scim_http.post("/Users", json=body)
    response.raise_for_status()
    existing = response.json()
    engine.provider.restart()

    with pytest.raises(ProviderError, match=r"already exists.*adopt: true"):
        engine.run(lambda: contractor("ed@ex.com"))

    engine.run(lambda: contractor("ed@ex.com", adopt=True))

    assert engine.resource(SCIM_USER, "contractor").id == existing["id"]
    user = live_user(scim_http, existing["id"])
    assert user is not None and user["name"]["familyName"] == "Lee"


def test_check_reports_every_bad_input_without_any_request(engine: Engine, tenant: RunningEmulator) -> None:
    def program() -> None:
        ScimUser(
            "bad",
            user_name="",
            emails=["ok@ex.com", "not-an-address", "OK@ex.com"],
            on_delete="purge",
            active="no",  # type: ignore[arg-type]
        )

    def run() -> None:
        with pytest.raises(CheckFailed) as raised:
            engine.run(program)
        assert dict(raised.value.failures) == {
            "user_name": "user_name must not be empty",
            "emails[1]": "not an email address: 'not-an-address'",
            "emails[2]": "'OK@ex.com' is listed twice",
            "active": "active must be true or false, got 'no'",
            "on_delete": "on_delete must be one of 'deactivate', 'delete', got 'purge'",
        }

    assert requests_during(tenant, run) == {}


def test_destroy_deactivates_unless_told_to_delete(engine: Engine, scim_http: httpx.Client) -> None:
    def program() -> None:
        ScimUser("kept", user_name="kept@ex.com")
        ScimUser("purged", user_name="purged@ex.com", on_delete="delete")

    engine.run(program)
    kept, purged = engine.resource(SCIM_USER, "kept").id, engine.resource(SCIM_USER, "purged").id

    engine.destroy()

    user = live_user(scim_http, kept)
    assert user is not None and user["active"] is False
    assert live_user(scim_http, purged) is None
