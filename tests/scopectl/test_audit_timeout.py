"""`scopectl audit`/`export` against a tenant that accepts connections and never answers: one overall
deadline (`--timeout`, `SCOPE_MANAGER_TIMEOUT`) ends the command with the real time spent and the
request that timed out, exit 1. Issue 13: it hung 263 s, then said "over 21.8 s".

The server here is a plain socket that accepts and holds every connection, answering nothing. Each
test passes a deadline of about a second, so the test itself ends in a few seconds; nothing asserts a
time, only what the error says.
"""

from __future__ import annotations

import json
import re
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from scopectl.__main__ import main

SECRET = "silent-tenant-secret-9f3c2a71"
MODEL = {"clients": {"reporting": {"name": "reporting", "scopes": {"scim:read": {}}}}}


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A loopback server that accepts every connection and never sends a byte."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(5)
        for connection in held:
            connection.close()
        listener.close()


@pytest.fixture
def project(tmp_path: Path, silent_server: str) -> Path:
    (tmp_path / "Pulumi.yaml").write_text("name: scope-manager\nruntime: python\n")
    config = {"scope-manager:access": MODEL}
    (tmp_path / "Pulumi.dev.yaml").write_text(yaml.safe_dump({"config": config}))
    credentials = {
        "token_url": f"{silent_server}/oauth2/v1/token",
        "api_url": silent_server,
        "client_id": "audit-client",
        "client_secret": SECRET,
    }
    (tmp_path / "credentials.json").write_text(json.dumps(credentials))
    return tmp_path


def audit(project: Path, *args: str) -> list[str]:
    return [
        "audit", "--stack", "dev", "--cwd", str(project), "--quiet",
        "--credentials-file", str(project / "credentials.json"), *args,
    ]  # fmt: skip


def test_audit_stops_at_its_timeout_naming_the_request_and_the_time_spent(project: Path, capsys) -> None:
    code = main(audit(project, "--timeout", "1"))

    out, err = capsys.readouterr()
    assert (code, out) == (1, "")
    [line] = err.strip().splitlines()
    assert line.startswith(
        "scopectl audit: error: reading the tenant failed: POST /oauth2/v1/token: timed out after "
    )
    assert re.search(r"timed out after \d+\.\ds \(overall deadline 1 s \(--timeout\)\)", line), line
    assert "the server accepted the connection but sent no answer" in line
    assert SECRET not in err


def test_the_environment_sets_the_timeout_and_export_obeys_it_too(project: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("SCOPE_MANAGER_TIMEOUT", "0.8")
    code = main(["export", "--quiet", "--credentials-file", str(project / "credentials.json")])

    out, err = capsys.readouterr()
    assert (code, out) == (1, "")
    assert "overall deadline 0.8 s (SCOPE_MANAGER_TIMEOUT)" in err
    assert "POST /oauth2/v1/token" in err and SECRET not in err


@pytest.mark.parametrize("value", ["0", "-3", "soon", "nan", "inf"])
def test_a_timeout_that_is_not_a_positive_number_is_refused_before_any_request(
    project: Path, capsys, value: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(audit(project, f"--timeout={value}"))

    _, err = capsys.readouterr()
    assert exited.value.code == 1
    assert f"argument --timeout: {value!r} is not a positive number of seconds" in err
