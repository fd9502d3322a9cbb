"""The least-privilege rules of the `scope-guardrails` policy pack, as plain Python over plain dicts.

Why plain: the same rules run in two places. The CrossGuard pack (`policies/__main__.py`, through
`policies.crossguard`) wraps them into `ResourceValidationPolicy`/`StackValidationPolicy` objects, and
`scopectl report` calls them on the resources of a `pulumi preview --json` (where policy results are not
recorded). Nothing here imports Pulumi.

Shapes:
- resource rules take `(props, config)`: the resource's inputs as a dict and the rule's config (its
  schema defaults merged with the user's values); they return a list of `Violation`.
- stack rules take `(resources, config)` where each resource is a dict
  `{"type", "urn", "name", "props", "dependencies": [urn], "property_dependencies": {prop: [urn]}}`.

A scope assignment or secret belongs to the API client it takes `client_id` from. During a preview that
id is unknown, so stack rules follow `property_dependencies["client_id"]` (the output wiring the program
declares) and fall back to equal `client_id` values. A rule that needs a value that is unknown during
preview raises `UnknownValue`; the pack turns that into the engine's usual advisory "can't run policy
during preview" message instead of guessing.

Messages name resources, scopes and settings, never property values of secrets.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from common.limits import LEGACY_OVERLAP_DAYS, OVERLAP_DAYS, RENEW_BEFORE_DAYS, SECRET_LIFETIME_DAYS
from common.suggest import did_you_mean

_DYNAMIC = "pulumi-python:dynamic/"
API_CLIENT = _DYNAMIC + "zidentity:ApiClient"
SCOPE_ASSIGNMENT = _DYNAMIC + "zidentity:ScopeAssignment"
CLIENT_SECRET = _DYNAMIC + "zidentity:ClientSecret"
PREVIOUS_SECRET = _DYNAMIC + "zidentity:PreviousSecret"
SCIM_GROUP = _DYNAMIC + "scim:Group"
SCIM_USER = _DYNAMIC + "scim:User"

# Sentinels the engine uses for values only known after `up` (pulumi_policy.proxy, pulumi.runtime.rpc);
# UNKNOWN_SENTINEL is the one for a value of any type, which `pulumi preview --json` prints.
UNKNOWN_SENTINEL = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
UNKNOWN_VALUES = frozenset(
    {
        "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
        "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
        UNKNOWN_SENTINEL,
        "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
        "030794c1-ac77-496b-92df-f27374a8bd58",
        "e48ece36-62e2-4504-bad9-02848725956a",
        "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
    }
)

# The scope names of the emulator's tenant, which are also the real Zscaler OneAPI names listed in
# docs/architecture.md. Point `scopes-in-catalog.catalog` at your own tenant's list.
DEFAULT_CATALOG = [
    "ziam:admin",
    "ziam:read",
    "scim:read",
    "scim:write",
    "sync:profile:read",
    "connector:read",
    "connector:write",
    "Role:API_Role01",
    "Scope:Default: Role:API Full Access",
    "Role:ZDX Read Only",
]
DEFAULT_WRITE_MARKERS = ["write", "readwrite", "admin", "delete", "manage", "create", "update", "full"]
DEFAULT_READ_MARKERS = ["read", "readonly", "view", "list", "get"]

Level = Literal["mandatory", "advisory", "disabled"]


class UnknownValue(Exception):
    """A value the rule needs is not known yet (preview); `path` says which, e.g. ["scopes"], and
    `sentinel` is the engine's placeholder found there (it tells the value's type)."""

    def __init__(self, path: Sequence[str | int], sentinel: str = UNKNOWN_SENTINEL) -> None:
        self.path = list(path)
        self.sentinel = sentinel
        super().__init__("." + ".".join(str(p) for p in self.path) + " is not known during preview")


@dataclass(frozen=True)
class Violation:
    """One finding of a rule. `where` is the property path inside the resource it is about (`("scopes",
    "scim:write")`), so a caller holding the access model (scopectl validate) can name the exact line;
    the pack reports only the message and urn, as CrossGuard does."""

    message: str
    urn: str | None = None
    where: tuple[str | int, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class Rule:
    """One policy: its name, default level, config schema (with defaults) and plain check function."""

    name: str
    description: str
    level: Level
    kind: Literal["resource", "stack"]
    check: Callable[..., list[Violation]]
    resource_type: str | None = None
    config_schema: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def config(self, given: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Schema defaults overlaid with the given values (the engine does the same reconciliation)."""
        merged = {key: spec["default"] for key, spec in self.config_schema.items() if "default" in spec}
        merged.update({k: v for k, v in (given or {}).items() if k != "enforcementLevel"})
        return merged


