"""Route templates: matching request paths, and naming routes for request accounting.

One table of ``METHOD /path/{param}`` templates serves two jobs: dispatching the admin and control APIs and
labelling every request (including SCIM and token requests) for ``GET /_emulator/stats``, so counts
are keyed the way tests and benchmarks think about the API rather than by raw URLs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from emulator.http import HttpError, Request, Response, method_not_allowed, not_found

ADMIN_PREFIX = "/ziam/admin/api/v1"
TOKEN_PATH = "/oauth2/v1/token"
SCIM_PATTERN = re.compile(r"^/scim/1/(?P<idpId>[^/]+)/v2(?P<rest>/.*)?$")
UNMATCHED = "(unmatched)"


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    handler: Callable[..., Any]
    access: str  # admin API: "read" or "write" (which scopes it demands); control API: "open" or "control"


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


class RoutedApi:
    """An API served from a table of routes: unknown path → 404, known path with another method →
    405 with ``Allow``, then ``authorize`` for the route's declared access, then its handler.

    Authorization hangs off the table rather than the handlers, so no handler can forget it.
    """

    routes: list[Route]
    what: str = "endpoint"
    """How a 404 names what is missing (``no such endpoint: /path``)."""

    def __call__(self, request: Request) -> Response:
        try:
            found = match(self.routes, request.method, request.path)
            if found.route is None:
                if found.allowed_methods:
                    raise method_not_allowed(request.method, found.allowed_methods)
                raise not_found(f"no such {self.what}: {request.path}")
            self.authorize(request, found.route.access)
            return found.route.handler(request, **found.params)
        except HttpError as exc:
            return exc.response()

    def authorize(self, request: Request, access: str) -> None:
        """Raise ``HttpError`` (401/403) unless the request may use a route declaring ``access``."""
        raise NotImplementedError


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
