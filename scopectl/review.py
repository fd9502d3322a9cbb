"""Turn per-resource changes into what a reviewer of a scope change reads: per client, scopes
granted and revoked, secret rotations and why; group members joining and leaving; users activated
or deactivated.

Only named fields are ever copied out of a resource's inputs (scope names, justifications, member
userNames, plain settings), so a report built from a `Review` cannot print a whole state or a
secret value even if the preview held one unblinded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from scopectl import resource_types as rt
from scopectl.preview import PreviewDocument, ResourceChange
from scopectl.resource_types import SECRET_PLACEHOLDER, UNKNOWN_SENTINEL, Urn

# Plain ApiClient/ScimGroup/ScimUser settings a reviewer may see change; anything else (and any
# `__`-prefixed engine field) is never shown.
_CLIENT_FIELDS = ("name", "description", "enabled", "access_token_lifetime", "owner", "purpose", "adopt")
_SECRET_FIELDS = ("lifetime_days", "renew_before_days")
_GROUP_FIELDS = ("display_name", "external_id", "exclusive", "adopt")
_USER_FIELDS = ("user_name", "given_name", "family_name", "emails", "external_id", "on_delete", "adopt")
_MAX_TEXT = 200


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class ScopeGrant:
    scope: str
    privileged: bool
    justification: str | None = None
    expires: str | None = None


@dataclass(frozen=True)
class SecretChange:
    """What happens to a client's secret. `action` is create, rotate, revoke or update."""

    action: str
    reasons: tuple[str, ...] = ()  # "schedule", "manual", "expiry" (rotate only)
    details: tuple[str, ...] = ()  # human sentences: the new schedule period, the manual reason
    field_changes: tuple[FieldChange, ...] = ()


@dataclass
class ClientReview:
    key: str  # the ApiClient's Pulumi resource name (the access model's client key)
    tenant_name: str | None = None
    lifecycle: str = "unchanged"  # created | adopted | updated | replaced | deleted | unchanged
    field_changes: list[FieldChange] = field(default_factory=list)
    scopes_granted: list[ScopeGrant] = field(default_factory=list)
    scopes_revoked: list[ScopeGrant] = field(default_factory=list)
    scopes_amended: list[ScopeGrant] = field(default_factory=list)  # justification/expiry edited
    # An adopted client's declared scope set: the scopes it is taken over with, not new grants (the
    # preview cannot tell which of them the client already holds; `scopectl audit` can).
    scopes_adopted: list[ScopeGrant] = field(default_factory=list)
    scopes_opaque: bool = False  # the scope set is secret or unknown in this preview
    scopes_created: bool = field(default=False, repr=False)  # the scope assignment step is a create
    secret: SecretChange | None = None
    # What happens to the previous secret (the PreviousSecret's `previous` input, when it changes):
    # "valid until 2027-01-13 (overlap of 7 days)" on a rotation, "previous secret of `reporting` will
    # be revoked: overlap ended on 2027-01-13" on the run that ends the window.
    previous_secret: str | None = None
    # On a rotation, the client's whole scope set with each justification: each rotation is a chance
    # to re-evaluate what the client holds.
    scope_set: list[ScopeGrant] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(
            self.lifecycle != "unchanged"
            or self.field_changes
            or self.scopes_granted
            or self.scopes_revoked
            or self.scopes_amended
            or self.scopes_adopted
            or self.scopes_opaque
            or self.secret
            or self.previous_secret
        )


@dataclass
class GroupReview:
    key: str
    display_name: str | None = None
    lifecycle: str = "unchanged"
    joining: list[str] = field(default_factory=list)
    leaving: list[str] = field(default_factory=list)
    adopted_members: list[str] = field(default_factory=list)  # an adopted group's declared members
    members_opaque: bool = False
    member_count: int | None = None
    field_changes: list[FieldChange] = field(default_factory=list)


@dataclass
class UserReview:
    key: str
    user_name: str | None = None
    lifecycle: str = "unchanged"
    activation: str | None = None  # activated | deactivated
    field_changes: list[FieldChange] = field(default_factory=list)


@dataclass(frozen=True)
class OtherChange:
    name: str
    type: str
    kind: str


@dataclass
class Review:
    stack: str | None
    clients: list[ClientReview]
    groups: list[GroupReview]
    users: list[UserReview]
    other: list[OtherChange]
    errors: list[str]  # error diagnostics of the preview itself (why it failed)
    has_changes: bool
    # Changes the digest's summary counts but none of its steps shows (op -> count); see
    # PreviewDocument.unattributed_changes.
    unattributed: dict[str, int] = field(default_factory=dict)


