"""OAuth access tokens: checking client credentials, minting signed JWTs, resolving bearer tokens.

Tokens are HS256 JWTs signed with a per-tenant key kept in tenant.db, so they survive a restart like a
real tenant's do. A signature alone is not enough: every request re-reads the client, so a token stops
working as soon as its client is disabled or deleted (ZIdentity revokes tokens in both cases), and a
scope removed from the client stops working at once (the token's scopes are intersected with the
client's current ones). A scope *granted* after issue needs a new token, as with a real JWT.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import jwt

from emulator.catalog import AUDIENCE
from emulator.hashing import CredentialHasher
from emulator.principal import Principal
from emulator.store import ClientRow, ScopeRow, TenantStore

ISSUER = "https://emulator.zslogin.net"


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int


def live_secret_id(
    store: TenantStore, hasher: CredentialHasher, client_id: str, value: str, now: int
) -> str | None:
    """The id of the client's unexpired secret that ``value`` matches; None when there is none."""
    return next(
        (
            secret.id
            for secret in store.list_secrets(client_id)
            if secret.expires_at > now and hasher.matches(value, secret.salt, secret.digest)
        ),
        None,
    )


def has_live_secret(
    store: TenantStore, hasher: CredentialHasher, client_id: str, value: str, now: int
) -> bool:
    """Whether ``value`` is one of the client's secrets that has not expired at ``now``."""
    return live_secret_id(store, hasher, client_id, value, now) is not None


class CredentialsRejected(Exception):
    """The client id/secret pair does not authenticate; the message is safe to show (no secret in it)."""


class TokenService:
    def __init__(
        self,
        store: TenantStore,
        hasher: CredentialHasher,
        signing_key: bytes,
        scopes_by_id: Mapping[str, ScopeRow],
        clock: Callable[[], float],
    ) -> None:
        self._store = store
        self._hasher = hasher
        self._signing_key = signing_key
        self._scopes_by_id = scopes_by_id
        self._clock = clock

    def scope_names(self, client: ClientRow) -> frozenset[str]:
        return frozenset(
            self._scopes_by_id[sid].name for sid in client.fields.scope_ids if sid in self._scopes_by_id
        )

    def authenticate_client(self, client_id: str, client_secret: str) -> ClientRow:
        """The client if ``client_secret`` matches one of its unexpired secrets and it may get tokens."""
        return self.authenticate(client_id, client_secret)[0]

    def authenticate(self, client_id: str, client_secret: str) -> tuple[ClientRow, str]:
        """``authenticate_client`` that also says which secret matched (its id, never its value)."""
        client = self._store.get_client(client_id)
        if client is None:
            raise CredentialsRejected("unknown client or wrong secret")
        if client.fields.authentication.get("authType") != "SECRET":
            raise CredentialsRejected(
                "this client authenticates with a private-key JWT, which the emulator does not support"
            )
        secret_id = live_secret_id(self._store, self._hasher, client_id, client_secret, int(self._clock()))
        if secret_id is None:
            raise CredentialsRejected("unknown client or wrong secret")
        if not client.fields.status:
            raise CredentialsRejected("the client is disabled")
        return client, secret_id

    def issue(self, client: ClientRow) -> IssuedToken:
        now = int(self._clock())
        lifetime = client.fields.access_token_lifetime
        claims = {
            "iss": ISSUER,
            "sub": client.id,
            "client_id": client.id,
            "aud": AUDIENCE,
            "iat": now,
            "exp": now + lifetime,
            "jti": secrets.token_hex(16),
            "scope": " ".join(sorted(self.scope_names(client))),
        }
        return IssuedToken(jwt.encode(claims, self._signing_key, algorithm="HS256"), lifetime)

    def resolve(self, token: str) -> Principal | None:
        """The caller behind an access token, or None if it is invalid, expired or revoked."""
        try:
            claims = jwt.decode(
                token,
                self._signing_key,
                algorithms=["HS256"],
                audience=AUDIENCE,
                # Time claims are checked below against the tenant's clock, not PyJWT's.
                options={
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                    "require": ["exp", "sub", "aud"],
                },
            )
        except jwt.InvalidTokenError:
            return None
        exp = claims.get("exp")
        if not isinstance(exp, int) or exp <= self._clock():
            return None
        client = self._store.get_client(str(claims["sub"]))
        if client is None or not client.fields.status:
            return None
        granted = frozenset(str(claims.get("scope", "")).split())
        return Principal("client", client.id, granted & self.scope_names(client))
