"""What it costs to read a whole tenant, and to reconcile one huge group, through `providers.tenant`.

    .venv/bin/python bench/read_paths.py                     # full size -> bench/results/read_paths.md
    .venv/bin/python bench/read_paths.py --quick --out /tmp/x.md   # tiny sizes (a test runs this)

Seeds a fresh emulator (loopback, strict dialect) with 256 API clients (255 + the seeded admin client),
2,000 SCIM users and 500 groups of 20 members. Clients are created through the admin API on 4 threads
(it has no bulk endpoint); users and groups through SCIM Bulk (RFC 7644 §3.7, which the emulator
serves), 500 operations per request, because it is about 50x fewer requests than one POST each.

Then, each from a fresh `Tenant` (new pool, no token, no snapshot), as a `pulumi refresh` on 8 threads:

- naive: one GET per object (what other tools' refresh does);
- ours: the same per-object reads through `get_client` / `get_user` / `get_group`, which notice the
  burst and answer from one shared paged listing per kind.

And a 10,000-member group with 1% churn (100 members leave, 100 join), reconciled by
`set_members` (one GET + PATCHes of `scimBatchSize` = 100 member changes), next to the naive way
(one PATCH per member change). Requests are counted by the client (`Tenant.request_count`, every
attempt and token request) and cross-checked with the emulator's own counters. Nothing here asserts
a time; the figures are printed and written to the results file.
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from providers.tenant import GROUP_SCHEMA, USER_SCHEMA, Tenant, TenantSettings, member_ids  # noqa: E402  # noqa: E402
from tests.support.emulator import RunningEmulator, run_emulator  # noqa: E402

BULK_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
BULK_SIZE = 500
READ_THREADS = 8


@dataclass(frozen=True)
class Size:
    clients: int  # created, on top of the emulator's admin client
    users: int
    groups: int
    members_per_group: int
    big_group: int
    churn: int  # members leaving (and as many joining) the big group


FULL = Size(clients=255, users=2000, groups=500, members_per_group=20, big_group=10_000, churn=100)
QUICK = Size(clients=5, users=30, groups=6, members_per_group=4, big_group=200, churn=2)


@dataclass
class Figure:
    what: str
    requests: int
    seconds: float
    tokens: int
    note: str = ""


def settings_for(emulator: RunningEmulator) -> TenantSettings:
    return TenantSettings.from_credentials_file(emulator.data_dir / "credentials.json", maxRetryWait=120)


def bulk(tenant: Tenant, path: str, bodies: list[dict[str, Any]]) -> list[str]:
    """Create resources through SCIM Bulk, BULK_SIZE per request; returns their ids in order."""
    scim = tenant.scim
    ids: list[str] = []
    for start in range(0, len(bodies), BULK_SIZE):
        chunk = bodies[start : start + BULK_SIZE]
        operations = [
            {"method": "POST", "path": path, "bulkId": f"b{start + i}", "data": body}
            for i, body in enumerate(chunk)
        ]
        response = tenant.transport.request(
            "POST",
            tenant.settings.scim_url + "/Bulk",
            auth=scim.auth,
            kind="scim",
            json_body={"schemas": [BULK_SCHEMA], "failOnErrors": 1, "Operations": operations},
            headers={"Content-Type": "application/scim+json"},
        )
        results = response.json()["Operations"]
        failed = [r for r in results if not str(r.get("status", "")).startswith("2")]
        if failed:
            raise RuntimeError(f"bulk create in {path} failed: {failed[0]}")
        ids.extend(r["location"].rstrip("/").rsplit("/", 1)[1] for r in results)
    return ids


def users(prefix: str, count: int) -> list[dict[str, Any]]:
    return [
        {"schemas": [USER_SCHEMA], "userName": f"{prefix}{i:05d}@example.com", "active": True}
        for i in range(count)
    ]


def seed(emulator: RunningEmulator, size: Size) -> tuple[list[str], list[str], list[str], float]:
    started = time.perf_counter()
    with Tenant(settings_for(emulator)) as tenant:
        z = tenant.zidentity

        def make_client(i: int) -> str:
            return z.create_client({"name": f"bench-client-{i:03d}", "accessTokenLifeTime": 3600})["id"]

        with ThreadPoolExecutor(4) as pool:
            client_ids = list(pool.map(make_client, range(size.clients)))
        user_ids = bulk(tenant, "/Users", users("reader", size.users))
        groups = [
            {
                "schemas": [GROUP_SCHEMA],
                "displayName": f"bench-group-{g:03d}",
                "members": [
                    {"value": user_ids[(g * size.members_per_group + k) % len(user_ids)]}
                    for k in range(size.members_per_group)
                ],
            }
            for g in range(size.groups)
        ]
        group_ids = bulk(tenant, "/Groups", groups)
        client_ids.append(tenant.settings.client_id or "")  # the seeded admin client is read too
    return client_ids, user_ids, group_ids, time.perf_counter() - started


def measure(emulator: RunningEmulator, what: str, work: Callable[[Tenant], None], note: str = "") -> Figure:
    """Run `work` on a fresh Tenant; requests from the client's counter, checked against the server's."""
    emulator.reset_stats()
    with Tenant(settings_for(emulator)) as tenant:
        started = time.perf_counter()
        work(tenant)
        seconds = time.perf_counter() - started
        requests, tokens = tenant.request_count, tenant.token_request_count
    served = sum(emulator.stats().values())
    if served != requests:
        raise RuntimeError(f"{what}: client counted {requests} requests, emulator served {served}")
    return Figure(what, requests, seconds, tokens, note)


def parallel(calls: Iterable[Callable[[], Any]]) -> list[Any]:
    with ThreadPoolExecutor(READ_THREADS) as pool:
        return list(pool.map(lambda call: call(), calls))


def read_naive(client_ids: list[str], user_ids: list[str], group_ids: list[str]) -> Callable[[Tenant], None]:
    def work(tenant: Tenant) -> None:
        z, scim = tenant.zidentity, tenant.scim
        admin, scim_url = tenant.settings.admin_api_url, tenant.settings.scim_url

        def get(url: str, auth: Any, kind: str) -> Callable[[], Any]:
            return lambda: tenant.transport.request("GET", url, auth=auth, kind=kind).json()

        calls = [get(f"{admin}/api-clients/{i}", z.auth, "zidentity") for i in client_ids]
        calls += [get(f"{scim_url}/Users/{i}", scim.auth, "scim") for i in user_ids]
        calls += [get(f"{scim_url}/Groups/{i}", scim.auth, "scim") for i in group_ids]
        results = parallel(calls)
        assert len(results) == len(calls)

    return work


def read_ours(client_ids: list[str], user_ids: list[str], group_ids: list[str]) -> Callable[[Tenant], None]:
    def work(tenant: Tenant) -> None:
        z, scim = tenant.zidentity, tenant.scim
        calls: list[Callable[[], Any]] = [lambda i=i: z.get_client(i) for i in client_ids]
        calls += [lambda i=i: scim.get_user(i) for i in user_ids]
        calls += [lambda i=i: scim.get_group(i) for i in group_ids]
        results = parallel(calls)
        missing = sum(1 for r in results if r is None)
        if missing:
            raise RuntimeError(f"{missing} objects not found")
        if sum(len(member_ids(r)) for r in results[-len(group_ids) :]) == 0 and group_ids:
            raise RuntimeError("groups came back without members")

    return work


def big_group(emulator: RunningEmulator, size: Size) -> list[Figure]:
    with Tenant(settings_for(emulator)) as tenant:
        members = bulk(tenant, "/Users", users("member", size.big_group))
        joiners = bulk(tenant, "/Users", users("joiner", size.churn))
        body = {"schemas": [GROUP_SCHEMA], "members": [{"value": m} for m in members]}
        url = tenant.settings.scim_url + "/Groups"
        group_ids = [
            tenant.transport.request(
                "POST",
                url,
                auth=tenant.scim.auth,
                kind="scim",
                json_body={**body, "displayName": f"big-{n}"},
            ).json()["id"]
            for n in ("ours", "naive")
        ]
    leavers = members[: size.churn]
    desired = members[size.churn :] + joiners

    def ours(tenant: Tenant) -> None:
        result = tenant.scim.set_members(group_ids[0], desired)
        assert result["added"] == size.churn and result["removed"] == size.churn, result

    def naive(tenant: Tenant) -> None:
        scim = tenant.scim
        for leaver in leavers:
            scim.change_members(group_ids[1], remove=[leaver])
        for joiner in joiners:
            scim.change_members(group_ids[1], add=[joiner])

    figures = [
        measure(emulator, "reconcile, ours (set_members)", ours, "1 GET + PATCHes of 100 member changes"),
        measure(emulator, "reconcile, naive (1 PATCH per member)", naive, ""),
    ]
    with Tenant(settings_for(emulator)) as tenant:
        for group_id in group_ids:
            final = member_ids(tenant.scim.get_group(group_id) or {})
            if sorted(final) != sorted(desired):
                raise RuntimeError(f"group {group_id} does not hold the desired members")
    return figures


def scim_page_size(dialect: str) -> int:
    """Users or groups per list page the emulator sends: ZPA caps a page at 100."""
    return 100 if dialect == "zpa" else 1000


def render(
    size: Size, dialect: str, seed_seconds: float, reads: list[Figure], reconcile: list[Figure], pages: int
) -> str:
    flags = (" --quick" if size is QUICK else "") + (f" --dialect {dialect}" if dialect != "strict" else "")
    page_size = scim_page_size(dialect)
    lines = [
        "# read_paths: reading a whole tenant, reconciling a huge group",
        "",
        f"Generated by `bench/read_paths.py{flags}` on "
        f"{platform.system()} {platform.machine()}, Python {platform.python_version()}, "
        f"{time.strftime('%Y-%m-%d')}. Emulator over loopback, {dialect} SCIM dialect, each run from a "
        "fresh `Tenant` (no token, no cache).",
        "",
        f"Tenant: {size.clients + 1} API clients, {size.users} users, {size.groups} groups of "
        f"{size.members_per_group} members (seeded in {seed_seconds:.1f} s: clients by POST on 4 threads, "
        f"users and groups by SCIM Bulk, {BULK_SIZE} per request).",
        "",
        f"## Read every object ({READ_THREADS} threads)",
        "",
        "| way | requests | seconds | token requests | note |",
        "|---|---:|---:|---:|---|",
    ]
    lines += [f"| {f.what} | {f.requests} | {f.seconds:.2f} | {f.tokens} | {f.note} |" for f in reads]
    lines += [
        "",
        f"List pages needed for everything: {pages} (clients 1,000 per page, SCIM {page_size:,} per page). "
        + (
            f"Ours = pages + token + one GET per group ({size.groups}) + at most 2 single GETs per other "
            "kind. This is a ZPA limit, not a client one: ZPA lists groups without members and offers "
            "no other bulk way to read them, so each group read costs one GET. Only groups a caller "
            "asks about are read (a stack managing 20 of 500 groups pays 20 GETs); the group listing "
            "pages are spent once, to find out that the server omits members."
            if dialect == "zpa"
            else "Ours = pages + token + at most 2 single GETs per kind before the burst is noticed."
        ),
        "",
        f"## Reconcile a {size.big_group:,}-member group, {size.churn} leave and {size.churn} join",
        "",
        "| way | requests | seconds | token requests | note |",
        "|---|---:|---:|---:|---|",
    ]
    lines += [f"| {f.what} | {f.requests} | {f.seconds:.2f} | {f.tokens} | {f.note} |" for f in reconcile]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (smoke test)")
    parser.add_argument("--out", type=Path, default=None, help="results file (default bench/results/...)")
    parser.add_argument(
        "--dialect",
        choices=("strict", "zpa"),
        default="strict",
        help="SCIM dialect of the emulator (default strict)",
    )
    args = parser.parse_args(argv)
    size = QUICK if args.quick else FULL
    suffix = "" if args.dialect == "strict" else f"_{args.dialect}"
    out = args.out or ROOT / "bench" / "results" / f"read_paths{suffix}.md"
    with (
        tempfile.TemporaryDirectory(prefix="read-paths-") as tmp,
        run_emulator(Path(tmp) / "tenant", dialect=args.dialect) as emulator,
    ):
        client_ids, user_ids, group_ids, seed_seconds = seed(emulator, size)
        reads = [
            measure(emulator, "naive (1 GET per object)", read_naive(client_ids, user_ids, group_ids)),
            measure(emulator, "ours (shared listings)", read_ours(client_ids, user_ids, group_ids)),
        ]
        scim_page = scim_page_size(args.dialect)
        pages = -(-len(client_ids) // 1000) + sum(-(-n // scim_page) for n in (len(user_ids), len(group_ids)))
        reconcile = big_group(emulator, size)
    report = render(size, args.dialect, seed_seconds, reads, reconcile, pages)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report)
    print(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
