"""Client secrets: one-time plaintext, masked listing, two-slot rule, expiry window, hashed storage."""

from __future__ import annotations

import sqlite3

import pytest

from tests.emulator.conftest import ADMIN, DAY

CLIENTS = f"{ADMIN}/api-clients"


def test_create_returns_the_plaintext_once_and_the_list_masks_it(tenant):
    client = tenant.create_client("with-secret", ["scim:read"])
    expires_at = int(tenant.clock()) + 90 * DAY
    response = tenant.http.post(
        f"{CLIENTS}/{client['id']}/secrets", json={"expiresAt": expires_at}, headers=tenant.admin_headers()
    )
    assert response.status_code == 201
    created = response.json()
    assert set(created) == {"id", "value", "createdAt", "expiresAt"}
    assert created["expiresAt"] == expires_at
    assert created["createdAt"] == int(tenant.clock())
    assert len(created["value"]) >= 32

    listing = tenant.http.get(f"{CLIENTS}/{client['id']}/secrets", headers=tenant.admin_headers())
    assert listing.status_code == 200
    assert listing.json() == [
        {"id": created["id"], "value": "****", "createdAt": created["createdAt"], "expiresAt": expires_at}
    ]
    assert created["value"] not in listing.text
    assert tenant.token(client["id"], created["value"])


def test_secret_values_are_stored_hashed(tenant):
    client = tenant.create_client("hashed", ["scim:read"])
    value = tenant.add_secret(client["id"])["value"]
    tenant.app.close()  # flush WAL into the file
    database = tenant.app.data_dir / "tenant.db"
    raw = database.read_bytes() + (
        database.with_name("tenant.db-wal").read_bytes()
        if database.with_name("tenant.db-wal").exists()
        else b""
    )
    assert value.encode() not in raw
    assert tenant.credentials["client_secret"].encode() not in raw
    assert tenant.credentials["scim_token"].encode() not in raw
    with sqlite3.connect(database) as db:
        columns = [row[1] for row in db.execute("PRAGMA table_info(client_secrets)")]
    assert "value" not in columns


def test_a_third_secret_replaces_the_most_recent_one(tenant):
    client = tenant.create_client("two-slots", ["scim:read"])
    oldest = tenant.add_secret(client["id"], days=60)
    tenant.clock.advance(10)
    newer = tenant.add_secret(client["id"], days=90)
    tenant.clock.advance(10)
    third = tenant.add_secret(client["id"], days=120)
    listing = tenant.http.get(f"{CLIENTS}/{client['id']}/secrets", headers=tenant.admin_headers()).json()
    assert [s["id"] for s in listing] == [oldest["id"], third["id"]]
    assert tenant.token_response(client["id"], newer["value"]).status_code == 400
    assert tenant.token_response(client["id"], oldest["value"]).status_code == 200


def test_deleting_a_secret_is_204_and_it_stops_authenticating(tenant):
    client = tenant.create_client("delete-secret", ["scim:read"])
    secret = tenant.add_secret(client["id"])
    headers = tenant.admin_headers()
    assert (
        tenant.http.delete(f"{CLIENTS}/{client['id']}/secrets/{secret['id']}", headers=headers).status_code
        == 204
    )
    assert tenant.http.get(f"{CLIENTS}/{client['id']}/secrets", headers=headers).json() == []
    assert tenant.token_response(client["id"], secret["value"]).status_code == 400
    again = tenant.http.delete(f"{CLIENTS}/{client['id']}/secrets/{secret['id']}", headers=headers)
    assert again.status_code == 404


@pytest.mark.parametrize(("days", "ok"), [(29, False), (30, True), (365, True), (366, False), (-1, False)])
def test_secret_expiry_must_be_30_to_365_days_ahead(tenant, days, ok):
    client = tenant.create_client(f"expiry-{days}", ["scim:read"])
    response = tenant.http.post(
        f"{CLIENTS}/{client['id']}/secrets",
        json={"expiresAt": int(tenant.clock()) + days * DAY},
        headers=tenant.admin_headers(),
    )
    if ok:
        assert response.status_code == 201
    else:
        assert response.status_code == 400
        assert "expiresAt: must be between 30 and 365 days" in response.json()["message"]


@pytest.mark.parametrize(
    ("body", "mentions"),
    [
        ({}, "expiresAt: required"),
        ({"expiresAt": "1785643102"}, "expiresAt: expected an integer"),
        ({"expiresAt": 1.5}, "expiresAt: expected an integer"),
        ({"expiresAt": 1785643102, "value": "mine"}, "value: unknown field"),
        ({"expiresAt": 10**400}, "expiresAt: must be between 30 and 365 days from now"),  # was a 500
    ],
)
def test_bad_secret_bodies_are_400(tenant, body, mentions):
    client = tenant.create_client("bad-secret-body", ["scim:read"])
    response = tenant.http.post(
        f"{CLIENTS}/{client['id']}/secrets", json=body, headers=tenant.admin_headers()
    )
    assert response.status_code == 400
    assert mentions in response.json()["message"]


def test_secrets_are_only_for_secret_clients(tenant):
    client = tenant.create_client(
        "pubkey",
        [],
        clientAuthentication={"authType": "PUBKEYCERT", "publicKeys": [{"keyName": "k", "keyValue": "PEM"}]},
    )
    headers = tenant.admin_headers()
    response = tenant.http.post(
        f"{CLIENTS}/{client['id']}/secrets",
        json={"expiresAt": int(tenant.clock()) + 60 * DAY},
        headers=headers,
    )
    assert response.status_code == 400
    assert response.json()["code"] == "INVALID_AUTH_TYPE"
    assert tenant.http.get(f"{CLIENTS}/{client['id']}/secrets", headers=headers).status_code == 400


def test_secrets_of_unknown_clients_are_404(tenant):
    headers = tenant.admin_headers()
    assert tenant.http.get(f"{CLIENTS}/nosuchclient0/secrets", headers=headers).status_code == 404
    response = tenant.http.post(
        f"{CLIENTS}/nosuchclient0/secrets",
        json={"expiresAt": int(tenant.clock()) + 60 * DAY},
        headers=headers,
    )
    assert response.status_code == 404
