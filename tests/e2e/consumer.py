"""A consumer of a rotating secret, as a deployed integration behaves: `python -m tests.e2e.consumer`.

Two threads. One requests an access token every `--poll` seconds with the secret it last read; the
other re-reads the stack outputs every `--reread` seconds with the line a deployment pipeline uses,
`pulumi stack output client_credentials --show-secrets --json`, and takes `<client>.current.value`.
Each event is one JSON line in `--log` (ids and outcomes only, never a value):

  {"event": "read", "secret_id": "..."}                        outputs read, now using this secret
  {"event": "read-failed"}                                     outputs unreadable; keeps its secret
  {"event": "token", "ok": true, "secret_id": "...", "status": 200}

It stops when `--stop` (a file) appears.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import httpx


class Consumer:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.lock = threading.Lock()
        self.secret: tuple[str, str, str] | None = None  # client id, secret id, value
        self.log = open(args.log, "a", buffering=1)  # noqa: SIM115 - closed in main
        self.stop = Path(args.stop)

    def note(self, **event: Any) -> None:
        with self.lock:
            self.log.write(json.dumps(event) + "\n")

    def read_outputs(self) -> None:
        result = subprocess.run(
            [self.args.pulumi, "stack", "output", "client_credentials", "--show-secrets", "--json"],
            cwd=self.args.project,
            capture_output=True,
            text=True,
            check=False,
        )
        try:
            entry = json.loads(result.stdout)[self.args.client]
            current = entry["current"]
            secret = (str(entry["client_id"]), str(current["secret_id"]), str(current["value"]))
        except (ValueError, KeyError, TypeError):
            self.note(event="read-failed")
            return
        with self.lock:
            self.secret = secret
        self.note(event="read", secret_id=secret[1])

    def reader(self) -> None:
        while not self.stop.exists():
            self.read_outputs()
            time.sleep(self.args.reread)

    def poller(self) -> None:
        with httpx.Client(timeout=10.0) as http:
            while not self.stop.exists():
                with self.lock:
                    secret = self.secret
                if secret is not None:
                    client_id, secret_id, value = secret
                    response = http.post(
                        self.args.token_url,
                        data={
                            "grant_type": "client_credentials",
                            "client_id": client_id,
                            "client_secret": value,
                            "audience": "https://api.zscaler.com",
                        },
                    )
                    ok = response.status_code == 200
                    self.note(event="token", ok=ok, secret_id=secret_id, status=response.status_code)
                time.sleep(self.args.poll)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pulumi", required=True)
    parser.add_argument("--project", required=True)
    parser.add_argument("--client", required=True)
    parser.add_argument("--token-url", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--stop", required=True)
    parser.add_argument("--poll", type=float, default=0.2)
    parser.add_argument("--reread", type=float, default=1.0)
    consumer = Consumer(parser.parse_args())
    threads = [threading.Thread(target=consumer.reader), threading.Thread(target=consumer.poller)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    consumer.log.close()


if __name__ == "__main__":
    main()
