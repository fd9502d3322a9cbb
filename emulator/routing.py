"""Route templates: matching request paths, and naming routes for request accounting.

One table of ``METHOD /path/{param}`` templates serves two jobs: dispatching the admin API and
labelling every request (including SCIM and token requests) for ``GET /_emulator/stats``, so counts
are keyed the way tests and benchmarks think about the API rather than by raw URLs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

ADMIN_PREFIX = "/ziam/admin/api/v1"
TOKEN_PATH = "/oauth2/v1/token"
SCIM_PATTERN = re.compile(r"^/scim/1/(?P<idpId>[^/]+)/v2(?P<rest>/.*)?$")
UNMATCHED = "(unmatched)"


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    handler: Callable[..., Any]
    access: str  # "read" or "write": which scopes the admin API demands


_COMPILED: dict[str, re.Pattern[str]] = {}


def _compile(template: str) -> re.Pattern[str]:
    pattern = _COMPILED.get(template)
    if pattern is None:
        parts = re.split(r"(\{[A-Za-z]+\})", template)
        regex = "".join(
            f"(?P<{part[1:-1]}>[^/]+)" if part.startswith("{") else re.escape(part) for part in parts
        )
        pattern = _COMPILED[template] = re.compile(f"^{regex}$")
    return pattern


@dataclass(frozen=True)
class Match:
    route: Route | None
    params: dict[str, str]
    allowed_methods: tuple[str, ...]  # non-empty when the path exists but the method does not


def match(routes: list[Route], method: str, path: str) -> Match:
    allowed: list[str] = []
    for route in routes:
        found = _compile(route.template).match(path)
        if found is None:
            continue
        if route.method == method:
            return Match(route, found.groupdict(), ())
        allowed.append(route.method)
    return Match(None, {}, tuple(allowed))


def scim_template(path: str) -> str | None:
    """``/scim/1/{idpId}/v2/Groups/{id}`` for a concrete SCIM path, or None if not a SCIM path."""
    found = SCIM_PATTERN.match(path)
    if found is None:
        return None
    segments = [segment for segment in (found.group("rest") or "").split("/") if segment]
    base = "/scim/1/{idpId}/v2"
    if not segments:
        return base
    template = f"{base}/{segments[0]}"
    if len(segments) > 1:
        template += "/{id}"
    return template


def route_label(routes: list[Route], method: str, path: str) -> str:
    """``METHOD template`` used as the accounting key (``(unmatched)`` for unknown paths)."""
    if path == TOKEN_PATH:
        return f"{method} {TOKEN_PATH}"
    scim = scim_template(path)
    if scim is not None:
        return f"{method} {scim}"
    for route in routes:
        if _compile(route.template).match(path):
            return f"{method} {route.template}"
    return f"{method} {UNMATCHED}"
