"""How the access model, the program and the policy pack scale with the size of a stack.

    .venv/bin/python bench/model_scale.py           # full sizes, writes bench/results/model_scale.md
    .venv/bin/python bench/model_scale.py --quick --out /tmp/x.md   # tiny sizes (a test runs this)

Measures, per model size (N clients with 5 scopes each, N users, one group holding every user):
- validate + parse + desired_state (what `scopectl validate` and the program do before declaring);
- the program under set_mocks (declaring 4N + N + 1 resources, no engine);
- the policy rules over the declared resources in-process (`policies.rules.evaluate`, as scopectl runs them);
- the policy pack over gRPC: process start-up, one Analyze per resource, one AnalyzeStack;
- reading the model's stack file (`Pulumi.<stack>.yaml`) with libyaml (what `load_stack` uses where
  PyYAML has it) and with the pure-Python parser (the fallback).
Figures are wall-clock on this machine; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from access_model import desired_state, load_yaml, parse, validate  # noqa: E402
from access_model.loading import string_dates_loader  # noqa: E402
from policies.rules import evaluate  # noqa: E402
from tests.support.analyzer_double import PolicyPackHost, StackResource  # noqa: E402
from tests.support.program_double import run_program, unwrap  # noqa: E402

SCOPES = ["scim:read", "scim:write", "connector:read", "connector:write", "sync:profile:read"]
TODAY = {"SCOPE_MANAGER_TODAY": "2026-11-22"}


def model(clients: int) -> dict:
    users = {
        f"user-{i}": {"user_name": f"user{i}@example.com", "expires": "2027-06-30"} for i in range(clients)
    }
    return {
        "catalog": SCOPES,
        "clients": {
            f"client-{i}": {
                "owner": "team@example.com",
                "purpose": "provisioning",
                "scopes": {s: {"justification": f"CHG-{i}", "expires": "2027-06-30"} for s in SCOPES},
                "secret": {"lifetime_days": 90, "rotate_every_days": 76},
            }
            for i in range(clients)
        },
        "users": users,
        "groups": {
            "everyone": {
                "display_name": "Everyone",
                "members": [{"user": u["user_name"], "expires": "2027-06-30"} for u in users.values()],
            }
        },
    }


def timed(func, repeat: int = 3) -> tuple[float, object]:
    """Median wall time in milliseconds over `repeat` runs, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, for the smoke test")
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "bench" / "results" / "model_scale.md",
        help="where to write the table",
    )
    args = parser.parse_args()
    sizes = [2, 5] if args.quick else [10, 100, 500]
    rows = []
    pack_rows = []
    with PolicyPackHost(ROOT / "policies") as pack:
        start_ms, _ = timed(
            lambda: PolicyPackHost(ROOT / "policies").start().stop(), repeat=1 if args.quick else 3
        )
        pack.configure()
        for n in sizes:
            raw = model(n)
            validate_ms, errors = timed(lambda raw=raw: validate(raw))
            assert errors == [], errors
            state_ms, _ = timed(lambda raw=raw: desired_state(parse(raw), dt.date(2026, 11, 22)))
            program_ms, run = timed(lambda raw=raw: run_program(raw, env=TODAY), repeat=1)
            assert run.error is None, run.error
            resources = [
                {
                    "type": r.type,
                    "urn": r.urn,
                    "name": r.name,
                    "props": unwrap(r.outputs),
                    "dependencies": r.dependencies,
                    "property_dependencies": r.property_dependencies,
                }
                for r in run.registrations
            ]
            rules_ms, findings = timed(lambda resources=resources: evaluate(resources))
            assert findings == [], findings[:3]
            rows.append((n, len(run.registrations), validate_ms, state_ms, program_ms, rules_ms))

            analyze_start = time.perf_counter()
            for r in run.registrations:
                assert pack.analyze(r.urn, r.type, r.inputs) == []
            analyze_ms = (time.perf_counter() - analyze_start) * 1000
            stack = [
                StackResource(r.urn, r.type, r.outputs, r.dependencies, r.property_dependencies)
                for r in run.registrations
            ]
            stack_ms, diagnostics = timed(lambda stack=stack: pack.analyze_stack(stack), repeat=1)
            assert diagnostics == [], diagnostics[:3]
            pack_rows.append((n, len(run.registrations), analyze_ms / len(run.registrations), stack_ms))

    lines = [
        "# Access model, program and policy pack at scale",
        "",
        f"`bench/model_scale.py{' --quick' if args.quick else ''}`; N clients with 5 scopes each, N users, "
        "one group of N members. Wall-clock milliseconds (median of 3 where repeated) on the machine that "
        f"ran it (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores when it finished).",
        "",
        "| clients | resources | validate | parse + desired_state | program under mocks | rules in-process |",
        "|---:|---:|---:|---:|---:|---:|",
        *[f"| {n} | {res} | {v:.1f} | {s:.1f} | {p:.0f} | {r:.1f} |" for n, res, v, s, p, r in rows],
        "",
        f"Policy pack over gRPC (`python -m pulumi.policy`): start-up to first answer {start_ms:.0f} ms.",
        "",
        "| clients | resources | Analyze per resource | AnalyzeStack (all resources) |",
        "|---:|---:|---:|---:|",
        *[f"| {n} | {res} | {a:.2f} | {s:.0f} |" for n, res, a, s in pack_rows],
        "",
    ]
    load_rows = []
    pure_python = string_dates_loader(yaml.SafeLoader)
    for n in [*sizes, *([] if args.quick else [2000])]:
        text = yaml.safe_dump({"config": {"scope-manager:access": model(n)}}, sort_keys=False)
        default_ms, _ = timed(lambda text=text: load_yaml(text, "bench"))
        python_ms, _ = timed(lambda text=text: load_yaml(text, "bench", pure_python))
        load_rows.append((n, len(text.encode()) / 1024, default_ms, python_ms))
    default_loader = "libyaml" if yaml.__with_libyaml__ else "pure Python (PyYAML without libyaml)"
    lines += [
        f"Reading the stack file (`load_yaml`; default parser here: {default_loader}).",
        "",
        "| clients | file KB | default parser | pure-Python parser |",
        "|---:|---:|---:|---:|",
        *[f"| {n} | {kb:.0f} | {d:.0f} | {py:.0f} |" for n, kb, d, py in load_rows],
        "",
    ]
    report = "\n".join(lines)
    print(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report, encoding="utf-8")
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
