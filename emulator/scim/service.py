"""scim2-server's ScimService with the emulator's rules: scopes, body limits, PATCH answers, dialects."""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from pydantic import ValidationError
from scim2_models import (
    Context,
    InvalidValueException,
    Resource,
    ResourceType,
    ResponseParameters,
    SCIMException,
    SearchRequest,
)
from scim2_server.requests import ScimRequest
from scim2_server.responses import ScimResponse
from scim2_server.routing import Operation, Target
from scim2_server.service import ScimService
from scim2_server.storage import SearchPage

from emulator.scim.access import require_access
from emulator.scim.dialect import Dialect
from emulator.scim.limits import check_attribute_lists, check_string_lengths, patch_type_message
from emulator.scim.names import GROUP, GROUP_SCHEMA

MAX_BODY_BYTES = 4 * 1024 * 1024
"""Largest non-bulk request body: a PUT of a 10,000-member group with ``$ref`` URLs is ~1.2 MB."""


class BodyTooLargeException(SCIMException):
    """A request body over the limit: refused before it is parsed (400, SCIM error schema)."""

    status = 400
    _default_detail = "The request body is too large"


class EmulatorScimService(ScimService):
    """The SCIM protocol as the emulator plays it; everything not overridden is scim2-server's."""

    def __init__(self, provider: Any, dialect: Dialect, *, max_body_bytes: int = MAX_BODY_BYTES) -> None:
        super().__init__(provider)
        self.dialect = dialect
        self.max_body_bytes = max_body_bytes

    # -- access and limits ----------------------------------------------------------------------

    def authorize(self, request: ScimRequest, target: Target, resource_type: ResourceType) -> None:
        """Apply the scope rule to each operation, including each operation of a bulk request."""
        require_access(request.subject, target.operation)

    def max_body_size(self, request: ScimRequest) -> int | None:
        limit = super().max_body_size(request)  # bulk: maxPayloadSize (413 per RFC 7644 §3.7.4)
        return self.max_body_bytes if limit is None else limit

    def check_body_size(self, request: ScimRequest, operation: Operation) -> None:
        if operation is not Operation.bulk and len(request.body) > self.max_body_bytes:
            raise BodyTooLargeException(
                detail=f"The request body is larger than the {self.max_body_bytes} bytes accepted here"
            )
        check_string_lengths(request.body)

    def read_response_parameters(
        self, resource_type: ResourceType, query: Mapping[str, str]
    ) -> ResponseParameters[Any]:
        check_attribute_lists(query)
        return super().read_response_parameters(resource_type, query)

    def apply_patch(self, current: Resource[Any], patch_op: Any, conditions: Any) -> Resource[Any] | None:
        try:
            return super().apply_patch(current, patch_op, conditions)
        except InvalidValueException as exc:
            if isinstance(exc.__cause__, ValidationError):  # pydantic's text and docs URL: say it plainly
                raise InvalidValueException(detail=patch_type_message(exc.__cause__, patch_op)) from None
            raise

    # -- PATCH ----------------------------------------------------------------------------------

    def patch_response(
        self,
        base_url: str,
        resource: Resource[Any],
        response_parameters: ResponseParameters[Any],
    ) -> ScimResponse:
        """200 with the resource (RFC 7644 §3.5.2's first choice), or 204 for a group in ``zpa``."""
        assert resource.meta is not None
        if self.dialect.group_patch_no_content and resource.meta.resource_type == GROUP:
            headers = {"ETag": resource.meta.version} if resource.meta.version else {}
            return ScimResponse(HTTPStatus.NO_CONTENT, None, headers)
        published = self.publish(base_url, resource)
        return self.resource_response(published, Context.RESOURCE_REPLACEMENT_RESPONSE, response_parameters)

    # -- searches (zpa: group lists never carry members) -----------------------------------------

    def read_search(self, resource_types: list[ResourceType], payload: Any) -> tuple[SearchRequest[Any], Any]:
        if isinstance(payload, Mapping):
            check_attribute_lists(payload)
        if self._hides_group_members(resource_types) and isinstance(payload, Mapping):
            payload = _excluding_members(payload)
        return super().read_search(resource_types, payload)

    def search_response(
        self,
        base_url: str,
        resource_types: list[ResourceType],
        page: SearchPage,
        search_request: SearchRequest[Any],
    ) -> ScimResponse:
        response = super().search_response(base_url, resource_types, page, search_request)
        if self.dialect.group_list_without_members and response.body is not None:
            for resource in response.body.get("Resources", []):
                if GROUP_SCHEMA in resource.get("schemas", ()):  # meta may be projected away
                    resource.pop("members", None)
        return response

    def _hides_group_members(self, resource_types: list[ResourceType]) -> bool:
        return self.dialect.group_list_without_members and all(rt.name == GROUP for rt in resource_types)


def _excluding_members(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The search parameters with ``members`` excluded, so the storage need not load them.

    A search that names ``attributes`` is left alone (the two parameters exclude each other); its
    members are dropped from the answer instead.
    """
    keys = {key.casefold(): key for key in payload}
    if "attributes" in keys:
        return dict(payload)
    key = keys.get("excludedattributes", "excludedAttributes")
    excluded = payload.get(key)
    if isinstance(excluded, list):
        excluded = [*excluded, "members"]
    elif isinstance(excluded, str) and excluded.strip():
        excluded = f"{excluded},members"
    else:
        excluded = "members"
    return {**payload, key: excluded}
