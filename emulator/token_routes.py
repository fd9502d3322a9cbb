"""``POST /oauth2/v1/token``: the OAuth 2.0 client-credentials grant, as ZIdentity serves it.

Credentials come from the form body (what the Zscaler SDKs send) or HTTP Basic (RFC 6749 §2.3, which
the Zscaler docs allow). Errors use the standard OAuth body ``{"error", "error_description"}``: 400 for
bad requests and bad form credentials (ZIdentity documents 400), 401 with ``WWW-Authenticate`` when
the client authenticated with Basic (RFC 6749 §5.2).
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import parse_qs, unquote

from emulator.catalog import AUDIENCE
from emulator.http import HttpError, Request, Response, json_response
from emulator.tokens import CredentialsRejected, TokenService

MAX_FORM_BODY = 64 * 1024
_NO_STORE = [("Cache-Control", "no-store"), ("Pragma", "no-cache")]


def _oauth_error(status: int, error: str, description: str, basic: bool = False) -> Response:
    headers = list(_NO_STORE)
    if basic:
        headers.append(("WWW-Authenticate", 'Basic realm="zidentity"'))
    return json_response(status, {"error": error, "error_description": description}, headers)


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    value = request.header("Authorization") or ""
    scheme, _, encoded = value.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return ("", "")
    client_id, _, client_secret = decoded.partition(":")
    # RFC 6749 §2.3.1: both parts are form-urlencoded before base64.
    return unquote(client_id), unquote(client_secret)


def _form(request: Request) -> dict[str, str]:
    content_type = (request.header("Content-Type") or "").split(";")[0].strip().lower()
    if content_type not in ("", "application/x-www-form-urlencoded"):
        raise HttpError(400, "invalid_request", "the token request must be application/x-www-form-urlencoded")
    try:
        text = request.body(MAX_FORM_BODY).decode("utf-8")
    except UnicodeDecodeError:
        raise HttpError(400, "invalid_request", "the token request body is not UTF-8") from None
    fields = parse_qs(text, keep_blank_values=True)
    repeated = sorted(name for name, values in fields.items() if len(values) > 1)
    if repeated:
        raise HttpError(400, "invalid_request", f"parameter {repeated[0]!r} is repeated")
    return {name: values[0] for name, values in fields.items()}


def token_endpoint(request: Request, tokens: TokenService, note: dict | None = None) -> Response:
    """Answer a token request. ``note`` (the request log entry) gets the ``client_id`` asked for and,
    when the credentials matched, the ``secret_id`` of the secret that matched: ids, never a value, so
    a test can tell which secret obtained a token ("the new secret got a token before the old one was
    revoked")."""
    try:
        form = _form(request)
    except HttpError as exc:  # every way a body can fail to be a form is OAuth's invalid_request
        return _oauth_error(400, "invalid_request", exc.message)
    grant_type = form.get("grant_type")
    if not grant_type:
        return _oauth_error(400, "invalid_request", "missing parameter 'grant_type'")
    if grant_type != "client_credentials":
        return _oauth_error(400, "unsupported_grant_type", "only grant_type=client_credentials is supported")
    audience = form.get("audience")
    if audience != AUDIENCE:
        detail = "missing parameter 'audience'" if not audience else f"audience must be {AUDIENCE}"
        return _oauth_error(400, "invalid_request", detail)
    basic = _basic_credentials(request)
    if basic is not None:
        client_id, client_secret = basic
    else:
        client_id, client_secret = form.get("client_id", ""), form.get("client_secret", "")
    if "client_assertion" in form:
        return _oauth_error(
            400, "invalid_client", "private-key JWT client authentication is not supported by the emulator"
        )
    if not client_id or not client_secret:
        return _oauth_error(400, "invalid_client", "missing client_id or client_secret", basic is not None)
    if note is not None:
        note["client_id"] = client_id
    try:
        client, secret_id = tokens.authenticate(client_id, client_secret)
    except CredentialsRejected as exc:
        status = 401 if basic is not None else 400
        return _oauth_error(status, "invalid_client", str(exc), basic is not None)
    if note is not None:
        note["secret_id"] = secret_id
    issued = tokens.issue(client)
    payload = {"access_token": issued.access_token, "token_type": "Bearer", "expires_in": issued.expires_in}
    return json_response(200, payload, _NO_STORE)
