"""The emulator's top-level WSGI app: composes storage, identity routes, SCIM and the middleware.

Request path, in order: control API (``/_emulator/*``, bypasses everything below) -> accounting ->
rate limiting -> fault injection -> dispatch to the token endpoint, the admin API, or the SCIM app
(``emulator.scim``, built on first use).
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import secrets
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from emulator.accounting import RequestCounter, RequestLog
from emulator.admin_routes import AdminApi, Catalog
from emulator.control import CONTROL_PREFIX, ControlApi
from emulator.data_dir import prepare_data_dir
from emulator.faults import DroppedConnection, FaultInjector, error_response
from emulator.hashing import CredentialHasher
from emulator.http import Request, Response, StartResponse, bearer_token, json_response
from emulator.options import EmulatorOptions
from emulator.principal import PRINCIPAL_KEY, TOKEN_SENT_KEY, Principal
from emulator.ratelimit import RateLimiter
from emulator.routing import ADMIN_PREFIX, SCIM_PATTERN, TOKEN_PATH, route_label
from emulator.scim import ScimApplication, make_scim_app
from emulator.seeding import Bootstrap, bootstrap
from emulator.store import TenantStore
from emulator.token_routes import token_endpoint
from emulator.tokens import TokenService

CREDENTIALS_FILE = "credentials.json"
LOG_ENTRY_KEY = "emulator.request_log_entry"  # the request's log entry, for routes that annotate it
TENANT_DB = "tenant.db"
SCIM_DB = "scim.db"
SCIM_ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"

log = logging.getLogger("emulator.requests")


def _read_previous_credentials(path: Path) -> dict[str, str] | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _scim_error(status: int, detail: str) -> Response:
    return Response(
        status,
        json.dumps({"schemas": [SCIM_ERROR_SCHEMA], "status": str(status), "detail": detail}).encode(),
        [("Content-Type", "application/scim+json")],
    )


class EmulatorApp:
    """One emulated tenant over ``data_dir``; a WSGI callable."""

    def __init__(self, data_dir: Path, options: EmulatorOptions | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.options = options or EmulatorOptions()
        prepare_data_dir(self.data_dir)
        clock = self.options.clock
        self.store = TenantStore(self.data_dir / TENANT_DB)
        hasher = CredentialHasher(self.store.meta_value("credential_hash_key", secrets.token_bytes(32)))
        signing_key = self.store.meta_value("token_signing_key", secrets.token_bytes(32))
        previous = _read_previous_credentials(self.data_dir / CREDENTIALS_FILE)
        self.bootstrap: Bootstrap = bootstrap(self.store, hasher, clock, previous)
        self._hasher = hasher
        self.control_token = secrets.token_urlsafe(32)
        servers = {record["id"]: record for record in self.store.list_resource_servers(0, 1000, None)[0]}
        catalog = Catalog(self.store.scopes(), servers)
        self.tokens = TokenService(self.store, hasher, signing_key, catalog.scopes_by_id, clock)
        self.admin = AdminApi(self.store, hasher, self.tokens, catalog, clock)
        self.counter = RequestCounter()
        self.request_log = RequestLog()
        self.limiter = RateLimiter(self.options.monotonic)
        self.limiter.configure(self.options.rate_limit)
        self.faults = FaultInjector()
        self.faults.configure(self.options.faults)
        self.control = ControlApi(
            self.control_token, self.counter, self.limiter, self.faults, self.request_log
        )
        self._scim_app: ScimApplication | None = None
        self._scim_lock = threading.Lock()

    @property
    def scim_app(self) -> ScimApplication:
        """The SCIM app, built on first use: the first build in a process costs ~0.2 s of model setup
        that identity-only users (and most in-process tests) never need. The server opens it before it
        listens, so a bad ``scim.db`` stops it at start rather than failing the first SCIM request.

        :raises DataDirError: When ``scim.db`` cannot be opened or belongs to something else.
        """
        if self._scim_app is None:
            with self._scim_lock:
                if self._scim_app is None:
                    self._scim_app = make_scim_app(self.data_dir / SCIM_DB, dialect=self.options.dialect)
        return self._scim_app

    # -- credentials -----------------------------------------------------------------------------
    def credentials(self, base_url: str) -> dict[str, str]:
        base = base_url.rstrip("/")
        boot = self.bootstrap
        return {
            "token_url": f"{base}{TOKEN_PATH}",
            "api_url": base,
            "client_id": boot.client_id,
            "client_secret": boot.client_secret,
            "scim_url": f"{base}/scim/1/{boot.idp_id}/v2",
            "scim_token": boot.scim_token,
            "control_token": self.control_token,
        }

    def write_credentials(self, base_url: str) -> Path:
        """Write ``credentials.json`` with mode 0600 (atomically, never world-readable even briefly)."""
        path = self.data_dir / CREDENTIALS_FILE
        temporary = path.with_name(f".{CREDENTIALS_FILE}.{os.getpid()}.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(self.credentials(base_url), handle, indent=2)
            handle.write("\n")
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
        return path

    def close(self) -> None:
        if self._scim_app is not None:
            self._scim_app.close()
        self.store.close()

    # -- WSGI --------------------------------------------------------------------------------------
    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        if request.path == CONTROL_PREFIX or request.path.startswith(CONTROL_PREFIX + "/"):
            return self.control(request)(start_response)
        started = time.perf_counter()
        label = route_label(self.admin.routes, request.method, request.path)
        self.counter.count(label)
        entry = self.request_log.record(request.method, request.path)
        request.environ[LOG_ENTRY_KEY] = entry
        start_response = _logged(start_response, entry)
        if self.options.verbose:
            start_response = self._logging_start_response(start_response, request, started)

        admission = self.limiter.admit(request.path == TOKEN_PATH)
        if admission.rejection is not None:
            return admission.rejection(start_response)
        if admission.headers:
            start_response = _with_headers(start_response, admission.headers)

        plan = self.faults.plan(request.method, label.partition(" ")[2], request.path)
        if plan.latency_s:
            self.options.sleep(plan.latency_s)
        if plan.drop:
            raise DroppedConnection(label)
        if plan.error_status is not None:
            return error_response(plan.error_status)(start_response)
        if plan.commit_then_drop:
            body = self._dispatch(request, lambda *args, **kwargs: None)
            try:
                for _ in body:
                    pass
            finally:
                closer = getattr(body, "close", None)
                if callable(closer):
                    closer()
            raise DroppedConnection(label)
        return self._dispatch(request, start_response)

    def _dispatch(self, request: Request, start_response: StartResponse) -> Iterable[bytes]:
        path = request.path
        if path == TOKEN_PATH:
            if request.method != "POST":
                return json_response(
                    405, {"error": "invalid_request", "error_description": "use POST"}, [("Allow", "POST")]
                )(start_response)
            return token_endpoint(request, self.tokens, request.environ.get(LOG_ENTRY_KEY))(start_response)
        if path == ADMIN_PREFIX or path.startswith(ADMIN_PREFIX + "/"):
            return self.admin(request)(start_response)
        scim = SCIM_PATTERN.match(path)
        if scim is not None:
            return self._scim(request, start_response, scim.group("idpId"), scim.group("rest") or "")
        return json_response(404, {"code": "NOT_FOUND", "message": f"no such endpoint: {path}"})(
            start_response
        )

    def _scim(
        self, request: Request, start_response: StartResponse, idp_id: str, rest: str
    ) -> Iterable[bytes]:
        idp = self.store.get_idp(idp_id)
        if idp is None:
            return _scim_error(404, f"no SCIM identity provider with id {idp_id!r}")(start_response)
        scim_app = self.scim_app
        scim_environ = dict(request.environ)
        scim_environ["SCRIPT_NAME"] = request.environ.get("SCRIPT_NAME", "") + f"/scim/1/{idp_id}/v2"
        scim_environ["PATH_INFO"] = rest
        scim_environ[PRINCIPAL_KEY] = self._scim_principal(request, idp_id, idp.token_digest)
        scim_environ[TOKEN_SENT_KEY] = bearer_token(request) is not None
        return scim_app(scim_environ, start_response)

    def _scim_principal(self, request: Request, idp_id: str, idp_digest: bytes) -> Principal | None:
        token = bearer_token(request)
        if token is None:
            return None
        if hmac.compare_digest(self._hasher.digest(token), idp_digest):
            return Principal("idp", idp_id, frozenset({"scim:read", "scim:write"}))
        return self.tokens.resolve(token)

    @staticmethod
    def _logging_start_response(
        start_response: StartResponse, request: Request, started: float
    ) -> StartResponse:
        """Log ``METHOD path status ms`` (never headers or bodies, so no credential reaches the log)."""

        def logging_start_response(status: str, headers: list, exc_info: Any = None) -> Any:
            elapsed_ms = (time.perf_counter() - started) * 1000
            log.info("%s %s %s %.1fms", request.method, request.path, status.split(" ")[0], elapsed_ms)
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        return logging_start_response


def _logged(start_response: StartResponse, entry: dict) -> StartResponse:
    """Note the answer's status code in the request log entry (a dropped connection leaves None)."""

    def start_response_logged(status: str, headers: list, exc_info: Any = None) -> Any:
        entry["status"] = int(status.split(" ", 1)[0])
        return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

    return start_response_logged


def _with_headers(start_response: StartResponse, extra: list[tuple[str, str]]) -> StartResponse:
    def start_response_with_headers(status: str, headers: list, exc_info: Any = None) -> Any:
        combined = [*headers, *extra]
        return start_response(status, combined, exc_info) if exc_info else start_response(status, combined)

    return start_response_with_headers


def create_app(data_dir: Path, options: EmulatorOptions | None = None) -> EmulatorApp:
    """The contract entry point for in-process use (``httpx.WSGITransport(app=create_app(...))``)."""
    return EmulatorApp(Path(data_dir), options)
