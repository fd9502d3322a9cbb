"""Rotation never breaks the consumer: a live integration across two scheduled rotations, real CLI.

A consumer process (`tests/e2e/consumer.py`) requests a token every 0.2 s with the secret it last read
from the stack outputs and re-reads them every 1 s, the way a deployed sync connector re-reads its
secret store. Days pass between `pulumi up` runs through SCOPE_MANAGER_TODAY (the program derives the
schedule from it, the providers judge the overlap window by it): rotation 1 on its scheduled day, the
run on the day its window ends, rotation 2 a period later, the run that ends its window.

With `overlap_days: 7` the consumer makes no failed token request. With `overlap_days: 0` (today's
behaviour before overlaps: the old secret revoked by the rotating run) the same consumer fails until it
next reads the outputs: the test can fail. "The window is longer than the consumer's re-read interval"
is modelled by waiting, between runs, until the consumer has read the current secret (an event, not a
timing assertion).

The emulator's ordered request log proves each rotation's order: new secret created, a token obtained
with it (the request log names the secret that matched), and only in a later run (after the window)
the previous secret revoked; the client never holds more than two secrets.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from access_model.rotation import next_rotation
from tests.e2e.harness import REPO_ROOT, ProjectStack, client_model, model
from tests.support.emulator import RunningEmulator
from tests.support.pulumi_cli import require_pulumi

ADMIN = "/ziam/admin/api/v1"
EVERY_DAYS = 30
WAIT_FOR_CONSUMER_S = 120.0  # a bound on waiting for an event, never asserted on


class ConsumerProcess:
    def __init__(self, workdir: Path, stack: ProjectStack, client: str) -> None:
        self.log = workdir / "consumer.jsonl"
        self.stop_file = workdir / "consumer.stop"
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "tests.e2e.consumer",
                "--pulumi", str(require_pulumi()),
                "--project", str(stack.dir),
                "--client", client,
                "--token-url", stack.emulator.credentials["token_url"],
                "--log", str(self.log),
                "--stop", str(self.stop_file),
                "--poll", "0.2",
                "--reread", "1.0",
            ],
            cwd=REPO_ROOT,
            env=stack.env,
        )  # fmt: skip

    def events(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines() if line.strip()]

    def wait_until_using(self, secret_id: str) -> None:
        """Until a read that started after now hands the consumer `secret_id` (the outputs were
        written when `up` returned) and it has used it for a token request."""
        start = len(self.events())
        deadline = time.monotonic() + WAIT_FOR_CONSUMER_S
        while time.monotonic() < deadline:
            later = self.events()[start:]
            reads = [i for i, e in enumerate(later) if e["event"] == "read" and e["secret_id"] == secret_id]
            used = reads and any(
                e["event"] == "token" and e["secret_id"] == secret_id for e in later[reads[0] :]
            )
            if used:
                return
            time.sleep(0.2)
        raise AssertionError(f"the consumer did not pick up secret {secret_id}: {self.events()[-5:]}")

    def stop(self) -> list[dict[str, Any]]:
        self.stop_file.touch()
        self.process.wait(timeout=60)
        return self.events()


def live_secrets(admin: httpx.Client, client_id: str) -> set[str]:
    return {s["id"] for s in admin.get(f"/api-clients/{client_id}/secrets").json()}


def secret_counts(log: list[dict[str, Any]], client_id: str, initial: int) -> list[int]:
    """The client's number of secrets after each request that changed it, replayed from the log."""
    path = f"{ADMIN}/api-clients/{client_id}/secrets"
    count, counts = initial, []
    for entry in log:
        if entry["method"] == "POST" and entry["path"] == path and entry["status"] == 201:
            count += 1
        elif entry["method"] == "DELETE" and entry["path"].startswith(path + "/") and entry["status"] == 204:
            count -= 1
        else:
            continue
        counts.append(count)
    return counts


