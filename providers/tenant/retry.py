"""When to retry and how long to wait: `Retry-After` in every spelling the Zscaler APIs send.

Spellings seen on real traffic (reference zscaler-api.md §4.3): header `retry-after: 1` (ZIA),
`retry-after: 4s` / `13s` (ZPA), body `{"Retry-After": "1 seconds"}` or `"0 seconds"` (ZIA, Cloud
Connector), and `x-ratelimit-reset: 1` (OneAPI gateway). HTTP-dates are also legal (RFC 9110).
Without a hint we fall back to exponential backoff with jitter.
"""

from __future__ import annotations

import dataclasses
import email.utils
import json
import random
import re
import time

import httpx

RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})
_SECONDS = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:s|sec|secs|second|seconds)?\s*$", re.IGNORECASE)
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def parse_retry_after_value(value: object, now: float | None = None) -> float | None:
    """Seconds to wait from one `Retry-After` value (`1`, `4s`, `"1 seconds"`, an HTTP-date)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return max(0.0, float(value))
    text = str(value).strip()
    match = _SECONDS.match(text)
    if match:
        return float(match.group(1))
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def retry_after_seconds(response: httpx.Response) -> float | None:
    """The server's wait hint from headers, then the JSON body, then `x-ratelimit-reset`."""
    header = response.headers.get("retry-after")
    if header is not None:
        parsed = parse_retry_after_value(header)
        if parsed is not None:
            return parsed
    body_hint = _body_retry_after(response)
    if body_hint is not None:
        return body_hint
    reset = response.headers.get_list("x-ratelimit-reset")
    numbers = [float(n) for value in reset for n in _NUMBER.findall(value)]
    if numbers:
        return max(numbers)
    return None


def _body_retry_after(response: httpx.Response) -> float | None:
    if "json" not in response.headers.get("content-type", "") and not response.content.startswith(b"{"):
        return None
    try:
        body = json.loads(response.content)
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    for key, value in body.items():
        if key.lower().replace("_", "-") == "retry-after":
            return parse_retry_after_value(value)
    return None


@dataclasses.dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter under a bounded total wait.

    `max_total_wait` bounds the sleeping done for one logical request (not counting the client-side
    rate limiter): when the next wait would cross it, the caller gives up with a clear error instead.
    """

    max_attempts: int = 8
    max_total_wait: float = 60.0
    base_delay: float = 0.25
    max_delay: float = 15.0

    def next_wait(self, attempt: int, waited: float, hint: float | None, rng: random.Random) -> float | None:
        """The wait before retry number `attempt`, or None when the budget is spent: `max_attempts`
        reached, or the wait would take the total slept (`waited`) past `max_total_wait`. The one
        budget rule for the transport's retries and the clients' own retry loops (`RetryBudget`)."""
        if attempt >= self.max_attempts:
            return None
        delay = self.backoff(attempt, hint, rng)
        if waited + delay > self.max_total_wait:
            return None
        return delay

    def backoff(self, attempt: int, hint: float | None, rng: random.Random) -> float:
        """Delay before retry number `attempt` (1-based), honouring the server's hint as a floor."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        jittered = rng.uniform(ceiling / 2, ceiling)
        if hint is None:
            return jittered
        # The hint is a floor (a little jitter so many threads told "1 s" do not return together);
        # repeated 429s still back off exponentially above it.
        return max(hint + rng.uniform(0, min(0.25, self.base_delay)), jittered)
