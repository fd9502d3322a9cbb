"""Serve ``GET /Groups/{id}`` and members-only ``PATCH /Groups/{id}`` without loading the group as a model.

scim2-server spends ~85 µs per existing member on every group PATCH (deep copies of pydantic
models), so one member added to a 10,000-member group costs most of a second. Here the request is
still validated by scim2-server (same 400s), but the change is applied by the storage row by row
(``GroupMembership``) and the answer is built from the stored JSON. Anything this module does not
recognise - another attribute, a filter other than ``members[value eq "..."]``, other query
parameters - returns ``None`` and scim2-server serves the request as usual, so behaviour never
depends on which path ran (a test applies the same PATCHes both ways and compares).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, cast

from pydantic import ValidationError
from scim2_models import PatchOp, PatchOperation
from scim2_server.requests import ScimRequest
from scim2_server.responses import ScimResponse
from scim2_server.routing import Operation, Target

from emulator.scim.membership import MEMBER_KEYS, GroupMembership, GroupSnapshot, MemberEntry, MemberOperation
from emulator.scim.names import GROUP
from emulator.scim.service import EmulatorScimService

REMOVE_BY_FILTER = re.compile(r'^members\[\s*value\s+eq\s+"([^"\\]*)"\s*\]$', re.IGNORECASE)


class GroupFastPath:
    """Recognise the group requests the storage can serve directly, and serve them."""

    def __init__(self, service: EmulatorScimService, backend: GroupMembership) -> None:
        self.service = service
        self.backend = backend
        self.group_type = service.get_resource_type(GROUP)
        self.member_model = service.get_model(self.group_type).get_field_root_type("members")

    def serve(self, request: ScimRequest, target: Target) -> ScimResponse | None:
        """The response, or ``None`` when scim2-server must serve this request."""
        if target.me or target.resource_id is None or target.endpoint is None:
            return None
        if self.service.get_resource_type_by_endpoint(target.endpoint) is not self.group_type:
            return None
        with_members = _members_shown(request.query)
        if with_members is None:
            return None
        if target.operation is Operation.query:
            return self._read(request, target.resource_id, with_members)
        if target.operation is Operation.patch:
            return self._patch(request, target.resource_id, with_members)
        return None

    def _read(self, request: ScimRequest, group_id: str, with_members: bool) -> ScimResponse:
        snapshot = self.backend.read_group(group_id, with_members=with_members)
        if not self.service.read_conditions(request).check(snapshot.version, "GET"):
            return ScimResponse(HTTPStatus.NOT_MODIFIED, None, _etag(snapshot))
        return self._group_response(request.base_url, snapshot)

    def _patch(self, request: ScimRequest, group_id: str, with_members: bool) -> ScimResponse | None:
        with self.service.provider:
            patch_op = self.service.read_patch(self.group_type, request.body, request.header("Content-Type"))
            operations = self._member_operations(patch_op)
        if operations is None:
            return None
        conditions = self.service.read_conditions(request)
        no_content = self.service.dialect.group_patch_no_content

        def precondition(version: str | None) -> None:
            conditions.check(version, "PATCH")  # raises PreconditionFailedException (412)

        snapshot = self.backend.change_members(
            group_id,
            operations,
            precondition=precondition,
            with_members=with_members and not no_content,
        )
        if no_content:
            return ScimResponse(HTTPStatus.NO_CONTENT, None, _etag(snapshot))
        return self._group_response(request.base_url, snapshot)

    # -- recognising members-only PATCHes -------------------------------------------------------

    def _member_operations(self, patch_op: PatchOp[Any]) -> list[MemberOperation] | None:
        operations = [self._member_operation(operation) for operation in patch_op.operations or []]
        if not operations or any(operation is None for operation in operations):
            return None
        planned = cast(list[MemberOperation], operations)
        if len(planned) > 1 and any(operation.kind in ("clear", "replace") for operation in planned):
            return None
        return planned

    def _member_operation(self, operation: PatchOperation[Any]) -> MemberOperation | None:
        op = getattr(operation.op, "value", operation.op)
        path, value = operation.path, operation.value
        if not isinstance(path, str):
            return None
        if path.casefold() == "members":
            if op in ("add", "replace"):
                entries = self._entries(value)
                return None if entries is None else MemberOperation(op, entries=entries)
            if op == "remove" and value is None:
                return MemberOperation("clear")
            if op == "remove":
                values = _values_to_remove(value)
                return None if values is None else MemberOperation("remove", values=values)
            return None
        found = REMOVE_BY_FILTER.match(path)
        if op == "remove" and value is None and found is not None and found.group(1).isascii():
            return MemberOperation("remove", values=(found.group(1),))
        return None

    def _entries(self, value: Any) -> tuple[MemberEntry, ...] | None:
        """Validate new member entries the way scim2-models reads them, dumped as the storage keeps them."""
        items = value if isinstance(value, list) else [value] if isinstance(value, dict) else None
        if items is None:
            return None
        entries = []
        for item in items:
            if not isinstance(item, dict):
                return None
            try:
                entry = self.member_model.model_validate(item).model_dump()
            except ValidationError:
                return None
            member = entry.get("value")
            if (
                not isinstance(member, str)
                or not member
                or not member.isascii()
                or set(entry) - set(MEMBER_KEYS)
            ):
                return None
            entries.append(entry)
        return tuple(entries)

    # -- answers --------------------------------------------------------------------------------

    def _group_response(self, base_url: str, snapshot: GroupSnapshot) -> ScimResponse:
        """The group as scim2-server's ``publish`` shows it: with its location and absolute member URLs.

        Members without ``$ref`` (what IdPs send) need no change, so their stored JSON array is
        spliced into the answer as it is; otherwise each ``$ref`` is made a URL as scim2-server does.
        """
        document = snapshot.document
        location = self.service.resource_location(base_url, self.group_type, document["id"])
        meta = {key: value for key, value in document["meta"].items() if key != "version"}
        meta["location"] = location
        if "version" in document["meta"]:
            meta["version"] = document["meta"]["version"]
        body = {**document, "meta": meta}
        headers = {"Content-Location": location, **_etag(snapshot)}
        members_json = snapshot.members_json
        if members_json is None or members_json == "[]":
            return ScimResponse(HTTPStatus.OK, body, headers)
        if '"$ref"' in members_json:
            body["members"] = [
                {**entry, "$ref": self.service.reference_location(base_url, entry["$ref"])}
                if "$ref" in entry
                else entry
                for entry in json.loads(members_json)
            ]
            return ScimResponse(HTTPStatus.OK, body, headers)
        encoded = json.dumps(body)[:-1] + ', "members": ' + members_json + "}"
        return EncodedScimResponse(HTTPStatus.OK, body, headers, encoded=encoded.encode())


@dataclass
class EncodedScimResponse(ScimResponse):
    """A response whose JSON is already encoded (``body`` then lacks the parts only ``encoded`` has)."""

    encoded: bytes = b""


def _members_shown(query: Mapping[str, str]) -> bool | None:
    """Whether the answer shows members: no parameters, or ``excludedAttributes=members``; else ``None``."""
    if not query:
        return True
    if dict(query) == {"excludedAttributes": "members"}:
        return False
    return None


def _values_to_remove(value: Any) -> tuple[str, ...] | None:
    """The values an Entra-style ``remove`` (``value: [{"value": id}, ...]``) names, if that is its form."""
    items = value if isinstance(value, list) else [value]
    values = []
    for item in items:
        if not isinstance(item, dict) or set(item) != {"value"}:
            return None
        member = item["value"]
        if not isinstance(member, str) or not member.isascii():
            return None
        values.append(member)
    return tuple(values)


def _etag(snapshot: GroupSnapshot) -> dict[str, str]:
    return {"ETag": snapshot.version} if snapshot.version else {}
