"""Verified writes of an API client: another process's write in between is detected, never lost.

The admin API's PUT is a full replace without `If-Match`, and the per-client lock only serializes
writers of one process. Here a second `Tenant` (another process, as far as the tenant can tell)
writes the same client right after our PUT, through a transport that lets it in at exactly that
moment, so each interleaving happens every time: a stale full replace that puts back what we
changed (we must write again and both changes survive), a deliberate change of the same field
(we must fail naming it, not overwrite it), and a writer that never stops reverting us (bounded).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from emulator.app import EmulatorApp
from providers.tenant import MAX_WRITE_ATTEMPTS, ConcurrentUpdate, Tenant, writable_client_body
from tests.providers.tenant.conftest import INPROC_URL, settings_from


class AfterPut(httpx.BaseTransport):
    """Forwards to the emulator; after each of our PUTs, runs the next scripted foreign write."""

    def __init__(self, app: EmulatorApp) -> None:
        self.inner = httpx.WSGITransport(app=app)
        self.after_put: list[Callable[[], None]] = []
        self.puts = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.method == "PUT":
            self.puts += 1
            if self.after_put:
                response.read()
                self.after_put.pop(0)()
        return response


def make_pair(app: EmulatorApp) -> tuple[Tenant, Tenant, AfterPut]:
    transport = AfterPut(app)
    settings = settings_from(app.credentials(INPROC_URL))
    ours = Tenant(settings, http_transport=transport, sleep=lambda s: None)
    theirs = Tenant(settings, http_transport=httpx.WSGITransport(app=app))
    return ours, theirs, transport


def new_client(tenant: Tenant, name: str) -> str:
    body = {"name": name, "description": "before", "status": True, "accessTokenLifeTime": 3600}
    return str(tenant.zidentity.create_client(body)["id"])


def stale_put(theirs: Tenant, client_id: str, stale: dict[str, Any], **change: Any) -> Callable[[], None]:
    """Another writer's PUT built from a read taken before ours (`stale`), with its own change."""
    return lambda: theirs.zidentity.update_client(client_id, {**writable_client_body(stale), **change})


def test_a_stale_full_replace_that_reverts_our_field_is_detected_and_both_changes_survive(
    emulator_app: EmulatorApp,
) -> None:
    ours, theirs, transport = make_pair(emulator_app)
    client_id = new_client(ours, "xp-revert")
    read_before_our_put = theirs.zidentity.get_client(client_id)
    assert read_before_our_put is not None
    transport.after_put.append(stale_put(theirs, client_id, read_before_our_put, accessTokenLifeTime=900))

    ours.zidentity.set_client_fields(client_id, {"description": "ours"})

    final = theirs.zidentity.get_client(client_id)
    assert final is not None
    assert (final["description"], final["accessTokenLifeTime"]) == ("ours", 900)
    assert transport.puts == 2  # written again on a fresh read, carrying their lifetime


def test_a_deliberate_change_of_the_same_field_fails_naming_it_and_is_kept(emulator_app: EmulatorApp) -> None:
    ours, theirs, transport = make_pair(emulator_app)
    client_id = new_client(ours, "xp-conflict")
    transport.after_put.append(
        lambda: theirs.zidentity.modify_client(client_id, lambda b: {**b, "description": "theirs"})
    )

    with pytest.raises(ConcurrentUpdate) as caught:
        ours.zidentity.set_client_fields(client_id, {"description": "ours", "accessTokenLifeTime": 600})

    assert list(caught.value.fields) == ["description"]
    assert caught.value.fields["description"] == ("'ours'", "'theirs'")
    assert "another writer changed description" in str(caught.value)
    final = theirs.zidentity.get_client(client_id)
    assert final is not None
    assert (final["description"], final["accessTokenLifeTime"]) == ("theirs", 600)
    assert transport.puts == 1  # their change is not overwritten


