"""What the dynamic providers cost at tenant scale: seconds and API requests per operation.

    .venv/bin/python bench/provider_ops.py              # full size -> bench/results/provider_ops.md
    .venv/bin/python bench/provider_ops.py --quick --out /tmp/x.md   # tiny sizes (a test runs this)
    .venv/bin/python bench/provider_ops.py --before main  # the same sizes on main too, in one run

Drives the real plugin process (``python -m pulumi.dynamic``) through the engine double against the
emulator over loopback, with the engine working on up to ``--parallel`` resources at once (the plugin
itself serves four RPCs at a time, like under the real engine). The tenant (full size): 255 API clients
(the cap of 256 minus the admin client the provider itself uses),
each with a scope assignment and a secret, and 500 groups over 2,000 users. Measured operations:

- create: everything from scratch (two dependency waves: users and clients, then groups, scope sets and
  secrets, which need their ids);
- no-op refresh: a new plugin process (as a new ``pulumi refresh`` gets) reads every resource;
- 1% change: one ``up`` in which about 1% of each kind changes (descriptions, an added scope, a
  rotation, a member swapped in a group, a renamed user).

Requests are counted by the emulator (``/_emulator/stats``), token requests included, and divided by
the number of resources (requests per resource: 1.0 is one request for each resource the operation
touches). Goal inputs are the SDK's own RegisterResource payload for one resource of each type
(``__provider`` included), with the per-resource values filled in. Nothing here asserts a time.

``--before REV`` also measures git revision REV at the same sizes: a temporary detached worktree of
REV outside this tree runs its own ``provider_ops.py`` (its providers, its emulator), and the table
shows both, measured in one run on one machine. The worktree is removed afterwards.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from providers import ApiClient, ClientSecret, ScimGroup, ScimUser, ScopeAssignment  # noqa: E402
from providers._base import SECRET_STACK_KEYS, config_from_credentials  # noqa: E402
from tests.support.emulator import RunningEmulator, run_emulator  # noqa: E402
from tests.support.engine_double import Engine, Goal, ProviderProcess  # noqa: E402
from tests.support.sdk_capture import capture_registrations  # noqa: E402

SCOPES = ["scim:read", "scim:write", "connector:read", "connector:write", "sync:profile:read", "ziam:read"]


@dataclass(frozen=True)
class Size:
    clients: int
    groups: int
    users: int
    members_per_group: int


# 255 clients: the tenant cap is 256 and the emulator's admin client (the one the provider uses) is one.
FULL = Size(clients=255, groups=500, users=2000, members_per_group=20)
QUICK = Size(clients=4, groups=5, users=20, members_per_group=4)


# -- goals ------------------------------------------------------------------------------------------
def templates() -> dict[str, Goal]:
    """One SDK-captured goal per resource type: the real payload, ``__provider`` included."""

    def program() -> None:
        ApiClient("t", name="t")
        ScopeAssignment("t", client_id="t", scopes={})
        ClientSecret("t", client_id="t")
        ScimUser("t", user_name="t")
        ScimGroup("t", display_name="t", members=[])

    return {goal.type.rsplit(":", 1)[-1]: goal for goal in capture_registrations(program)}


def goal(template: Goal, resource_name: str, **inputs: Any) -> Goal:
    filled = copy.deepcopy(template.inputs)
    filled.update(inputs)
    return Goal(template.type, resource_name, filled, secret_outputs=list(template.secret_outputs))


class Tenant:
    """The declared tenant, with the knobs the 1% change turns."""

    def __init__(self, size: Size, seed: int = 7) -> None:
        rng = random.Random(seed)
        self.size = size
        self.user_names = [f"user{i:05d}@bench.example" for i in range(size.users)]
        self.family = {name: "Original" for name in self.user_names}
        self.members = {
            f"group-{g:04d}": sorted(rng.sample(self.user_names, size.members_per_group))
            for g in range(size.groups)
        }
        self.description = {f"client-{c:04d}": "bench client" for c in range(size.clients)}
        self.scopes = {key: rng.sample(SCOPES, 2) for key in self.description}
        self.rotation = {key: "" for key in self.description}

    def change_one_percent(self, rng: random.Random) -> dict[str, int]:
        share = {
            "clients": max(1, self.size.clients // 100),
            "groups": max(1, self.size.groups // 100),
            "users": max(1, self.size.users // 100),
        }
        for key in rng.sample(sorted(self.description), share["clients"]):
            self.description[key] = "changed"
        for key in rng.sample(sorted(self.scopes), share["clients"]):
            self.scopes[key] = [*self.scopes[key], next(s for s in SCOPES if s not in self.scopes[key])]
        for key in rng.sample(sorted(self.rotation), share["clients"]):
            self.rotation[key] = "manual:bench"
        for key in rng.sample(sorted(self.members), share["groups"]):
            outsider = next(u for u in self.user_names if u not in self.members[key])
            self.members[key] = sorted([*self.members[key][1:], outsider])
        for name in rng.sample(self.user_names, share["users"]):
            self.family[name] = "Renamed"
        return share

    def first_wave(self, t: dict[str, Goal]) -> list[Goal]:
        users = [
            goal(t["User"], name.split("@")[0], user_name=name, family_name=self.family[name], emails=[name])
            for name in self.user_names
        ]
        # Each client declares its scopes as it is created, as the program (__main__.py) does.
        clients = [
            goal(t["ApiClient"], key, name=key, description=text, initial_scopes=sorted(self.scopes[key]))
            for key, text in self.description.items()
        ]
        return users + clients

    def everything(self, t: dict[str, Goal], client_ids: dict[str, str]) -> list[Goal]:
        goals = self.first_wave(t)
        for key, client_id in client_ids.items():
            scopes = {name: {} for name in self.scopes[key]}
            goals.append(goal(t["ScopeAssignment"], f"{key}-scopes", client_id=client_id, scopes=scopes))
            goals.append(
                goal(t["ClientSecret"], f"{key}-secret", client_id=client_id, rotation=self.rotation[key])
            )
        for key, members in self.members.items():
            goals.append(goal(t["Group"], key, display_name=key, members={m: True for m in members}))
        return goals


# -- measuring ----------------------------------------------------------------------------------------
@dataclass
class Figure:
    operation: str
    seconds: float
    requests: Counter[str]
    steps: Counter[str]


def measure(emulator: RunningEmulator, operation: str, action: Callable[[], list[Any]]) -> Figure:
    emulator.reset_stats()
    started = time.perf_counter()
    steps = action()
    seconds = time.perf_counter() - started
    return Figure(operation, seconds, Counter(emulator.stats()), Counter(step.op for step in steps))


def by_kind(requests: Counter[str]) -> str:
    """``GET 268, PUT 3, POST 1 (token 1)`` - the request mix of one operation."""
    methods: Counter[str] = Counter()
    token = 0
    for route, count in requests.items():
        if "/oauth2/" in route:
            token += count
            continue
        methods[route.split(" ", 1)[0]] += count
    mix = ", ".join(f"{method} {count}" for method, count in methods.most_common())
    return f"{mix} (token {token})"


def run(size: Size, parallel: int) -> tuple[list[Figure], dict[str, int]]:
    with (
        tempfile.TemporaryDirectory(prefix="provider-ops-") as data,
        run_emulator(Path(data) / "tenant") as emulator,
    ):
        config = config_from_credentials(emulator.credentials)
        plugin = ProviderProcess(ROOT, config=config, secret_keys=SECRET_STACK_KEYS)
        plugin.start()
        try:
            plugin.configure()
            engine = Engine(plugin, parallel=parallel)
            t = templates()
            tenant = Tenant(size)

            def create() -> list[Any]:
                steps = engine.up(tenant.first_wave(t))
                ids = {key: engine.resource(t["ApiClient"].type, key).id for key in tenant.description}
                return steps + engine.up(tenant.everything(t, ids))

            figures = [measure(emulator, "create", create)]
            client_ids = {key: engine.resource(t["ApiClient"].type, key).id for key in tenant.description}
            plugin.restart()
            figures.append(measure(emulator, "no-op refresh", engine.refresh))
            plugin.restart()
            share = tenant.change_one_percent(random.Random(11))
            figures.append(
                measure(emulator, "1% change", lambda: engine.up(tenant.everything(t, client_ids)))
            )
            plugin.restart()
            figures.append(measure(emulator, "destroy", engine.destroy))
        finally:
            plugin.stop()
    return figures, share


@dataclass(frozen=True)
class Before:
    """The figures of another revision, as its own report printed them: operation -> (s, requests)."""

    revision: str
    figures: dict[str, tuple[float, int]]


def resource_count(size: Size) -> int:
    return size.users + size.clients * 3 + size.groups


def per_resource(requests: int, size: Size) -> str:
    return f"{requests / resource_count(size):.3f}"


def measure_revision(revision: str, quick: bool, parallel: int) -> Before:
    """Run ``bench/provider_ops.py`` of git revision ``revision`` (same sizes) in a temporary
    detached worktree outside this tree, and read its table. The worktree goes away afterwards."""
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--verify", f"{revision}^{{commit}}"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="provider-ops-before-") as parent:
        tree = Path(parent) / "tree"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), commit],
            check=True,
            capture_output=True,
        )
        try:
            out = Path(parent) / "before.md"
            command = [sys.executable, str(tree / "bench" / "provider_ops.py"), "--parallel", str(parallel)]
            command += ["--out", str(out)] + (["--quick"] if quick else [])
            subprocess.run(command, cwd=tree, check=True, stdout=subprocess.DEVNULL)
            text = out.read_text()
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)],
                check=False,
                capture_output=True,
            )
    return Before(commit[:12], parse_figures(text))


def parse_figures(text: str) -> dict[str, tuple[float, int]]:
    """operation -> (seconds, API requests) from a report's table (any version of this script)."""
    figures = {}
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("| ") and len(cells) >= 3 and cells[2].isdigit():
            figures[cells[0]] = (float(cells[1]), int(cells[2]))
    return figures


