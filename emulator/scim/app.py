"""The emulator's SCIM 2.0 WSGI application: scim2-server, gated by the core's principal, with a fast path.

The emulator core mounts it at ``/scim/1/<idpId>/v2``: ``SCRIPT_NAME`` is that prefix and
``PATH_INFO`` the SCIM path (``/Users``, ``/Groups/{id}``, ``/ServiceProviderConfig``, ...). The core
authenticates the bearer token and leaves an ``emulator.principal.Principal`` (or ``None``) in the
environ; this app decides what that caller may do. Accounting, rate limiting and fault injection are
the core's middleware.

Every request, discovery included, goes through the same gate, in this order: no caller → 401
(``WWW-Authenticate: Bearer``); unknown path → 404, wrong method → 405; missing scope → 403; body over
the limit → 400. Then the group fast path answers if it recognises the request, else scim2-server.
"""

from __future__ import annotations

import json
import pathlib
from collections.abc import Iterable
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from wsgiref.util import application_uri

from scim2_models import UnauthorizedException
from scim2_server.applications.wsgi import WSGIApplication
from scim2_server.requests import ScimRequest
from scim2_server.responses import ScimResponse

from emulator.principal import PRINCIPAL_KEY, TOKEN_SENT_KEY, unauthenticated_detail
from emulator.scim.access import require_access
from emulator.scim.dialect import Dialect, dialect_named
from emulator.scim.fast_path import EncodedScimResponse, GroupFastPath
from emulator.scim.handler import EmulatorScimHandler
from emulator.scim.membership import GroupMembership
from emulator.scim.names import LIST_SCHEMA, USER_SCHEMA
from emulator.scim.provider import build_provider
from emulator.scim.service import EmulatorScimService
from emulator.scim.sqlite_storage import SQLiteScimStorage

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

FAST_PATH_KEY = "emulator.scim.fast_path"
"""Environ key a test (never a client: HTTP cannot set it) sets to ``False`` to force scim2-server's path."""

BODILESS_STATUSES = (HTTPStatus.NO_CONTENT, HTTPStatus.NOT_MODIFIED)


@dataclass
class EmulatorScimRequest(ScimRequest):
    """A SCIM request that also says whether the group fast path may serve it."""

    fast_path: bool = True
    token_sent: bool = False


class ScimApplication(WSGIApplication):
    """scim2-server's WSGI application with the emulator's gate, fast path and dialect."""

    def __init__(self, storage: SQLiteScimStorage, service: EmulatorScimService, dialect: Dialect) -> None:
        super().__init__(storage, service.provider, service)
        self.service: EmulatorScimService = service
        self.dialect = dialect
        self.handler = EmulatorScimHandler(service, storage, dialect)
        self.fast_path = GroupFastPath(service, storage) if isinstance(storage, GroupMembership) else None

    def close(self) -> None:
        """Close the storage (its SQLite connection)."""
        close = getattr(self.storage, "close", None)
        if close is not None:
            close()

    # -- reading requests -------------------------------------------------------------------

    @staticmethod
    def get_base_url(environ: WSGIEnvironment) -> str:
        """The mount point is the SCIM root (it already ends in ``/v2``; scim2-server would add another)."""
        return application_uri(environ).rstrip("/")

    def read_request(self, environ: WSGIEnvironment) -> EmulatorScimRequest:
        """The request, with the caller the core authenticated as its subject."""
        request = super().read_request(environ)
        return EmulatorScimRequest(
            **{**vars(request), "subject": environ.get(PRINCIPAL_KEY)},
            fast_path=environ.get(FAST_PATH_KEY, True) is not False,
            token_sent=environ.get(TOKEN_SENT_KEY) is True,
        )

    def read_body(self, environ: WSGIEnvironment, request: ScimRequest) -> bytes:
        try:
            return super().read_body(environ, request)
        except ValueError:  # a Content-Length that is not a number: read as no body (answered 400)
            return b""

    def get_subject(self, request: ScimRequest) -> Any:
        return request.subject

    # -- serving ----------------------------------------------------------------------------

    def dispatch_request(self, request: ScimRequest) -> ScimResponse:
        if request.subject is None:
            raise UnauthorizedException(detail=unauthenticated_detail(getattr(request, "token_sent", False)))
        target = self.service.match(request)
        require_access(request.subject, target.operation)
        self.service.check_body_size(request, target.operation)
        if self.fast_path is not None and getattr(request, "fast_path", True):
            response = self.fast_path.serve(request, target)
            if response is not None:
                return response
        return self.handler.handle(request)

    def finalize_response(self, request: ScimRequest, response: ScimResponse) -> ScimResponse:
        response = super().finalize_response(request, response)
        if self.dialect.active_as_string and response.body is not None:
            stringify_active(response.body)
        return response

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        return send_response(self.serve(self.read_request(environ)), start_response)


def stringify_active(body: dict[str, Any]) -> None:
    """Write users' ``active`` as ZPA shows it: the string ``"true"``/``"false"``, in place."""
    resources = body.get("Resources") if LIST_SCHEMA in body.get("schemas", ()) else [body]
    for resource in resources or ():
        if USER_SCHEMA in resource.get("schemas", ()) and isinstance(resource.get("active"), bool):
            resource["active"] = "true" if resource["active"] else "false"


def send_response(response: ScimResponse, start_response: StartResponse) -> list[bytes]:
    """Write a SCIM response, with a Content-Length so keep-alive connections need no chunking."""
    if isinstance(response, EncodedScimResponse):
        body = response.encoded
    else:
        body = b"" if response.body is None else json.dumps(response.body).encode()
    headers = list(response.headers.items())
    if response.status not in BODILESS_STATUSES:
        headers.append(("Content-Length", str(len(body))))
    start_response(f"{response.status.value} {response.status.phrase}", headers)
    return [body]


def make_scim_app(db_path: pathlib.Path, *, dialect: str = "strict") -> ScimApplication:
    """The SCIM WSGI app on the SQLite file ``db_path`` (created if missing), playing ``dialect``.

    :raises ValueError: When ``dialect`` is not ``strict`` or ``zpa``.
    """
    chosen = dialect_named(dialect)
    provider = build_provider(chosen)
    storage = SQLiteScimStorage(provider, db_path)
    return ScimApplication(storage, EmulatorScimService(provider, chosen), chosen)