@pytest.mark.parametrize("overlap", [7, 0], ids=["overlap-7-days", "no-overlap"])
def test_a_consumer_never_fails_across_two_rotations_only_with_an_overlap(
    tmp_path: Path, emulator: RunningEmulator, admin: httpx.Client, prefix: str, overlap: int
) -> None:
    secret = {"lifetime_days": 90, "renew_before_days": 14, "rotate_every_days": EVERY_DAYS}
    clients = {
        "reporting": client_model(
            ["scim:read"],
            name=f"{prefix}-{overlap}-reporting",
            purpose="reporting",
            secret={**secret, "overlap_days": overlap},
        )
    }
    stack = ProjectStack(tmp_path, emulator, model(clients))
    if overlap == 0:  # the pack blocks an overlap shorter than a day unless told otherwise
        stack.set_policy_config({"secret-overlap-minimum": "disabled"})
    today = dt.datetime.now(dt.UTC).date()  # the first `up` runs on it even if the test crosses midnight
    stack.up(env={"SCOPE_MANAGER_TODAY": today.isoformat()})
    client_id = stack.resources()["reporting"]["id"]
    secrets = [stack.resources()["reporting-secret"]["id"]]
    emulator.reset_stats()
    consumer = ConsumerProcess(tmp_path, stack, "reporting")
    try:
        consumer.wait_until_using(secrets[0])
        rotation_1 = next_rotation(today, EVERY_DAYS)
        rotation_2 = rotation_1 + dt.timedelta(days=EVERY_DAYS)
        boundaries: list[int] = []
        for rotation_day in (rotation_1, rotation_2):
            window_end = rotation_day + dt.timedelta(days=overlap)
            # The scheduled run on the rotation day: a new secret, the old one kept for the window.
            boundaries.append(len(emulator.requests()))
            stack.up(env={"SCOPE_MANAGER_TODAY": rotation_day.isoformat()})
            secrets.append(stack.resources()["reporting-secret"]["id"])
            kept = {secrets[-2], secrets[-1]} if overlap else {secrets[-1]}
            assert live_secrets(admin, client_id) == kept
            consumer.wait_until_using(secrets[-1])
            # The first run on the day the window ends: the preview names the revocation, `up` does it.
            on_window_end = {"SCOPE_MANAGER_TODAY": window_end.isoformat()}
            if overlap and rotation_day == rotation_1:
                preview = stack.preview("--diff", env=on_window_end)
                assert preview.returncode == 0, preview.output
                expected = f"previous secret of `reporting` will be revoked: overlap ended on {window_end}"
                assert expected in preview.stdout, preview.stdout
            boundaries.append(len(emulator.requests()))
            stack.up(env=on_window_end)
            assert live_secrets(admin, client_id) == {secrets[-1]}
        events = consumer.stop()
    finally:
        if consumer.process.poll() is None:
            consumer.stop_file.touch()
            consumer.process.wait(timeout=60)

    tokens = [e for e in events if e["event"] == "token"]
    failed = [e for e in tokens if not e["ok"]]
    in_order = [
        e["secret_id"] for i, e in enumerate(tokens) if i == 0 or e["secret_id"] != tokens[i - 1]["secret_id"]
    ]
    print(
        f"\nconsumer, overlap {overlap} days: {len(tokens)} token requests, {len(failed)} failed, "
        f"{sum(e['event'] == 'read' for e in events)} output reads, secrets used in order {in_order}"
    )
    assert {e["secret_id"] for e in tokens} == set(secrets), "the consumer used every secret in turn"

    log = emulator.requests()
    secrets_path = f"{ADMIN}/api-clients/{client_id}/secrets"
    for number, (old, new) in enumerate(itertools.pairwise(secrets)):
        rotation_run, window_run = boundaries[2 * number], boundaries[2 * number + 1]
        run = log[rotation_run:window_run]
        create = ("POST", secrets_path, 201)
        created = next(i for i, e in enumerate(run) if (e["method"], e["path"], e["status"]) == create)
        verified = next(i for i, e in enumerate(run) if e.get("secret_id") == new and e["status"] == 200)
        revoked = [
            i
            for i, e in enumerate(log)
            if (e["method"], e["path"], e["status"]) == ("DELETE", f"{secrets_path}/{old}", 204)
        ]
        assert len(revoked) == 1
        print(
            f"rotation {number + 1}: created at request {rotation_run + created}, token with it at "
            f"{rotation_run + verified}, previous revoked at {revoked[0]} "
            f"({'a later run' if revoked[0] >= window_run else 'the rotating run'})"
        )
        assert created < verified
        if overlap:
            assert revoked[0] >= window_run, "the previous secret is revoked by a later run, after the window"
        else:
            assert rotation_run + verified < revoked[0] < window_run
    counts = secret_counts(log, client_id, initial=1)
    assert max(counts) <= 2, counts

    if overlap:
        assert failed == [], failed
    else:
        assert failed, "without an overlap the consumer fails until it re-reads the outputs"
        assert {e["secret_id"] for e in failed} <= set(secrets[:-1]), "only revoked secrets failed"


def test_the_consumer_example_reads_the_current_secret_through_a_stack_reference(
    tmp_path: Path, emulator: RunningEmulator, prefix: str
) -> None:
    """examples/consumer, as shipped, run next to the producer stack on the same backend."""
    clients = {"reporting": client_model(["scim:read"], name=f"{prefix}-reporting", purpose="reporting")}
    producer = ProjectStack(tmp_path, emulator, model(clients))
    producer.up()
    consumer_dir = tmp_path / "consumer"
    consumer_dir.mkdir()
    project = (REPO_ROOT / "examples" / "consumer" / "Pulumi.yaml").read_text()
    (consumer_dir / "Pulumi.yaml").write_text(project.replace("../../.venv", str(REPO_ROOT / ".venv")))
    (consumer_dir / "__main__.py").symlink_to(REPO_ROOT / "examples" / "consumer" / "__main__.py")

    def pulumi(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(require_pulumi()), *args, "--non-interactive"],
            cwd=consumer_dir,
            env=producer.env,
            capture_output=True,
            text=True,
            timeout=600,
            check=True,
        )

    pulumi("stack", "init", "consumer", "--secrets-provider", "passphrase")
    pulumi("config", "set", "scopeManagerStack", "organization/scope-manager/dev")
    pulumi("up", "--yes", "--skip-preview")
    outputs = json.loads(pulumi("stack", "output", "--show-secrets", "--json").stdout)
    published = producer.run("stack", "output", "client_secrets", "--show-secrets", "--json", check=True)

    assert outputs["client_secret"] == published.json()["reporting"]
    assert outputs["client_id"] == producer.resources()["reporting"]["outputs"]["client_id"]
    assert outputs["previous_secret_revoke_on"] == ""  # no rotation yet
    emulator.access_token(outputs["client_id"], outputs["client_secret"])
    hidden = pulumi("stack", "output").stdout
    assert outputs["client_secret"] not in hidden
