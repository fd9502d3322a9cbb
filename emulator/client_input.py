"""Validation of API client bodies (POST and full-replace PUT) and their rendering for responses.

Every rule names the exact place that broke it (``clientResources[0].selectedScopes[2].id``) so a user
can fix their request without guessing, and nothing is written unless the whole body is valid.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from emulator.http import bad_request, json_type_name
from emulator.store import ClientFields, ClientRow, ScopeRow

AUTH_TYPES = ("SECRET", "PUBKEYCERT", "JWKS")
MIN_LIFETIME, MAX_LIFETIME = 60, 86400
MAX_NAME_LENGTH = 255
MAX_DESCRIPTION_LENGTH = 4096

_TOP_LEVEL = {
    "id",
    "name",
    "description",
    "status",
    "accessTokenLifeTime",
    "clientAuthentication",
    "clientResources",
}
_AUTH_FIELDS = {"authType", "clientJWKsUrl", "publicKeys", "clientCertificates"}
# name/defaultApi come back on read; accepting them lets callers PUT back what they GET.
_RESOURCE_FIELDS = {"id", "name", "defaultApi", "selectedScopes"}
_SCOPE_FIELDS = {"id", "name"}


def _check_known(obj: dict, allowed: set[str], where: str) -> None:
    for key in obj:
        if key not in allowed:
            place = f"{where}.{key}" if where else key
            expected = ", ".join(sorted(allowed))
            raise bad_request(f"{place}: unknown field (expected one of: {expected})")


def _expect(value: Any, kind: type | tuple[type, ...], place: str, described: str) -> Any:
    # bool is a subclass of int in Python, but JSON's true is not a number.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise bad_request(f"{place}: expected {described}, got {json_type_name(value)}")
    return value


def _object(value: Any, allowed: set[str], place: str) -> dict:
    """``value`` checked to be a JSON object holding only ``allowed`` fields."""
    _expect(value, dict, place, "an object")
    _check_known(value, allowed, place)
    return value


def _required(obj: dict, key: str, kind: type, place: str, described: str, why: str = "") -> Any:
    """``obj[key]`` checked to be ``kind``; ``why`` says what the missing field is for."""
    if key not in obj:
        raise bad_request(f"{place}: required field is missing{why}")
    return _expect(obj[key], kind, place, described)


def _optional(obj: dict, key: str, kind: type, place: str, described: str) -> None:
    """Check ``obj[key]`` is ``kind`` when present (fields read back by GET that a PUT may echo)."""
    if key in obj:
        _expect(obj[key], kind, place, described)


def _string(obj: dict, key: str, place: str, *, required: bool, default: str = "", max_length: int) -> str:
    if key not in obj:
        if required:
            raise bad_request(f"{place}: required field is missing")
        return default
    value = _expect(obj[key], str, place, "a string")
    if len(value) > max_length:
        raise bad_request(f"{place}: longer than {max_length} characters")
    return value


def _authentication(value: Any) -> dict:
    place = "clientAuthentication"
    _object(value, _AUTH_FIELDS, place)
    auth_type = _required(value, "authType", str, f"{place}.authType", "a string")
    if auth_type not in AUTH_TYPES:
        raise bad_request(f"{place}.authType: must be one of {', '.join(AUTH_TYPES)}, got {auth_type!r}")
    result: dict[str, Any] = {"authType": auth_type}
    if "clientJWKsUrl" in value:
        result["clientJWKsUrl"] = _expect(value["clientJWKsUrl"], str, f"{place}.clientJWKsUrl", "a string")
    for list_key, item_fields in (
        ("publicKeys", ("keyName", "keyValue")),
        ("clientCertificates", ("certContent",)),
    ):
        if list_key not in value:
            continue
        items = _expect(value[list_key], list, f"{place}.{list_key}", "an array")
        cleaned = []
        for index, item in enumerate(items):
            item_place = f"{place}.{list_key}[{index}]"
            _object(item, set(item_fields), item_place)
            cleaned.append(
                {
                    field: _required(item, field, str, f"{item_place}.{field}", "a string")
                    for field in item_fields
                }
            )
        result[list_key] = cleaned
    if auth_type == "JWKS" and not result.get("clientJWKsUrl"):
        raise bad_request(f"{place}.clientJWKsUrl: required when authType is JWKS")
    if auth_type == "PUBKEYCERT" and not (result.get("publicKeys") or result.get("clientCertificates")):
        raise bad_request(f"{place}.publicKeys: PUBKEYCERT needs at least one public key or certificate")
    return result


def _scope_ids(value: Any, scopes_by_id: Mapping[str, ScopeRow]) -> tuple[str, ...]:
    _expect(value, list, "clientResources", "an array")
    chosen: list[str] = []
    server_ids = {scope.resource_server_id for scope in scopes_by_id.values()}
    for index, resource in enumerate(value):
        place = f"clientResources[{index}]"
        _object(resource, _RESOURCE_FIELDS, place)
        server_id = _required(resource, "id", str, f"{place}.id", "a string", " (the resource server id)")
        if server_id not in server_ids:
            raise bad_request(f"{place}.id: no resource server with id {server_id!r}")
        _optional(resource, "name", str, f"{place}.name", "a string")
        _optional(resource, "defaultApi", bool, f"{place}.defaultApi", "a boolean")
        selected = _expect(resource.get("selectedScopes", []), list, f"{place}.selectedScopes", "an array")
        for scope_index, scope in enumerate(selected):
            scope_place = f"{place}.selectedScopes[{scope_index}]"
            _object(scope, _SCOPE_FIELDS, scope_place)
            scope_id = _required(scope, "id", str, f"{scope_place}.id", "a string")
            known = scopes_by_id.get(scope_id)
            if known is None:
                raise bad_request(f"{scope_place}.id: no scope with id {scope_id!r} in the catalog")
            if known.resource_server_id != server_id:
                raise bad_request(f"{scope_place}.id: scope {scope_id!r} belongs to another resource server")
            _optional(scope, "name", str, f"{scope_place}.name", "a string")
            if scope_id not in chosen:
                chosen.append(scope_id)
    return tuple(chosen)


def parse_client_body(
    body: dict, scopes_by_id: Mapping[str, ScopeRow], *, path_id: str | None = None
) -> ClientFields:
    """Validate a create (``path_id`` None) or full-replace body into the fields to store."""
    _check_known(body, _TOP_LEVEL, "")
    if "id" in body:
        if path_id is None:
            raise bad_request("id: assigned by the server; omit it when creating a client")
        if body["id"] != path_id:
            raise bad_request(f"id: does not match the id in the URL ({path_id!r})")
    name = _string(body, "name", "name", required=True, max_length=MAX_NAME_LENGTH)
    if not name.strip():
        raise bad_request("name: must not be blank")
    description = _string(
        body, "description", "description", required=False, max_length=MAX_DESCRIPTION_LENGTH
    )
    status = _expect(body.get("status", True), bool, "status", "a boolean")
    lifetime = _required(body, "accessTokenLifeTime", int, "accessTokenLifeTime", "an integer (seconds)")
    if not MIN_LIFETIME <= lifetime <= MAX_LIFETIME:
        raise bad_request(f"accessTokenLifeTime: must be between {MIN_LIFETIME} and {MAX_LIFETIME} seconds")
    authentication = _authentication(body.get("clientAuthentication", {"authType": "SECRET"}))
    scope_ids = _scope_ids(body.get("clientResources", []), scopes_by_id)
    return ClientFields(name, description, status, lifetime, authentication, scope_ids)


def render_client(
    client: ClientRow, scopes_by_id: Mapping[str, ScopeRow], servers: Mapping[str, dict]
) -> dict:
    """The wire form of a client: scope ids grouped by resource server, with names resolved."""
    resources: dict[str, list[dict]] = {}
    for scope_id in client.fields.scope_ids:
        scope = scopes_by_id.get(scope_id)
        if scope is not None:
            resources.setdefault(scope.resource_server_id, []).append({"id": scope.id, "name": scope.name})
    fields = client.fields
    return {
        "id": client.id,
        "name": fields.name,
        "description": fields.description,
        "status": fields.status,
        "accessTokenLifeTime": fields.access_token_lifetime,
        "clientAuthentication": fields.authentication,
        "clientResources": [
            {
                "id": server_id,
                "name": servers[server_id]["name"],
                "defaultApi": servers[server_id]["defaultApi"],
                "selectedScopes": selected,
            }
            for server_id, selected in resources.items()
        ],
    }
