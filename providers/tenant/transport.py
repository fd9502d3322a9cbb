"""One pooled HTTP client per tenant, with retries, pacing, 401 refresh and request counting.

Everything the ZIdentity and SCIM clients send goes through `HttpTransport.request`, so retry rules,
the shared rate limiter, the request counter and secret-free errors are implemented once.

Retry rules:
- 429, 502, 503, 504 and connection errors are retried with exponential backoff + jitter, honouring
  the server's `Retry-After` (see `retry.py`), until `max_retry_wait` seconds of waiting are spent.
- A server that is not there at all (connection refused, unknown host, no answer to connect) is
  tried `UNREACHABLE_ATTEMPTS` times within about a second, then `Unreachable` names the server and
  the setting that points at it: a wrong URL must not cost a minute of backoff.
- Non-idempotent requests (creates) are re-sent only when the server cannot have applied them: a
  connect error, a 429 or a 503. A connection dropped after sending, a 502 or a 504 means the create
  may have happened; the transport raises `OutcomeUnknown` and the client recovers by lookup.
- A 401 makes the auth refresh its token once and the request is repeated.
- A read (GET, HEAD) or a DELETE is also retried on 500: a read changes nothing and a DELETE of
  what is gone counts as done, and these are what recover a create whose answer was lost (the
  lookup, and the deletion of a secret nobody holds), so one 500 must not leave the object behind.
  Other writes answered 500 fail the run; the next run converges.
"""

from __future__ import annotations

import dataclasses
import errno
import json
import logging
import random
import socket
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import httpx

from providers.tenant.deadline import Deadline
from providers.tenant.errors import (
    ApiError,
    ConnectionFailed,
    DeadlineExceeded,
    OutcomeUnknown,
    RateLimited,
    Unreachable,
    error_class_for,
)
from providers.tenant.ratelimit import RequestPacer
from providers.tenant.redact import Redactor
from providers.tenant.retry import RETRYABLE_STATUSES, RetryPolicy, retry_after_seconds
from providers.tenant.settings import TenantSettings

log = logging.getLogger("providers.tenant")

USER_AGENT = "scope-manager/0.1 (+https://github.com/pulumi/pulumi dynamic provider)"
_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
_READ_METHODS = frozenset({"GET", "HEAD", "DELETE"})
_RETRYABLE_FOR_READS = RETRYABLE_STATUSES | {500}
# No connection could be made: nothing listens, the name does not resolve, or connect got no answer.
_NEVER_CONNECTED = (httpx.ConnectError, httpx.ConnectTimeout)
# The other transport error raised before a single byte of the request reached the server (no pooled
# connection came free): always safe to re-send. `_NEVER_CONNECTED` ones are handled on their own.
_NOT_SENT = httpx.PoolTimeout
UNREACHABLE_ATTEMPTS = 3  # a server restarting gets ~1 s to come back; a wrong URL fails that fast
UNREACHABLE_WAIT = 1.0  # seconds from the first failed connect after which no new try starts
CONNECT_TIMEOUT = 5.0  # seconds; a real gateway connects in well under a second
_MESSAGE_KEYS = ("message", "detail", "reason", "error_description", "errorMessage", "error")
_CODE_KEYS = ("code", "scimType", "id", "exception", "error")


class Auth(Protocol):
    """How a request is authenticated; implemented by `tokens.ClientCredentials` and `StaticBearer`."""

    def headers(self) -> dict[str, str]: ...

    def refresh_after_401(self, used: Mapping[str, str]) -> bool:
        """Drop the credential that got a 401; True when a fresh one is worth one more try."""
        ...


