"""Defaults and bounds of secrets and access tokens: the one copy the model, the providers, the policy
pack and scopectl import.

The access model's JSON Schema (``access_model/schema.json``) repeats some of these numbers because it
is data users read; ``tests/common/test_limits.py`` keeps the two equal.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bounded:
    """A whole-number setting: its default (None: no default), inclusive bounds and unit."""

    default: int | None
    low: int
    high: int
    unit: str


SECONDS_PER_DAY = 86_400

SECRET_LIFETIME_DAYS = Bounded(default=90, low=30, high=365, unit="days")
"""How long a new client secret is valid."""

RENEW_BEFORE_DAYS = Bounded(default=14, low=0, high=SECRET_LIFETIME_DAYS.high - 1, unit="days")
"""Days before expiry at which a secret is due for renewal. The resource accepts 0 (renew only once
expired); the access model asks for at least ``MODEL_MIN_RENEW_BEFORE_DAYS``."""

MODEL_MIN_RENEW_BEFORE_DAYS = 1
"""The access model's lower bound for ``renew_before_days``: a stack renews before expiry, never after."""

OVERLAP_DAYS = Bounded(default=7, low=0, high=60, unit="days")
"""Days the previous secret stays valid after a rotation. The model's default is shortened to fit the
renewal window and the schedule (``access_model.validation.default_overlap_days``)."""

LEGACY_OVERLAP_DAYS = 0
"""``overlap_days`` of a ``ClientSecret`` that declares none: state written before overlaps existed,
whose rotations revoked the old secret at once."""

ROTATE_EVERY_DAYS = Bounded(default=None, low=1, high=SECRET_LIFETIME_DAYS.high, unit="days")
"""A scheduled rotation's period; no schedule by default."""

ACCESS_TOKEN_LIFETIME = Bounded(default=3600, low=60, high=86_400, unit="seconds")
"""Seconds an access token issued to a client stays valid (the tenant's bounds)."""

CLIENT_NAME_MAX_LENGTH = 255
"""Characters in an API client's name: what the tenant accepts, so every client it holds can be declared
(and exported)."""

CLIENT_DESCRIPTION_MAX_LENGTH = 4096
"""Characters in an API client's description (the tenant's limit)."""

MAX_SECRETS_PER_CLIENT = 2
"""The API's cap: a third secret silently replaces the most recent one."""

EXPORT_ROTATE_EVERY_DAYS = SECRET_LIFETIME_DAYS.default - RENEW_BEFORE_DAYS.default  # type: ignore[operator]
"""The schedule `scopectl export` gives every client: rotated just before the renewal window opens, so
the window never forces a second rotation in one period (what the policy pack accepts)."""
