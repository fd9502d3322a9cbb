"""``zidentity:ClientSecret``: the current secret of one API client, rotated by planned replacement.

Rotation is a replacement so it shows in a plan: ``diff`` answers ``replaces=["rotation"]`` when the
``rotation`` input changed and ``replaces=["expires_at"]`` when the live secret is expired, missing or
within ``renew_before_days`` of expiry (``common.rotation.rotation_due``, where every rotation decision
lives). The engine then creates the new secret first;
``create`` proves it by obtaining an access token with it (verify before revoke: if it cannot, the new
secret is deleted again and nothing older is touched). The old secret is not revoked by this resource
when ``overlap_days`` > 0: it becomes the client's *previous* secret, which ``zidentity:PreviousSecret``
(``providers/previous_secret.py``) keeps valid for the overlap window and revokes in a later run.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import pulumi
from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, Resource, UpdateResult
from pulumi.runtime import rpc

from common.limits import (
    LEGACY_OVERLAP_DAYS,
    MAX_SECRETS_PER_CLIENT,
    OVERLAP_DAYS,
    RENEW_BEFORE_DAYS,
    SECONDS_PER_DAY,
    SECRET_LIFETIME_DAYS,
)
from common.rotation import iso_utc, rotation_due
from providers import _inputs as p
from providers._base import TenantProvider, without_provider_key
from providers._check import Inputs, is_unknown
from providers._verify import verify_secret
from providers.clock import evaluation_time
from providers.tenant import NotFound

TABLE = p.InputTable(
    # A known client_id that changes replaces the secret; an unknown one (the client itself is being
    # updated in a preview) never does: guessing "replace" would plan a rotation that never runs.
    p.name("client_id", replace=True),
    p.integer("lifetime_days", SECRET_LIFETIME_DAYS),
    p.integer("renew_before_days", RENEW_BEFORE_DAYS),
    # A new rotation value rotates; so does one still unknown in a preview (it is derived to change).
    p.string("rotation", replace=True, unknown_replaces=True),
    # State written before overlap_days existed has no such input; 0 is what those runs did.
    p.integer("overlap_days", OVERLAP_DAYS, default=LEGACY_OVERLAP_DAYS),
    p.output("secret_id"),
    p.output("value", secret=True),
    p.output("expires_at"),
    p.output("created_at"),
)
"""The resource's properties (``providers._inputs``); rotation due by expiry is ``replace_reasons``."""

INPUT_KEYS = TABLE.input_names
SETTINGS = TABLE.settings
"""The inputs that do not replace the secret (lifetime, renewal window, overlap): they change nothing
in the tenant and apply from the next rotation on."""
REASON_ORDER = ("rotation", "client_id", "expires_at")
"""The order replace reasons are reported in: what a person changed first, the expiry last."""


def _whole(inputs: Inputs, key: str) -> int | None:
    """The checked value of an integer input, when it is one (not unknown, not malformed)."""
    value = inputs.values.get(key)
    return value if type(value) is int else None


def renew_before_lifetime(inputs: Inputs) -> None:
    lifetime, renew_before = _whole(inputs, "lifetime_days"), _whole(inputs, "renew_before_days")
    if lifetime is not None and renew_before is not None and renew_before >= lifetime:
        inputs.fail(
            "renew_before_days",
            f"renew_before_days ({renew_before}) must be less than lifetime_days ({lifetime}), or "
            "every new secret would be due for rotation at once",
        )


def overlap_within_renewal(inputs: Inputs) -> None:
    overlap, renew_before = _whole(inputs, "overlap_days"), _whole(inputs, "renew_before_days")
    if overlap is not None and renew_before is not None and overlap > renew_before:
        inputs.fail(
            "overlap_days",
            f"overlap_days ({overlap}) must be at most renew_before_days ({renew_before}): a secret "
            "renewed when its renewal window opens expires before the overlap would end",
        )


CROSS_FIELD_RULES = (renew_before_lifetime, overlap_within_renewal)


def replace_reasons(olds: Mapping[str, Any], news: Mapping[str, Any], now: float) -> list[str]:
    """Why the secret must be replaced: ``rotation``, ``client_id`` (the table's replace-on-change
    inputs), ``expires_at`` (rotation due, ``common.rotation``); empty: it stays."""
    reasons = TABLE.replaces(olds, news)
    renew_before = news.get("renew_before_days")
    if is_unknown(renew_before) or renew_before is None:
        renew_before = olds.get("renew_before_days") or 0
    if rotation_due(olds.get("expires_at"), int(renew_before), now):
        reasons.append("expires_at")
    return sorted(reasons, key=REASON_ORDER.index)


def _outputs(inputs: Mapping[str, Any], record: Mapping[str, Any], value: str) -> dict[str, Any]:
    return {
        **{key: inputs.get(key) for key in INPUT_KEYS},
        "secret_id": str(record["id"]),
        "value": rpc.wrap_rpc_secret(value),
        "expires_at": iso_utc(record["expiresAt"]) if record.get("expiresAt") else "",
        "created_at": iso_utc(record["createdAt"]) if record.get("createdAt") else "",
    }


