"""``scim:Group``: one SCIM group and (by default exclusively) its members."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi
from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, Resource, UpdateResult

from providers._base import TenantProvider


class ScimGroupProvider(TenantProvider):
    """CRUD for ``scim:Group``. Stable API: state pickles this class by module and name."""

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        return CheckResult(dict(news), [])

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return DiffResult(changes=None, replaces=[])

    def create(self, props: dict[str, Any]) -> CreateResult:
        raise NotImplementedError("ScimGroup.create lands with providers.tenant")

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        raise NotImplementedError("ScimGroup.read lands with providers.tenant")

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        raise NotImplementedError("ScimGroup.update lands with providers.tenant")

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        raise NotImplementedError("ScimGroup.delete lands with providers.tenant")


def members_map(members: Sequence[str]) -> dict[str, bool]:
    """The member list as ``{userName: True}``, the shape whose engine diff is one entry per member."""
    if isinstance(members, str):
        raise TypeError("members must be a list of userNames, not a single string")
    result: dict[str, bool] = {}
    for index, member in enumerate(members):
        if not isinstance(member, str):
            raise TypeError(f"members[{index}] must be a userName string, got {type(member).__name__}")
        result[member] = True
    return result


class ScimGroup(Resource, module="scim", name="Group"):
    """A SCIM group (type ``pulumi-python:dynamic/scim:Group``).

    ``members`` is given as a list of userNames and stored as a map ``{userName: true}`` so adding one
    member to a large group plans exactly one ``members["bob@example.com"]: ADD``. With
    ``exclusive=True`` members added by any other means are removed on the next ``up``.
    """

    display_name: pulumi.Output[str]
    members: pulumi.Output[dict]
    external_id: pulumi.Output[str]
    exclusive: pulumi.Output[bool]
    adopt: pulumi.Output[bool]
    group_id: pulumi.Output[str]
    member_ids: pulumi.Output[list]
    """Sorted SCIM ids of the group's members."""

    def __init__(
        self,
        resource_name: str,
        *,
        display_name: pulumi.Input[str],
        members: pulumi.Input[Sequence[pulumi.Input[str]]] = (),
        external_id: pulumi.Input[str] = "",
        exclusive: pulumi.Input[bool] = True,
        adopt: pulumi.Input[bool] = False,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        if isinstance(members, list | tuple) and all(isinstance(m, str) for m in members):
            members_input: Any = members_map(members)
        else:
            members_input = pulumi.Output.from_input(members).apply(members_map)
        props: dict[str, Any] = {
            "display_name": display_name,
            "members": members_input,
            "external_id": external_id,
            "exclusive": exclusive,
            "adopt": adopt,
            "group_id": None,
            "member_ids": None,
        }
        super().__init__(ScimGroupProvider(), resource_name, props, opts)