def build_review(document: PreviewDocument, is_privileged: Callable[[str], bool]) -> Review:
    """Interpret a parsed preview; `is_privileged` says which scopes are write/admin scopes."""
    clients: dict[str, ClientReview] = {}
    client_key_by_urn = {c.urn: c.name for c in document.changes if c.type == rt.API_CLIENT}
    client_key_by_id = _client_keys_by_id(document.changes)
    groups: list[GroupReview] = []
    users: list[UserReview] = []
    other: list[OtherChange] = []

    scope_sets: dict[str, list[ScopeGrant]] = {}
    for change in document.changes:
        if change.type == rt.SCOPE_ASSIGNMENT:
            held = _scope_map(change.new_inputs if change.new_inputs is not None else change.old_inputs)
            if held is not None:
                key = _owning_client(change, client_key_by_urn, client_key_by_id)
                scope_sets[key] = [_grant(name, held[name], is_privileged) for name in sorted(held)]
        if not change.changed:
            continue
        if change.type == rt.API_CLIENT:
            _apply_client(clients.setdefault(change.name, ClientReview(change.name)), change)
        elif change.type in (rt.SCOPE_ASSIGNMENT, rt.CLIENT_SECRET):
            key = _owning_client(change, client_key_by_urn, client_key_by_id)
            review = clients.setdefault(key, ClientReview(key))
            if change.type == rt.SCOPE_ASSIGNMENT:
                _apply_scopes(review, change, is_privileged)
            else:
                review.secret = _secret_change(change)
        elif change.type == rt.PREVIOUS_SECRET:
            note = _previous_note(change)
            if note:
                key = _owning_client(change, client_key_by_urn, client_key_by_id)
                clients.setdefault(key, ClientReview(key)).previous_secret = note
        elif change.type == rt.SCIM_GROUP:
            groups.append(_group_review(change))
        elif change.type == rt.SCIM_USER:
            users.append(_user_review(change))
        elif change.type != "pulumi:pulumi:Stack":
            other.append(OtherChange(change.name, change.type, change.kind))

    for review in clients.values():
        if review.secret and review.secret.action == "rotate":
            review.scope_set = scope_sets.get(review.key, [])
        if review.lifecycle == "adopted" and review.scopes_created:
            # Taking over an existing client: its declared scopes are adopted, not granted.
            review.scopes_adopted, review.scopes_granted = review.scopes_granted, []

    return Review(
        stack=document.stack,
        clients=[c for c in clients.values() if c.changed],
        groups=groups,
        users=users,
        other=other,
        errors=[_text(d.message, 500) for d in document.diagnostics if d.severity == "error"],
        has_changes=document.has_changes,
        unattributed=document.unattributed_changes,
    )


# -- clients ---------------------------------------------------------------------------------------

_LIFECYCLE = {"create": "created", "import": "adopted", "update": "updated", "replace": "replaced"}


def _apply_client(review: ClientReview, change: ResourceChange) -> None:
    inputs = change.new_inputs if change.new_inputs is not None else change.old_inputs or {}
    review.tenant_name = _plain_or_none(inputs.get("name"))
    review.lifecycle = _lifecycle(change)
    if change.kind in ("update", "replace"):
        review.field_changes = _field_changes(change, _CLIENT_FIELDS)


def _client_keys_by_id(changes: Iterable[ResourceChange]) -> dict[str, str]:
    keys: dict[str, str] = {}
    for change in changes:
        if change.type != rt.API_CLIENT:
            continue
        for candidate in (change.resource_id, (change.old_outputs or {}).get("client_id")):
            if isinstance(candidate, str) and candidate and candidate != UNKNOWN_SENTINEL:
                keys[candidate] = change.name
    return keys


def _owning_client(
    change: ResourceChange, key_by_urn: Mapping[str, str], key_by_id: Mapping[str, str]
) -> str:
    """Find the client a ScopeAssignment or ClientSecret belongs to.

    In order: its parent, its dependencies (the program passes `client.client_id`, so the SDK
    records the ApiClient as a dependency even when that client's own step is omitted as
    unchanged), its `client_id` input, and last its own name without a `-scopes`/`-secret` suffix.
    """
    candidates = ([change.parent] if change.parent else []) + list(change.dependencies)
    for urn in candidates:
        if urn in key_by_urn:
            return key_by_urn[urn]
        try:
            parsed = Urn.parse(urn)
        except ValueError:
            continue
        if parsed.type == rt.API_CLIENT:
            return parsed.name
    for inputs in (change.new_inputs, change.old_inputs):
        client_id = (inputs or {}).get("client_id")
        if isinstance(client_id, str) and client_id in key_by_id:
            return key_by_id[client_id]
    for suffix in ("-scopes", "-scope-assignment", "-previous-secret", "-secret", "-client-secret"):
        if change.name.endswith(suffix):
            return change.name.removesuffix(suffix)
    return change.name


