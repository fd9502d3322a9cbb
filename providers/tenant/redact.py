"""Scrub secrets out of any text that may end up in an exception, a log line or a report.

Error messages partly come from the server (its `message`, `detail`, `reason`), and a server may echo
what we sent. So every such text goes through `Redactor.scrub`, which removes the secrets this process
knows about (client secret, SCIM bearer token, access tokens it fetched, secret values it created) plus
anything shaped like a credential: a JWT, the value after `Bearer`/`Basic`, the value of a
`client_secret=`/`"password": ...`-style pair, and long random-looking strings.

It hides values, not words: "A bearer token is required" stays readable, because "token" is an
ordinary word and not a credential (see `looks_like_credential`).
"""

from __future__ import annotations

import json
import re
import threading
from urllib.parse import quote, quote_plus

REDACTED = "[redacted]"
_BEARER = re.compile(r"(?i)\b(bearer|basic)(\s+)([A-Za-z0-9._~+/=-]+)")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
# `client_secret=VALUE`, `"clientSecret": "VALUE"`, `password: VALUE`, `access_token=VALUE`, ...
_LABELLED = re.compile(
    r"(?i)(\b(?:client[_-]?secret|secret(?:[_-]?value)?|password|passwd|api[_-]?key|"
    r"(?:access|refresh|id|scim|bearer)[_-]?token|token)[\"']?\s*([:=])\s*[\"']?)([^\s\"'&,;)}\]]+)"
)
# Long runs of URL-safe characters mixing upper case, lower case and digits: generated secrets
# (`secrets.token_urlsafe`), API keys. UUIDs, ids, URNs and words lack the mix or the length.
_RANDOM = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{32,}(?![A-Za-z0-9_-])")
_MIN_SECRET_LENGTH = 6  # shorter strings would redact ordinary words; real secrets are far longer
_MAX_MESSAGE = 500


def looks_like_credential(value: str) -> bool:
    """True for a value that can be a credential, False for an ordinary word.

    "token", "required" or "realm" after `Bearer` are words; a credential is at least 8 characters
    and holds a digit or a symbol, or is long (20 or more characters).
    """
    if len(value) < 8:
        return False
    return len(value) >= 20 or not value.isalpha()


def _looks_random(value: str) -> bool:
    kinds = (str.isupper, str.islower, str.isdigit)
    return all(any(kind(c) for c in value) for kind in kinds)


def scrub_credentials(text: str) -> str:
    """`text` without anything shaped like a credential (no length cut, no known-secret list): for
    callers that hold no secrets of their own, such as `scopectl report` scrubbing diagnostics."""
    text = _JWT.sub(REDACTED, text)
    text = _BEARER.sub(
        lambda m: m.group(1) + m.group(2) + (REDACTED if looks_like_credential(m.group(3)) else m.group(3)),
        text,
    )

    def labelled(match: re.Match[str]) -> str:
        value = match.group(3)
        hide = value != REDACTED and (
            (match.group(2) == "=" and len(value) >= _MIN_SECRET_LENGTH) or looks_like_credential(value)
        )
        return match.group(1) + (REDACTED if hide else value)

    text = _LABELLED.sub(labelled, text)
    return _RANDOM.sub(lambda m: REDACTED if _looks_random(m.group(0)) else m.group(0), text)


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
        text = scrub_credentials(text)
        if len(text) > _MAX_MESSAGE:
            text = text[:_MAX_MESSAGE] + "..."
        return text

    def __repr__(self) -> str:
        return f"Redactor({len(self._secrets)} secrets)"