def report(
    size: Size, parallel: int, figures: list[Figure], share: dict[str, int], before: Before | None = None
) -> str:
    resources = resource_count(size)
    lines = [
        "# Dynamic providers at tenant scale",
        "",
        f"`bench/provider_ops.py`, {dt.date.today().isoformat()}: {size.clients} API clients (each with "
        f"a scope assignment and a secret; at full size the tenant's cap of 256 clients less the admin "
        f"client the provider signs in with), {size.groups} groups of {size.members_per_group} members over "
        f"{size.users} users = {resources} resources. Real plugin process driven by the engine double with "
        f"up to {parallel} resources in flight (the plugin serves 4 RPCs at once), emulator over loopback on "
        f"this machine. The 1% change touched {share['clients']} client descriptions, {share['clients']} "
        f"scope sets (+1 scope), {share['clients']} secret rotations, {share['groups']} groups (one member "
        f"swapped) and {share['users']} users (renamed).",
        "",
    ]
    if before is not None:
        lines += [
            f"Before: revision `{before.revision}` measured in the same run at the same sizes "
            "(`--before`, its own providers and emulator in a temporary worktree).",
            "",
        ]
    header = "| operation | seconds | API requests | request mix | steps | requests per resource |"
    rule = "|---|---:|---:|---|---|---:|"
    if before is not None:
        header += " before: seconds | before: API requests | before: requests per resource |"
        rule += "---:|---:|---:|"
    lines += [header, rule]
    for figure in figures:
        steps = ", ".join(f"{op} {count}" for op, count in sorted(figure.steps.items()))
        total = sum(figure.requests.values())
        row = (
            f"| {figure.operation} | {figure.seconds:.1f} | {total} | {by_kind(figure.requests)} | {steps} | "
            f"{per_resource(total, size)} |"
        )
        if before is not None:
            then = before.figures.get(figure.operation)
            row += f" {then[0]:.1f} | {then[1]} | {per_resource(then[1], size)} |" if then else " - | - | - |"
        lines.append(row)
    lines += ["", "Busiest routes per operation:", ""]
    for figure in figures:
        top = ", ".join(f"`{route}` {count}" for route, count in figure.requests.most_common(4))
        lines.append(f"- {figure.operation}: {top}")
    return "\n".join(lines) + "\n"


def positive_int(text: str) -> int:
    """``--parallel``: a whole number of at least 1 (argparse turns the ValueError into a usage error)."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (smoke test)")
    parser.add_argument(
        "--parallel", type=positive_int, default=8, help="resources in flight, at least 1 (default 8)"
    )
    parser.add_argument(
        "--before",
        metavar="REV",
        help="also measure git revision REV at the same sizes (temporary worktree), shown side by side",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "bench" / "results" / "provider_ops.md",
        help="where to write the Markdown table (default bench/results/provider_ops.md)",
    )
    args = parser.parse_args()
    size = QUICK if args.quick else FULL
    before = measure_revision(args.before, args.quick, args.parallel) if args.before else None
    figures, share = run(size, args.parallel)
    text = report(size, args.parallel, figures, share, before)
    print(text)
    for figure in figures:
        total = sum(figure.requests.values())
        then = before.figures.get(figure.operation) if before else None
        was = f" (before: {then[1]} = {per_resource(then[1], size)})" if then else ""
        print(f"{figure.operation}: {total} requests = {per_resource(total, size)} per resource{was}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)


if __name__ == "__main__":
    main()
