"""Independent judges of SCIM conformance: scim2-tester (in-process and over loopback) and scim-sanity.

Neither tool was written for this project: scim2-tester is python-scim's own checker (135 checks on
discovery, CRUD, attribute projection and PATCH of every attribute), scim-sanity an unrelated
author's probe (discovery, lifecycles, search, error handling; it insists on PATCH answering 200).
They run against the strict dialect, which is what RFC 7644 clients should see.
"""

from __future__ import annotations

import collections
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import httpx2
import pytest
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_client.engines.wsgi import WSGISCIMClient
from scim2_tester import Status, check_server

from tests.emulator.scim.shim import BASE_URL, READ_WRITE, SCOPES_HEADER, PrincipalShim
from tests.support.emulator import RunningEmulator, run_emulator

SCIM_SANITY = Path(sys.executable).parent / "scim-sanity"
FAILING = (Status.ERROR, Status.CRITICAL)


def failures(results: list) -> list[str]:
    return [
        f"{r.status.name} {r.resource_type or ''} {r.title}: {r.reason}"
        for r in results
        if r.status in FAILING
    ]


@pytest.fixture(scope="module")
def strict_emulator(tmp_path_factory) -> Iterator[RunningEmulator]:
    with run_emulator(tmp_path_factory.mktemp("conformance") / "tenant") as running:
        yield running


def test_scim2_tester_in_process_finds_no_error(scim_app):
    client = WSGISCIMClient(PrincipalShim(scim_app), base_url=BASE_URL, headers={SCOPES_HEADER: READ_WRITE})
    results = check_server(client)
    assert not failures(results)
    counts = collections.Counter(r.resource_type or "discovery" for r in results)
    assert counts["User"] > 50 and counts["Group"] > 10 and counts["discovery"] > 10, counts


def test_scim2_tester_over_loopback_with_the_idp_token_finds_no_error(strict_emulator):
    credentials = strict_emulator.credentials
    headers = {"Authorization": f"Bearer {credentials['scim_token']}"}
    with httpx2.Client(base_url=credentials["scim_url"], headers=headers, timeout=30) as http:
        results = check_server(SyncSCIMClient(http))
    assert not failures(results)
    assert len(results) > 100


def resource_counts(emulator: RunningEmulator) -> tuple[int, int]:
    credentials = emulator.credentials
    headers = {"Authorization": f"Bearer {credentials['scim_token']}"}
    with httpx.Client(base_url=credentials["scim_url"], headers=headers, timeout=30) as http:
        return tuple(
            http.get(f"/{kind}", params={"count": 0}).json()["totalResults"] for kind in ("Users", "Groups")
        )


def test_scim_sanity_probe_passes_in_strict_mode_with_an_oauth_token(strict_emulator):
    """The admin client's OAuth token holds scim:read and scim:write: scope grants take effect on SCIM.

    The probe deletes what it creates, so the tenant ends as it began: a DELETE that answered 204
    but kept the resource would show here.
    """
    before = resource_counts(strict_emulator)
    command = [
        str(SCIM_SANITY),
        "probe",
        strict_emulator.credentials["scim_url"],
        "--token",
        strict_emulator.access_token(),
        "--i-accept-side-effects",
        "--json-output",
        "--timeout",
        "30",
    ]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    report = json.loads(finished.stdout)
    failed = [r for r in report["results"] if r["status"] not in ("pass", "skip")]
    assert failed == [], failed
    summary = report["summary"]
    assert (summary["failed"], summary["errors"], summary["warnings"]) == (0, 0, 0)
    assert summary["passed"] >= 28, summary
    assert finished.returncode == 0
    assert resource_counts(strict_emulator) == before
