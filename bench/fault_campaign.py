"""Fault-injection campaign: do seeded runs through a hostile tenant converge, with nothing left behind?

    .venv/bin/python bench/fault_campaign.py                 # 20 seeds -> bench/results/fault_campaign.md
    .venv/bin/python bench/fault_campaign.py --quick --out /tmp/x.md     # 3 seeds (a test runs this)

Per seed: one stack (3 API clients with scope sets and secrets, 6 SCIM users, 2 groups, names unique to
the seed) is applied through the real plugin process and the engine double (4 resources at a time)
against the emulator over loopback with faults on: 15% errors drawn from 500 (not retried for writes),
502, 503 and 504, 5% connections closed without an answer, 20% of creates committed and then their
answer dropped, and 429s from a rate limit. A run that fails is run again (as CI would re-run ``pulumi
up``), at most ``MAX_RUNS`` times under faults. Then the faults go off and one more run must change
nothing. Counted against the tenant afterwards:

- converged: a run under faults completed, and the fault-free run after it was all ``same``;
- duplicates: declared names present more than once (clients, users, groups);
- orphans: secrets in the tenant that no ``ClientSecret`` in state holds;
- foreign: declared objects present in the tenant but not in state (what "already exists; set adopt:
  true" refused).

Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import pulumi  # noqa: E402

from providers import ApiClient, ClientSecret, ScimGroup, ScimUser, ScopeAssignment  # noqa: E402
from providers._base import SECRET_STACK_KEYS, config_from_credentials  # noqa: E402
from tests.support.emulator import RunningEmulator, run_emulator  # noqa: E402
from tests.support.engine_double import Engine, EngineError, ProviderProcess  # noqa: E402

MAX_RUNS = 6
FAULTS = {
    "error_rate": 0.15,
    "error_statuses": [500, 502, 503, 504],
    "drop_rate": 0.05,
    "commit_then_drop_rate": 0.2,
}
CLIENTS = {"sync": ["scim:read", "scim:write"], "reporting": ["scim:read"], "monitor": ["ziam:read"]}
CLIENT_SECRET = "pulumi-python:dynamic/zidentity:ClientSecret"


@dataclass
class SeedResult:
    seed: int
    runs: int
    failed_runs: int
    converged: bool
    duplicates: int
    orphans: int
    foreign: int
    requests: int
    seconds: float


def model(prefix: str) -> None:
    for key, scopes in CLIENTS.items():
        client = ApiClient(key, name=f"{prefix}-{key}")
        ScopeAssignment(f"{key}-scopes", client_id=client.id, scopes={name: {} for name in scopes})
        ClientSecret(f"{key}-secret", client_id=client.id, lifetime_days=60)
    users = [ScimUser(f"u{i}", user_name=f"{prefix}-u{i}@ex.com", given_name=f"U{i}") for i in range(6)]
    for index, name in enumerate(("quarantine", "contractors")):
        members = [f"{prefix}-u{i}@ex.com" for i in range(index * 3, index * 3 + 3)]
        ScimGroup(
            name,
            display_name=f"{prefix}-{name}",
            members=members,
            opts=pulumi.ResourceOptions(depends_on=users),
        )


def _listed(client: httpx.Client, path: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    body = client.get(path, params=params).raise_for_status().json()
    return body["records"] if "records" in body else body.get("Resources", [])


def count_leftovers(tenant: RunningEmulator, engine: Engine, prefix: str) -> tuple[int, int, int]:
    """(duplicates, orphans, foreign) of one seed's stack in the tenant."""
    held_ids = {state.id for state in engine.state.values()}
    held_secrets = {state.id for urn, state in engine.state.items() if CLIENT_SECRET in urn}
    duplicates = orphans = foreign = 0
    credentials = tenant.credentials
    with tenant.admin_http() as admin:
        admin.base_url = credentials["api_url"] + "/ziam/admin/api/v1"
        clients = [
            c for c in _listed(admin, "/api-clients", {"limit": 1000}) if c["name"].startswith(prefix + "-")
        ]
        for client in clients:
            secrets = admin.get(f"/api-clients/{client['id']}/secrets").raise_for_status().json()
            orphans += sum(str(secret["id"]) not in held_secrets for secret in secrets)
    with httpx.Client(
        base_url=credentials["scim_url"], headers={"Authorization": f"Bearer {credentials['scim_token']}"}
    ) as scim:
        users = [
            u for u in _listed(scim, "/Users", {"count": 1000}) if u["userName"].startswith(prefix + "-")
        ]
        groups = [
            g for g in _listed(scim, "/Groups", {"count": 1000}) if g["displayName"].startswith(prefix + "-")
        ]
    for records, key in ((clients, "name"), (users, "userName"), (groups, "displayName")):
        names = [record[key] for record in records]
        duplicates += len(names) - len(set(names))
        foreign += sum(str(record["id"]) not in held_ids for record in records)
    return duplicates, orphans, foreign


