"""A wrong tenant URL fails fast and says which setting to fix.

A wrong URL (nothing listens, the host name does not resolve) must not cost the retry budget meant for
a busy server: the user running `scopectl audit` learns within about a second, from an error naming
the server, the setting that points at it and where that setting came from, and never a secret.
These tests use real sockets: a loopback port nobody listens on, a host under `.invalid`, which
RFC 6761 guarantees never resolves, and a loopback web server that answers every path with an HTML
page (what a URL pointing at an admin portal or a proxy gets).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from providers.tenant import (
    UNREACHABLE_ATTEMPTS,
    UNREACHABLE_WAIT,
    ApiError,
    ConnectionFailed,
    Tenant,
    TenantSettings,
    Unreachable,
)
from tests.providers.tenant.conftest import FakeTime, free_port

ROOT = Path(__file__).resolve().parents[3]
SECRET = "client-secret-must-not-show-4711"
SCIM_TOKEN = "scim-token-must-not-show-0815"


def closed_origin() -> str:
    """`http://127.0.0.1:<port>` where nothing listens: every connect is refused."""
    return f"http://127.0.0.1:{free_port()}"


def test_a_refused_connection_gives_up_after_a_few_quick_tries_naming_the_setting():
    origin = closed_origin()
    settings = TenantSettings.resolve(
        {"clientId": "cid", "clientSecret": SECRET},
        env={"SCOPE_MANAGER_TOKEN_URL": f"{origin}/oauth2/v1/token", "SCOPE_MANAGER_API_URL": origin},
    )
    time = FakeTime()
    with Tenant(settings, sleep=time.sleep, clock=time.clock) as tenant, pytest.raises(Unreachable) as caught:
        tenant.zidentity.list_clients()
    error = caught.value
    assert tenant.request_count == UNREACHABLE_ATTEMPTS  # every try went to the token endpoint
    assert sum(time.slept) <= UNREACHABLE_WAIT
    assert isinstance(error, ConnectionFailed)  # callers catching the broader error still do
    assert error.origin == origin and error.path == "/oauth2/v1/token"
    text = str(error)
    assert f"cannot connect to {origin}" in text and "connection refused" in text
    assert "tokenUrl (environment variable SCOPE_MANAGER_TOKEN_URL)" in text
    assert SECRET not in text + repr(error)


def test_an_unknown_host_fails_fast_and_names_the_file_the_url_came_from(tmp_path):
    credentials = tmp_path / "credentials.json"
    credentials.write_text(
        json.dumps({"scim_url": "https://scim.no-such-tenant.invalid/scim/v2", "scim_token": SCIM_TOKEN})
    )
    settings = TenantSettings.from_credentials_file(credentials)
    time = FakeTime()
    with Tenant(settings, sleep=time.sleep, clock=time.clock) as tenant, pytest.raises(Unreachable) as caught:
        tenant.scim.list_users()
    assert tenant.request_count == UNREACHABLE_ATTEMPTS and sum(time.slept) <= UNREACHABLE_WAIT
    text = str(caught.value)
    assert "cannot connect to https://scim.no-such-tenant.invalid" in text
    assert "host name not found" in text
    assert f"scimUrl ({credentials}:scim_url)" in text
    assert SCIM_TOKEN not in text


def test_a_vanity_domain_setup_points_at_the_vanity_setting():
    settings = TenantSettings.resolve(
        {"vanityDomain": "no-such-tenant-r3", "clientId": "cid", "clientSecret": SECRET}, env={}
    )
    assert settings.endpoint_setting(settings.token_url or "") == (
        "tokenUrl, derived from vanityDomain (stack config scope-manager:vanityDomain) "
        "and cloud (not set: production)"
    )
    assert settings.endpoint_setting(f"{settings.api_url}/ziam/admin/api/v1/api-clients") == (
        "apiUrl, derived from cloud (not set: production)"
    )
    assert settings.endpoint_setting("http://127.0.0.1:9/elsewhere") is None


def test_scopectl_audit_against_a_wrong_url_reports_it_at_once(tmp_path):
    """The user's view: exit status 1 and one line naming the server and the variable to fix."""
    origin = closed_origin()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SCOPE_MANAGER_", "ZSCALER_"))},
        "SCOPE_MANAGER_TOKEN_URL": f"{origin}/oauth2/v1/token",
        "SCOPE_MANAGER_API_URL": origin,
        "SCOPE_MANAGER_CLIENT_ID": "cid",
        "SCOPE_MANAGER_CLIENT_SECRET": SECRET,
        "SCOPE_MANAGER_SCIM_URL": f"{origin}/scim/v2",
        "SCOPE_MANAGER_SCIM_TOKEN": SCIM_TOKEN,
    }
    done = subprocess.run(
        [sys.executable, "-m", "scopectl", "audit", "--stack-file", str(ROOT / "Pulumi.dev.yaml")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    assert f"cannot connect to {origin}" in done.stderr
    assert "check tokenUrl (environment variable SCOPE_MANAGER_TOKEN_URL)" in done.stderr
    assert SECRET not in done.stdout + done.stderr and SCIM_TOKEN not in done.stdout + done.stderr


class HtmlEverywhere(BaseHTTPRequestHandler):
    """A web page for every request: not an API, but it answers 200."""

    def _page(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        page = b"<!doctype html><html><body>Sign in</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    do_GET = do_POST = _page

    def log_message(self, *args: object) -> None:  # keep the test output clean
        pass


@pytest.fixture
def web_page_origin() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), HtmlEverywhere)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_a_url_that_answers_a_web_page_is_reported_as_not_the_api(web_page_origin):
    settings = TenantSettings.resolve(
        {
            "tokenUrl": f"{web_page_origin}/oauth2/v1/token",
            "apiUrl": web_page_origin,
            "clientId": "cid",
            "clientSecret": SECRET,
            "scimUrl": f"{web_page_origin}/scim/v2",
            "scimToken": SCIM_TOKEN,
        },
        env={},
    )
    with Tenant(settings) as tenant:
        with pytest.raises(ApiError) as token_error:
            tenant.zidentity.list_clients()
        with pytest.raises(ApiError) as scim_error:
            tenant.scim.list_users()
    token_text, scim_text = str(token_error.value), str(scim_error.value)
    assert token_text.startswith("POST /oauth2/v1/token -> 200: expected a JSON body")
    assert "text/html" in token_text and "check tokenUrl (stack config scope-manager:tokenUrl)" in token_text
    assert scim_text.startswith("GET /scim/v2/Users -> 200: expected a JSON body")
    assert "check scimUrl (stack config scope-manager:scimUrl)" in scim_text
    assert SECRET not in token_text + scim_text and SCIM_TOKEN not in token_text + scim_text