class HttpTransport:
    """Pooled `httpx.Client` (keep-alive, timeouts) + retry policy + pacer + request counter."""

    def __init__(
        self,
        settings: TenantSettings,
        redactor: Redactor,
        *,
        http_transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        max_connections: int = 32,
        deadline: Deadline | None = None,
    ) -> None:
        self.redactor = redactor
        self.deadline = deadline  # one overall limit across every request and retry (scopectl --timeout)
        self.policy = RetryPolicy(max_total_wait=settings.max_retry_wait)
        self.pacer = RequestPacer(settings.rate_limit, clock=clock, sleep=sleep)
        self._sleep = sleep
        self._clock = clock
        self._settings = settings
        self._rng = rng or random.Random()
        self._count_lock = threading.Lock()
        self._count = 0
        self._counts_by_kind: dict[str, int] = {}
        self.client = httpx.Client(
            timeout=httpx.Timeout(settings.timeout, connect=min(CONNECT_TIMEOUT, settings.timeout)),
            limits=httpx.Limits(
                max_connections=max_connections,
                max_keepalive_connections=max_connections,
                keepalive_expiry=30.0,
            ),
            headers={"User-Agent": USER_AGENT},
            transport=http_transport,
            follow_redirects=False,
        )

    @property
    def request_count(self) -> int:
        """HTTP requests sent so far (every attempt: retries and token requests included)."""
        return self._count

    def count_of(self, kind: str) -> int:
        """Requests sent for one kind (`token`, `zidentity`, `scim`)."""
        return self._counts_by_kind.get(kind, 0)

    def close(self) -> None:
        self.client.close()

    def request(
        self,
        method: str,
        url: str,
        *,
        auth: Auth | None = None,
        kind: str = "api",
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        form: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        ok_statuses: frozenset[int] = frozenset(),
    ) -> httpx.Response:
        """Send with retries; return the response, or raise a `TenantError` subclass.

        Statuses >= 400 raise (mapped by `errors.error_class_for`) unless listed in `ok_statuses`.
        Each way an attempt can fail has its own rule (module docstring): `_after_no_connection`,
        `_after_lost_connection`, `_retry_answer`; each either raises or waits for the next attempt.
        """
        call = _Call.of(method, url, json_body, headers, idempotent)
        tries = _Tries(began=self._clock())
        while True:
            tries.attempt += 1
            sent_headers = self._ready_to_send(call, auth, kind, tries)
            sent_at = self._clock()
            try:
                response = self.client.request(
                    call.method,
                    url,
                    params=params,
                    content=call.content,
                    data=form,
                    headers=sent_headers,
                    timeout=self._attempt_timeout(),
                )
            except _NEVER_CONNECTED as exc:
                self._after_no_connection(exc, call, url, tries, sent_at)
                continue
            except httpx.TransportError as exc:
                self._after_lost_connection(exc, call, tries)
                continue
            log.debug("%s %s -> %s (attempt %s)", call.method, call.path, response.status_code, tries.attempt)
            if self._retry_answer(response, call, auth, sent_headers, tries):
                continue
            if response.status_code >= 400 and response.status_code not in ok_statuses:
                raise self.error_from(response, call.method, call.path)
            return response

    def _ready_to_send(self, call: _Call, auth: Auth | None, kind: str, tries: _Tries) -> dict[str, str]:
        """Wait for the pacer, take the credential and count the attempt; the deadline is checked
        before and after the wait (the pacer or a token request may have used it up)."""
        self._within_deadline(call.method, call.path, tries.attempt - 1, tries.last)
        self.pacer.acquire()
        sent_headers = {**call.headers, **(auth.headers() if auth else {})}
        self._within_deadline(call.method, call.path, tries.attempt - 1, tries.last)
        self._bump(kind)
        return sent_headers

    def _after_no_connection(
        self, exc: httpx.TransportError, call: _Call, url: str, tries: _Tries, sent_at: float
    ) -> None:
        """No connection could be made: a few quick tries within `UNREACHABLE_WAIT`, then
        `Unreachable`. Bounded in tries and in time since the first failure, so a connect that times
        out (a host that drops packets) is not tried again after it alone used the window."""
        tries.last = self._connect_failure(exc)
        self._after_timeout(exc, call.method, call.path, tries.attempt, tries.last)
        tries.failed_connects += 1
        if tries.failed_connects == 1:
            tries.first_failed_connect = sent_at  # the failed connect's own time counts
        delay = self.policy.backoff(tries.failed_connects, None, self._rng)
        since_first = self._clock() - tries.first_failed_connect
        if tries.failed_connects >= UNREACHABLE_ATTEMPTS or since_first + delay > UNREACHABLE_WAIT:
            raise self._unreachable(exc, call.method, url, call.path, tries.failed_connects) from None
        log.info("%s %s: %s; retrying in %.2fs", call.method, call.path, tries.last, delay)
        self._wait_to_retry(delay, call.method, call.path, tries.attempt, tries.last)

    def _after_lost_connection(self, exc: httpx.TransportError, call: _Call, tries: _Tries) -> None:
        """The connection failed after it was made: a create may have happened (`OutcomeUnknown`);
        anything else is sent again within the retry budget, then `ConnectionFailed`."""
        reason = f"{type(exc).__name__} (attempt {tries.attempt})"
        tries.last = _no_answer(exc)
        self._after_timeout(exc, call.method, call.path, tries.attempt, tries.last)
        if not isinstance(exc, _NOT_SENT) and not call.idempotent:
            raise OutcomeUnknown(call.method, call.path, f"connection lost after sending: {reason}") from None
        delay = self.policy.next_wait(tries.attempt, tries.waited, None, self._rng)
        if delay is None:
            spent = self._clock() - tries.began
            raise ConnectionFailed(
                call.method,
                call.path,
                f"gave up after {tries.attempt} attempts in {spent:.1f}s ({tries.waited:.1f}s of it waiting "
                f"between attempts): {reason}",
            ) from None
        log.info("%s %s: %s; retrying in %.2fs", call.method, call.path, reason, delay)
        self._wait_to_retry(delay, call.method, call.path, tries.attempt, tries.last)
        tries.waited += delay

    def _retry_answer(
        self, response: httpx.Response, call: _Call, auth: Auth | None, sent: Mapping[str, str], tries: _Tries
    ) -> bool:
        """True when this answer is worth another attempt (and the wait before it is done): a first
        401 with a credential that can be refreshed, or a retryable status within the budget. A 502
        or 504 to a create means it may have happened (`OutcomeUnknown`); a spent budget raises."""
        status = response.status_code
        if status == 401 and auth is not None and not tries.refreshed:
            tries.refreshed = True
            if auth.refresh_after_401(sent):
                return True
        if status not in call.retryable:
            return False
        if not call.idempotent and status in (502, 504):
            raise OutcomeUnknown(
                call.method, call.path, f"gateway answered {status} after sending; outcome unknown"
            )
        hint = retry_after_seconds(response)
        if status == 429:
            self.pacer.pause_for(hint if hint is not None else 0.0)
        delay = self.policy.next_wait(tries.attempt, tries.waited, hint, self._rng)
        if delay is None:
            raise self._give_up(response, call.method, call.path, tries.attempt, tries.waited, hint)
        log.info(
            "%s %s -> %s; retrying in %.2fs (attempt %s)",
            call.method,
            call.path,
            status,
            delay,
            tries.attempt,
        )
        response.close()
        tries.last = f"the last answer was {status}"
        self._wait_to_retry(delay, call.method, call.path, tries.attempt, tries.last)
        tries.waited += delay
        return True

    def json(self, response: httpx.Response) -> Any:
        """The response's JSON body. Anything else (a portal's HTML page, a proxy's text) means the
        URL does not lead to the tenant's API: an `ApiError` says so and names the setting to check,
        instead of a bare decoding error."""
        try:
            return response.json()
        except ValueError:
            request = response.request
            setting = self._settings.endpoint_setting(str(request.url))
            check = f"; is this the tenant's API? check {setting}" if setting else ""
            kind = response.headers.get("content-type") or "no content type"
            raise ApiError(
                response.status_code,
                request.method,
                request.url.path,
                f"expected a JSON body, got {len(response.content)} bytes of {kind}{check}",
            ) from None

    # -- the overall deadline -----------------------------------------------------------------------
    def _attempt_timeout(self) -> httpx.Timeout | Any:
        """This attempt's timeouts: the client's, cut to the time the deadline leaves."""
        if self.deadline is None:
            return httpx.USE_CLIENT_DEFAULT
        left = max(0.001, self.deadline.remaining())
        request_timeout = min(self._settings.timeout, left)
        return httpx.Timeout(request_timeout, connect=min(CONNECT_TIMEOUT, request_timeout))

    def _deadline_error(self, method: str, path: str, attempts: int, why: str) -> DeadlineExceeded:
        assert self.deadline is not None
        spent = self.deadline.elapsed()
        tries = f"{attempts} attempt{'s' if attempts != 1 else ''}"
        message = (
            f"timed out after {spent:.1f}s (overall deadline {self.deadline.describe()}) with no usable "
            f"answer to this request ({self.redactor.scrub(why)}; {tries})"
        )
        return DeadlineExceeded(method, path, message, elapsed=spent, limit=self.deadline.seconds)

    def _within_deadline(self, method: str, path: str, attempts: int, why: str) -> None:
        if self.deadline is not None and self.deadline.remaining() <= 0:
            raise self._deadline_error(method, path, attempts, why)

    def _after_timeout(
        self, exc: httpx.TransportError, method: str, path: str, attempts: int, why: str
    ) -> None:
        """A timeout that the deadline cut short is the deadline's, not a reason to retry."""
        deadline = self.deadline
        if deadline is not None and isinstance(exc, httpx.TimeoutException) and deadline.remaining() <= 0.05:
            raise self._deadline_error(method, path, attempts, why) from None

    def _wait_to_retry(self, delay: float, method: str, path: str, attempts: int, why: str) -> None:
        if self.deadline is not None and delay >= self.deadline.remaining():
            raise self._deadline_error(method, path, attempts, f"{why}; no time left to retry")
        self._sleep(delay)

    def now(self) -> float:
        """The transport's monotonic clock (injectable, like its sleep)."""
        return self._clock()

    def pause(self, seconds: float) -> None:
        """Sleep with the transport's (injectable) sleep."""
        if seconds > 0:
            self._sleep(seconds)

    def retry_budget(self) -> RetryBudget:
        """A fresh wait budget for a client-level retry loop (re-sending a create whose outcome was
        unknown), bounded like the transport's own retries by attempts and `max_retry_wait`."""
        return RetryBudget(self.policy, self._sleep, self._rng, self.deadline)

    def _unreachable(
        self, exc: httpx.TransportError, method: str, url: str, path: str, attempts: int
    ) -> Unreachable:
        """The error for a server we could not connect to: which server, why, and which setting
        (and where it was set) points at it. The origin drops any user:password part of the URL."""
        parsed = httpx.URL(url)
        host = f"[{parsed.host}]" if ":" in parsed.host else parsed.host  # IPv6 literal
        origin = f"{parsed.scheme}://{host}" + (f":{parsed.port}" if parsed.port else "")
        setting = self._settings.endpoint_setting(url)
        check = f"; check {setting}" if setting else ""
        message = f"cannot connect to {origin} ({self._connect_failure(exc)}; {attempts} attempts){check}"
        return Unreachable(method, path, message, origin=origin, setting=setting)

    def _connect_failure(self, exc: httpx.TransportError) -> str:
        """Why a connect failed, in words, scrubbed: the OS text could echo anything we sent."""
        return self.redactor.scrub(_connect_failure(exc))

    def _bump(self, kind: str) -> None:
        with self._count_lock:
            self._count += 1
            self._counts_by_kind[kind] = self._counts_by_kind.get(kind, 0) + 1

    def _give_up(
        self,
        response: httpx.Response,
        method: str,
        path: str,
        attempt: int,
        waited: float,
        hint: float | None,
    ) -> ApiError:
        base = self.error_from(response, method, path, retry_after=hint)
        if hint is not None and hint > self.policy.max_total_wait:
            why = f"server asked to wait {hint:g}s, more than maxRetryWait={self.policy.max_total_wait:g}s"
        else:
            why = f"gave up after {attempt} attempts and {waited:.1f}s of waiting (maxRetryWait="
            why += f"{self.policy.max_total_wait:g}s)"
        cls = type(base)
        return cls(base.status, method, path, f"{base.message} ({why})", code=base.code, retry_after=hint)

    def error_from(
        self, response: httpx.Response, method: str, path: str, *, retry_after: float | None = None
    ) -> ApiError:
        """Map an error response to an `ApiError` with the server's (redacted) message and code."""
        message, code = _describe(response)
        cls = error_class_for(response.status_code)
        if cls is RateLimited and retry_after is None:
            retry_after = retry_after_seconds(response)
        return cls(
            response.status_code,
            method,
            path,
            self.redactor.scrub(message),
            code=self.redactor.scrub(code) if code else None,
            retry_after=retry_after,
        )

    def __repr__(self) -> str:
        return f"HttpTransport(requests={self._count}, pacer={self.pacer!r})"


