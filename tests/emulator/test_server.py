"""``python -m emulator`` as users run it: ready line, credentials.json, restart, logging, signals."""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from emulator.server import _parser
from tests.emulator.conftest import client_body, make_tenant
from tests.support.emulator import REPO_ROOT, _child_env, run_emulator

CLIENTS = "/ziam/admin/api/v1/api-clients"
CONTRACT_KEYS = {
    "token_url",
    "api_url",
    "client_id",
    "client_secret",
    "scim_url",
    "scim_token",
    "control_token",
}


def test_credentials_file_is_private_and_points_at_the_real_port(emulator):
    path = emulator.data_dir / "credentials.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    credentials = json.loads(path.read_text())
    assert set(credentials) == CONTRACT_KEYS
    assert credentials["api_url"] == emulator.base_url
    assert credentials["token_url"] == f"{emulator.base_url}/oauth2/v1/token"
    assert credentials["scim_url"].startswith(f"{emulator.base_url}/scim/1/")
    assert credentials["scim_url"].endswith("/v2")
    assert emulator.port != 0


def test_restart_keeps_clients_secrets_tokens_catalog_and_the_idp_token(emulator):
    with emulator.admin_http() as http:
        created = http.post(CLIENTS, json=client_body("survivor", ["scim:read"])).json()
        secret = http.post(
            f"{CLIENTS}/{created['id']}/secrets", json={"expiresAt": _days_from_now(90)}
        ).json()
        catalog = http.get("/ziam/admin/api/v1/resource-servers").json()
    token_before = emulator.access_token(created["id"], secret["value"])
    credentials_before = dict(emulator.credentials)
    scim_user = _create_scim_user(emulator)

    emulator.restart()

    for key in ("client_id", "client_secret", "scim_token"):
        assert emulator.credentials[key] == credentials_before[key], key
    with emulator.admin_http() as http:
        assert http.get(f"{CLIENTS}/{created['id']}").json() == created
        assert [s["id"] for s in http.get(f"{CLIENTS}/{created['id']}/secrets").json()] == [secret["id"]]
        assert http.get("/ziam/admin/api/v1/resource-servers").json() == catalog
    assert emulator.access_token(created["id"], secret["value"])
    old_token = httpx.get(
        f"{emulator.credentials['scim_url']}/Users", headers={"Authorization": f"Bearer {token_before}"}
    )
    assert old_token.status_code == 200  # issued before the restart, still valid
    fetched = httpx.get(
        f"{emulator.credentials['scim_url']}/Users/{scim_user['id']}",
        headers={"Authorization": f"Bearer {emulator.credentials['scim_token']}"},
    )
    assert fetched.status_code == 200
    assert fetched.json()["userName"] == scim_user["userName"]


def test_a_lost_credentials_file_is_replaced_with_working_credentials(emulator):
    old = dict(emulator.credentials)
    emulator.stop()
    (emulator.data_dir / "credentials.json").unlink()
    emulator.start()
    new = emulator.credentials
    assert new["client_id"] == old["client_id"]
    assert new["client_secret"] != old["client_secret"]
    assert new["scim_token"] != old["scim_token"]
    assert emulator.access_token()
    stale = httpx.get(f"{new['scim_url']}/Users", headers={"Authorization": f"Bearer {old['scim_token']}"})
    assert stale.status_code == 401


def test_sigterm_stops_the_server_cleanly(emulator):
    pid = emulator.pid
    assert emulator.stop() == 0
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_verbose_logs_one_line_per_request_without_credentials(tmp_path):
    with run_emulator(tmp_path / "t", extra_args=["--verbose"]) as emu:
        token = emu.access_token()
        httpx.get(f"{emu.base_url}{CLIENTS}", headers={"Authorization": f"Bearer {token}"})
        httpx.get(f"{emu.base_url}/_emulator/health")
        secrets = [emu.credentials[k] for k in ("client_secret", "scim_token", "control_token")] + [token]
    log = (tmp_path / "t.emulator.log").read_text()
    lines = [line for line in log.splitlines() if line.strip()]
    assert len(lines) == 2, lines  # the health check is a control request: not logged
    assert lines[0].startswith("POST /oauth2/v1/token 200 ")
    assert lines[1].startswith(f"GET {CLIENTS} 200 ")
    for secret in secrets:
        assert secret not in log


def test_without_verbose_nothing_is_logged_per_request(tmp_path):
    with run_emulator(tmp_path / "t") as emu:
        emu.access_token()
    assert (tmp_path / "t.emulator.log").read_text().strip() == ""


