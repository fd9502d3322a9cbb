"""Emulator throughput over loopback: token endpoint, admin API list, SCIM member PATCH on large groups.

    .venv/bin/python bench/emulator_throughput.py       # full sizes -> bench/results/emulator_throughput.md
    .venv/bin/python bench/emulator_throughput.py --quick --out /tmp/x.md   # tiny sizes (a test runs this)

Starts its own emulator (``python -m emulator --port 0`` on a temporary data dir, through the test
launcher) and measures, one request at a time on one keep-alive connection (latency, not saturation):

- ``POST /oauth2/v1/token`` (client credentials of the seeded admin client);
- ``GET /ziam/admin/api/v1/api-clients`` (first page, with 50 clients in the tenant);
- SCIM ``PATCH /Groups/{id}`` adding one member and removing it again (``members[value eq "..."]``),
  on groups of 10, 1,000 and 10,000 members: with the full 200 answer (the group, as strict RFC 7644
  clients get it) and with ``excludedAttributes=members`` (what a client syncing big groups can ask);
- ``GET /Groups/{id}`` on the same groups;
- for reference, the same one-member add with an ``externalId`` change in the same PATCH, which the
  fast path does not handle, so scim2-server's own path serves it (its cost grows with the group).

Setup goes through the public APIs only: users are created with SCIM ``/Bulk`` (1,000 per request),
groups with one ``POST /Groups`` carrying all their members, API clients with the admin API. SCIM
calls use the IdP's bearer token. Figures are wall-clock on the machine that ran it; nothing here
asserts a time. Every answer's status is checked, so a broken emulator fails the run instead of
producing fast numbers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from emulator.catalog import AUDIENCE, RESOURCE_SERVER_ID, scope_id_by_name  # noqa: E402
from tests.support.emulator import run_emulator  # noqa: E402

ADMIN = "/ziam/admin/api/v1"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
BULK_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
BULK_SIZE = 1000
EMULATOR_THREADS = 4


@dataclass(frozen=True)
class Sizes:
    token_requests: int
    list_requests: int
    api_clients: int
    group_sizes: tuple[int, ...]
    patch_pairs: int  # each pair is one add and one remove
    get_requests: int
    slow_path_requests: dict[int, int]  # group size -> requests served by scim2-server's path


FULL = Sizes(300, 300, 50, (10, 1000, 10000), 50, 20, {10: 20, 1000: 10, 10000: 5})
QUICK = Sizes(5, 5, 3, (10, 100), 3, 2, {10: 2, 100: 2})


@dataclass
class Row:
    operation: str
    latencies: list[float]
    elapsed: float

    def cells(self) -> list[str]:
        ordered = sorted(self.latencies)
        p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
        return [
            self.operation,
            str(len(ordered)),
            f"{len(ordered) / self.elapsed:,.0f}",
            f"{statistics.median(ordered) * 1000:.1f}",
            f"{p95 * 1000:.1f}",
        ]


def timed(operation: str, count: int, send: Callable[[int], httpx.Response], expected: int) -> Row:
    """Send ``count`` requests one after the other; every answer must have status ``expected``."""
    latencies = []
    started = time.perf_counter()
    for n in range(count):
        before = time.perf_counter()
        response = send(n)
        latencies.append(time.perf_counter() - before)
        if response.status_code != expected:
            raise SystemExit(
                f"{operation}: expected {expected}, got {response.status_code}: {response.text[:300]}"
            )
    return Row(operation, latencies, time.perf_counter() - started)


def create_users(scim: httpx.Client, count: int) -> list[str]:
    ids: list[str] = []
    for start in range(0, count, BULK_SIZE):
        operations = [
            {
                "method": "POST",
                "path": "/Users",
                "bulkId": f"u{n}",
                "data": {"schemas": [USER_SCHEMA], "userName": f"bench{n}@example.com"},
            }
            for n in range(start, min(count, start + BULK_SIZE))
        ]
        response = scim.post("/Bulk", json={"schemas": [BULK_SCHEMA], "Operations": operations})
        response.raise_for_status()
        for outcome in response.json()["Operations"]:
            if str(outcome["status"]) != "201":
                raise SystemExit(f"bulk user creation failed: {outcome}")
            ids.append(outcome["location"].rsplit("/", 1)[-1])
    return ids


def create_api_clients(admin: httpx.Client, count: int) -> None:
    scope = scope_id_by_name()["scim:read"]
    for n in range(count):
        body = {
            "name": f"bench-client-{n}",
            "description": "throughput benchmark",
            "status": True,
            "accessTokenLifeTime": 3600,
            "clientAuthentication": {"authType": "SECRET"},
            "clientResources": [{"id": RESOURCE_SERVER_ID, "selectedScopes": [{"id": scope}]}],
        }
        admin.post(f"{ADMIN}/api-clients", json=body).raise_for_status()


def measure_identity(base_url: str, credentials: dict[str, str], sizes: Sizes) -> list[Row]:
    form = {
        "grant_type": "client_credentials",
        "client_id": credentials["client_id"],
        "client_secret": credentials["client_secret"],
        "audience": AUDIENCE,
    }
    with httpx.Client(base_url=base_url, timeout=60) as http:
        rows = [
            timed(
                "POST /oauth2/v1/token",
                sizes.token_requests,
                lambda _: http.post("/oauth2/v1/token", data=form),
                200,
            )
        ]
        http.headers["Authorization"] = (
            f"Bearer {http.post('/oauth2/v1/token', data=form).json()['access_token']}"
        )
        create_api_clients(http, sizes.api_clients)
        rows.append(
            timed(
                f"GET api-clients (first page of {sizes.api_clients + 1})",
                sizes.list_requests,
                lambda _: http.get(f"{ADMIN}/api-clients"),
                200,
            )
        )
    return rows


def measure_scim(credentials: dict[str, str], sizes: Sizes) -> list[Row]:
    headers = {
        "Authorization": f"Bearer {credentials['scim_token']}",
        "Content-Type": "application/scim+json",
    }
    rows: list[Row] = []
    with httpx.Client(base_url=credentials["scim_url"], headers=headers, timeout=120) as scim:
        users = create_users(scim, max(sizes.group_sizes) + 1)
        for size in sizes.group_sizes:
            rows += measure_group(scim, users[:size], users[-1], sizes)
    return rows


def measure_group(scim: httpx.Client, members: list[str], extra: str, sizes: Sizes) -> list[Row]:
    """PATCH and GET one group of ``len(members)`` members, adding and removing ``extra``."""
    size = len(members)
    body = {
        "schemas": [GROUP_SCHEMA],
        "displayName": f"bench-{size}",
        "members": [{"value": u} for u in members],
    }
    created = scim.post("/Groups", json=body)
    created.raise_for_status()
    path = f"/Groups/{created.json()['id']}"
    add = {
        "schemas": [PATCH_SCHEMA],
        "Operations": [{"op": "add", "path": "members", "value": [{"value": extra}]}],
    }
    remove = {
        "schemas": [PATCH_SCHEMA],
        "Operations": [{"op": "remove", "path": f'members[value eq "{extra}"]'}],
    }
    rows = []
    for label, params in (("", {}), (", excludedAttributes=members", {"excludedAttributes": "members"})):
        for verb, patch in (("add", add), ("remove", remove)):
            rows.append(
                timed(
                    f"SCIM PATCH {verb} 1 member, group of {size:,}{label}",
                    sizes.patch_pairs,
                    lambda _, body=patch, params=params: scim.patch(path, json=body, params=params),
                    200,
                )
            )
    rows.append(timed(f"SCIM GET group of {size:,}", sizes.get_requests, lambda _: scim.get(path), 200))

    def through_scim2_server(n: int) -> httpx.Response:
        operations = [
            {"op": "add" if n % 2 == 0 else "remove", "path": "members", "value": [{"value": extra}]},
            {"op": "replace", "path": "externalId", "value": f"ext-{n}"},
        ]
        return scim.patch(path, json={"schemas": [PATCH_SCHEMA], "Operations": operations})

    slow = sizes.slow_path_requests.get(size)
    if slow:
        label = f"SCIM PATCH 1 member + externalId (scim2-server path), group of {size:,}"
        rows.append(timed(label, slow, through_scim2_server, 200))
    return rows


def markdown(rows: list[Row], quick: bool, seconds: float, load: float) -> str:
    header = ["Operation", "Requests", "req/s", "p50 ms", "p95 ms"]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|"]
    lines += ["| " + " | ".join(row.cells()) + " |" for row in rows]
    machine = f"{os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"
    return "\n".join(
        [
            "# Emulator throughput",
            "",
            f"`bench/emulator_throughput.py{' --quick' if quick else ''}` on {dt.date.today().isoformat()} "
            f"({machine}); emulator `--dialect strict --threads {EMULATOR_THREADS}` over loopback, one "
            "client sending one request at a time on a keep-alive connection. req/s is requests over the "
            f"wall time of the series. Whole run: {seconds:.0f} s; 1-minute load average at the start: "
            f"{load:.1f} (the machine is shared, so p95 values are noisy).",
            "",
            *lines,
            "",
            "Setup used the public APIs only (SCIM `/Bulk` for users, one `POST /Groups` per group, the "
            "admin API for clients). A PATCH adds one member then the next removes it, so each group stays "
            "at its size. The full answers carry the whole group (about 47 bytes per member); the "
            "`excludedAttributes=members` rows show the cost without that payload. The scim2-server-path row "
            "is the same one-member change plus an `externalId` replace, which the member fast path leaves "
            "to scim2-server.",
            "",
        ]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, for the smoke test")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "emulator_throughput.md")
    args = parser.parse_args()
    sizes = QUICK if args.quick else FULL
    load = os.getloadavg()[0]
    started = time.perf_counter()
    with (
        tempfile.TemporaryDirectory(prefix="emulator-bench-") as scratch,
        run_emulator(Path(scratch) / "tenant", extra_args=("--threads", str(EMULATOR_THREADS))) as emulator,
    ):
        rows = measure_identity(emulator.base_url, emulator.credentials, sizes)
        rows += measure_scim(emulator.credentials, sizes)
    report = markdown(rows, args.quick, time.perf_counter() - started, load)
    print(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
