"""Scrub secrets out of any text that may end up in an exception, a log line or a report.

Error messages partly come from the server (its `message`, `detail`, `reason`), and a server may echo
what we sent. So every such text goes through `Redactor.scrub`, which removes the secrets this process
knows about (client secret, SCIM bearer token, access tokens it fetched, secret values it created) plus
anything shaped like a bearer credential or a JWT.
"""

from __future__ import annotations

import json
import re
import threading
from urllib.parse import quote, quote_plus

REDACTED = "[redacted]"
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
_MIN_SECRET_LENGTH = 6  # shorter strings would redact ordinary words; real secrets are far longer
_MAX_MESSAGE = 500


class Redactor:
    """Thread-safe set of known secret strings, removed from text on `scrub`."""

    def __init__(self, secrets: list[str | None] | tuple[str | None, ...] = ()) -> None:
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | None) -> None:
        """Remember a secret value so that it is scrubbed from every later message.

        Also its URL-encoded and JSON-escaped spellings: a server echoing a form body or a JSON
        string back would otherwise show it in a form `scrub` does not recognise.
        """
        if not secret or len(secret) < _MIN_SECRET_LENGTH:
            return
        spellings = {secret, quote_plus(secret), quote(secret, safe=""), json.dumps(secret)[1:-1]}
        with self._lock:
            self._secrets.update(spellings)

    def scrub(self, text: str) -> str:
        """Return `text` without known secrets, bearer credentials or JWTs, cut to a readable length."""
        with self._lock:
            secrets = sorted(self._secrets, key=len, reverse=True)
        for secret in secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        text = _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
        text = _JWT.sub(REDACTED, text)
        if len(text) > _MAX_MESSAGE:
            text = text[:_MAX_MESSAGE] + "..."
        return text

    def __repr__(self) -> str:
        return f"Redactor({len(self._secrets)} secrets)"