def test_concurrent_creates_are_all_kept_with_unique_ids(emulator):
    with emulator.admin_http() as http:

        def create(index: int) -> int:
            return http.post(CLIENTS, json=client_body(f"parallel-{index:02d}")).status_code

        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(create, range(40)))
        assert statuses == [201] * 40
        listing = http.get(CLIENTS, params={"name[like]": "parallel-"}).json()
        assert listing["totalRecord"] == 40
        assert len({record["id"] for record in listing["records"]}) == 40


def test_concurrent_secret_creates_never_leave_more_than_two(emulator):
    with emulator.admin_http() as http:
        created = http.post(CLIENTS, json=client_body("racy-secrets")).json()

        def add(_: int) -> int:
            return http.post(
                f"{CLIENTS}/{created['id']}/secrets", json={"expiresAt": _days_from_now(60)}
            ).status_code

        with ThreadPoolExecutor(max_workers=6) as pool:
            assert list(pool.map(add, range(12))) == [201] * 12
        assert len(http.get(f"{CLIENTS}/{created['id']}/secrets").json()) == 2


def _run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "emulator", *args],
        cwd=REPO_ROOT,
        env=_child_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_busy_port_is_a_clear_error(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        result = _run_cli("--port", str(port), "--data-dir", str(tmp_path / "t"))
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr


def test_a_host_that_does_not_resolve_is_a_clear_error(tmp_path):
    result = _run_cli("--host", "no-such-host.invalid", "--port", "0", "--data-dir", str(tmp_path / "t"))
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == "error: cannot listen on no-such-host.invalid:0: the host name does not resolve"
    )


@pytest.mark.parametrize(
    ("args", "mentions"),
    [
        (["--faults", "{not json"], "--faults: not valid JSON"),
        (["--faults", '{"error_rate": 5}'], "--faults: error_rate"),
        (["--faults", '{"seed": 1' + "0" * 5000 + "}"], "--faults: a number has too many digits"),
        (["--rate-limit", "0"], "--rate-limit: rps"),
        (["--rate-limit", "inf"], "--rate-limit: rps: expected a positive number"),
        (["--rate-limit", "nan"], "--rate-limit: rps: expected a positive number"),
        (
            ["--rate-limit", "5", "--rate-limit-burst", "1" + "0" * 400],
            "--rate-limit: burst: expected a positive",
        ),
        (["--dialect", "okta"], "--dialect"),
        (["--threads", "0"], "--threads"),
        (["--port", "70000"], "argument --port: must be between 0 and 65535, got 70000"),
        (["--port", "-1"], "argument --port: must be between 0 and 65535"),
        (["--seed", "3"], "--seed: seeds fault injection, so it needs --faults"),
        (
            ["--rate-limit-burst", "5"],
            "--rate-limit-burst: shapes the limit --rate-limit turns on, so it needs",
        ),
        (
            ["--rate-limit-style", "zpa"],
            "--rate-limit-style: shapes the limit --rate-limit turns on, so it needs",
        ),
    ],
)
def test_bad_flags_are_rejected_before_starting(tmp_path, args, mentions):
    result = _run_cli("--port", "0", "--data-dir", str(tmp_path / "t"), *args)
    assert result.returncode == 2
    assert mentions in result.stderr
    assert "listening" not in result.stdout


def test_sigint_also_stops_the_server(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "emulator", "--port", "0", "--data-dir", str(tmp_path / "t")],
        cwd=REPO_ROOT,
        env=_child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout.readline().startswith("emulator listening on http://127.0.0.1:")
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
        process.stderr.close()


def _days_from_now(days: int) -> int:
    return int(time.time()) + days * 86400