def _apply_scopes(review: ClientReview, change: ResourceChange, is_privileged: Callable[[str], bool]) -> None:
    old = _scope_map(change.old_inputs)
    new = _scope_map(change.new_inputs)
    review.scopes_created = change.kind in ("create", "import")
    if old is None or new is None:
        review.scopes_opaque = True
        return
    review.scopes_granted = [
        _grant(name, new[name], is_privileged) for name in sorted(new.keys() - old.keys())
    ]
    review.scopes_revoked = [
        _grant(name, old[name], is_privileged) for name in sorted(old.keys() - new.keys())
    ]
    review.scopes_amended = [
        _grant(name, new[name], is_privileged)
        for name in sorted(new.keys() & old.keys())
        if _metadata(new[name]) != _metadata(old[name])
    ]


def _scope_map(inputs: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The `scopes` input as a map; {} when the resource does not exist on that side; None when
    the preview hides it (secret or unknown until apply)."""
    if inputs is None:
        return {}
    scopes = inputs.get("scopes", {})
    if scopes is None:
        return {}
    if isinstance(scopes, dict):
        return scopes
    if isinstance(scopes, list) and all(isinstance(s, str) for s in scopes):
        return {name: {} for name in scopes}
    return None


def _grant(name: str, metadata: Any, is_privileged: Callable[[str], bool]) -> ScopeGrant:
    justification, expires = _metadata(metadata)
    return ScopeGrant(
        scope=name, privileged=is_privileged(name), justification=justification, expires=expires
    )


def _metadata(value: Any) -> tuple[str | None, str | None]:
    if not isinstance(value, dict):
        return None, None
    return _plain_or_none(value.get("justification")), _plain_or_none(value.get("expires"))


# -- secrets ---------------------------------------------------------------------------------------


def _secret_change(change: ResourceChange) -> SecretChange:
    if change.kind in ("create", "import"):
        return SecretChange("create", details=_lifetime_details(change.new_inputs))
    if change.kind == "delete":
        return SecretChange("revoke")
    if change.kind != "replace":
        return SecretChange("update", field_changes=tuple(_field_changes(change, _SECRET_FIELDS)))

    reasons: list[str] = []
    details: list[str] = []
    old, new = _rotation_tokens(change.old_inputs), _rotation_tokens(change.new_inputs)
    if "rotation" in change.replace_reasons or old != new:
        if old.get("schedule") != new.get("schedule"):
            reasons.append("schedule")
            if new.get("schedule"):
                details.append(f"scheduled rotation: new period from {new['schedule']}")
        if old.get("manual") != new.get("manual"):
            reasons.append("manual")
            if new.get("manual"):
                details.append(f"manual rotation: {new['manual']}")
        if not reasons:
            reasons.append("manual")
            details.append("the rotation value changed")
    if "expires_at" in change.replace_reasons:
        reasons.append("expiry")
        expires_at = _plain_or_none((change.old_outputs or {}).get("expires_at"))
        details.append(
            f"the current secret expires {expires_at} (expired, missing or inside its renewal window)"
            if expires_at
            else "the current secret is expired, missing or inside its renewal window"
        )
    if not reasons:
        # Replaced for another reason (its client was replaced, say): name the inputs, not values.
        reasons.append("other")
        changed = ", ".join(change.replace_reasons) or "its inputs"
        details.append(f"replaced because {changed} changed")
    return SecretChange(
        "rotate",
        reasons=tuple(dict.fromkeys(reasons)),
        details=tuple(details),
        field_changes=tuple(_field_changes(change, _SECRET_FIELDS)),
    )


def _previous_note(change: ResourceChange) -> str | None:
    """The PreviousSecret's `previous` input when the step changes it (dates and a client key only)."""
    if change.kind not in ("update", "create"):
        return None
    new = _plain_or_none((change.new_inputs or {}).get("previous"))
    old = _plain_or_none((change.old_inputs or {}).get("previous"))
    if not new or new in (old, UNKNOWN_SENTINEL):
        return None
    return _text(new)


def _rotation_tokens(inputs: Mapping[str, Any] | None) -> dict[str, str]:
    """Split `schedule:<date> manual:<text>` (see access_model's rotation values) into parts.

    The manual text may contain spaces, so everything after `manual:` belongs to it.
    """
    value = (inputs or {}).get("rotation")
    if not isinstance(value, str) or value in (SECRET_PLACEHOLDER, UNKNOWN_SENTINEL):
        return {"opaque": str(value)} if value else {}
    tokens: dict[str, str] = {}
    rest = value.strip()
    if rest.startswith("schedule:"):
        schedule, _, rest = rest.partition(" ")
        tokens["schedule"] = schedule.removeprefix("schedule:")
        rest = rest.strip()
    if rest.startswith("manual:"):
        tokens["manual"] = _text(rest.removeprefix("manual:"))
    elif rest:
        tokens["manual"] = _text(rest)
    return tokens


def _lifetime_details(inputs: Mapping[str, Any] | None) -> tuple[str, ...]:
    lifetime = (inputs or {}).get("lifetime_days")
    return (f"lifetime {lifetime} days",) if isinstance(lifetime, int) else ()


# -- groups and users ------------------------------------------------------------------------------


def _group_review(change: ResourceChange) -> GroupReview:
    inputs = change.new_inputs if change.new_inputs is not None else change.old_inputs or {}
    review = GroupReview(key=change.name, display_name=_plain_or_none(inputs.get("display_name")))
    review.lifecycle = _lifecycle(change)
    old = _member_set(change.old_inputs)
    new = _member_set(change.new_inputs)
    if old is None or new is None:
        review.members_opaque = True
    elif change.kind == "delete":
        review.member_count = len(old)
    elif review.lifecycle == "adopted":
        # An existing group taken over: its declared members are adopted, not joining (the preview
        # cannot tell who is already in it; `scopectl audit` can).
        review.adopted_members = sorted(new)
        review.member_count = len(new)
    else:
        review.joining = sorted(new - old)
        review.leaving = sorted(old - new)
        review.member_count = len(new)
    if change.kind in ("update", "replace"):
        review.field_changes = _field_changes(change, _GROUP_FIELDS)
    return review


def _member_set(inputs: Mapping[str, Any] | None) -> set[str] | None:
    if inputs is None:
        return set()
    members = inputs.get("members", {})
    if members is None:
        return set()
    if isinstance(members, dict):
        return {str(k) for k, v in members.items() if v is not False}
    if isinstance(members, list) and all(isinstance(m, str) for m in members):
        return set(members)
    return None


def _user_review(change: ResourceChange) -> UserReview:
    inputs = change.new_inputs if change.new_inputs is not None else change.old_inputs or {}
    review = UserReview(key=change.name, user_name=_plain_or_none(inputs.get("user_name")))
    review.lifecycle = _lifecycle(change)
    old_active = change.old_inputs.get("active", True) if change.old_inputs is not None else None
    new_active = change.new_inputs.get("active", True) if change.new_inputs is not None else None
    if change.kind == "delete":
        on_delete = (change.old_inputs or {}).get("on_delete", "deactivate")
        review.activation = "deactivated" if on_delete != "delete" and old_active is not False else None
    elif old_active is False and new_active is True:
        review.activation = "activated"
    elif old_active is not False and new_active is False:
        review.activation = "deactivated" if change.kind != "create" else None
    if change.kind in ("update", "replace"):
        review.field_changes = _field_changes(change, _USER_FIELDS)
    return review


def _lifecycle(change: ResourceChange) -> str:
    if change.kind == "delete":
        return "deleted"
    if change.kind == "create" and (change.new_inputs or {}).get("adopt") is True:
        return "adopted"
    return _LIFECYCLE.get(change.kind, change.kind)


# -- values ----------------------------------------------------------------------------------------


def _field_changes(change: ResourceChange, fields: Iterable[str]) -> list[FieldChange]:
    old, new = change.old_inputs or {}, change.new_inputs or {}
    result = []
    for name in fields:
        if old.get(name) != new.get(name):
            result.append(FieldChange(name, display_value(old.get(name)), display_value(new.get(name))))
    return result


def display_value(value: Any) -> str:
    """A short, safe rendering of one input value: secrets and unknowns are named, never shown."""
    if value == SECRET_PLACEHOLDER:
        return "(secret)"
    if value == UNKNOWN_SENTINEL:
        return "(known after apply)"
    if value is None:
        return "(unset)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, list) and all(isinstance(v, str) and v != SECRET_PLACEHOLDER for v in value):
        return _text(", ".join(value))
    return "(structured value)"


def _plain_or_none(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return display_value(value)


def _text(value: str, limit: int = _MAX_TEXT) -> str:
    flat = " ".join(str(value).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
