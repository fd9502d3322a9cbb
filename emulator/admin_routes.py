"""The ZIdentity admin API under ``/ziam/admin/api/v1``: API clients, their secrets, resource servers.

Handlers validate input, call the store and render the wire format; authorization happens once, in
``RoutedApi.__call__`` (``AdminApi.authorize``), from each route's declared access ("read" needs
``ziam:read`` or ``ziam:admin``, "write" needs ``ziam:admin``), so no handler can forget it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from emulator.client_input import parse_client_body, render_client
from emulator.hashing import CredentialHasher, new_id, new_secret_value
from emulator.http import (
    HttpError,
    Request,
    Response,
    bad_request,
    bearer_token,
    empty_response,
    json_response,
    not_found,
    unauthorized,
)
from emulator.principal import PRINCIPAL_KEY
from emulator.routing import ADMIN_PREFIX, Route, RoutedApi
from emulator.store import (
    ClientRow,
    DuplicateNameError,
    LimitReachedError,
    NotFoundError,
    ScopeRow,
    SecretRow,
    TenantStore,
)
from emulator.tokens import TokenService

CLIENT_CAP = 256
MAX_SECRETS_PER_CLIENT = 2
DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 100, 1000
DAY = 86400
MIN_SECRET_DAYS, MAX_SECRET_DAYS = 30, 365
# A client computing "now + 30 days" reaches us a moment later; an hour of slack keeps that valid.
SECRET_WINDOW_SLACK = 3600
MASKED_VALUE = "****"

REALM = "zidentity"
READ_SCOPES = ("ziam:read", "ziam:admin")
WRITE_SCOPES = ("ziam:admin",)


@dataclass(frozen=True)
class Catalog:
    """The read-only scope catalog, loaded once: scope rows by id and resource server records by id."""

    scopes_by_id: dict[str, ScopeRow]
    servers: dict[str, dict]


def _page_params(request: Request) -> tuple[int, int]:
    values = {}
    for name, default, upper in (("offset", 0, None), ("limit", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)):
        raw = request.query_value(name)
        if raw is None or raw == "":
            values[name] = default
            continue
        try:
            value = int(raw)
        except ValueError:
            raise bad_request(f"query parameter {name}: expected an integer, got {raw!r}") from None
        if value < 0 or (upper is not None and value > upper):
            bounds = f"between 0 and {upper}" if upper is not None else "0 or more"
            raise bad_request(f"query parameter {name}: must be {bounds}, got {value}")
        values[name] = value
    return values["offset"], values["limit"]


def _envelope(request: Request, records: list, total: int, offset: int, limit: int) -> dict:
    """The ZIdentity list envelope; ``next_link`` appears only while more records remain."""
    envelope: dict[str, Any] = {
        "pageOffset": offset,
        "pageSize": limit,
        "totalRecord": total,
        "results_total": total,
        "records": records,
    }
    if limit > 0 and offset + len(records) < total:
        environ = request.environ
        query = {name: values[-1] for name, values in request.query.items()}
        query["offset"] = str(offset + len(records))
        host = environ.get("HTTP_HOST") or f"{environ.get('SERVER_NAME')}:{environ.get('SERVER_PORT')}"
        path = environ.get("SCRIPT_NAME", "") + request.path
        envelope["next_link"] = f"{environ.get('wsgi.url_scheme', 'http')}://{host}{path}?{urlencode(query)}"
    return envelope


class AdminApi(RoutedApi):
    def __init__(
        self,
        store: TenantStore,
        hasher: CredentialHasher,
        tokens: TokenService,
        catalog: Catalog,
        clock: Callable[[], float],
    ) -> None:
        self._store = store
        self._hasher = hasher
        self._tokens = tokens
        self._catalog = catalog
        self._clock = clock
        p = ADMIN_PREFIX
        self.routes = [
            Route("GET", f"{p}/api-clients", self.list_clients, "read"),
            Route("POST", f"{p}/api-clients", self.create_client, "write"),
            Route("GET", f"{p}/api-clients/{{id}}", self.get_client, "read"),
            Route("PUT", f"{p}/api-clients/{{id}}", self.replace_client, "write"),
            Route("DELETE", f"{p}/api-clients/{{id}}", self.delete_client, "write"),
            Route("GET", f"{p}/api-clients/{{id}}/secrets", self.list_secrets, "read"),
            Route("POST", f"{p}/api-clients/{{id}}/secrets", self.create_secret, "write"),
            Route("DELETE", f"{p}/api-clients/{{id}}/secrets/{{secretId}}", self.delete_secret, "write"),
            Route("GET", f"{p}/resource-servers", self.list_resource_servers, "read"),
            Route("GET", f"{p}/resource-servers/{{id}}", self.get_resource_server, "read"),
        ]

    # -- authorization ----------------------------------------------------------------------------
    def authorize(self, request: Request, access: str) -> None:
        token = bearer_token(request)
        if token is None:
            raise unauthorized("missing bearer access token", REALM)
        principal = self._tokens.resolve(token)
        if principal is None:
            raise unauthorized("invalid, expired or revoked access token", REALM)
        request.environ[PRINCIPAL_KEY] = principal
        needed = READ_SCOPES if access == "read" else WRITE_SCOPES
        if not principal.has_any(*needed):
            raise HttpError(403, "FORBIDDEN", f"the access token lacks the scope {' or '.join(needed)}")

    # -- API clients ------------------------------------------------------------------------------
    def _render(self, client: ClientRow) -> dict:
        return render_client(client, self._catalog.scopes_by_id, self._catalog.servers)

    def _existing_client(self, client_id: str) -> ClientRow:
        client = self._store.get_client(client_id)
        if client is None:
            raise not_found(f"API client {client_id!r} does not exist")
        return client

    def list_clients(self, request: Request) -> Response:
        offset, limit = _page_params(request)
        clients, total = self._store.list_clients(offset, limit, request.query_value("name[like]"))
        records = [self._render(client) for client in clients]
        return json_response(200, _envelope(request, records, total, offset, limit))

    def create_client(self, request: Request) -> Response:
        fields = parse_client_body(request.json_object(), self._catalog.scopes_by_id)
        try:
            client = self._store.create_client(new_id(), fields, int(self._clock()), CLIENT_CAP)
        except LimitReachedError as exc:
            raise HttpError(409, "LIMIT_EXCEEDED", str(exc)) from None
        except DuplicateNameError as exc:
            raise HttpError(409, "DUPLICATE_NAME", str(exc)) from None
        return json_response(201, self._render(client))

    def get_client(self, request: Request, id: str) -> Response:
        return json_response(200, self._render(self._existing_client(id)))

    def replace_client(self, request: Request, id: str) -> Response:
        self._existing_client(id)
        fields = parse_client_body(request.json_object(), self._catalog.scopes_by_id, path_id=id)
        try:
            client = self._store.replace_client(id, fields)
        except NotFoundError as exc:
            raise not_found(str(exc)) from None
        except DuplicateNameError as exc:
            raise HttpError(409, "DUPLICATE_NAME", str(exc)) from None
        return json_response(200, self._render(client))

    def delete_client(self, request: Request, id: str) -> Response:
        if not self._store.delete_client(id):
            raise not_found(f"API client {id!r} does not exist")
        return empty_response(204)

    # -- secrets ----------------------------------------------------------------------------------
    def _secret_client(self, client_id: str) -> ClientRow:
        client = self._existing_client(client_id)
        auth_type = client.fields.authentication.get("authType")
        if auth_type != "SECRET":
            raise HttpError(
                400,
                "INVALID_AUTH_TYPE",
                f"client secrets apply only to SECRET clients; this one is {auth_type}",
            )
        return client

    def list_secrets(self, request: Request, id: str) -> Response:
        self._secret_client(id)
        records = [
            {"id": s.id, "value": MASKED_VALUE, "createdAt": s.created_at, "expiresAt": s.expires_at}
            for s in self._store.list_secrets(id)
        ]
        return json_response(200, records)

    def create_secret(self, request: Request, id: str) -> Response:
        body = request.json_object()
        self._secret_client(id)
        unknown = sorted(set(body) - {"expiresAt"})
        if unknown:
            raise bad_request(f"{unknown[0]}: unknown field (expected: expiresAt)")
        if "expiresAt" not in body:
            raise bad_request("expiresAt: required field is missing (epoch seconds)")
        expires_at = body["expiresAt"]
        if not isinstance(expires_at, int) or isinstance(expires_at, bool):
            raise bad_request("expiresAt: expected an integer (epoch seconds)")
        now = int(self._clock())
        ahead = expires_at - now
        if (
            not MIN_SECRET_DAYS * DAY - SECRET_WINDOW_SLACK
            <= ahead
            <= MAX_SECRET_DAYS * DAY + SECRET_WINDOW_SLACK
        ):
            try:
                how_far = f" (it is {ahead / DAY:.1f} days ahead)"
            except OverflowError:  # a JSON integer may be too large for a float: leave the figure out
                how_far = ""
            raise bad_request(
                f"expiresAt: must be between {MIN_SECRET_DAYS} and {MAX_SECRET_DAYS} days from now{how_far}"
            )
        value = new_secret_value()
        salt = self._hasher.new_salt()
        row = SecretRow(new_id(), id, salt, self._hasher.digest(value, salt), now, expires_at)
        try:
            self._store.add_secret(row, MAX_SECRETS_PER_CLIENT)
        except NotFoundError as exc:  # the client was deleted between the check and the insert
            raise not_found(str(exc)) from None
        return json_response(201, {"id": row.id, "value": value, "createdAt": now, "expiresAt": expires_at})

    def delete_secret(self, request: Request, id: str, secretId: str) -> Response:
        self._existing_client(id)
        if not self._store.delete_secret(id, secretId):
            raise not_found(f"secret {secretId!r} of API client {id!r} does not exist")
        return empty_response(204)

    # -- resource servers ----------------------------------------------------------------------
    def list_resource_servers(self, request: Request) -> Response:
        offset, limit = _page_params(request)
        records, total = self._store.list_resource_servers(offset, limit, request.query_value("name[like]"))
        return json_response(200, _envelope(request, records, total, offset, limit))

    def get_resource_server(self, request: Request, id: str) -> Response:
        record = self._store.get_resource_server(id)
        if record is None:
            raise not_found(f"resource server {id!r} does not exist")
        return json_response(200, record)
