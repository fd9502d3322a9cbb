"""``scim:User``: one SCIM user (service accounts, contractors).

Only the attributes declared here are written (by PATCH of what differs), so attributes an HR feed
maintains on the same user survive. Destroying the resource deactivates the user unless
``on_delete="delete"``: deactivation keeps audit history, deletion does not.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, ReadResult, Resource, UpdateResult

from providers import _inputs as p
from providers._base import TenantProvider, gone, name_taken, without_provider_key
from providers._check import Inputs, is_unknown, path
from providers._user_index import user_index
from providers.tenant import Conflict, NotFound, user_fields

ON_DELETE_CHOICES = ("deactivate", "delete")


def check_emails(inputs: Inputs) -> None:
    emails = inputs.news.get("emails")
    if emails is None:
        emails = []
    if is_unknown(emails):
        inputs.values["emails"] = emails
        return
    if not isinstance(emails, list):
        inputs.fail("emails", f"emails must be a list of addresses, got {emails!r}")
        return
    seen: set[str] = set()
    for index, email in enumerate(emails):
        if is_unknown(email):
            continue
        if not isinstance(email, str) or "@" not in email or email != email.strip() or email.startswith("@"):
            inputs.fail(path("emails", index), f"not an email address: {email!r}")
        elif email.casefold() in seen:
            inputs.fail(path("emails", index), f"{email!r} is listed twice")
        else:
            seen.add(email.casefold())
    inputs.values["emails"] = list(emails)


TABLE = p.InputTable(
    p.name("user_name"),
    p.string("given_name"),
    p.string("family_name"),
    p.custom("emails", check_emails, default=[]),
    p.flag("active", True),
    p.string("external_id"),
    p.choice("on_delete", "deactivate", ON_DELETE_CHOICES, state_only=True),
    p.flag("adopt", False, state_only=True),
    p.output("user_id"),
)
"""The resource's properties (``providers._inputs``). Never replaced: a userName change is a PATCH."""


def managed_from_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """The managed attributes of a live SCIM user, in this resource's input names."""
    return user_fields(record)


def managed_from_inputs(props: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "user_name": props["user_name"],
        "given_name": props.get("given_name") or "",
        "family_name": props.get("family_name") or "",
        "emails": list(props.get("emails") or []),
        "active": props.get("active", True) is not False,
        "external_id": props.get("external_id") or "",
    }


def _emails_value(emails: Sequence[str]) -> list[dict[str, Any]]:
    return [{"value": email, "type": "work", "primary": index == 0} for index, email in enumerate(emails)]


def user_body(managed: Mapping[str, Any]) -> dict[str, Any]:
    """A SCIM user body holding the managed attributes (for a create)."""
    body: dict[str, Any] = {
        "userName": managed["user_name"],
        "name": {"givenName": managed["given_name"], "familyName": managed["family_name"]},
        "emails": _emails_value(managed["emails"]),
        "active": managed["active"],
    }
    if managed["external_id"]:
        body["externalId"] = managed["external_id"]
    return body


def patch_ops(live: Mapping[str, Any], wanted: Mapping[str, Any]) -> list[dict[str, Any]]:
    """PATCH operations turning the live managed attributes into the wanted ones (none when equal)."""
    paths = {
        "user_name": ("userName", lambda v: v),
        "given_name": ("name.givenName", lambda v: v),
        "family_name": ("name.familyName", lambda v: v),
        "emails": ("emails", _emails_value),
        "active": ("active", lambda v: v),
        "external_id": ("externalId", lambda v: v),
    }
    return [
        {"op": "replace", "path": scim_path, "value": to_wire(wanted[key])}
        for key, (scim_path, to_wire) in paths.items()
        if live[key] != wanted[key]
    ]


def _outputs(inputs: Mapping[str, Any], user_id: str) -> dict[str, Any]:
    return {**without_provider_key(inputs), "user_id": user_id}


class ScimUserProvider(TenantProvider):
    """CRUD for ``scim:User``. Stable API: state pickles this class by module and name."""

    table = TABLE

    def create(self, props: dict[str, Any]) -> CreateResult:
        # Create first, look up only on a clash (userName is unique): one request in the common case.
        scim = self.tenant.scim
        wanted = managed_from_inputs(props)
        try:
            created = scim.create_user(user_body(wanted))
            user_index(scim).learn(wanted["user_name"], str(created["id"]))
            return CreateResult(str(created["id"]), _outputs(props, str(created["id"])))
        except Conflict:
            existing = scim.find_user(wanted["user_name"])
            if existing is None:
                raise
        if not props.get("adopt") and managed_from_record(existing) != wanted:
            # Exactly what this create sends is what a create whose answer (and recovery) failed left
            # behind: taken over, not refused. Anything else needs adopt: true.
            raise name_taken(
                f"a SCIM user with userName {wanted['user_name']!r}", existing["id"], "user_name"
            )
        user_id = str(existing["id"])
        ops = patch_ops(managed_from_record(existing), wanted)
        if ops:
            scim.patch_user(user_id, ops)
        return CreateResult(user_id, _outputs(props, user_id))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        record = self.tenant.scim.users_snapshot().get(id_)
        if record is None:
            return ReadResult("", {})
        inputs = {**managed_from_record(record), **TABLE.kept(props)}
        return ReadResult(id_, _outputs(inputs, id_), inputs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        wanted = managed_from_inputs(news)
        ops = patch_ops(managed_from_inputs(olds), wanted)
        if ops:
            try:
                self.tenant.scim.patch_user(id_, ops)
            except NotFound:
                raise gone(f"SCIM user {id_} ({wanted['user_name']!r})") from None
        return UpdateResult(_outputs(news, id_))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        scim = self.tenant.scim
        user_index(scim).forget([id_])  # deleted, or deactivated (which deletes on ZPA)
        if props.get("on_delete") == "delete":
            scim.delete_user(id_)
            return
        try:
            scim.patch_user(id_, [{"op": "replace", "path": "active", "value": False}])
        except NotFound:
            return  # already gone


class ScimUser(Resource, module="scim", name="User"):
    """A SCIM user (type ``pulumi-python:dynamic/scim:User``).

    ``active=False`` deactivates the user; on destroy the user is deactivated unless
    ``on_delete="delete"``.
    """

    user_id: pulumi.Output[str]

    def __init__(
        self, resource_name: str, *, opts: pulumi.ResourceOptions | None = None, **inputs: Any
    ) -> None:
        """Inputs as declared in ``TABLE`` (each is also an output of the same name):
        ``user_name`` required; ``given_name``, ``family_name``, ``emails``, ``active``,
        ``external_id``, ``on_delete``, ``adopt`` default as the table says."""
        props = TABLE.props(**inputs)
        super().__init__(ScimUserProvider(), resource_name, props, TABLE.options(opts))
