"""`Tenant`: the one object per tenant per process that owns the connection pool, the token cache, the
rate limiter and the shared listings, and hands out the ZIdentity and SCIM clients.

Pulumi runs one dynamic-provider process for all resources of a stack and calls it from several
threads; `Tenant.shared(settings)` makes every call in that process reuse the same pool, the same
token and the same pacing, which is what keeps a refresh at one token request and within rate limits.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from typing import ClassVar

import httpx

from providers.tenant.deadline import Deadline
from providers.tenant.redact import Redactor
from providers.tenant.scim import ScimClient
from providers.tenant.settings import TenantSettings
from providers.tenant.tokens import ClientCredentials, StaticBearer
from providers.tenant.transport import Auth, HttpTransport
from providers.tenant.zidentity import ZIdentityClient


class Tenant:
    """Clients for one tenant, sharing one `httpx.Client`, one token and one rate limiter."""

    _shared: ClassVar[dict[TenantSettings, Tenant]] = {}
    _shared_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(
        self,
        settings: TenantSettings,
        *,
        http_transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        deadline: Deadline | None = None,
    ) -> None:
        """A private instance (tests, benchmarks, scopectl); production code uses `Tenant.shared`.

        `http_transport` plugs in `httpx.WSGITransport` (the emulator in-process) or
        `httpx.MockTransport` (cases a real server cannot produce); `sleep`/`clock` let tests see the
        waits the client chooses without waiting. `deadline` bounds everything this tenant sends
        (every request, retry and wait) by one overall time limit (scopectl's `--timeout`).

        `clock`, `sleep` and `rng` reach every part that keeps time or draws jitter: the transport
        (retries, pacing, the retry budgets of the clients' own loops), the token caches and the
        shared listings, so a test that gives a fake clock controls all of them.
        """
        self.settings = settings
        self.clock = clock
        self.redactor = Redactor([settings.client_secret, settings.scim_token])
        self.transport = HttpTransport(
            settings,
            self.redactor,
            http_transport=http_transport,
            sleep=sleep,
            clock=clock,
            rng=rng,
            deadline=deadline,
        )
        self._lock = threading.Lock()
        self._oauth: ClientCredentials | None = None
        self._zidentity: ZIdentityClient | None = None
        self._scim: ScimClient | None = None

    @classmethod
    def shared(cls, settings: TenantSettings) -> Tenant:
        """The process-wide instance for these settings (created on first use)."""
        with cls._shared_lock:
            tenant = cls._shared.get(settings)
            if tenant is None:
                tenant = cls._shared[settings] = cls(settings)
            return tenant

    @classmethod
    def close_shared(cls) -> None:
        """Close and forget every shared instance (tests; a long-lived process switching tenants)."""
        with cls._shared_lock:
            tenants, cls._shared = list(cls._shared.values()), {}
        for tenant in tenants:
            tenant.close()

    def client_credentials(
        self, client_id: str, client_secret: str, *, fix_hint: str = ""
    ) -> ClientCredentials:
        """A client-credentials grant for any API client of this tenant (its token URL, transport,
        redactor and clock): the provider's own token cache, and the one-off grant that proves a new
        secret works before an older one is revoked."""
        token_url = str(self.settings.token_url or "")
        return ClientCredentials(
            self.transport,
            token_url,
            client_id,
            client_secret,
            self.redactor,
            clock=self.clock,
            fix_hint=fix_hint,
        )

    @property
    def oauth(self) -> ClientCredentials:
        """The token cache of the API client this tenant signs in with (`clientId`/`clientSecret`);
        `ConfigurationError` if those settings are incomplete."""
        with self._lock:
            self.settings.require_zidentity()
            return self._oauth_auth()

    def _oauth_auth(self) -> ClientCredentials:
        if self._oauth is None:
            s = self.settings
            assert s.token_url and s.client_id and s.client_secret
            self._oauth = self.client_credentials(
                s.client_id,
                s.client_secret,
                fix_hint=(
                    f"check the setting clientSecret ({s.setting_origin('clientSecret')}), and clientId "
                    f"({s.setting_origin('clientId')}) if the id is wrong too"
                ),
            )
        return self._oauth

    @property
    def zidentity(self) -> ZIdentityClient:
        """The ZIdentity admin API client; `ConfigurationError` if its settings are incomplete."""
        with self._lock:
            if self._zidentity is None:
                self.settings.require_zidentity()
                self._zidentity = ZIdentityClient(
                    self.transport,
                    self._oauth_auth(),
                    self.settings.admin_api_url,
                    self.settings.snapshot_ttl,
                    clock=self.clock,
                )
            return self._zidentity

    @property
    def scim(self) -> ScimClient:
        """The SCIM client (bearer token, or the API client's OAuth token); `ConfigurationError` if
        its settings are incomplete."""
        with self._lock:
            if self._scim is None:
                self.settings.require_scim()
                assert self.settings.scim_url
                auth: Auth
                if self.settings.scim_token:
                    auth = StaticBearer(self.settings.scim_token, self.redactor)
                else:
                    auth = self._oauth_auth()
                self._scim = ScimClient(
                    self.transport,
                    auth,
                    self.settings.scim_url,
                    batch_size=self.settings.scim_batch_size,
                    snapshot_ttl=self.settings.snapshot_ttl,
                    clock=self.clock,
                )
            return self._scim

    @property
    def request_count(self) -> int:
        """HTTP requests sent (every attempt, retries and token requests included)."""
        return self.transport.request_count

    @property
    def token_request_count(self) -> int:
        """Requests sent to the token endpoint."""
        return self.transport.count_of("token")

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> Tenant:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        s = self.settings
        return f"Tenant(api_url={s.api_url!r}, scim_url={s.scim_url!r}, requests={self.request_count})"
