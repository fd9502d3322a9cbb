"""The real Pulumi engine at tenant scale, side by side with the engine double, in one run.

    .venv/bin/python bench/real_engine.py              # full size -> bench/results/real_engine.md
    .venv/bin/python bench/real_engine.py --quick --out /tmp/x.md   # tiny sizes (a test runs this)

Every other figure of the providers at scale comes from the project's engine double
(``bench/provider_ops.py``). This script measures what users actually run: the Pulumi CLI
(``scripts/engine``'s pinned build, or ``pulumi`` on PATH) driving the real project (its ``__main__.py``,
access-model validation and desired state) against the emulator over loopback, with a file backend and
passphrase secrets, hermetic like ``tests/e2e/harness.py``. The tenant is ``provider_ops``'s (full size:
255 API clients each with a scope set and a secret, 2,000 users, 500 groups of 20 members = 3,265
resources; 255 because the emulator seeds the admin client and the tenant caps clients at 256),
written as an access model. Operations, each timed from command start to exit:

- create: ``pulumi up --yes --skip-preview`` of the whole model on an empty tenant;
- no-op refresh: ``pulumi preview --refresh`` right after, which reads every resource and plans nothing;
- 1% change: ``pulumi up --yes --skip-preview`` after ``provider_ops``'s 1% change (descriptions, one
  added scope, a manual rotation, a member swapped in a group, a renamed user), expressed in the model.

The engine double then runs ``provider_ops.run`` on the same sizes in the same process, so both columns
come from the same machine at the same time. Requests are the emulator's own counters, token requests
included. The policy pack is off unless ``--policy-pack`` is given (then every CLI command runs with
``--policy-pack policies``). Nothing here asserts a time.

Why the model may travel in a file: Pulumi hands a Python program its whole stack config as JSON in one
environment variable (``PULUMI_CONFIG``), and Linux refuses any single environment string over 128 KiB
(``MAX_ARG_STRLEN``), so a full-size model (about 700 KB of config JSON) in ``Pulumi.<stack>.yaml``
stops the program from starting at all. When the model is that large, the bench first shows that
(one ``pulumi preview`` with the model in the stack file, its error recorded), then does what
``scopectl validate`` tells a user to do: the model goes into ``access/bench.yaml`` and the stack config
names it with ``scope-manager:accessFile``, which the project's program reads. Smaller models go in the
stack file, as most users write them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from access_model import ACCESS_FILE_KEY, ACCESS_KEY, PULUMI_CONFIG_MAX_BYTES, pulumi_config_bytes  # noqa: E402
from bench import provider_ops  # noqa: E402
from bench.provider_ops import FULL, QUICK, Size, Tenant, by_kind  # noqa: E402
from tests.e2e.harness import POLICY_PACK, CommandFailed, ProjectStack, Result  # noqa: E402
from tests.support.emulator import RunningEmulator, run_emulator  # noqa: E402
from tests.support.pulumi_cli import find_pulumi  # noqa: E402

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CONFIG_HEADROOM = 8 * 1024
"""Room left for the rest of the stack config (endpoints, decrypted credentials) and ``PULUMI_CONFIG=``."""
MODEL_FILE = "access/bench.yaml"
"""Where a model too large for stack config goes (``scope-manager:accessFile``, relative to the project)."""
COMMAND_TIMEOUT_SECONDS = {True: 600, False: 3 * 3600}
"""Per CLI command, by ``--quick``: a full-size create on a busy 2-core machine can take many minutes."""
OPERATIONS = ("create", "no-op refresh", "1% change")
CLIENT_SECRET = {"lifetime_days": 90, "renew_before_days": 14, "rotate_every_days": 76}
"""The dev stack's secret settings: the policy pack requires a rotation schedule (76 = 90 - 14)."""


# -- the model ---------------------------------------------------------------------------------------
def access_model(tenant: Tenant) -> dict[str, Any]:
    """``provider_ops``'s tenant as the access model users write: same names, scopes, members, knobs.

    Every scope carries a justification and every client an owner and a purpose, so the policy pack
    passes the model when it is on; the secret's ``rotation`` text is what ``provider_ops`` calls
    ``manual:<text>`` (the program adds the prefix)."""
    clients: dict[str, Any] = {}
    for key, description in tenant.description.items():
        secret: dict[str, Any] = dict(CLIENT_SECRET)
        if tenant.rotation[key]:
            secret["rotation"] = tenant.rotation[key].removeprefix("manual:")
        clients[key] = {
            "name": key,
            "description": description,
            "owner": "bench@example.com",
            "purpose": "provisioning",
            "scopes": {scope: {"justification": f"bench needs {scope}"} for scope in tenant.scopes[key]},
            "secret": secret,
        }
    users = {
        name.split("@")[0]: {"user_name": name, "family_name": tenant.family[name], "emails": [name]}
        for name in tenant.user_names
    }
    groups = {
        key: {"display_name": key, "exclusive": True, "members": list(members)}
        for key, members in tenant.members.items()
    }
    return {"catalog": list(provider_ops.SCOPES), "clients": clients, "users": users, "groups": groups}


