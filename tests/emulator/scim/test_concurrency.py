"""Concurrent member PATCHes over loopback lose no update (waitress serves them on several threads).

Bounded: 4 client threads x 15 requests, each with a 30 s timeout, against one emulator process.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.emulator.scim.helpers import (
    add_members,
    create_group,
    create_users,
    loopback_client,
    member_values,
    patch_body,
    remove_member,
)
from tests.support.emulator import RunningEmulator, run_emulator

THREADS = 4
PER_THREAD = 15


@pytest.fixture(scope="module")
def tenant(tmp_path_factory) -> Iterator[RunningEmulator]:
    with run_emulator(
        tmp_path_factory.mktemp("scim-concurrency") / "tenant", extra_args=("--threads", "4")
    ) as running:
        yield running


def scim_http(tenant: RunningEmulator) -> httpx.Client:
    return loopback_client(tenant.credentials["scim_url"], tenant.credentials["scim_token"])


def test_concurrent_member_adds_and_removes_all_land(tenant):
    with scim_http(tenant) as scim:
        users = create_users(scim, THREADS * PER_THREAD + THREADS, prefix="concurrent")
        joining, leaving = users[: THREADS * PER_THREAD], users[THREADS * PER_THREAD :]
        group = create_group(scim, "busy", leaving)

    def worker(index: int) -> list[int]:
        """Adds its 15 users one request at a time; the first request also removes one initial member."""
        mine = joining[index * PER_THREAD : (index + 1) * PER_THREAD]
        statuses = []
        with scim_http(tenant) as http:
            for n, member in enumerate(mine):
                operations = [add_members(member)]
                if n == 0:
                    operations.append(remove_member(leaving[index]))
                response = http.patch(
                    f"/Groups/{group['id']}",
                    json=patch_body(*operations),
                    params={"excludedAttributes": "members"},
                )
                statuses.append(response.status_code)
        return statuses

    with ThreadPoolExecutor(THREADS) as pool:
        statuses = [status for result in pool.map(worker, range(THREADS)) for status in result]

    assert statuses == [200] * (THREADS * PER_THREAD)
    with scim_http(tenant) as scim:
        final = scim.get(f"/Groups/{group['id']}").json()
    assert sorted(member_values(final)) == sorted(joining)


def test_if_match_lets_exactly_one_of_two_racing_writers_through(tenant):
    with scim_http(tenant) as scim:
        first, second = create_users(scim, 2, prefix="racer")
        group = create_group(scim, "raced")
    start = threading.Barrier(2)

    def write(member: str) -> int:
        with scim_http(tenant) as http:
            start.wait(timeout=30)
            return http.patch(
                f"/Groups/{group['id']}",
                json=patch_body(add_members(member)),
                headers={"If-Match": group["meta"]["version"]},
            ).status_code

    with ThreadPoolExecutor(2) as pool:
        statuses = sorted(pool.map(write, [first, second]))
    assert statuses == [200, 412]
    with scim_http(tenant) as scim:
        assert len(member_values(scim.get(f"/Groups/{group['id']}").json())) == 1
