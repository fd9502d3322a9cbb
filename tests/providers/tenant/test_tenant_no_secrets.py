"""No secret ever reaches an error message, a repr or a log line.

A hostile server echoes everything it receives (headers, form body, JSON body) into its error
messages and answers every error status; each error path of the clients is provoked with known
secret strings (with characters that change under URL and JSON encoding), and every `str()`,
`repr()`, formatted traceback and captured log record is scanned for them.
"""

from __future__ import annotations

import json
import logging
import time
import traceback
from urllib.parse import quote, quote_plus

import httpx
import pytest

from providers.tenant import ConfigurationError, Tenant, TenantError, TenantSettings
from tests.providers.tenant.conftest import MOCK_URL, mock_tenant, settings_from

CLIENT_SECRET = 'cs+Secret/Value=42&x"q'
SCIM_TOKEN = "scim~Token.Value-99/Zz"
CREATED_SECRET = "new/Secret+Value==7"
ACCESS_TOKEN = "opaque-access-token-7731"
SECRETS = (CLIENT_SECRET, SCIM_TOKEN, CREATED_SECRET, ACCESS_TOKEN)


def echo(request: httpx.Request) -> str:
    return f"{request.method} {request.url} headers={dict(request.headers)} body={request.content.decode()}"


class HostileServer:
    """Answers per path with the status under test, echoing the request into the error message."""

    def __init__(self) -> None:
        self.status_for: dict[str, int] = {}
        self.raise_for: dict[str, Exception] = {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path in self.raise_for:
            raise self.raise_for[path]
        status = self.status_for.get(path)
        if path.endswith("/oauth2/v1/token") and status is None:
            return httpx.Response(200, json={"access_token": ACCESS_TOKEN, "expires_in": 3600})
        if path.endswith("/secrets") and request.method == "POST" and status is None:
            return httpx.Response(201, json={"id": "s1", "value": CREATED_SECRET, "expiresAt": 1})
        if path.endswith("/secrets") and request.method == "GET" and status is None:
            return httpx.Response(200, json=[])
        if status is None:
            status = 500
        body = {
            "message": echo(request),
            "detail": echo(request),
            "error_description": echo(request),
            "Retry-After": "0 seconds",
            "code": request.headers.get("authorization", "none"),
        }
        return httpx.Response(
            status, content=json.dumps(body).encode(), headers={"content-type": "application/json"}
        )


def hostile_tenant(server: HostileServer) -> Tenant:
    return mock_tenant(
        server,
        clientSecret=CLIENT_SECRET,
        scimUrl=f"{MOCK_URL}/scim/v2",
        scimToken=SCIM_TOKEN,
        maxRetryWait="1",
    )


def assert_clean(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text, f"secret leaked: {text[:200]}"
            for encoded in (json.dumps(secret)[1:-1], quote_plus(secret), quote(secret, safe="")):
                assert encoded not in text, f"encoded secret leaked: {text[:200]}"


def provoke(call) -> TenantError:
    with pytest.raises(TenantError) as caught:
        call()
    error = caught.value
    assert_clean(str(error), repr(error), "".join(traceback.format_exception(error)))
    return error


ADMIN = "/ziam/admin/api/v1"


def test_every_error_path_is_free_of_secrets(caplog):
    caplog.set_level(logging.DEBUG)
    server = HostileServer()
    tenant = hostile_tenant(server)
    z, scim = tenant.zidentity, tenant.scim
    errors = []

    # The created secret's value is known to the client from here on.
    assert z.create_secret("c1", int(time.time()) + 60 * 86400)["value"] == CREATED_SECRET

    for status in (400, 403, 404, 409, 412, 429, 500, 502, 503):
        server.status_for[f"{ADMIN}/api-clients"] = status
        errors.append(provoke(lambda: z.create_client({"name": "x", "note": CREATED_SECRET})))
        server.status_for[f"{ADMIN}/api-clients/c1"] = status
        errors.append(provoke(lambda: z.update_client("c1", {"name": CLIENT_SECRET})))
        server.status_for["/scim/v2/Groups/g1"] = status
        errors.append(
            provoke(lambda: scim.patch_group("g1", [{"op": "replace", "path": "x", "value": SCIM_TOKEN}]))
        )

    server.status_for[f"{ADMIN}/api-clients/c2"] = 401  # the API rejects every token, after a refresh
    errors.append(provoke(lambda: z.update_client("c2", {"name": "x"})))
    server.status_for["/scim/v2/Users"] = 401  # the static SCIM token is rejected
    errors.append(provoke(lambda: scim.create_user({"userName": "a@b"})))

    tenant.oauth.forget_token()  # force a new token request, which the server now rejects
    server.status_for["/oauth2/v1/token"] = 400
    errors.append(provoke(lambda: z.list_clients()))
    del server.status_for["/oauth2/v1/token"]

    server.raise_for["/scim/v2/Groups"] = httpx.ConnectError(f"refused {SCIM_TOKEN}")
    errors.append(provoke(lambda: scim.list_groups()))
    server.raise_for["/scim/v2/Users"] = httpx.ReadError(f"reset {SCIM_TOKEN}")
    errors.append(provoke(lambda: scim.create_user({"userName": "b@c"})))

    assert {type(e).__name__ for e in errors} >= {
        "BadRequest", "Forbidden", "NotFound", "Conflict", "PreconditionFailed", "RateLimited",
        "ServerError", "Unauthorized", "ConnectionFailed", "Unreachable",
    }  # fmt: skip
    assert_clean(caplog.text, *(r.getMessage() for r in caplog.records))
    assert_clean(
        repr(tenant),
        repr(z),
        repr(scim),
        repr(tenant.settings),
        str(tenant.settings),
        repr(tenant.oauth),
        repr(z.auth),
    )
    tenant.close()


def test_configuration_errors_never_quote_secret_values():
    with pytest.raises(ConfigurationError) as caught:
        TenantSettings.resolve(
            {"clientSecret": CLIENT_SECRET, "scimToken": SCIM_TOKEN, "rateLimit": "x"}, env={}
        )
    assert_clean(str(caught.value), repr(caught.value))


def test_logs_of_a_real_session_over_loopback_are_free_of_secrets(shared_emulator, caplog):
    """Real sockets, real httpcore debug logging, real tokens: nothing secret in any log record."""
    caplog.set_level(logging.DEBUG)
    credentials = shared_emulator.credentials
    with Tenant(settings_from(credentials)) as tenant:
        client = tenant.zidentity.create_client(
            {"name": f"nolog-{time.time_ns()}", "accessTokenLifeTime": 600}
        )
        secret = tenant.zidentity.create_secret(client["id"], int(time.time()) + 60 * 86400)
        with pytest.raises(TenantError) as caught:
            tenant.zidentity.create_secret(client["id"], 5)  # rejected: expiry out of range
        tenant.scim.find_user("nobody@example.com")
        token = tenant.oauth.token()
        tenant.zidentity.delete_client(client["id"])
    known = (credentials["client_secret"], credentials["scim_token"], secret["value"], token)
    text = caplog.text + str(caught.value) + repr(caught.value)
    assert caplog.records  # logging really happened (httpx/httpcore at DEBUG)
    for value in known:
        assert value not in text
