"""Tiny WSGI request/response helpers shared by the emulator's route modules.

The emulator uses no web framework: the few things it needs (JSON bodies with size limits and precise
errors, one error shape, header handling) live here so that every route answers bad input the same way.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs

MAX_JSON_BODY = 1024 * 1024  # 1 MiB: far above any admin API body, small enough to refuse abuse

StartResponse = Callable[..., Any]


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)

    def __call__(self, start_response: StartResponse) -> list[bytes]:
        headers = [*self.headers, ("Content-Length", str(len(self.body)))]
        start_response(f"{self.status} {_reason(self.status)}", headers)
        return [self.body]


def _reason(status: int) -> str:
    """The status line's reason phrase; a 5xx that fault injection may answer has none in HTTPStatus."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Status"


def json_response(status: int, payload: Any, headers: Iterable[tuple[str, str]] = ()) -> Response:
    body = json.dumps(payload, separators=(",", ":")).encode()
    return Response(status, body, [("Content-Type", "application/json"), *headers])


def empty_response(status: int = 204) -> Response:
    return Response(status)


class HttpError(Exception):
    """An admin-API error; rendered as ``{"code": ..., "message": ...}`` (the documented shape)."""

    def __init__(self, status: int, code: str, message: str, headers: Iterable[tuple[str, str]] = ()) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = list(headers)

    def response(self) -> Response:
        return json_response(self.status, {"code": self.code, "message": self.message}, self.headers)


def bad_request(message: str) -> HttpError:
    return HttpError(400, "INVALID_INPUT", message)


def not_found(message: str) -> HttpError:
    return HttpError(404, "NOT_FOUND", message)


def unauthorized(message: str, realm: str) -> HttpError:
    """401 with the ``WWW-Authenticate: Bearer`` challenge RFC 6750 asks for."""
    return HttpError(401, "UNAUTHORIZED", message, [("WWW-Authenticate", f'Bearer realm="{realm}"')])


def method_not_allowed(method: str, allowed: Iterable[str]) -> HttpError:
    """405 with the ``Allow`` header RFC 9110 requires, listing the methods the path does serve."""
    return HttpError(
        405,
        "METHOD_NOT_ALLOWED",
        f"{method} is not allowed here",
        [("Allow", ", ".join(sorted(set(allowed))))],
    )


class Request:
    """Read-only view of a WSGI environ with bounded body reading."""

    def __init__(self, environ: dict) -> None:
        self.environ = environ
        self.method: str = environ["REQUEST_METHOD"].upper()
        self.path: str = environ.get("PATH_INFO", "") or "/"
        self.query: dict[str, list[str]] = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        self._body: bytes | None = None

    def header(self, name: str) -> str | None:
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            return self.environ.get(key)
        return self.environ.get(f"HTTP_{key}")

    def query_value(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else None

    def body(self, limit: int = MAX_JSON_BODY) -> bytes:
        """The request body; 400 if it is larger than ``limit`` bytes."""
        if self._body is None:
            declared = self.environ.get("CONTENT_LENGTH") or ""
            try:
                length = int(declared) if declared else None
            except ValueError:
                raise bad_request(f"invalid Content-Length header {declared!r}") from None
            if length is not None and length > limit:
                raise HttpError(
                    400, "BODY_TOO_LARGE", f"request body is {length} bytes; the limit is {limit}"
                )
            stream = self.environ["wsgi.input"]
            data = stream.read(length) if length is not None else stream.read(limit + 1)
            if len(data) > limit:
                raise HttpError(400, "BODY_TOO_LARGE", f"request body exceeds the limit of {limit} bytes")
            self._body = data
        return self._body

    def json_object(self, limit: int = MAX_JSON_BODY) -> dict[str, Any]:
        """The body parsed as a JSON object; 400 naming the problem otherwise."""
        raw = self.body(limit)
        if not raw.strip():
            raise bad_request("request body is empty; expected a JSON object")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise bad_request(f"request body is not UTF-8 (byte {exc.start})") from None
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise bad_request(f"malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
        except ValueError:  # Python reads no integer of more than 4,300 digits (sys.int_max_str_digits)
            raise bad_request("a number in the request body has too many digits") from None
        except RecursionError:
            raise bad_request("JSON nested too deeply") from None
        if not isinstance(value, dict):
            raise bad_request(f"expected a JSON object at the top level, got {json_type_name(value)}")
        _check_unicode(value)
        return value


def _check_unicode(value: Any) -> None:
    """400 for a string holding a lone surrogate (``"x\\ud800"`` is valid JSON but no Unicode text):
    SQLite cannot store it, and it used to surface as a 500."""
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        item, place = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise bad_request(f"{place or 'value'}: not valid Unicode text (a lone surrogate)") from None
        elif isinstance(item, dict):
            for key, child in item.items():
                stack.append((key, place or "key"))
                stack.append((child, f"{place}.{key}" if place else str(key)))
        elif isinstance(item, list):
            stack.extend((child, f"{place}[{index}]") for index, child in enumerate(item))


def json_type_name(value: Any) -> str:
    """How a JSON value's type is named in error messages ("a string", "an array", ...)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer ...`` header, or None if absent or another scheme."""
    value = request.header("Authorization") or ""
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()