# --- value helpers ---------------------------------------------------------------------------------


def is_unknown(value: Any) -> bool:
    return isinstance(value, str) and value in UNKNOWN_VALUES


def known(props: Mapping[str, Any], key: str, default: Any = None) -> Any:
    """`props[key]` (or `default` when absent), raising UnknownValue when the engine does not know it yet."""
    value = props.get(key, default)
    if is_unknown(value):
        raise UnknownValue([key], value)
    return value


def _scopes(props: Mapping[str, Any]) -> dict[str, Any]:
    scopes = known(props, "scopes", {})
    if isinstance(scopes, Mapping):
        return dict(scopes)
    if isinstance(scopes, list):  # tolerate the list form; the provider turns it into a map
        return {str(name): {} for name in scopes}
    return {}


def _tokens(scope: str) -> set[str]:
    return {t for t in re.split(r"[^a-z0-9]+", scope.lower()) if t}


def is_write_scope(scope: str, write_markers: Iterable[str] = DEFAULT_WRITE_MARKERS) -> bool:
    """A scope that changes things: one of its words (split on `:`, `.`, `_`, spaces...) is a write marker."""
    return bool(_tokens(scope) & {m.lower() for m in write_markers})


def is_read_scope(
    scope: str,
    read_markers: Iterable[str] = DEFAULT_READ_MARKERS,
    write_markers: Iterable[str] = DEFAULT_WRITE_MARKERS,
) -> bool:
    """A scope that only reads: a read marker and no write marker (`Role:ZDX Read Only`, `scim:read`).

    A scope that says neither (`Role:API_Role01`) is not read-only: unknown power counts as power.
    """
    return bool(_tokens(scope) & {m.lower() for m in read_markers}) and not is_write_scope(
        scope, write_markers
    )


def _label(resource: Mapping[str, Any]) -> str:
    return str(resource.get("name") or resource.get("urn", "?").rsplit("::", 1)[-1])


# --- relating stack resources to their API client -------------------------------------------------


def _of_type(resources: Iterable[Mapping[str, Any]], type_: str) -> list[Mapping[str, Any]]:
    return [r for r in resources if r.get("type") == type_]