class ClientSecretProvider(TenantProvider):
    """CRUD for ``zidentity:ClientSecret``. Stable API: state pickles this class by module and name."""

    table = TABLE

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        return TABLE.check(news, CROSS_FIELD_RULES).result()

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        reasons = replace_reasons(olds, news, evaluation_time())
        if reasons:
            return DiffResult(changes=True, replaces=reasons, delete_before_replace=False)
        settings_changed = TABLE.changed(olds, news, SETTINGS)
        return DiffResult(changes=settings_changed, replaces=[], delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        client_id = str(props["client_id"])
        zidentity = self.tenant.zidentity
        # No request when this process created the client itself (it has no secret yet).
        live = zidentity.secrets_of(client_id)
        if len(live) >= MAX_SECRETS_PER_CLIENT:
            # A rotation inside an overlap window (a manual one: validation keeps schedules apart).
            # Creating now would make the tenant drop the *newest* secret, the one consumers moved to;
            # revoking the oldest instead ends that window early and keeps the current secret.
            oldest = min(live, key=lambda s: (int(s.get("createdAt") or 0), str(s.get("id"))))
            zidentity.delete_secret(client_id, str(oldest["id"]))
        expires_at = int(time.time()) + int(props["lifetime_days"]) * SECONDS_PER_DAY
        record = zidentity.create_secret(client_id, expires_at)
        # The client's first secret is not proved with a token request: no older secret exists that a
        # failed proof would protect (verify before revoke, docs/providers.md).
        if live:
            self._prove(client_id, record)
        return CreateResult(str(record["id"]), _outputs(props, record, str(record["value"])))

    def _prove(self, client_id: str, record: dict[str, Any]) -> None:
        """Obtain a token with the new secret before anything older goes; if it cannot, delete it."""
        try:
            verify_secret(
                self.tenant,
                client_id,
                str(record["value"]),
                "the new secret",
                "it was deleted again and nothing older was revoked; the next `pulumi up` tries again",
            )
        except Exception:
            # Not in state (the create fails), so it must not stay in the tenant: it would count
            # against the two-secret cap and never be revoked.
            self.tenant.zidentity.delete_secret(client_id, str(record["id"]))
            raise

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        client_id = str(props.get("client_id") or "")
        try:
            secrets = self.tenant.zidentity.list_secrets(client_id)
        except NotFound:
            return ReadResult("", {})  # the client is gone, and its secrets with it
        value = rpc.unwrap_rpc_secret(props.get("value")) or ""
        live = next((s for s in secrets if str(s.get("id")) == id_), None)
        # A secret deleted out of band stays in state with no expiry, so the next plan replaces it.
        record = live if live is not None else {"id": id_}
        return ReadResult(id_, _outputs(props, record, value))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        # Only lifetime_days/renew_before_days changed: they apply from the next rotation on.
        outputs = without_provider_key(olds)
        outputs.update({key: news.get(key) for key in INPUT_KEYS})
        outputs["value"] = rpc.wrap_rpc_secret(rpc.unwrap_rpc_secret(olds.get("value")) or "")
        return UpdateResult(outputs)

    def _live(self, client_id: str) -> list[dict[str, Any]]:
        """The client's secrets; none when the client is gone (its secrets went with it)."""
        try:
            return self.tenant.zidentity.list_secrets(client_id)
        except NotFound:
            return []

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        client_id = str(props.get("client_id") or "")
        if int(props.get("overlap_days") or 0) > 0 and _newer_secret_exists(self._live(client_id), id_):
            # Replaced by a rotation: this secret is now the client's previous one, kept valid for the
            # overlap window and revoked by its PreviousSecret resource in a later run.
            return
        self.tenant.zidentity.delete_secret(client_id, id_)


def _newer_secret_exists(live: list[dict[str, Any]], id_: str) -> bool:
    """Whether the client holds another secret at least as new as secret `id_` (which must be live)."""
    if not live:
        return False
    mine = next((s for s in live if str(s.get("id")) == id_), None)
    if mine is None:
        return False
    created = int(mine.get("createdAt") or 0)
    return any(str(s.get("id")) != id_ and int(s.get("createdAt") or 0) >= created for s in live)


class ClientSecret(Resource, module="zidentity", name="ClientSecret"):
    """A client secret (type ``pulumi-python:dynamic/zidentity:ClientSecret``).

    Replaced (new secret first, verified with a token request) when ``rotation`` changes or when the
    live secret is expired, missing or within ``renew_before_days`` of expiry. With ``overlap_days`` >
    0 the replaced secret stays valid as the client's previous secret (see ``PreviousSecret``).
    ``value`` is a Pulumi secret.
    """

    secret_id: pulumi.Output[str]
    value: pulumi.Output[str]
    """The plaintext secret (a Pulumi secret; the tenant shows it only once, at creation)."""
    expires_at: pulumi.Output[str]
    """ISO 8601 UTC time at which the tenant stops accepting the secret."""
    created_at: pulumi.Output[str]

    def __init__(
        self, resource_name: str, *, opts: pulumi.ResourceOptions | None = None, **inputs: Any
    ) -> None:
        """Inputs as declared in ``TABLE`` (each is also an output of the same name):
        ``client_id`` required; ``lifetime_days``, ``renew_before_days``, ``rotation``,
        ``overlap_days`` default as the table says."""
        props = TABLE.props(**inputs)
        options = TABLE.options(opts, delete_before_replace=False)  # the new secret first, always
        super().__init__(ClientSecretProvider(), resource_name, props, options)
