"""Bearer credentials: OAuth client-credentials tokens (cached per process) and static SCIM tokens.

A Pulumi run may call the provider for hundreds of resources on several threads; fetching a token per
call is what makes other tools trip token-endpoint limits. `ClientCredentials` fetches one token,
shares it with every thread (N concurrent callers -> 1 token request) and refreshes it shortly before
it expires, or once after a 401.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping

from providers.tenant.errors import ApiError, BadRequest, Unauthorized
from providers.tenant.redact import Redactor
from providers.tenant.settings import AUDIENCE
from providers.tenant.transport import HttpTransport


class ClientCredentials:
    """OAuth 2.0 client-credentials grant against a ZIdentity-style token endpoint."""

    def __init__(
        self,
        transport: HttpTransport,
        token_url: str,
        client_id: str,
        client_secret: str,
        redactor: Redactor,
        *,
        audience: str = AUDIENCE,
        clock: Callable[[], float] = time.monotonic,
        fix_hint: str = "",
    ) -> None:
        self._transport = transport
        self._token_url = token_url
        self._client_id = client_id
        self._client_secret = client_secret
        self._redactor = redactor
        self._audience = audience
        self._clock = clock
        self._fix_hint = fix_hint  # which settings to fix when the credentials are rejected (no values)
        self._lock = threading.Lock()
        self._token: str | None = None
        self._refresh_at = 0.0
        self.token_requests = 0
        redactor.add(client_secret)

    def token(self) -> str:
        """A valid access token; fetched at most once per lifetime, whatever the number of threads."""
        with self._lock:
            if self._token is None or self._clock() >= self._refresh_at:
                self._token = None
                self._fetch_locked()
            assert self._token is not None
            return self._token

    def forget_token(self) -> None:
        """Drop the cached token, so the next request fetches a new one (after a credential change,
        or to see the token endpoint's answer again)."""
        with self._lock:
            self._token = None

    @property
    def has_token(self) -> bool:
        """Whether a token is cached (expired or not); for reprs and tests, never the value."""
        return self._token is not None

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token()}"}

    def refresh_after_401(self, used: Mapping[str, str]) -> bool:
        """Forget the token that got a 401 (unless another thread already replaced it)."""
        with self._lock:
            if self._token is not None and used.get("Authorization") == f"Bearer {self._token}":
                self._token = None
        return True

    def _fetch_locked(self) -> None:
        started = self._clock()
        self.token_requests += 1
        try:
            response = self._transport.request(
                "POST",
                self._token_url,
                kind="token",
                form={
                    "grant_type": "client_credentials",
                    "client_id": self._client_id,
                    "client_secret": self._client_secret,
                    "audience": self._audience,
                },
                headers={"Accept": "application/json"},
                idempotent=True,  # issuing a token changes nothing we track; safe to re-send
            )
        except (BadRequest, Unauthorized) as exc:
            raise Unauthorized(
                exc.status,
                exc.method,
                exc.path,
                f"the token endpoint rejected the credentials of API client {self._client_id!r}: "
                f"{exc.message}" + (f"; {self._fix_hint}" if self._fix_hint else ""),
                code=exc.code,
            ) from None
        body = self._transport.json(response)
        try:
            token = body["access_token"]
            lifetime = float(body.get("expires_in", 3600))
        except (ValueError, KeyError, TypeError):
            raise ApiError(
                response.status_code, "POST", response.url.path, "token response without access_token"
            ) from None
        if not isinstance(token, str) or not token:
            raise ApiError(response.status_code, "POST", response.url.path, "token response is empty")
        self._redactor.add(token)
        margin = min(60.0, lifetime * 0.1)
        self._token = token
        self._refresh_at = started + max(0.0, lifetime - margin)

    def __repr__(self) -> str:
        state = "cached" if self.has_token else "none"
        return (
            f"ClientCredentials(client_id={self._client_id!r}, token_url={self._token_url!r}, token={state})"
        )


class StaticBearer:
    """A fixed bearer token (the SCIM IdP token); a 401 cannot be fixed by refreshing it."""

    def __init__(self, token: str, redactor: Redactor) -> None:
        self._token = token
        redactor.add(token)

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token}"}

    def refresh_after_401(self, used: Mapping[str, str]) -> bool:
        return False

    def __repr__(self) -> str:
        return "StaticBearer(<token>)"
