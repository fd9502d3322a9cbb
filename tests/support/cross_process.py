"""Rounds of concurrent updates of one API client from separate provider processes.

Shared by ``tests/providers/test_concurrency_cross_process.py`` (a few rounds) and
``bench/concurrency_cross_process.py`` (the 30-round campaign). Each writer is its own OS process
with its own provider instance, ``Tenant``, token and per-client lock, exactly what two stacks or two
CI jobs are: nothing is shared but the tenant (the emulator, over loopback). In a round, 2-8 of them
call ``ApiClientProvider.update`` or ``ScopeAssignmentProvider.update`` on the same client at the same
moment (a barrier), each with the state as it was before the round (``olds``) and one declared
change (``news``):

- ``description``, ``name``, ``access_token_lifetime``, ``enabled``: an ``ApiClient`` update of that
  field alone (two stacks managing different settings of one client);
- ``scopes``: a ``ScopeAssignment`` update to a scope set of its own.

Past five writers a field gets a second writer with a different value (two stacks disagreeing).

Afterwards the client is read and every writer judged:

- **landed**: its value is what the tenant holds;
- **failed with conflict**: its update raised ``ConcurrentUpdate`` naming its field;
- **superseded**: it succeeded, and the tenant holds the other writer's value of the *same* field
  (the later of two writes of one field wins; that is not a lost update);
- **silent revert**: it succeeded, but its field holds a value no writer of the round wrote (the one
  from before the round, put back by someone's stale full replace). Must be 0.

Anything else a writer raises is an error and is reported with its message.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.synchronize
import queue
import random
import types
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

WORKERS = 8
ROLES = (
    "description",
    "scopes",
    "access_token_lifetime",
    "enabled",
    "name",
    "description",
    "scopes",
    "access_token_lifetime",
)
SCOPE_SETS = (
    ["scim:read"],
    ["scim:read", "connector:read"],
    ["connector:read", "sync:profile:read"],
    ["scim:read", "scim:write"],
    ["ziam:read"],
)
CLIENT_ITEM_ROUTE = "/ziam/admin/api/v1/api-clients/{id}"
RESULT_TIMEOUT_S = 120.0


@dataclass
class Outcome:
    writer: int
    role: str
    value: Any
    error: str | None = None  # None: the update returned
    error_type: str | None = None
    verdict: str = ""


@dataclass
class RoundResult:
    number: int
    outcomes: list[Outcome]
    final: dict[str, Any]

    def count(self, verdict: str) -> int:
        return sum(outcome.verdict == verdict for outcome in self.outcomes)


@dataclass
class Campaign:
    rounds: list[RoundResult] = field(default_factory=list)
    requests: dict[str, int] = field(default_factory=dict)

    def total(self, verdict: str) -> int:
        return sum(r.count(verdict) for r in self.rounds)

    @property
    def writers(self) -> int:
        return sum(len(r.outcomes) for r in self.rounds)


# -- the writer processes ------------------------------------------------------------------------------


def _writer_main(
    index: int,
    credentials: dict[str, str],
    tasks: multiprocessing.Queue,
    results: multiprocessing.Queue,
    barrier: multiprocessing.synchronize.Barrier,
) -> None:
    """One provider process: configured once, then one update (or none) per round."""
    from providers._base import config_from_credentials
    from providers.api_client import ApiClientProvider
    from providers.scope_assignment import ScopeAssignmentProvider

    request = types.SimpleNamespace(config=config_from_credentials(credentials))
    clients, scopes = ApiClientProvider(), ScopeAssignmentProvider()
    clients.configure(request)  # type: ignore[arg-type]
    scopes.configure(request)  # type: ignore[arg-type]
    scopes.tenant.zidentity.catalog()  # token and catalog before the first round, as a warm plugin has
    while True:
        task = tasks.get()
        if task is None:
            return
        barrier.wait()
        if task == "idle":
            continue
        kind, client_id, olds, news = task
        provider = scopes if kind == "scopes" else clients
        try:
            provider.update(client_id, olds, news)
        except Exception as error:  # reported to the parent, which judges it
            results.put((index, type(error).__name__, str(error)))
        else:
            results.put((index, None, None))


class Writers:
    """``WORKERS`` provider processes, started once and reused by every round."""

    def __init__(self, credentials: dict[str, str]) -> None:
        context = multiprocessing.get_context("spawn")
        self._barrier = context.Barrier(WORKERS)
        self._results: multiprocessing.Queue = context.Queue()
        self._tasks = [context.Queue() for _ in range(WORKERS)]
        self._processes = [
            context.Process(
                target=_writer_main,
                args=(index, credentials, self._tasks[index], self._results, self._barrier),
                daemon=True,
            )
            for index in range(WORKERS)
        ]
        for process in self._processes:
            process.start()

    def run(self, tasks: dict[int, tuple[str, str, dict[str, Any], dict[str, Any]]]) -> dict[int, tuple]:
        """Give writer i ``tasks[i]`` (the others sit the round out); all start at one barrier."""
        for index in range(WORKERS):
            self._tasks[index].put(tasks.get(index, "idle"))
        got: dict[int, tuple] = {}
        while len(got) < len(tasks):
            try:
                index, error_type, message = self._results.get(timeout=RESULT_TIMEOUT_S)
            except queue.Empty:
                raise RuntimeError(f"writers did not answer within {RESULT_TIMEOUT_S:g}s") from None
            got[index] = (error_type, message)
        return got

    def close(self) -> None:
        for tasks in self._tasks:
            tasks.put(None)
        for process in self._processes:
            process.join(30)
            if process.is_alive():
                process.kill()
                process.join(5)


@contextmanager
def writers(credentials: dict[str, str]) -> Iterator[Writers]:
    pool = Writers(credentials)
    try:
        yield pool
    finally:
        pool.close()


# -- rounds ----------------------------------------------------------------------------------------------


def _scope_names(record: dict[str, Any], catalog: dict[str, str]) -> list[str]:
    return sorted(
        catalog.get(str(s.get("id")), str(s.get("id")))
        for r in record.get("clientResources") or []
        for s in r.get("selectedScopes") or []
    )


def _catalog(admin: httpx.Client) -> dict[str, str]:
    servers = admin.get("/resource-servers", params={"limit": 1000}).json()
    records = servers.get("records", servers) if isinstance(servers, dict) else servers
    return {
        str(scope["id"]): str(scope["name"])
        for server in records
        for group in server.get("serviceScopes") or []
        for scope in group.get("scopes") or []
    }


def _state(record: dict[str, Any], catalog: dict[str, str]) -> dict[str, Any]:
    """The client as the access model sees it (what state holds after a refresh)."""
    status = record.get("status")
    return {
        "name": record.get("name") or "",
        "description": record.get("description") or "",
        "enabled": status if isinstance(status, bool) else str(status).lower() not in ("false", "disabled"),
        "access_token_lifetime": int(record.get("accessTokenLifeTime") or 0),
        "scopes": _scope_names(record, catalog),
    }


def _value_for(role: str, writer: int, number: int, before: dict[str, Any]) -> Any:
    if role == "description":
        return f"round {number}: writer {writer}"
    if role == "name":
        return f"cross-process-{number}-{writer}"
    if role == "access_token_lifetime":
        return 600 + 10 * number + writer
    if role == "enabled":
        return not before["enabled"]
    choices = [sorted(s) for s in SCOPE_SETS if sorted(s) != before["scopes"]]
    return choices[(number + writer) % len(choices)]


def _task(
    role: str, value: Any, client_id: str, before: dict[str, Any]
) -> tuple[str, str, dict[str, Any], dict[str, Any]]:
    if role == "scopes":
        scopes = {name: {} for name in before["scopes"]}
        olds = {"client_id": client_id, "scopes": scopes, "granted": before["scopes"]}
        news = {"client_id": client_id, "scopes": {n: {} for n in value}}
        return "scopes", client_id, olds, news
    olds = {
        "name": before["name"],
        "description": before["description"],
        "enabled": before["enabled"],
        "access_token_lifetime": before["access_token_lifetime"],
        "owner": "",
        "purpose": "",
        "adopt": False,
        "client_id": client_id,
    }
    news = {key: olds[key] for key in olds if key != "client_id"} | {role: value}
    return "client", client_id, olds, news


def _judge(outcomes: list[Outcome], final: dict[str, Any]) -> None:
    for outcome in outcomes:
        same_field = [o for o in outcomes if o.role == outcome.role and o is not outcome]
        if outcome.error is not None:
            named = outcome.error_type == "ConcurrentUpdate" and outcome.role in outcome.error
            outcome.verdict = "conflict" if named else "error"
        elif final[outcome.role] == outcome.value:
            outcome.verdict = "landed"
        elif any(final[outcome.role] == other.value for other in same_field):
            outcome.verdict = "superseded"
        else:
            outcome.verdict = "silent_revert"


def create_client(admin: httpx.Client, name: str = "cross-process-0") -> str:
    response = admin.post(
        "/api-clients",
        json={
            "name": name,
            "description": "before",
            "status": True,
            "accessTokenLifeTime": 3600,
            "clientAuthentication": {"authType": "SECRET"},
            "clientResources": [],
        },
    )
    response.raise_for_status()
    return str(response.json()["id"])


def run_rounds(
    pool: Writers, admin: httpx.Client, client_id: str, rounds: int, seed: int
) -> list[RoundResult]:
    """``rounds`` rounds of 2-8 writers (the count drawn from ``seed``) on ``client_id``."""
    rng = random.Random(seed)
    catalog = _catalog(admin)
    results = []
    for number in range(1, rounds + 1):
        before = _state(admin.get(f"/api-clients/{client_id}").json(), catalog)
        count = rng.randint(2, WORKERS)
        writers = rng.sample(range(WORKERS), count)
        outcomes = [
            Outcome(writer, role, _value_for(role, writer, number, before))
            for writer, role in zip(writers, ROLES[:count], strict=True)
        ]
        answers = pool.run({o.writer: _task(o.role, o.value, client_id, before) for o in outcomes})
        for outcome in outcomes:
            outcome.error_type, outcome.error = answers[outcome.writer]
        final = _state(admin.get(f"/api-clients/{client_id}").json(), catalog)
        _judge(outcomes, final)
        results.append(RoundResult(number, outcomes, final))
    return results


def campaign(data_dir: Path, rounds: int, seed: int = 13, read_latency_ms: int = 0) -> Campaign:
    """Start an emulator in ``data_dir``, the writers, and run ``rounds`` rounds on one client.

    ``read_latency_ms`` makes the emulator wait that long before it reads a client for a GET (a
    gateway's latency): every writer of a round then reads the client before any of them writes, so
    each round is a real race instead of one in a few.
    """
    from tests.support.emulator import run_emulator

    with run_emulator(data_dir) as emulator, emulator.admin_http() as admin:
        admin.base_url = emulator.credentials["api_url"] + "/ziam/admin/api/v1"
        client_id = create_client(admin)
        if read_latency_ms:
            emulator.set_faults(latency_ms=read_latency_ms, routes=[f"GET {CLIENT_ITEM_ROUTE}"])
        with writers(emulator.credentials) as pool:
            emulator.reset_stats()
            result = Campaign(run_rounds(pool, admin, client_id, rounds, seed))
            stats = emulator.stats()
        result.requests = {
            "GET": sum(n for label, n in stats.items() if label == f"GET {CLIENT_ITEM_ROUTE}"),
            "PUT": sum(n for label, n in stats.items() if label == f"PUT {CLIENT_ITEM_ROUTE}"),
        }
        result.requests["GET"] -= 2 * rounds  # the harness's own reads before and after each round
    return result