def test_a_writer_that_keeps_reverting_us_makes_the_update_fail_after_a_bounded_number_of_puts(
    emulator_app: EmulatorApp,
) -> None:
    ours, theirs, transport = make_pair(emulator_app)
    client_id = new_client(ours, "xp-stubborn")
    stale = theirs.zidentity.get_client(client_id)
    assert stale is not None
    transport.after_put.extend(stale_put(theirs, client_id, stale) for _ in range(MAX_WRITE_ATTEMPTS))

    with pytest.raises(ConcurrentUpdate) as caught:
        ours.zidentity.set_client_fields(client_id, {"status": False})

    assert list(caught.value.fields) == ["enabled"]
    assert f"kept putting back the previous enabled ({MAX_WRITE_ATTEMPTS} attempts" in str(caught.value)
    assert transport.puts == MAX_WRITE_ATTEMPTS


def test_a_scope_write_carries_only_the_scopes_and_names_them_in_a_conflict(
    emulator_app: EmulatorApp,
) -> None:
    ours, theirs, transport = make_pair(emulator_app)
    client_id = new_client(ours, "xp-scopes")
    catalog = ours.zidentity.catalog()
    theirs.zidentity.set_client_fields(client_id, {"description": "set before our read"})
    grant = catalog.client_resources(["scim:read", "scim:write"])
    transport.after_put.append(
        lambda: theirs.zidentity.set_client_fields(
            client_id, {"clientResources": catalog.client_resources(["ziam:read"])}
        )
    )

    with pytest.raises(ConcurrentUpdate) as caught:
        ours.zidentity.set_client_fields(client_id, {"clientResources": grant})

    assert caught.value.fields == {"scopes": ("[scim:read, scim:write]", "[ziam:read]")}
    final = theirs.zidentity.get_client(client_id)
    assert final is not None
    assert final["description"] == "set before our read"
    assert catalog.names_of(final) == ["ziam:read"]


def test_an_uncontended_write_costs_one_verifying_read(emulator_app: EmulatorApp) -> None:
    ours, _, transport = make_pair(emulator_app)
    client_id = new_client(ours, "xp-quiet")
    before = ours.transport.count_of("zidentity")
    record = ours.zidentity.set_client_fields(client_id, {"description": "quiet"})
    assert record["description"] == "quiet"
    assert ours.transport.count_of("zidentity") - before == 3  # GET, PUT, GET (verify)
    assert transport.puts == 1


def test_a_stale_put_landing_later_than_our_own_round_trip_is_still_caught(emulator_app: EmulatorApp) -> None:
    """Another writer's process stalled (a busy machine): its stale PUT lands 0.2 s after ours, while our
    own read and write took a few milliseconds. The wait before the verifying read has a floor, so the
    revert is seen and written again; waiting only as long as our own round trip would read before the
    stale PUT lands and lose our change without a word."""
    now = [0.0]
    landing: list[Callable[[], None]] = []  # the other writer's PUT, due at 0.2 s on our clock

    def sleep(seconds: float) -> None:
        now[0] += seconds
        if landing and now[0] >= 0.2:
            landing.pop()()

    transport = AfterPut(emulator_app)
    settings = settings_from(emulator_app.credentials(INPROC_URL))
    ours = Tenant(settings, http_transport=transport, sleep=sleep, clock=lambda: now[0])
    theirs = Tenant(settings, http_transport=httpx.WSGITransport(app=emulator_app))
    client_id = new_client(ours, "xp-stalled")
    read_before_our_put = theirs.zidentity.get_client(client_id)
    assert read_before_our_put is not None
    landing.append(stale_put(theirs, client_id, read_before_our_put, accessTokenLifeTime=900))

    ours.zidentity.set_client_fields(client_id, {"description": "ours"})
    for late in landing:  # had our verifying read come first, the stale PUT lands after we returned
        late()

    final = theirs.zidentity.get_client(client_id)
    assert final is not None
    assert (final["description"], final["accessTokenLifeTime"]) == ("ours", 900)
