"""One exception hierarchy for everything that can go wrong talking to a tenant.

Callers (providers, `scopectl audit`, `scopectl export`) catch `TenantError` to report any tenant
problem, or a precise subclass to act on it (`NotFound` -> gone, `Conflict` -> name taken).
Messages name the method and path, never a header, token or secret: server messages are passed
through a `Redactor` before they get here (see `redact.py`).
"""

from __future__ import annotations

from common.suggest import hint


class TenantError(Exception):
    """Base of every error raised by `providers.tenant`."""


class ConfigurationError(TenantError):
    """Settings are missing or contradictory; `problems` lists each one with where to set it."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"tenant settings are incomplete or contradictory:\n{lines}")


def unknown_scope_message(name: str, matches: list[str]) -> str:
    """`unknown scope 'scim:wrte'; did you mean scim:write?` - one wording wherever a name is refused."""
    return f"unknown scope {name!r}{hint(matches)}"


class UnknownScope(TenantError):
    """One or more scope names are not in the tenant's catalog; `unknown` maps each to close matches."""

    def __init__(self, unknown: dict[str, list[str]]) -> None:
        self.unknown = dict(unknown)
        super().__init__("; ".join(unknown_scope_message(n, m) for n, m in self.unknown.items()))


class AmbiguousMatch(TenantError):
    """A lookup by name found several objects, so we refuse to guess which one is meant."""


class ConcurrentUpdate(TenantError):
    """Another writer changed an API client while this update wrote it, and the update could not
    make its own fields stick without overwriting that writer's change.

    The admin API has no `If-Match`, so `ZIdentityClient` re-reads the client after every PUT and
    compares the fields this update owns (see `ZIdentityClient.set_client_fields`). `fields` maps each
    field that did not stick (the access model's name: `description`, `scopes`, ...) to what this
    update wrote and what the tenant holds now, both as shown in the message.
    """

    def __init__(self, client_id: str, fields: dict[str, tuple[str, str]], message: str) -> None:
        self.client_id, self.fields, self.message = client_id, dict(fields), message
        super().__init__(message)


class ConnectionFailed(TenantError):
    """The tenant could not be reached (or kept dropping the connection) within the retry budget."""

    def __init__(self, method: str, path: str, message: str) -> None:
        self.method, self.path, self.message = method, path, message
        super().__init__(f"{method} {path}: {message}")


class Unreachable(ConnectionFailed):
    """No connection could be made at all (refused, unknown host, no answer to connect).

    Unlike a connection dropped mid-request, this rarely clears by waiting, so the transport gives up
    within about a second and names the server and the setting that points at it (`setting`).
    """

    def __init__(self, method: str, path: str, message: str, *, origin: str, setting: str | None) -> None:
        self.origin, self.setting = origin, setting
        super().__init__(method, path, message)


class DeadlineExceeded(ConnectionFailed):
    """The command's overall deadline (`Deadline`) was reached; `method`/`path` name the request
    that was in flight or about to be retried, `elapsed` the seconds really spent since the start."""

    def __init__(self, method: str, path: str, message: str, *, elapsed: float, limit: float) -> None:
        self.elapsed, self.limit = elapsed, limit
        super().__init__(method, path, message)


class OutcomeUnknown(ConnectionFailed):
    """A non-idempotent request may or may not have been applied (the response was lost).

    Raised by the transport instead of blindly re-sending a create; the clients catch it and recover by
    looking the object up (see `ZIdentityClient.create_client`, `ScimClient.create_user`).
    """


class ApiError(TenantError):
    """The tenant answered with an error status."""

    def __init__(
        self,
        status: int,
        method: str,
        path: str,
        message: str,
        *,
        code: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.status = status
        self.method = method
        self.path = path
        self.message = message
        self.code = code
        self.retry_after = retry_after
        code_part = f" [{code}]" if code else ""
        super().__init__(f"{method} {path} -> {status}{code_part}: {message}")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status}, method={self.method!r}, path={self.path!r})"


class BadRequest(ApiError):
    """400: the tenant rejected the request body or parameters."""


class Unauthorized(ApiError):
    """401: the credentials were rejected (after one token refresh)."""


class Forbidden(ApiError):
    """403: authenticated but not allowed (missing scope, or a read-only maintenance window)."""


class NotFound(ApiError):
    """404."""


class Conflict(ApiError):
    """409: e.g. a name or userName that is already taken."""


class PreconditionFailed(ApiError):
    """412: an If-Match version was stale (SCIM ETags)."""


class RateLimited(ApiError):
    """429 that did not clear within the retry budget; `retry_after` is the server's last hint."""


class ServerError(ApiError):
    """5xx that did not clear within the retry budget."""


_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    412: PreconditionFailed,
    429: RateLimited,
}


def error_class_for(status: int) -> type[ApiError]:
    """The most precise `ApiError` subclass for an HTTP status."""
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if status >= 500:
        return ServerError
    return ApiError
