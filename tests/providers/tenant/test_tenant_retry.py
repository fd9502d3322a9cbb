"""Retry-After parsing in every spelling the Zscaler APIs send, and the backoff built on it."""

from __future__ import annotations

import email.utils
import random
import time

import httpx
import pytest

from providers.tenant import RetryPolicy, parse_retry_after_value, retry_after_seconds


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("1", 1.0),
        ("4s", 4.0),
        ("13s", 13.0),
        ("1 seconds", 1.0),
        ("0 seconds", 0.0),
        (" 2.5 ", 2.5),
        (3, 3.0),
    ],
)
def test_retry_after_spellings(value, seconds):
    assert parse_retry_after_value(value) == seconds


def test_retry_after_http_date():
    now = time.time()
    date = email.utils.formatdate(now + 30, usegmt=True)
    assert parse_retry_after_value(date, now=now) == pytest.approx(30, abs=1)


@pytest.mark.parametrize("value", ["soon", "", None, True, "-"])
def test_unusable_retry_after_values_are_ignored(value):
    assert parse_retry_after_value(value) is None


def response(status=429, headers=(), json=None):
    return httpx.Response(status, headers=list(headers), json=json)


def test_header_wins_over_body():
    assert (
        retry_after_seconds(response(headers=[("Retry-After", "4s")], json={"Retry-After": "1 seconds"})) == 4
    )


def test_zia_body_spelling_without_header():
    body = {"message": "Rate Limit (1/SECOND) exceeded", "Retry-After": "0 seconds"}
    assert retry_after_seconds(response(json=body)) == 0


def test_gateway_reset_header_is_the_fallback_even_when_repeated():
    reply = response(headers=[("x-ratelimit-reset", "1"), ("x-ratelimit-reset", "3")])
    assert retry_after_seconds(reply) == 3


def test_no_hint_at_all():
    assert retry_after_seconds(response(json={"reason": "busy"})) is None


def test_backoff_grows_exponentially_with_jitter_and_honours_the_hint_as_a_floor():
    policy = RetryPolicy(base_delay=0.5, max_delay=8)
    rng = random.Random(1)
    plain = [policy.backoff(n, None, rng) for n in range(1, 7)]
    for attempt, delay in enumerate(plain, start=1):
        ceiling = min(8, 0.5 * 2 ** (attempt - 1))
        assert ceiling / 2 <= delay <= ceiling
    assert all(policy.backoff(1, 4.0, rng) >= 4.0 for _ in range(20))
    assert all(policy.backoff(1, 4.0, rng) <= 4.25 for _ in range(20))