def _connect_failure(exc: httpx.TransportError) -> str:
    """Why a connect failed, in words: refused, unknown host, timed out, or the OS's own message."""
    if isinstance(exc, httpx.ConnectTimeout):
        return "no answer to connect (timed out)"
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, socket.gaierror):
            return "host name not found"
        if isinstance(cause, ConnectionRefusedError) or getattr(cause, "errno", None) == errno.ECONNREFUSED:
            return "connection refused: nothing listens there"
        cause = cause.__cause__ or cause.__context__
    text = str(exc).strip()
    if "Name or service not known" in text or "nodename nor servname" in text:
        return "host name not found"
    if "Connection refused" in text:
        return "connection refused: nothing listens there"
    return text or type(exc).__name__


def _no_answer(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.ReadTimeout):
        return "the server accepted the connection but sent no answer"
    if isinstance(exc, httpx.WriteTimeout):
        return "the server did not take the request"
    if isinstance(exc, httpx.PoolTimeout):
        return "no connection came free"
    return f"the connection failed ({type(exc).__name__})"


def _describe(response: httpx.Response) -> tuple[str, str | None]:
    """Best message and code from the error body formats we meet (OneAPI, ZPA, SCIM, OAuth)."""
    try:
        response.read()
        body = response.json()
    except (ValueError, httpx.HTTPError):
        text = response.text.strip() if response.content else ""
        return (text[:300] or response.reason_phrase or "error"), None
    if not isinstance(body, dict):
        return (str(body)[:300] or response.reason_phrase), None
    message = next((str(body[k]) for k in _MESSAGE_KEYS if isinstance(body.get(k), str | int)), None)
    code = next(
        (str(body[k]) for k in _CODE_KEYS if isinstance(body.get(k), str) and body[k] != message), None
    )
    return (message or response.reason_phrase or "error"), code


