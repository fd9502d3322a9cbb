"""Launch the real emulator (``python -m emulator``) as a subprocess for loopback tests.

Tests that need real sockets (connection drops, concurrency, restart persistence, the CLI) use this;
tests that only need HTTP semantics use ``emulator.app.create_app`` with ``httpx.WSGITransport``.
The process always gets a free port (``--port 0``, the real one read from its ready line) and is
always stopped on exit, so parallel test runs never collide or leak servers.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

REPO_ROOT = Path(__file__).resolve().parents[2]
READY_PREFIX = "emulator listening on "
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
AUDIENCE = "https://api.zscaler.com"


class EmulatorFailedToStart(RuntimeError):
    pass


class RunningEmulator:
    """Handle on one emulator process; see ``run_emulator``."""

    def __init__(self, data_dir: Path, dialect: str, extra_args: Sequence[str]) -> None:
        self.data_dir = Path(data_dir)
        self.dialect = dialect
        self.extra_args = tuple(extra_args)
        self.base_url = ""
        self.credentials: dict[str, str] = {}
        self.port = 0
        self._process: subprocess.Popen[str] | None = None
        self._control: httpx.Client | None = None
        self._log_path = self.data_dir.parent / f"{self.data_dir.name}.emulator.log"

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        command = [
            sys.executable, "-m", "emulator",
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--data-dir", str(self.data_dir),
            "--dialect", self.dialect,
            *self.extra_args,
        ]  # fmt: skip
        log = open(self._log_path, "a")  # noqa: SIM115 - closed when the process is stopped
        self._process = subprocess.Popen(
            command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=log, text=True, env=_child_env()
        )
        log.close()  # the child holds its own descriptor
        line = _read_line_with_timeout(self._process, START_TIMEOUT_S)
        if not line.startswith(READY_PREFIX):
            self._kill()
            raise EmulatorFailedToStart(
                f"emulator did not become ready (got {line!r}); log tail:\n{self.log_tail()}"
            )
        self.base_url = line[len(READY_PREFIX) :].strip()
        self.port = int(self.base_url.rsplit(":", 1)[1])
        self.credentials = json.loads((self.data_dir / "credentials.json").read_text())
        self._control = httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {self.credentials['control_token']}"},
            timeout=30.0,
        )

    def stop(self) -> int | None:
        """SIGTERM, wait, SIGKILL as a last resort. Returns the exit code."""
        if self._control is not None:
            self._control.close()
            self._control = None
        process, self._process = self._process, None
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(STOP_TIMEOUT_S)
        if process.stdout is not None:
            process.stdout.close()
        return process.returncode

    def _kill(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            process.kill()
            process.wait(STOP_TIMEOUT_S)
            if process.stdout is not None:
                process.stdout.close()

    def restart(self) -> None:
        """Stop and start again on the same port and data dir (state must survive)."""
        self.stop()
        self.start()

    @property
    def pid(self) -> int:
        assert self._process is not None, "emulator is not running"
        return self._process.pid

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self._log_path.read_text().splitlines()[-lines:])
        except OSError:
            return "(no log)"

    # -- control API -----------------------------------------------------------------------------
    def _control_client(self) -> httpx.Client:
        assert self._control is not None, "emulator is not running"
        return self._control

    def stats(self) -> dict[str, int]:
        response = self._control_client().get("/_emulator/stats")
        response.raise_for_status()
        return response.json()["routes"]

    def requests(self) -> list[dict[str, Any]]:
        """The emulator's request log in arrival order: ``{seq, method, path, status}`` per request."""
        response = self._control_client().get("/_emulator/requests")
        response.raise_for_status()
        return response.json()["requests"]

    def reset_stats(self) -> None:
        self._control_client().post("/_emulator/stats/reset").raise_for_status()

    def set_faults(self, **spec: Any) -> None:
        self._control_client().put("/_emulator/faults", json=spec).raise_for_status()

    def set_ratelimit(self, **spec: Any) -> None:
        self._control_client().put("/_emulator/ratelimit", json=spec).raise_for_status()

    # -- clients for tests -------------------------------------------------------------------------
    def access_token(self, client_id: str | None = None, client_secret: str | None = None) -> str:
        response = httpx.post(
            self.credentials["token_url"],
            data={
                "grant_type": "client_credentials",
                "client_id": client_id or self.credentials["client_id"],
                "client_secret": client_secret or self.credentials["client_secret"],
                "audience": AUDIENCE,
            },
            timeout=30.0,
        )
        response.raise_for_status()
        return response.json()["access_token"]

    def admin_http(self) -> httpx.Client:
        """An ``httpx.Client`` on ``api_url`` holding a fresh admin access token (``ziam:admin``,
        ``scim:read``, ``scim:write``), for out-of-band edits. The caller closes it."""
        return httpx.Client(
            base_url=self.credentials["api_url"],
            headers={"Authorization": f"Bearer {self.access_token()}"},
            timeout=30.0,
        )


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _read_line_with_timeout(process: subprocess.Popen[str], timeout: float) -> str:
    """First stdout line of ``process``, or "" if it exits or stays silent for ``timeout`` seconds."""
    assert process.stdout is not None
    result: list[str] = []
    reader = threading.Thread(target=lambda: result.append(process.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    return result[0] if result else ""


@contextmanager
def run_emulator(
    data_dir: Path, dialect: str = "strict", extra_args: Sequence[str] = ()
) -> Iterator[RunningEmulator]:
    """Run ``python -m emulator`` on a free loopback port over ``data_dir``; stop it on exit."""
    emulator = RunningEmulator(Path(data_dir), dialect, extra_args)
    emulator.start()
    try:
        yield emulator
    finally:
        emulator.stop()
