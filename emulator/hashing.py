"""Keyed hashing for stored credentials (client secrets, IdP bearer tokens).

The emulator never stores a credential in plaintext. The values it mints are 256-bit random strings,
not human passwords, so a slow password hash (scrypt, PBKDF2) buys nothing against guessing and would
make every token request cost milliseconds; HMAC-SHA256 under a per-tenant key (kept in tenant.db)
with a per-secret salt is enough to make a copied database useless for logging in elsewhere.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

ID_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
"""The characters of ZIdentity ids (13 of them, lowercase letters and digits)."""


def new_id() -> str:
    """A fresh 13-character lowercase id, the shape of real ZIdentity ids."""
    return "".join(secrets.choice(ID_ALPHABET) for _ in range(13))


def new_secret_value() -> str:
    return secrets.token_urlsafe(32)


class CredentialHasher:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def new_salt(self) -> bytes:
        return secrets.token_bytes(16)

    def digest(self, value: str, salt: bytes = b"") -> bytes:
        """HMAC of ``value``; an empty salt gives a deterministic digest usable as a lookup key."""
        return hmac.new(self._key, salt + value.encode(), hashlib.sha256).digest()

    def matches(self, value: str, salt: bytes, digest: bytes) -> bool:
        return hmac.compare_digest(self.digest(value, salt), digest)