class ClientIndex:
    """Finds the API client a scope assignment or secret takes its `client_id` from (built once per
    stack, so relating N resources to their clients stays linear)."""

    def __init__(self, clients: Sequence[Mapping[str, Any]]) -> None:
        self.by_urn = {c.get("urn"): c for c in clients}
        self.by_id: dict[str, Mapping[str, Any]] = {}
        for client in clients:
            client_id = client.get("props", {}).get("client_id")
            if isinstance(client_id, str) and client_id and not is_unknown(client_id):
                self.by_id.setdefault(client_id, client)

    def of(self, resource: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """The owning client, or None when it is not in the stack.

        Raises UnknownValue when nothing links them yet (an unknown id and no recorded dependency).
        """
        for urn in (resource.get("property_dependencies") or {}).get("client_id", []):
            if urn in self.by_urn:
                return self.by_urn[urn]
        client_id = resource.get("props", {}).get("client_id")
        if isinstance(client_id, str) and client_id in self.by_id:
            return self.by_id[client_id]
        for urn in resource.get("dependencies") or []:
            if urn in self.by_urn:
                return self.by_urn[urn]
        if is_unknown(client_id):
            raise UnknownValue(["client_id"], client_id)
        return None


# --- the rules, in the pack's order ----------------------------------------------------------------
#
# Each check carries its name, default level, resource type (none for a stack rule), description and
# config schema (with defaults) in its @rule line, so a rule is read in one place.

_STRINGS = {"type": "array", "items": {"type": "string"}}
_REGISTERED: list[Rule] = []


def rule(
    name: str,
    level: Level,
    *,
    description: str,
    resource_type: str | None = None,
    config: Mapping[str, Mapping[str, Any]] | None = None,
) -> Callable[[Callable[..., list[Violation]]], Callable[..., list[Violation]]]:
    """Register the decorated check as a rule of the pack (a stack rule when no resource type is given);
    the pack, `evaluate` and the docs list rules in the order they are registered."""

    def register(check: Callable[..., list[Violation]]) -> Callable[..., list[Violation]]:
        _REGISTERED.append(
            Rule(
                name=name,
                description=description,
                level=level,
                kind="resource" if resource_type else "stack",
                check=check,
                resource_type=resource_type,
                config_schema=config or {},
            )
        )
        return check

    return register


@rule(
    "no-wildcard-scopes",
    "mandatory",
    resource_type=SCOPE_ASSIGNMENT,
    description="No wildcard or all-powerful scopes (*, *:*, <resource>:*, admin).",
    config={"forbiddenScopes": {**_STRINGS, "default": ["admin", "ziam:admin"]}},
)
def no_wildcard_scopes(props: Mapping[str, Any], config: Mapping[str, Any]) -> list[Violation]:
    forbidden = {s.lower() for s in config.get("forbiddenScopes", [])}
    out = []
    for scope in sorted(_scopes(props)):
        if "*" in scope:
            out.append(
                Violation(
                    f"scope {scope!r} is a wildcard; grant the specific scopes the client needs",
                    where=("scopes", scope),
                )
            )
        elif scope.lower() in forbidden:
            out.append(
                Violation(
                    f"scope {scope!r} is all-powerful (listed in forbiddenScopes); grant narrower ones",
                    where=("scopes", scope),
                )
            )
    return out


@rule(
    "scopes-in-catalog",
    "mandatory",
    resource_type=SCOPE_ASSIGNMENT,
    description="Every scope exists in the tenant's scope catalog.",
    config={"catalog": {**_STRINGS, "default": DEFAULT_CATALOG}},
)
def scopes_in_catalog(props: Mapping[str, Any], config: Mapping[str, Any]) -> list[Violation]:
    catalog = list(config.get("catalog", []))
    known_names = set(catalog)
    return [
        Violation(
            f"scope {scope!r} is not in the tenant's scope catalog{did_you_mean(scope, catalog)}",
            where=("scopes", scope),
        )
        for scope in sorted(_scopes(props))
        if scope not in known_names
    ]


@rule(
    "write-scopes-justified",
    "mandatory",
    resource_type=SCOPE_ASSIGNMENT,
    description="Write, admin and delete scopes carry a non-empty justification.",
    config={"writeMarkers": {**_STRINGS, "default": DEFAULT_WRITE_MARKERS}},
)
def write_scopes_justified(props: Mapping[str, Any], config: Mapping[str, Any]) -> list[Violation]:
    markers = config.get("writeMarkers", DEFAULT_WRITE_MARKERS)
    out = []
    for scope, metadata in sorted(_scopes(props).items()):
        if not is_write_scope(scope, markers):
            continue
        if is_unknown(metadata):
            raise UnknownValue(["scopes", scope], metadata)
        justification = metadata.get("justification") if isinstance(metadata, Mapping) else None
        if is_unknown(justification):
            raise UnknownValue(["scopes", scope, "justification"], justification)
        if not isinstance(justification, str) or not justification.strip():
            out.append(
                Violation(
                    f"scope {scope!r} can change data but has no justification; "
                    f'add scopes["{scope}"].justification (ticket, reason)',
                    where=("scopes", scope),
                )
            )
    return out


@rule(
    "read-only-purposes",
    "mandatory",
    description="Clients whose purpose is reporting, audit or monitoring hold read scopes only.",
    config={
        "readOnlyPurposes": {**_STRINGS, "default": ["reporting", "audit", "monitoring"]},
        "readMarkers": {**_STRINGS, "default": DEFAULT_READ_MARKERS},
        "writeMarkers": {**_STRINGS, "default": DEFAULT_WRITE_MARKERS},
    },
)
def read_only_purposes(resources: Sequence[Mapping[str, Any]], config: Mapping[str, Any]) -> list[Violation]:
    purposes = set(config.get("readOnlyPurposes", []))
    reads = config.get("readMarkers", DEFAULT_READ_MARKERS)
    writes = config.get("writeMarkers", DEFAULT_WRITE_MARKERS)
    clients = ClientIndex(_of_type(resources, API_CLIENT))
    out = []
    for assignment in _of_type(resources, SCOPE_ASSIGNMENT):
        client = clients.of(assignment)
        if client is None:
            continue
        purpose = known(client.get("props", {}), "purpose", "")
        if purpose not in purposes:
            continue
        for scope in sorted(_scopes(assignment.get("props", {}))):
            if not is_read_scope(scope, reads, writes):
                out.append(
                    Violation(
                        f"client {_label(client)!r} has purpose {purpose!r} and may hold read scopes only, "
                        f"but is granted {scope!r}",
                        assignment.get("urn"),
                        where=("scopes", scope),
                    )
                )
    return out


# A ClientSecret's defaults (what it does when an input is absent), and the policy's default limit.
_LIFETIME: int = SECRET_LIFETIME_DAYS.default  # type: ignore[assignment]


@rule(
    "secret-max-lifetime",
    "mandatory",
    resource_type=CLIENT_SECRET,
    description=f"A client secret lives at most maxLifetimeDays (default {_LIFETIME}).",
    config={"maxLifetimeDays": {"type": "integer", "minimum": 1, "default": _LIFETIME}},
)
def secret_max_lifetime(props: Mapping[str, Any], config: Mapping[str, Any]) -> list[Violation]:
    limit = int(config.get("maxLifetimeDays", _LIFETIME))
    lifetime = known(props, "lifetime_days", _LIFETIME)
    if isinstance(lifetime, int | float) and lifetime > limit:
        return [
            Violation(
                f"secret lifetime is {int(lifetime)} days, more than the allowed {limit}",
                where=("lifetime_days",),
            )
        ]
    return []


@rule(
    "secret-overlap-minimum",
    "mandatory",
    resource_type=CLIENT_SECRET,
    description="After a rotation the previous secret stays valid at least minimumDays (default 1), so "
    "consumers can pick up the new one before the old one is revoked.",
    config={"minimumDays": {"type": "integer", "minimum": 0, "maximum": OVERLAP_DAYS.high, "default": 1}},
)
def secret_overlap_minimum(props: Mapping[str, Any], config: Mapping[str, Any]) -> list[Violation]:
    minimum = int(config.get("minimumDays", 1))
    # A secret that declares no overlap_days was not declared by this program (or by one from before
    # overlaps existed); what it does on rotation is not known from its inputs, so it is not judged.
    overlap = known(props, "overlap_days", None)
    if isinstance(overlap, int | float) and overlap < minimum:
        return [
            Violation(
                f"overlap_days is {int(overlap)}, shorter than the required {minimum}: a rotation would "
                "revoke the secret consumers hold before they can read the new one",
                where=("overlap_days",),
            )
        ]
    return []


@rule(
    "secret-overlap-within-lifetime",
    "mandatory",
    resource_type=CLIENT_SECRET,
    description="The overlap window ends before the previous secret expires: overlap_days + marginDays "
    "is at most renew_before_days and below lifetime_days.",
    config={"marginDays": {"type": "integer", "minimum": 0, "maximum": OVERLAP_DAYS.high, "default": 0}},
)
def secret_overlap_within_lifetime(props: Mapping[str, Any], config: Mapping[str, Any]) -> list[Violation]:
    margin = int(config.get("marginDays", 0))
    overlap = known(props, "overlap_days", LEGACY_OVERLAP_DAYS)
    renew = known(props, "renew_before_days", RENEW_BEFORE_DAYS.default)
    lifetime = known(props, "lifetime_days", _LIFETIME)
    if not all(isinstance(v, int | float) for v in (overlap, renew, lifetime)):
        return []
    needed = int(overlap) + margin
    with_margin = f" + marginDays {margin}" if margin else ""
    if needed >= lifetime:
        return [
            Violation(
                f"overlap_days {int(overlap)}{with_margin} is not below lifetime_days {int(lifetime)}: the "
                "previous secret would expire before its overlap window ends",
                where=("overlap_days",),
            )
        ]
    if needed > renew:
        return [
            Violation(
                f"overlap_days {int(overlap)}{with_margin} exceeds renew_before_days {int(renew)}: a secret "
                "renewed when its renewal window opens would expire before its overlap window ends",
                where=("overlap_days",),
            )
        ]
    return []


@rule(
    "client-has-rotating-secret",
    "mandatory",
    description="Every API client has a ClientSecret in the stack, rotated on a schedule.",
    config={"requireSchedule": {"type": "boolean", "default": True}},
)
def client_has_rotating_secret(
    resources: Sequence[Mapping[str, Any]], config: Mapping[str, Any]
) -> list[Violation]:
    require_schedule = bool(config.get("requireSchedule", True))
    clients = _of_type(resources, API_CLIENT)
    index = ClientIndex(clients)
    secrets_by_client: dict[Any, list[Mapping[str, Any]]] = {}
    for secret in _of_type(resources, CLIENT_SECRET):
        client = index.of(secret)
        if client is not None:
            secrets_by_client.setdefault(client.get("urn"), []).append(secret)
    out = []
    for client in clients:
        secrets = secrets_by_client.get(client.get("urn"), [])
        if not secrets:
            out.append(
                Violation(f"client {_label(client)!r} has no ClientSecret in this stack", client.get("urn"))
            )
            continue
        if require_schedule:
            rotations = [known(s.get("props", {}), "rotation", "") for s in secrets]
            if not any(isinstance(r, str) and "schedule:" in r for r in rotations):
                out.append(
                    Violation(
                        f"the secret of client {_label(client)!r} has no rotation schedule; "
                        "set secret.rotate_every_days",
                        client.get("urn"),
                        where=("secret",),
                    )
                )
    return out


@rule(
    "client-has-owner",
    "mandatory",
    resource_type=API_CLIENT,
    description="Every API client names an owner.",
)
def client_has_owner(props: Mapping[str, Any], config: Mapping[str, Any]) -> list[Violation]:
    owner = known(props, "owner", "")
    if not isinstance(owner, str) or not owner.strip():
        return [
            Violation(
                "the client has no owner; set owner to the team or person who answers for it",
                where=("owner",),
            )
        ]
    return []


@rule(
    "max-scopes-per-client",
    "advisory",
    resource_type=SCOPE_ASSIGNMENT,
    description="A client holds at most maxScopes scopes (default 8).",
    config={"maxScopes": {"type": "integer", "minimum": 1, "default": 8}},
)
def max_scopes_per_client(props: Mapping[str, Any], config: Mapping[str, Any]) -> list[Violation]:
    limit = int(config.get("maxScopes", 8))
    count = len(_scopes(props))
    if count > limit:
        message = f"the client holds {count} scopes, more than {limit}; split it by job"
        return [Violation(message, where=("scopes",))]
    return []


@rule(
    "privileged-groups-exclusive",
    "mandatory",
    resource_type=SCIM_GROUP,
    description="Groups named as privileged (quarantine, admin) have exclusive membership.",
    config={"privilegedGroups": {**_STRINGS, "default": ["*quarantine*", "*admin*"]}},
)
def privileged_groups_exclusive(props: Mapping[str, Any], config: Mapping[str, Any]) -> list[Violation]:
    display_name = known(props, "display_name", "")
    patterns = config.get("privilegedGroups", [])
    if not isinstance(display_name, str) or not any(
        fnmatch.fnmatch(display_name.lower(), p.lower()) for p in patterns
    ):
        return []
    if known(props, "exclusive", True) is not True:
        return [
            Violation(
                f"group {display_name!r} is privileged, so its membership must be exclusive "
                "(exclusive: true), or members added by hand would stay",
                where=("exclusive",),
            )
        ]
    return []


@rule(
    "unique-client-names",
    "mandatory",
    description="No two API clients in the stack share a name.",
)
def unique_client_names(resources: Sequence[Mapping[str, Any]], config: Mapping[str, Any]) -> list[Violation]:
    first: dict[str, str] = {}
    out = []
    for client in _of_type(resources, API_CLIENT):
        name = known(client.get("props", {}), "name", None)
        if not isinstance(name, str):
            continue
        folded = name.casefold()
        if folded in first:
            out.append(
                Violation(
                    f"API client name {name!r} is also used by {first[folded]}; names must be unique",
                    client.get("urn"),
                    where=("name",),
                )
            )
        else:
            first[folded] = _label(client)
    return out


@rule(
    "client-in-stack",
    "mandatory",
    description="Every secret and scope assignment belongs to an API client declared in the stack.",
)
def client_in_stack(resources: Sequence[Mapping[str, Any]], config: Mapping[str, Any]) -> list[Violation]:
    index = ClientIndex(_of_type(resources, API_CLIENT))
    out = []
    for resource in [*_of_type(resources, CLIENT_SECRET), *_of_type(resources, SCOPE_ASSIGNMENT)]:
        if index.of(resource) is None:
            kind = "secret" if resource.get("type") == CLIENT_SECRET else "scope assignment"
            out.append(
                Violation(
                    f"{kind} {_label(resource)!r} belongs to no API client declared in this stack; "
                    "take client_id from an ApiClient of the stack",
                    resource.get("urn"),
                )
            )
    return out


RULES: tuple[Rule, ...] = tuple(_REGISTERED)
RULES_BY_NAME: dict[str, Rule] = {rule.name: rule for rule in RULES}


# --- running the rules outside the engine (scopectl report) -------------------------------------------


@dataclass(frozen=True)
class Finding:
    rule: str
    level: str  # mandatory | advisory (an unknown value during preview is always advisory)
    message: str
    urn: str | None
    # the property path inside the resource (Violation.where); not part of a finding's identity
    where: tuple[str | int, ...] = field(default=(), compare=False)


def effective(rule: Rule, policy_config: Mapping[str, Any] | None) -> tuple[str, dict[str, Any]]:
    """A rule's level and config under a Pulumi policy config document
    (`{"all": "advisory", "max-scopes-per-client": {"enforcementLevel": "mandatory", "maxScopes": 5}}`)."""
    policy_config = policy_config or {}
    level: str = rule.level
    everything = policy_config.get("all")
    if isinstance(everything, str):
        level = everything
    elif isinstance(everything, Mapping) and isinstance(everything.get("enforcementLevel"), str):
        level = everything["enforcementLevel"]  # the engine takes `"all": {"enforcementLevel": ...}` too
    given = policy_config.get(rule.name)
    if isinstance(given, str):
        return given, rule.config()
    given = dict(given or {})
    level = given.get("enforcementLevel", level)
    return level, rule.config(given)


def evaluate(
    resources: Sequence[Mapping[str, Any]], policy_config: Mapping[str, Any] | None = None
) -> list[Finding]:
    """Every rule over a stack's resources (dicts as described at the top), in the pack's order."""
    findings: list[Finding] = []
    for rule in RULES:
        level, config = effective(rule, policy_config)
        if level == "disabled":
            continue
        if level == "remediate":  # nothing to remediate automatically; the engine reports it as mandatory
            level = "mandatory"
        if rule.kind == "resource":
            for resource in _of_type(resources, rule.resource_type):
                findings += _run(rule, level, (resource.get("props", {}), config), resource.get("urn"))
        else:
            findings += _run(rule, level, (resources, config), None)
    return findings


def _run(rule: Rule, level: str, args: tuple[Any, ...], urn: str | None) -> list[Finding]:
    try:
        return [Finding(rule.name, level, v.message, v.urn or urn, v.where) for v in rule.check(*args)]
    except UnknownValue as unknown:
        return [Finding(rule.name, "advisory", f"can't run during preview: {unknown}", urn)]