def _create_scim_user(emulator) -> dict:
    response = httpx.post(
        f"{emulator.credentials['scim_url']}/Users",
        json={"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "persisted@example.com"},
        headers={"Authorization": f"Bearer {emulator.credentials['scim_token']}"},
    )
    assert response.status_code == 201, response.text
    return response.json()


def _a_file(tmp_path):
    (tmp_path / "tenant").write_text("not a directory")
    return tmp_path / "tenant", tmp_path / "tenant"


def _under_a_file(tmp_path):
    (tmp_path / "a-file").write_text("x")
    return tmp_path / "a-file" / "sub", tmp_path / "a-file" / "sub"


def _garbage(name):
    def prepare(tmp_path):
        (tmp_path / "tenant").mkdir()
        (tmp_path / "tenant" / name).write_text("garbage")
        return tmp_path / "tenant", tmp_path / "tenant" / name

    return prepare


def _foreign_tenant_db(tmp_path):
    (tmp_path / "tenant").mkdir()
    with sqlite3.connect(tmp_path / "tenant" / "tenant.db") as other:
        other.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    other.close()
    return tmp_path / "tenant", tmp_path / "tenant" / "tenant.db"


@pytest.mark.parametrize(
    ("prepare", "says"),
    [
        (_a_file, "is a file, not a directory"),
        (_under_a_file, "cannot be created: Not a directory"),
        (_garbage("tenant.db"), "is not a usable emulator database"),
        (_foreign_tenant_db, "tables the emulator never writes: invoices"),
        (_garbage("scim.db"), "is not a usable emulator database"),
    ],
    ids=["a file", "under a file", "corrupt tenant.db", "foreign tenant.db", "corrupt scim.db"],
)
def test_a_bad_data_dir_is_one_clear_line_and_the_file_is_left_alone(tmp_path, prepare, says):
    data_dir, blamed = prepare(tmp_path)
    before = blamed.read_bytes() if blamed.is_file() else None
    result = _run_cli("--port", "0", "--data-dir", str(data_dir))
    assert result.returncode == 2
    assert "listening" not in result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: --data-dir: {blamed} ")
    assert says in lines[0]
    if before is not None:
        assert blamed.read_bytes() == before, "a refused file was changed"


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into any directory, so none is unwritable")
def test_an_unwritable_data_dir_is_one_clear_line(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        result = _run_cli("--port", "0", "--data-dir", str(locked))
    finally:
        locked.chmod(0o700)
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: --data-dir: {locked} is not writable"


def test_help_explains_the_outputs_and_the_docs_list_every_flag():
    result = _run_cli("--help")
    assert result.returncode == 0
    assert "credentials.json" in result.stdout
    assert "docs/emulator.md" in result.stdout
    flags = {
        option
        for action in _parser()._actions
        for option in action.option_strings
        if option.startswith("--") and option != "--help"
    }
    documented = (REPO_ROOT / "docs" / "emulator.md").read_text()
    assert flags, "no flags found"
    assert [flag for flag in sorted(flags) if f"| `{flag}" not in documented] == []
    assert [flag for flag in sorted(flags) if flag not in result.stdout] == []


def test_a_second_emulator_on_the_same_data_dir_is_refused_and_the_first_keeps_serving(emulator):
    credentials_before = (emulator.data_dir / "credentials.json").read_text()
    result = _run_cli("--port", "0", "--data-dir", str(emulator.data_dir))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"error: --data-dir: {emulator.data_dir} is in use by another emulator (pid {emulator.pid}); "
        "stop it or start with another --data-dir"
    )
    assert (emulator.data_dir / "credentials.json").read_text() == credentials_before
    assert httpx.get(f"{emulator.base_url}/_emulator/health", timeout=10).status_code == 200


def test_the_data_dir_and_the_databases_holding_keys_are_private(emulator):
    """tenant.db holds the token signing key: readable by others, it would let them mint admin tokens."""
    emulator.access_token()  # a write, so the WAL files exist too
    assert stat.S_IMODE(emulator.data_dir.stat().st_mode) == 0o700
    databases = sorted(emulator.data_dir.glob("*.db*"))
    assert {path.name for path in databases} >= {"tenant.db", "scim.db"}
    assert {path.name: stat.S_IMODE(path.stat().st_mode) for path in databases} == {
        path.name: 0o600 for path in databases
    }


def test_in_process_verbose_option_decides_whether_requests_are_logged(tmp_path, caplog):
    """``EmulatorOptions.verbose`` is the switch, not whatever level the host process's logging is at."""
    caplog.set_level(logging.INFO, logger="emulator.requests")
    for verbose in (False, True):
        tenant = make_tenant(tmp_path / f"verbose-{verbose}", verbose=verbose)
        try:
            caplog.clear()
            tenant.token()
            lines = [record.getMessage() for record in caplog.records if record.name == "emulator.requests"]
        finally:
            tenant.http.close()
            tenant.app.close()
        if verbose:
            assert len(lines) == 1 and lines[0].startswith("POST /oauth2/v1/token 200 "), lines
            assert tenant.credentials["client_secret"] not in lines[0]
        else:
            assert lines == []