def config_bytes(model: dict[str, Any]) -> int:
    """Bytes of PULUMI_CONFIG the model alone takes (the count `scopectl validate` makes)."""
    return pulumi_config_bytes({ACCESS_KEY: model})


def fits_stack_config(model: dict[str, Any]) -> bool:
    return config_bytes(model) <= PULUMI_CONFIG_MAX_BYTES - CONFIG_HEADROOM


class BenchStack(ProjectStack):
    """The harness's project stack, plus the file route for models too large for stack config."""

    def __init__(
        self, workdir: Path, emulator: RunningEmulator, model: dict[str, Any], timeout: float
    ) -> None:
        self.timeout = timeout
        self.via_file = False
        super().__init__(workdir, emulator, model)

    def write_model(self, model: dict[str, Any]) -> None:
        """The model where the current route reads it: the stack file, or the model file it names."""
        if self.via_file:
            dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
            (self.dir / MODEL_FILE).write_text(yaml.dump(model, Dumper=dumper, sort_keys=False))
        else:
            self.set_model(model)

    def switch_to_file(self, model: dict[str, Any]) -> None:
        """Move the model out of the stack file into MODEL_FILE, named by scope-manager:accessFile."""
        (self.dir / MODEL_FILE).parent.mkdir(parents=True, exist_ok=True)
        document = yaml.safe_load(self.stack_file.read_text())
        document["config"].pop(ACCESS_KEY, None)
        document["config"][ACCESS_FILE_KEY] = MODEL_FILE
        self.stack_file.write_text(yaml.safe_dump(document, sort_keys=False))
        self.via_file = True
        self.write_model(model)

    def cli(self, *args: str, policy: bool) -> Result:
        pack = ("--policy-pack", str(POLICY_PACK)) if policy else ()
        return self.run(*args, *pack, timeout=self.timeout)


# -- measuring ---------------------------------------------------------------------------------------
@dataclass
class Figure:
    """One operation's cost: wall seconds, the emulator's request counters, the engine's summary."""

    operation: str
    engine: str
    seconds: float
    requests: Counter[str]
    summary: str
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.requests.values())

    @property
    def writes(self) -> int:
        return sum(
            count
            for route, count in self.requests.items()
            if route.split(" ", 1)[0] in WRITE_METHODS and "/oauth2/" not in route
        )


SUMMARY_LINE = re.compile(
    r"^\s*(?:[-+~]|\+-)?\s*(\d+) "
    r"(to create|to update|to delete|to replace|created|updated|deleted|replaced|unchanged)\s*$"
)
UNCHANGED = re.compile(r"\b(\d+) unchanged\s*$")
SUMMARY_NAMES = {
    "created": "create", "to create": "create", "updated": "update", "to update": "update",
    "deleted": "delete", "to delete": "delete", "replaced": "replace", "to replace": "replace",
    "unchanged": "same",
}  # fmt: skip


def resource_summary(output: str) -> str:
    """``create 38`` / ``replace 1, same 33, update 4`` from the CLI's ``Resources:`` block (plain text).

    The CLI counts the stack resource too; after changes it ends with ``5 changes. 33 unchanged``."""
    block = output.split("\nResources:\n", 1)[-1] if "\nResources:\n" in output else ""
    counts: Counter[str] = Counter()
    for line in block.splitlines()[:12]:  # the block is at most one line per kind of step
        match = SUMMARY_LINE.match(line)
        if match:
            counts[SUMMARY_NAMES[match.group(2)]] += int(match.group(1))
        elif unchanged := UNCHANGED.search(line):
            counts["same"] += int(unchanged.group(1))
    return ", ".join(f"{op} {count}" for op, count in sorted(counts.items())) or "(no summary)"


def measure(
    emulator: RunningEmulator, stack: BenchStack, operation: str, args: tuple[str, ...], policy: bool
) -> Figure:
    """Run one CLI command with the emulator's counters reset; fail loudly when the command fails."""
    print(f"real engine: {operation}: pulumi {' '.join(args)}", file=sys.stderr, flush=True)
    emulator.reset_stats()
    started = time.perf_counter()
    result = stack.cli(*args, policy=policy)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise CommandFailed(f"pulumi {' '.join(args)} exited {result.returncode}:\n{result.output[-6000:]}")
    figure = Figure(operation, "real", seconds, Counter(emulator.stats()), resource_summary(result.stdout))
    print(f"real engine: {operation}: {seconds:.1f} s, {figure.total} requests", file=sys.stderr, flush=True)
    return figure


