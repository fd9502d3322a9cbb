"""Test-only mount for the SCIM app: what the emulator core does, minus token checking.

The core resolves a bearer token into a ``Principal`` and mounts the SCIM app at
``/scim/1/<idpId>/v2``. Here the caller is declared by a header instead, so tests can exercise the
SCIM app's own rules (scopes, dialects, protocol) without the token endpoint:

- no ``X-Test-Scopes`` header: no principal (the core saw no valid token);
- ``X-Test-Scopes: idp``: the IdP's own SCIM bearer token;
- ``X-Test-Scopes: scim:read ...``: an OAuth client holding those scopes.

``X-Test-Slow-Path: 1`` makes scim2-server serve the request even where the fast path could, which
is how tests compare the two. Loopback tests through the real ``python -m emulator`` live in
``test_loopback.py``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from emulator.principal import PRINCIPAL_KEY, Principal
from emulator.scim import FAST_PATH_KEY

IDP_ID = "test-idp"
MOUNT = f"/scim/1/{IDP_ID}/v2"
BASE_URL = f"http://emulator.test{MOUNT}"
SCOPES_HEADER = "X-Test-Scopes"
SLOW_PATH_HEADER = "X-Test-Slow-Path"
READ_WRITE = "scim:read scim:write"


def principal_from(declared: str | None) -> Principal | None:
    if declared is None:
        return None
    if declared == "idp":
        return Principal("idp", IDP_ID, frozenset({"scim:read", "scim:write"}))
    return Principal("client", "test-client", frozenset(declared.split()))


class PrincipalShim:
    """WSGI app mounting ``scim_app`` at ``MOUNT`` with the principal the test declares."""

    def __init__(self, scim_app: Any) -> None:
        self.scim_app = scim_app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if not path.startswith(MOUNT):
            start_response("404 Not Found", [("Content-Length", "0")])
            return [b""]
        scim_environ = dict(environ, SCRIPT_NAME=MOUNT, PATH_INFO=path[len(MOUNT) :])
        scim_environ[PRINCIPAL_KEY] = principal_from(scim_environ.pop("HTTP_X_TEST_SCOPES", None))
        if scim_environ.pop("HTTP_X_TEST_SLOW_PATH", None):
            scim_environ[FAST_PATH_KEY] = False
        return self.scim_app(scim_environ, start_response)
