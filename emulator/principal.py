"""Who is calling the emulator, as resolved from the request's bearer token.

The identity side (token endpoint, admin API) resolves a bearer token into a Principal and puts it in
the WSGI environ under ``PRINCIPAL_KEY`` before dispatching; the SCIM app only reads it. Keeping this
type in its own module lets both sides depend on it without depending on each other.
"""

from __future__ import annotations

from dataclasses import dataclass

PRINCIPAL_KEY = "emulator.principal"


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: an API client holding OAuth scopes, or a SCIM IdP bearer token."""

    kind: str  # "client" (OAuth access token) or "idp" (the IdP's SCIM bearer token)
    subject: str  # API client id, or IdP id
    scopes: frozenset[str]

    def has_any(self, *scopes: str) -> bool:
        return any(s in self.scopes for s in scopes)