@dataclass
class RealRun:
    figures: list[Figure]
    share: dict[str, int]
    route: str
    stack_config_attempt: str


def run_real(size: Size, policy: bool, parallel: int, timeout: float) -> RealRun:
    """Create, no-op ``preview --refresh`` and the 1% change through the CLI on a fresh emulator."""
    tenant = Tenant(size)
    model = access_model(tenant)
    with (
        tempfile.TemporaryDirectory(prefix="real-engine-") as data,
        run_emulator(Path(data) / "tenant") as emulator,
    ):
        stack = BenchStack(Path(data) / "work", emulator, model, timeout)
        attempt = ""
        if not fits_stack_config(model):
            print(
                "real engine: the model is too large for PULUMI_CONFIG; showing it",
                file=sys.stderr,
                flush=True,
            )
            tried = stack.cli("preview", policy=False)
            attempt = _first_error_line(tried)
            stack.switch_to_file(model)
        route = f"model file, {ACCESS_FILE_KEY}" if stack.via_file else "stack config"
        flags = ("--parallel", str(parallel))
        figures = [measure(emulator, stack, "create", ("up", "--yes", "--skip-preview", *flags), policy)]
        figures.append(measure(emulator, stack, "no-op refresh", ("preview", "--refresh", *flags), policy))
        share = tenant.change_one_percent(random.Random(11))  # the same change provider_ops makes
        stack.write_model(access_model(tenant))
        figures.append(
            measure(emulator, stack, "1% change", ("up", "--yes", "--skip-preview", *flags), policy)
        )
    return RealRun(figures, share, route, attempt)


def _first_error_line(result: Result) -> str:
    """The line that says why a command failed (``argument list too long``), else its exit code."""
    if result.returncode == 0:
        return "succeeded"
    for line in result.output.splitlines():
        if "too long" in line or "error:" in line:
            return line.strip()[:300]
    return f"exit code {result.returncode}"


def run_double(size: Size, parallel: int) -> list[Figure]:
    """``provider_ops``'s operations through the engine double, as figures of this script."""
    print("engine double: create, no-op refresh, 1% change, destroy", file=sys.stderr, flush=True)
    figures, _share = provider_ops.run(size, parallel)
    return [
        Figure(
            figure.operation,
            "double",
            figure.seconds,
            figure.requests,
            ", ".join(f"{op} {count}" for op, count in sorted(figure.steps.items())),
        )
        for figure in figures
        if figure.operation in OPERATIONS
    ]


# -- reporting ---------------------------------------------------------------------------------------
def versions() -> dict[str, str]:
    cli = find_pulumi()
    pulumi_version = subprocess.run(
        [str(cli), "version"], capture_output=True, text=True, timeout=60, check=False,
        env={**os.environ, "PULUMI_SKIP_UPDATE_CHECK": "true"},
    ).stdout.strip()  # fmt: skip
    return {
        "pulumi": f"{pulumi_version} ({'on PATH' if shutil.which('pulumi') else 'the scripts/engine build'})",
        "pulumi SDK (Python)": metadata.version("pulumi"),
        "Python": platform.python_version(),
    }


