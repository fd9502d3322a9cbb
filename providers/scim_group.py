"""``scim:Group``: one SCIM group and (by default exclusively) its members.

Members are declared by userName and kept as a map ``{userName: true}``, so the engine's diff shows one
entry per member who joins or leaves. The provider resolves userNames to SCIM ids through the
process-wide ``UserIndex`` (one users listing serves every group of a command) and changes membership
with batched PATCH requests (``scimBatchSize`` changes each), adding and removing only the difference
between the live group and the declaration.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, ReadResult, Resource, UpdateResult

from providers import _inputs as p
from providers._base import TenantProvider, gone, name_taken, without_provider_key
from providers._check import Inputs, is_unknown, name_problem, path
from providers._user_index import user_index
from providers.errors import ProviderError
from providers.tenant import Conflict, ScimClient, group_fields, member_ids


class UnknownMembers(ProviderError):
    """Declared members that have no SCIM user (yet); the message lists every one."""


def check_members(inputs: Inputs) -> None:
    members = inputs.news.get("members")
    if members is None:
        members = {}
    if is_unknown(members):
        inputs.values["members"] = members
        return
    if not isinstance(members, Mapping):
        inputs.fail("members", f"members must be a list of userNames, got {members!r}")
        return
    for user_name, flag in members.items():
        problem = name_problem(user_name)
        if problem:
            inputs.fail(path("members", user_name), f"member userName {problem}")
        if flag is not True and not is_unknown(flag):
            inputs.fail(path("members", user_name), f"member entries must be true, got {flag!r}")
    inputs.values["members"] = dict(members)


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


TABLE = p.InputTable(
    p.name("display_name"),
    p.custom("members", check_members, default={}, shape=members_map),
    p.string("external_id"),
    p.flag("exclusive", True, state_only=True),
    p.flag("adopt", False, state_only=True),
    p.output("group_id"),
    p.output("member_ids"),
)
"""The resource's properties (``providers._inputs``). Never replaced: a rename is a PATCH."""


def declared_members(props: Mapping[str, Any]) -> list[str]:
    return sorted((props.get("members") or {}).keys())


def resolve_members(scim: ScimClient, user_names: Sequence[str]) -> dict[str, str]:
    """userName -> id for every declared member; ``UnknownMembers`` names all that do not exist."""
    found = user_index(scim).resolve(scim, user_names)
    missing = [name for name in user_names if name not in found]
    if missing:
        listed = ", ".join(path("members", name) for name in missing[:20])
        more = f" and {len(missing) - 20} more" if len(missing) > 20 else ""
        raise UnknownMembers(f"no SCIM user has the userName of {listed}{more}; create them first (ScimUser)")
    return found