def run_seed(tenant: RunningEmulator, plugin: ProviderProcess, seed: int) -> SeedResult:
    prefix = f"c{seed}"
    engine = Engine(plugin, parallel=4)
    started = time.perf_counter()
    tenant.reset_stats()
    tenant.set_faults(seed=seed, **FAULTS)
    tenant.set_ratelimit(rps=40, burst=8, style="ziam")
    runs = failed = 0
    completed = False
    try:
        while runs < MAX_RUNS and not completed:
            runs += 1
            try:
                engine.run(lambda: model(prefix))
                completed = True
            except EngineError:
                failed += 1
    finally:
        tenant.set_faults()
        tenant.set_ratelimit()
    requests = sum(tenant.stats().values())
    seconds = time.perf_counter() - started
    again = engine.run(lambda: model(prefix)) if completed else []
    converged = completed and {step.op for step in again} == {"same"}
    duplicates, orphans, foreign = count_leftovers(tenant, engine, prefix)
    return SeedResult(seed, runs, failed, converged, duplicates, orphans, foreign, requests, seconds)


def run_campaign(seeds: int, first_seed: int = 1) -> list[SeedResult]:
    with tempfile_dir() as data_dir, run_emulator(data_dir / "tenant") as tenant:
        plugin = ProviderProcess(
            ROOT, config=config_from_credentials(tenant.credentials), secret_keys=SECRET_STACK_KEYS
        )
        plugin.start()
        plugin.configure()
        try:
            results = []
            for seed in range(first_seed, first_seed + seeds):
                result = run_seed(tenant, plugin, seed)
                print(
                    f"seed {seed}: runs {result.runs} (failed {result.failed_runs}), "
                    f"converged {result.converged}, "
                    f"duplicates {result.duplicates}, orphans {result.orphans}, foreign {result.foreign}, "
                    f"{result.seconds:.1f} s",
                    flush=True,
                )
                results.append(result)
            return results
        finally:
            plugin.stop()


def tempfile_dir() -> Any:
    import contextlib
    import tempfile

    @contextlib.contextmanager
    def directory() -> Any:
        with tempfile.TemporaryDirectory(prefix="fault-campaign-") as name:
            yield Path(name)

    return directory()


def render(results: list[SeedResult]) -> str:
    converged = sum(r.converged for r in results)
    lines = [
        "# Fault-injection campaign (bench/fault_campaign.py)",
        "",
        f"Faults: {FAULTS['error_rate']:.0%} errors from {FAULTS['error_statuses']} (500 is not retried for "
        f"writes), {FAULTS['drop_rate']:.0%} dropped connections, {FAULTS['commit_then_drop_rate']:.0%} of "
        "creates committed with their answer dropped, 429s at 40 req/s. Stack per seed: 3 clients with scope "
        f"sets and secrets, 6 users, 2 groups; up to {MAX_RUNS} runs under faults, then one fault-free run.",
        "",
        "| Seeds | Converged | Runs that failed (re-run) | Duplicates | Orphan secrets | Foreign leftovers |",
        "|---|---|---|---|---|---|",
        f"| {len(results)} | {converged}/{len(results)} | {sum(r.failed_runs for r in results)} | "
        f"{sum(r.duplicates for r in results)} | {sum(r.orphans for r in results)} | "
        f"{sum(r.foreign for r in results)} |",
        "",
        "| Seed | Runs | Failed | Converged | Duplicates | Orphans | Foreign | Seconds |",
        "|---|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r.seed} | {r.runs} | {r.failed_runs} | {'yes' if r.converged else 'NO'} | {r.duplicates} | "
        f"{r.orphans} | {r.foreign} | {r.seconds:.1f} |"
        for r in results
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=20, help="number of seeded runs (default 20)")
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="3 seeds (a test runs this)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "fault_campaign.md")
    args = parser.parse_args()
    results = run_campaign(3 if args.quick else args.seeds, args.first_seed)
    text = render(results)
    args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
