"""What `scopectl` costs at scale: the PR report on large previews, and audit/export on a large tenant.

    .venv/bin/python bench/scopectl_scale.py           # full sizes, writes bench/results/scopectl_scale.md
    .venv/bin/python bench/scopectl_scale.py --quick --out /tmp/x.md   # tiny sizes (a test runs this)

Measures:
- `report` on previews of N changed clients (each created with 6 scopes and a secret): wall time to
  parse, review, run the policy rules and render, the Markdown length (capped for a PR comment) and
  how many clients it shows, and the JSON length (never cut);
- `export` and `audit` against the emulator (a real loopback server) seeded with C clients (each with a
  secret), U users and G groups: wall time and HTTP requests by route. The audit declares everything
  (it audits the export), so it lists the secrets of every client.
Figures are wall-clock on this machine; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from providers.tenant import Tenant, TenantSettings  # noqa: E402
from scopectl.__main__ import main  # noqa: E402
from tests.scopectl import previews as pv  # noqa: E402
from tests.support.emulator import run_emulator  # noqa: E402

SCOPES = ["scim:read", "scim:write", "connector:read", "connector:write", "sync:profile:read", "ziam:read"]


def preview_of(clients: int) -> dict:
    steps = []
    for index in range(clients):
        key = f"integration-{index:04d}"
        scopes = {name: {"justification": f"CHG-{index:05d}: why {key} needs {name}"} for name in SCOPES}
        secret = pv.secret_state(key, rotation="schedule:2026-10-22")
        steps += [
            pv.step("create", pv.API_CLIENT, key, new=pv.client_state(key)),
            pv.step("create", pv.SCOPE_ASSIGNMENT, f"{key}-scopes", new=pv.scopes_state(key, scopes)),
            pv.step("create", pv.CLIENT_SECRET, f"{key}-secret", new=secret),
        ]
    return pv.digest(steps)


def run_quiet(argv: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(argv)
    return code, out.getvalue()


def bench_report(sizes: list[int], workdir: Path) -> list[str]:
    rows = [
        "| changed clients | steps | report (ms) | Markdown chars | clients shown | JSON chars |",
        "|---:" * 6 + "|",
    ]
    for size in sizes:
        path = workdir / f"preview-{size}.json"
        document = preview_of(size)
        path.write_text(json.dumps(document))
        started = time.perf_counter()
        _, markdown = run_quiet(["report", str(path)])
        elapsed = (time.perf_counter() - started) * 1000
        _, as_json = run_quiet(["report", str(path), "--format", "json"])
        shown = markdown.count(" — **created**")
        steps = len(document["steps"])
        rows.append(f"| {size} | {steps} | {elapsed:.0f} | {len(markdown):,} | {shown} | {len(as_json):,} |")
        print(rows[-1], flush=True)
    return rows


def seed(settings: TenantSettings, clients: int, users: int, groups: int, members: int) -> None:
    with Tenant(settings) as tenant:
        catalog = tenant.zidentity.catalog()
        for index in range(clients):
            record = tenant.zidentity.create_client(
                {
                    "name": f"integration-{index:04d}",
                    "status": True,
                    "accessTokenLifeTime": 3600,
                    "clientAuthentication": {"authType": "SECRET"},
                    "clientResources": catalog.client_resources(SCOPES[: 1 + index % len(SCOPES)]),
                }
            )
            tenant.zidentity.create_secret(record["id"], int(time.time()) + 80 * 86400)
        ids = [
            tenant.scim.create_user({"userName": f"user{index:05d}@example.com", "active": True})["id"]
            for index in range(users)
        ]
        for index in range(groups):
            chosen = [ids[(index * members + k) % len(ids)] for k in range(min(members, len(ids)))]
            tenant.scim.create_group(
                {"displayName": f"Team {index:04d}", "members": [{"value": i} for i in chosen]}
            )


def bench_tenant(clients: int, users: int, groups: int, members: int, workdir: Path) -> list[str]:
    lines = []
    with run_emulator(workdir / "tenant") as emu:
        credentials = emu.data_dir / "credentials.json"
        started = time.perf_counter()
        seed(TenantSettings.from_credentials_file(credentials), clients, users, groups, members)
        print(f"seeded in {time.perf_counter() - started:.1f} s", flush=True)
        stack_file = workdir / "Pulumi.bench.yaml"

        creds = ["--credentials-file", str(credentials), "-q"]
        for label, argv in (
            ("export", ["export", *creds, "-o", str(stack_file), "--force"]),
            ("audit", ["audit", *creds, "--stack-file", str(stack_file), "--format", "json"]),
        ):
            emu.reset_stats()
            started = time.perf_counter()
            code, out = run_quiet(argv)
            elapsed = time.perf_counter() - started
            routes = Counter(emu.stats())
            total = sum(routes.values())
            detail = ", ".join(f"`{route}` {count}" for route, count in sorted(routes.items()) if count)
            if label == "audit":
                extra = f"; exit {code}, {len(json.loads(out)['drift'])} findings"
            else:
                extra = f"; {stack_file.stat().st_size:,} bytes of YAML"
            lines.append(f"- **{label}**: {elapsed:.2f} s, {total} requests{extra}. By route: {detail}.")
            print(lines[-1], flush=True)
    return lines


def main_bench() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes (for the smoke test)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "scopectl_scale.md")
    args = parser.parse_args()

    sizes = [5, 20] if args.quick else [10, 100, 300, 1000]
    # The tenant holds at most 256 API clients, one of them the admin client.
    tenant = (4, 10, 2, 3) if args.quick else (255, 2000, 200, 50)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        report_rows = bench_report(sizes, workdir)
        tenant_lines = bench_tenant(*tenant, workdir)

    clients, users, groups, members = tenant
    text = "\n".join(
        [
            "# scopectl at scale",
            "",
            "`bench/scopectl_scale.py`"
            + (" (--quick)" if args.quick else "")
            + "; wall-clock on the machine that ran it.",
            "",
            "## `scopectl report` (each client created with 6 scopes and a secret)",
            "",
            *report_rows,
            "",
            f"## `scopectl export` and `audit` on the emulator: {clients} clients with a secret each, "
            f"{users} users, {groups} groups of {members} members",
            "",
            *tenant_lines,
            "",
        ]
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main_bench()