@dataclasses.dataclass(frozen=True)
class _Call:
    """One request as every attempt sends it: the body encoded once, and its retry rules."""

    method: str
    path: str
    content: bytes | None
    headers: dict[str, str]
    idempotent: bool
    retryable: frozenset[int]

    @classmethod
    def of(
        cls, method: str, url: str, json_body: Any, headers: Mapping[str, str] | None, idempotent: bool | None
    ) -> _Call:
        method = method.upper()
        base_headers = dict(headers or {})
        content = None
        if json_body is not None:
            content = json.dumps(json_body).encode()
            base_headers.setdefault("Content-Type", "application/json")
        return cls(
            method=method,
            path=httpx.URL(url).path,
            content=content,
            headers=base_headers,
            idempotent=method in _IDEMPOTENT_METHODS if idempotent is None else idempotent,
            retryable=_RETRYABLE_FOR_READS if method in _READ_METHODS else RETRYABLE_STATUSES,
        )


@dataclasses.dataclass
class _Tries:
    """What the attempts of one request have used so far."""

    began: float
    attempt: int = 0
    waited: float = 0.0  # seconds slept between attempts (what `maxRetryWait` bounds)
    refreshed: bool = False  # the credential was refreshed after a 401 (once per request)
    failed_connects: int = 0
    first_failed_connect: float = 0.0
    last: str = "not sent yet"  # the last failure, in words, for a deadline error


class RetryBudget:
    """Backoff for one client-level retry loop; `wait()` is False once the budget is spent."""

    def __init__(
        self,
        policy: RetryPolicy,
        sleep: Callable[[float], None],
        rng: random.Random,
        deadline: Deadline | None = None,
    ) -> None:
        self._policy, self._sleep, self._rng, self._deadline = policy, sleep, rng, deadline
        self.attempts = 0
        self.waited = 0.0

    def wait(self) -> bool:
        """Sleep before the next attempt; False (without sleeping) when attempts or time run out."""
        self.attempts += 1
        delay = self._policy.next_wait(self.attempts, self.waited, None, self._rng)
        if delay is None:
            return False
        if self._deadline is not None and delay >= self._deadline.remaining():
            return False
        self._sleep(delay)
        self.waited += delay
        return True