def report(
    command: str, size: Size, parallel: int, policy: bool, real: RealRun, double: list[Figure], load: str
) -> str:
    resources = size.users + size.clients * 3 + size.groups
    share = real.share
    lines = [
        "# The real Pulumi engine at tenant scale, beside the engine double",
        "",
        f"Command: `{command}`  ",
        f"Date: {dt.date.today().isoformat()}  ",
        f"Machine: {os.cpu_count()} CPUs (nproc), load average {load}; emulator over loopback  ",
        "Versions: " + "; ".join(f"{name} {value}" for name, value in versions().items()),
        "",
        f"Tenant: {size.clients} API clients (each with a scope set and a secret), {size.users} users, "
        f"{size.groups} groups of {size.members_per_group} members = {resources} resources, the shape of "
        f"`bench/provider_ops.py`. The 1% change touched {share['clients']} client descriptions, "
        f"{share['clients']} scope sets (+1 scope), {share['clients']} manual rotations, {share['groups']} "
        f"groups (one member swapped) and {share['users']} users (renamed).",
        "",
        f"- **real**: the Pulumi CLI running the project's `__main__.py` on the access model (route: "
        f"{real.route}), file backend, passphrase secrets, `--parallel {parallel}`, policy pack "
        f"{'ON (`--policy-pack policies`)' if policy else 'OFF'}; `up` is `up --yes --skip-preview`, the "
        "no-op refresh is `preview --refresh`. Seconds are the command's wall time (CLI, language host, "
        "program, provider plugin, checkpoints).",
        f"- **double**: `bench/provider_ops.py`'s engine double driving the same provider plugin with up to "
        f"{parallel} resources in flight; its no-op refresh is a refresh alone (no program run, no plan).",
    ]
    if real.stack_config_attempt:
        lines += [
            f"- The model is {config_bytes(access_model(Tenant(size))):,} bytes of `PULUMI_CONFIG`, over "
            "Linux's 128 KiB for one environment string: with it in `Pulumi.<stack>.yaml`, `pulumi "
            f"preview` failed: `{real.stack_config_attempt}`. The bench then moved it into `{MODEL_FILE}`, "
            f"named by `{ACCESS_FILE_KEY}`, as `scopectl validate` tells a user to.",
        ]
    lines += [
        "",
        "| operation | engine | seconds | API requests | per resource | tenant writes | request mix "
        "| resources |",
        "|---|---|---:|---:|---:|---:|---|---|",
    ]
    by_operation = {(f.operation, f.engine): f for f in [*real.figures, *double]}
    for operation in OPERATIONS:
        for engine in ("real", "double"):
            figure = by_operation.get((operation, engine))
            if figure is None:
                continue
            lines.append(
                f"| {operation} | {engine} | {figure.seconds:.1f} | {figure.total} | "
                f"{figure.total / resources:.3f} | {figure.writes} | "
                f"{by_kind(figure.requests)} | {figure.summary} |"
            )
    lines += ["", "Busiest routes per operation:", ""]
    for operation in OPERATIONS:
        for engine in ("real", "double"):
            figure = by_operation.get((operation, engine))
            if figure is not None:
                top = ", ".join(f"`{route}` {count}" for route, count in figure.requests.most_common(4))
                lines.append(f"- {operation} ({engine}): {top}")
    lines += ["", "Every read (GET) per operation, where the engines differ most:", ""]
    for operation in OPERATIONS:
        for engine in ("real", "double"):
            figure = by_operation.get((operation, engine))
            if figure is not None:
                reads = sorted((r, n) for r, n in figure.requests.items() if r.startswith("GET "))
                listed = ", ".join(f"`{route}` {count}" for route, count in reads) or "none"
                lines.append(f"- {operation} ({engine}): {listed}")
    return "\n".join(lines) + "\n"


def size_argument(text: str) -> Size:
    """``--size``: four whole numbers of at least 1, comma-separated (argparse reports the error)."""
    parts = text.split(",")
    if len(parts) != 4:
        raise argparse.ArgumentTypeError(f"must be CLIENTS,GROUPS,USERS,MEMBERS_PER_GROUP, got {text!r}")
    clients, groups, users, members = (provider_ops.positive_int(part) for part in parts)
    if members > users:
        raise argparse.ArgumentTypeError(f"members per group ({members}) exceeds the users ({users})")
    return Size(clients=clients, groups=groups, users=users, members_per_group=members)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (smoke test)")
    parser.add_argument(
        "--parallel", type=provider_ops.positive_int, default=8,
        help="resources in flight for both engines, at least 1 (default 8, the CLI's own default on 2 CPUs)",
    )  # fmt: skip
    parser.add_argument(
        "--size",
        type=size_argument,
        help="CLIENTS,GROUPS,USERS,MEMBERS_PER_GROUP instead of the full size (e.g. 40,20,200,5)",
    )
    parser.add_argument(
        "--policy-pack", action="store_true", help="run every real-engine command with --policy-pack policies"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "bench" / "results" / "real_engine.md",
        help="where to write the Markdown table (default bench/results/real_engine.md)",
    )
    args = parser.parse_args()
    if find_pulumi() is None:
        sys.exit("bench/real_engine.py: no Pulumi CLI: put one on PATH or run ./scripts/engine first")
    size = args.size or (QUICK if args.quick else FULL)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    double = run_double(size, args.parallel)
    real = run_real(size, args.policy_pack, args.parallel, COMMAND_TIMEOUT_SECONDS[args.quick])
    load += f" at start, {', '.join(f'{value:.1f}' for value in os.getloadavg())} at end"
    command = " ".join(["bench/real_engine.py", *sys.argv[1:]])
    text = report(command, size, args.parallel, args.policy_pack, real, double, load)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)


if __name__ == "__main__":
    main()
