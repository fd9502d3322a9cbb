"""The OAuth token endpoint: who gets a token, what it carries, and when it stops working."""

from __future__ import annotations

import base64

import jwt
import pytest

from tests.emulator.conftest import ADMIN, DAY, client_body

TOKEN = "/oauth2/v1/token"


def _claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def test_form_credentials_get_a_bearer_token_with_the_client_lifetime_and_scopes(tenant):
    client, secret = tenant.client_with_secret("reporting", ["scim:read"], lifetime=900)
    response = tenant.token_response(client["id"], secret)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 900
    assert response.headers["cache-control"] == "no-store"
    claims = _claims(body["access_token"])
    assert claims["sub"] == client["id"]
    assert claims["aud"] == "https://api.zscaler.com"
    assert claims["exp"] - claims["iat"] == 900
    assert claims["scope"].split() == ["scim:read"]


def test_http_basic_credentials_are_accepted(tenant):
    client, secret = tenant.client_with_secret("basic-user", ["scim:read"])
    basic = base64.b64encode(f"{client['id']}:{secret}".encode()).decode()
    response = tenant.http.post(
        TOKEN,
        data={"grant_type": "client_credentials", "audience": "https://api.zscaler.com"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert response.status_code == 200, response.text
    assert _claims(response.json()["access_token"])["sub"] == client["id"]


def test_wrong_basic_credentials_get_401_with_a_challenge(tenant):
    basic = base64.b64encode(f"{tenant.credentials['client_id']}:nope".encode()).decode()
    response = tenant.http.post(
        TOKEN,
        data={"grant_type": "client_credentials", "audience": "https://api.zscaler.com"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response.headers["www-authenticate"].startswith("Basic")


def test_token_responses_carry_gateway_rate_limit_headers(tenant):
    first = tenant.token_response(tenant.credentials["client_id"], tenant.credentials["client_secret"])
    second = tenant.token_response(tenant.credentials["client_id"], tenant.credentials["client_secret"])
    assert first.headers["x-ratelimit-limit"].startswith("500")
    assert int(second.headers["x-ratelimit-remaining"]) <= int(first.headers["x-ratelimit-remaining"])
    assert first.headers["x-ratelimit-reset"] == "1"


@pytest.mark.parametrize(
    ("overrides", "error", "mentions"),
    [
        ({"audience": "https://example.com"}, "invalid_request", "audience"),
        ({"audience": ""}, "invalid_request", "audience"),
        ({"grant_type": "password"}, "unsupported_grant_type", "client_credentials"),
        ({"grant_type": ""}, "invalid_request", "grant_type"),
        ({"client_secret": "wrong-secret-value"}, "invalid_client", "wrong secret"),
        ({"client_id": "nosuchclient0"}, "invalid_client", "unknown client"),
        ({"client_secret": ""}, "invalid_client", "client_secret"),
    ],
)
def test_bad_token_requests_get_400_with_an_oauth_error(tenant, overrides, error, mentions):
    response = tenant.token_response(
        tenant.credentials["client_id"], tenant.credentials["client_secret"], overrides
    )
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == error
    assert mentions in body["error_description"]
    assert tenant.credentials["client_secret"] not in response.text


def test_json_token_requests_are_refused(tenant):
    response = tenant.http.post(TOKEN, json={"grant_type": "client_credentials"})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_get_on_the_token_endpoint_is_405(tenant):
    assert tenant.http.get(TOKEN).status_code == 405


def test_an_expired_secret_no_longer_authenticates_but_the_other_one_does(tenant):
    client = tenant.create_client("rotating", ["scim:read"])
    short = tenant.add_secret(client["id"], days=30)["value"]
    long = tenant.add_secret(client["id"], days=90)["value"]
    tenant.clock.advance(31 * DAY)
    assert tenant.token_response(client["id"], short).status_code == 400
    assert tenant.token_response(client["id"], long).status_code == 200


def test_an_expired_access_token_is_rejected_with_401(tenant):
    client, secret = tenant.client_with_secret("short-lived", ["ziam:read"], lifetime=60)
    headers = {"Authorization": f"Bearer {tenant.token(client['id'], secret)}"}
    assert tenant.http.get(f"{ADMIN}/api-clients", headers=headers).status_code == 200
    tenant.clock.advance(61)
    response = tenant.http.get(f"{ADMIN}/api-clients", headers=headers)
    assert response.status_code == 401
    assert response.json()["code"] == "UNAUTHORIZED"


def test_disabling_a_client_revokes_its_tokens_and_blocks_new_ones(tenant):
    client, secret = tenant.client_with_secret("to-disable", ["ziam:read"])
    headers = {"Authorization": f"Bearer {tenant.token(client['id'], secret)}"}
    assert tenant.http.get(f"{ADMIN}/api-clients", headers=headers).status_code == 200

    client["status"] = False
    update = tenant.http.put(
        f"{ADMIN}/api-clients/{client['id']}", json=client, headers=tenant.admin_headers()
    )
    assert update.status_code == 200, update.text

    assert tenant.http.get(f"{ADMIN}/api-clients", headers=headers).status_code == 401
    refused = tenant.token_response(client["id"], secret)
    assert refused.status_code == 400
    assert "disabled" in refused.json()["error_description"]


def test_deleting_a_client_revokes_its_tokens(tenant):
    client, secret = tenant.client_with_secret("to-delete", ["ziam:read"])
    headers = {"Authorization": f"Bearer {tenant.token(client['id'], secret)}"}
    assert tenant.http.get(f"{ADMIN}/api-clients", headers=headers).status_code == 200
    deleted = tenant.http.delete(f"{ADMIN}/api-clients/{client['id']}", headers=tenant.admin_headers())
    assert deleted.status_code == 204
    assert tenant.http.get(f"{ADMIN}/api-clients", headers=headers).status_code == 401
    assert tenant.token_response(client["id"], secret).status_code == 400


def test_removing_a_scope_takes_effect_on_existing_tokens(tenant):
    client, secret = tenant.client_with_secret("shrinking", ["ziam:read"])
    headers = {"Authorization": f"Bearer {tenant.token(client['id'], secret)}"}
    assert tenant.http.get(f"{ADMIN}/api-clients", headers=headers).status_code == 200
    client["clientResources"] = []
    assert (
        tenant.http.put(
            f"{ADMIN}/api-clients/{client['id']}", json=client, headers=tenant.admin_headers()
        ).status_code
        == 200
    )
    assert tenant.http.get(f"{ADMIN}/api-clients", headers=headers).status_code == 403


def test_a_granted_scope_needs_a_new_token(tenant):
    client, secret = tenant.client_with_secret("growing", [])
    old = {"Authorization": f"Bearer {tenant.token(client['id'], secret)}"}
    body = tenant.http.get(f"{ADMIN}/api-clients/{client['id']}", headers=tenant.admin_headers()).json()
    body["clientResources"] = client_body("x", ["ziam:read"])["clientResources"]
    assert (
        tenant.http.put(
            f"{ADMIN}/api-clients/{client['id']}", json=body, headers=tenant.admin_headers()
        ).status_code
        == 200
    )
    assert tenant.http.get(f"{ADMIN}/api-clients", headers=old).status_code == 403
    new = {"Authorization": f"Bearer {tenant.token(client['id'], secret)}"}
    assert tenant.http.get(f"{ADMIN}/api-clients", headers=new).status_code == 200


def test_a_token_signed_with_another_key_is_rejected(tenant):
    forged = jwt.encode(
        {
            "sub": tenant.credentials["client_id"],
            "aud": "https://api.zscaler.com",
            "exp": int(tenant.clock()) + 600,
            "scope": "ziam:admin",
        },
        "not-the-tenant-key-but-long-enough-for-hs256",
        algorithm="HS256",
    )
    response = tenant.http.get(f"{ADMIN}/api-clients", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401


def test_private_key_jwt_clients_cannot_use_secrets(tenant):
    client = tenant.create_client(
        "jwks-client",
        ["scim:read"],
        clientAuthentication={"authType": "JWKS", "clientJWKsUrl": "https://idp.example/jwks"},
    )
    response = tenant.token_response(client["id"], "anything")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_client"
