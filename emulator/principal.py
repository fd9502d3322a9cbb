"""Who is calling the emulator, as resolved from the request's bearer token.

The identity side (token endpoint, admin API) resolves a bearer token into a Principal and puts it in
the WSGI environ under ``PRINCIPAL_KEY`` before dispatching; the SCIM app only reads it. Keeping this
type in its own module lets both sides depend on it without depending on each other.
"""

from __future__ import annotations

from dataclasses import dataclass

PRINCIPAL_KEY = "emulator.principal"
TOKEN_SENT_KEY = "emulator.token_sent"
"""True in the WSGI environ when the request carried a bearer token, even one that resolved to no
caller: "invalid or expired token" is then the right answer, not "a token is required"."""


def unauthenticated_detail(token_sent: bool) -> str:
    """Why a request has no caller, in the API's words: a token was missing, or it was not valid."""
    return "The bearer token is invalid or expired" if token_sent else "A bearer token is required"


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: an API client holding OAuth scopes, or a SCIM IdP bearer token."""

    kind: str  # "client" (OAuth access token) or "idp" (the IdP's SCIM bearer token)
    subject: str  # API client id, or IdP id
    scopes: frozenset[str]

    def has_any(self, *scopes: str) -> bool:
        return any(s in self.scopes for s in scopes)
