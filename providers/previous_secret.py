"""``zidentity:PreviousSecret``: the overlap window of one client's rotations, and its revocation.

A rotation replaces the client's ``ClientSecret`` (a planned ``replace``); this resource takes the
current secret from that resource's outputs and, when the id it receives changes, keeps the secret it
held before as the client's *previous* secret: still valid, published with its revoke date, until
``overlap_days`` after the rotation day. The first run on or after that day revokes it, after the current
secret has obtained an access token (verify before revoke). Why a second resource and not a second
secret inside ``ClientSecret``: a replacement's ``create`` sees only the new inputs, never the old
outputs, so the previous *value* can only survive in a resource that is updated, not replaced
(docs/providers.md, "Rotation with an overlap").

Inputs the program sets: ``client_id``, ``client_key`` (the model's name, for messages),
``overlap_days``, and the current secret's ``current_secret_id``, ``current_value`` (secret) and
``current_expires_at``. ``check`` derives three more from the stored inputs and the day
(``providers.clock``), so a preview shows them as changes of this resource:

- ``previous_secret_id``: the secret that was current before the last rotation ("" before any);
- ``previous_revoke_on``: ``YYYY-MM-DD``, the rotation day plus ``overlap_days``;
- ``previous``: what happens to it, in words: ``valid until 2027-03-08 (overlap of 7 days)`` or
  ``previous secret of `reporting` will be revoked: overlap ended on 2027-03-08``.

Outputs add ``previous_value`` (secret), ``previous_expires_at`` and ``previous_live`` (false once
revoked). Never more than two secrets: the previous one and the current one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pulumi
from pulumi.dynamic import CheckResult, CreateResult, DiffResult, ReadResult, Resource, UpdateResult
from pulumi.runtime import rpc

from common.limits import OVERLAP_DAYS
from common.rotation import overlap_ended, revoke_on
from providers import _inputs as p
from providers._base import TenantProvider, without_provider_key
from providers._check import is_unknown
from providers._verify import evaluation_date, verify_secret
from providers.tenant import NotFound

TABLE = p.InputTable(
    p.name("client_id"),
    p.name("client_key"),
    p.integer("overlap_days", OVERLAP_DAYS),
    p.keep("current_secret_id"),
    # The value and expiry follow current_secret_id: a change of them alone is no rotation.
    p.keep("current_value", secret=True, diffed=False),
    p.keep("current_expires_at", diffed=False),
    p.derived("previous_secret_id"),
    p.derived("previous_revoke_on"),
    p.derived("previous"),
    p.output("previous_value", secret=True),
    p.output("previous_expires_at"),
    p.output("previous_live"),
)
"""The resource's properties (``providers._inputs``). Never replaced: it must keep the old value."""

PROGRAM_KEYS = TABLE.input_names
DERIVED_KEYS = TABLE.names("derived")
COMPARED_KEYS = (*TABLE.diffed_inputs, *DERIVED_KEYS)


def previous_note(client_key: str, revoke_day: str, overlap_days: int, today: dt.date) -> str:
    """The `previous` input: what happens to the previous secret, as a preview shows it."""
    if overlap_ended(revoke_day, today):
        return f"previous secret of `{client_key}` will be revoked: overlap ended on {revoke_day}"
    return f"valid until {revoke_day} (overlap of {overlap_days} days)"


def derive_previous(olds: Mapping[str, Any], news: Mapping[str, Any], today: dt.date) -> dict[str, str]:
    """`previous_secret_id`, `previous_revoke_on` and `previous` for new inputs `news`, given the stored
    inputs `olds`: a current secret id that changed (or is unknown in a preview of a rotation) makes the
    old current secret the previous one, with a window starting `today`."""
    old_current = str(olds.get("current_secret_id") or "")
    new_current = news.get("current_secret_id")
    previous_id = str(olds.get("previous_secret_id") or "")
    revoke_day = str(olds.get("previous_revoke_on") or "")
    overlap = news.get("overlap_days")
    overlap = int(overlap) if isinstance(overlap, int) and not isinstance(overlap, bool) else 0
    if old_current and (is_unknown(new_current) or str(new_current or "") != old_current):
        previous_id, revoke_day = old_current, revoke_on(today, overlap).isoformat()
    if not previous_id:
        return {"previous_secret_id": "", "previous_revoke_on": "", "previous": ""}
    key = news.get("client_key")
    label = key if isinstance(key, str) and not is_unknown(key) else "client"
    return {
        "previous_secret_id": previous_id,
        "previous_revoke_on": revoke_day,
        "previous": previous_note(label, revoke_day, overlap, today),
    }