def _full_group(scim: ScimClient, group_id: str, record: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The group with its members (list records of some servers, like ZPA, omit members)."""
    if record is not None and "members" in record:
        return dict(record)
    return scim.get_group(group_id)


def _member_names(scim: ScimClient, ids: Iterable[str]) -> dict[str, bool]:
    """The members map for live member ids: userName, or the id of a member the listing lacks."""
    users = scim.users_snapshot()
    return {str((users.get(user_id) or {}).get("userName") or user_id): True for user_id in ids}


def _outputs(inputs: Mapping[str, Any], group_id: str, ids: Iterable[str]) -> dict[str, Any]:
    return {**without_provider_key(inputs), "group_id": group_id, "member_ids": sorted(ids)}


class ScimGroupProvider(TenantProvider):
    """CRUD for ``scim:Group``. Stable API: state pickles this class by module and name."""

    table = TABLE

    def create(self, props: dict[str, Any]) -> CreateResult:
        # SCIM does not keep displayNames unique (a create would quietly make a second group), so the
        # name is looked up first: in one listing of group names that serves every group of the run
        # (`ScimClient.group_named`), not one search per group. A server that does refuse a clash
        # (409) is answered by a live lookup.
        scim = self.tenant.scim
        wanted = resolve_members(scim, declared_members(props))
        existing = scim.group_named(props["display_name"])
        if existing is None:
            body: dict[str, Any] = {
                "displayName": props["display_name"],
                "members": [{"value": user_id} for user_id in sorted(wanted.values())],
            }
            if props.get("external_id"):
                body["externalId"] = props["external_id"]
            try:
                created = scim.create_group(body)
            except Conflict:
                existing = scim.find_group(props["display_name"])
                if existing is None:
                    raise  # a conflict that is not about the name
            else:
                group_id = str(created["id"])
                return CreateResult(group_id, _outputs(props, group_id, wanted.values()))
        if not props.get("adopt"):
            raise name_taken(f"a SCIM group named {props['display_name']!r}", existing["id"], "display_name")
        group_id = str(existing["id"])
        ids = self._reconcile(scim, group_id, props, wanted.values(), previously_declared=())
        return CreateResult(group_id, _outputs(props, group_id, ids))

    def _reconcile(
        self,
        scim: ScimClient,
        group_id: str,
        props: Mapping[str, Any],
        wanted_ids: Iterable[str],
        previously_declared: Iterable[str],
    ) -> list[str]:
        """Bring a live group to the declaration; returns its member ids afterwards."""
        group = scim.get_group(group_id)
        if group is None:
            raise gone(f"SCIM group {group_id} ({props['display_name']!r})")
        ops = []
        if group.get("displayName") != props["display_name"]:
            ops.append({"op": "replace", "path": "displayName", "value": props["display_name"]})
        if (group.get("externalId") or "") != (props.get("external_id") or ""):
            ops.append({"op": "replace", "path": "externalId", "value": props.get("external_id") or ""})
        if ops:
            scim.patch_group(group_id, ops)
        present = set(member_ids(group))
        wanted = set(wanted_ids)
        if props.get("exclusive", True):
            remove = present - wanted
        else:  # only members this resource declared before and dropped since
            dropped = set(previously_declared) - wanted
            remove = present & dropped
        add = wanted - present
        if add or remove:
            # After a rename the client remembers the new version itself; the one read above is stale.
            version = None if ops else (group.get("meta") or {}).get("version")
            scim.change_members(group_id, add=sorted(add), remove=sorted(remove), etag=version)
        return sorted((present - remove) | add)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        scim = self.tenant.scim
        group = _full_group(scim, id_, scim.groups_snapshot().get(id_))
        if group is None:
            return ReadResult("", {})
        fields = group_fields(group)
        ids = fields["member_ids"]
        live_members = _member_names(scim, ids)
        if not props.get("exclusive", True):  # members added by others are not this resource's business
            declared = set(declared_members(props))
            live_members = {name: True for name in live_members if name in declared}
        inputs = {
            "display_name": fields["display_name"],
            "members": live_members,
            "external_id": fields["external_id"],
            **TABLE.kept(props),
        }
        return ReadResult(id_, _outputs(inputs, id_, ids), inputs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        scim = self.tenant.scim
        wanted = resolve_members(scim, declared_members(news))
        exclusive = news.get("exclusive", True)
        previously = [] if exclusive else resolve_members_known(scim, declared_members(olds))
        ids = self._reconcile(scim, id_, news, wanted.values(), previously)
        return UpdateResult(_outputs(news, id_, ids))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        self.tenant.scim.delete_group(id_)


def resolve_members_known(scim: ScimClient, user_names: Sequence[str]) -> list[str]:
    """Ids of those userNames that still exist (for members dropped from a non-exclusive group)."""
    return list(user_index(scim).resolve(scim, user_names).values())


class ScimGroup(Resource, module="scim", name="Group"):
    """A SCIM group (type ``pulumi-python:dynamic/scim:Group``).

    ``members`` is given as a list of userNames and stored as a map ``{userName: true}`` so adding one
    member to a large group plans exactly one ``members["bob@example.com"]: ADD``. With
    ``exclusive=True`` members added by any other means are removed on the next ``up``.
    """

    group_id: pulumi.Output[str]
    member_ids: pulumi.Output[list]
    """Sorted SCIM ids of the group's members."""

    def __init__(
        self, resource_name: str, *, opts: pulumi.ResourceOptions | None = None, **inputs: Any
    ) -> None:
        """Inputs as declared in ``TABLE`` (each is also an output of the same name):
        ``display_name`` required; ``members`` a list of userNames (or an Output of one);
        ``external_id``, ``exclusive``, ``adopt`` default as the table says."""
        props = TABLE.props(**inputs)
        super().__init__(ScimGroupProvider(), resource_name, props, TABLE.options(opts))