def _plain(value: Any) -> str:
    return str(rpc.unwrap_rpc_secret(value) or "")


class PreviousSecretProvider(TenantProvider):
    """CRUD for ``zidentity:PreviousSecret``. Stable API: state pickles this class by module and name."""

    table = TABLE

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        inputs = TABLE.check(news)
        inputs.values.update(derive_previous(olds, inputs.values, evaluation_date()))
        return CheckResult(inputs.values, inputs.failures)

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = any(
            is_unknown(news.get(key)) or (olds.get(key) or "") != (news.get(key) or "")
            for key in COMPARED_KEYS
        )
        due = bool(olds.get("previous_live")) and overlap_ended(
            str(olds.get("previous_revoke_on") or ""), evaluation_date()
        )
        return DiffResult(changes=changed or due, replaces=[], delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        outputs = self._settle(props, {})
        return CreateResult(f"{props['client_id']}-previous", outputs)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        outputs = without_provider_key(props)
        if outputs.get("previous_live"):
            try:
                live = {str(s.get("id")) for s in self.tenant.zidentity.list_secrets(str(props["client_id"]))}
            except NotFound:
                live = set()
            if str(outputs.get("previous_secret_id") or "") not in live:
                outputs.update(previous_live=False, previous_value=rpc.wrap_rpc_secret(""))  # revoked by hand
        return ReadResult(id_, outputs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(self._settle(news, without_provider_key(olds)))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        # The stack stops managing the client's secrets (destroy): the previous one goes too; the
        # current one is revoked by its ClientSecret.
        if props.get("previous_live") and props.get("previous_secret_id"):
            self.tenant.zidentity.delete_secret(str(props["client_id"]), str(props["previous_secret_id"]))

    def _settle(self, news: Mapping[str, Any], olds: Mapping[str, Any]) -> dict[str, Any]:
        """The new outputs: carry the previous secret's value over from where it was held before (the old
        current secret or the old previous one), then revoke it if its window has ended."""
        outputs = {key: news.get(key) for key in (*PROGRAM_KEYS, *DERIVED_KEYS)}
        previous_id = str(news.get("previous_secret_id") or "")
        value, expires_at, live = "", "", False
        if previous_id and previous_id == str(olds.get("current_secret_id") or ""):
            value, expires_at = _plain(olds.get("current_value")), olds.get("current_expires_at") or ""
            live = True
        elif previous_id and previous_id == str(olds.get("previous_secret_id") or ""):
            value, expires_at = _plain(olds.get("previous_value")), olds.get("previous_expires_at") or ""
            live = bool(olds.get("previous_live"))
        if live and overlap_ended(str(news.get("previous_revoke_on") or ""), evaluation_date()):
            client_id = str(news["client_id"])
            verify_secret(
                self.tenant,
                client_id,
                _plain(news.get("current_value")),
                "the current secret",
                f"the previous secret ({previous_id}) was not revoked; the next `pulumi up` tries again",
            )
            self.tenant.zidentity.delete_secret(client_id, previous_id)
            value, live = "", False
        outputs.update(
            current_value=rpc.wrap_rpc_secret(_plain(news.get("current_value"))),
            previous_value=rpc.wrap_rpc_secret(value),
            previous_expires_at=expires_at,
            previous_live=live,
        )
        return outputs


class PreviousSecret(Resource, module="zidentity", name="PreviousSecret"):
    """The previous secret of a client during its overlap window (type
    ``pulumi-python:dynamic/zidentity:PreviousSecret``); ``previous_value`` is a Pulumi secret."""

    current_secret_id: pulumi.Output[str]
    current_value: pulumi.Output[str]
    current_expires_at: pulumi.Output[str]
    previous_secret_id: pulumi.Output[str]
    """The secret that was current before the last rotation; "" before the first rotation."""
    previous_revoke_on: pulumi.Output[str]
    """YYYY-MM-DD: the first run on or after this day revokes the previous secret."""
    previous: pulumi.Output[str]
    previous_value: pulumi.Output[str]
    """The previous secret's value while it is live (a Pulumi secret); "" once revoked."""
    previous_expires_at: pulumi.Output[str]
    previous_live: pulumi.Output[bool]

    def __init__(
        self, resource_name: str, *, opts: pulumi.ResourceOptions | None = None, **inputs: Any
    ) -> None:
        """Inputs as declared in ``TABLE`` (each is also an output of the same name):
        ``client_id`` and ``client_key`` required; the current secret's id, value and
        expiry come from the ``ClientSecret``."""
        props = TABLE.props(**inputs)
        super().__init__(PreviousSecretProvider(), resource_name, props, TABLE.options(opts))
