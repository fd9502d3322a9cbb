"""Concurrent updates in one plugin process never lose a write.

``ApiClient`` and ``ScopeAssignment`` both replace the same client record (the API's PUT is a full
replace). The plugin serves four RPCs at once, so with an engine working on many resources in parallel
both updates of one client are in flight together; each must read-overlay-write under the per-client
lock, or one PUT silently restores what the other just changed. When a scope set names its client by
a literal id, the SDK registers it together with the client (from its thread pool), so the engine
double sends both updates of a client at the same time, as the real engine does.
"""

from __future__ import annotations

import httpx

from providers import ApiClient, ScopeAssignment
from tests.providers.conftest import API_CLIENT, SCOPE_ASSIGNMENT
from tests.providers.helpers import client_record, scope_names
from tests.support.engine_double import Engine

CLIENT_COUNT = 6


def fleet(description: str, scopes: list[str], known_ids: list[str] | None = None) -> None:
    """Clients and their scope sets; with ``known_ids`` the scope sets name their client by a literal
    id (an existing client), so the SDK registers both resources of a client at the same time."""
    for index in range(CLIENT_COUNT):
        client = ApiClient(f"c{index}", name=f"concurrent-{index}", description=description)
        client_id = known_ids[index] if known_ids else client.id
        ScopeAssignment(f"c{index}-scopes", client_id=client_id, scopes={name: {} for name in scopes})


def test_parallel_updates_of_name_fields_and_scopes_of_the_same_clients_all_land(
    engine: Engine, admin: httpx.Client
) -> None:
    engine.run(lambda: fleet("v1", ["scim:read"]))
    ids = [engine.resource(API_CLIENT, f"c{index}").id for index in range(CLIENT_COUNT)]
    engine.provider.max_in_flight = 0

    steps = engine.run(lambda: fleet("v2", ["scim:read", "connector:read"], known_ids=ids))

    assert sorted({step.type for step in steps if step.op == "update"}) == [API_CLIENT, SCOPE_ASSIGNMENT]
    assert sum(step.op == "update" for step in steps) == 2 * CLIENT_COUNT
    assert engine.provider.max_in_flight > 1, "the updates must really have overlapped"
    for index in range(CLIENT_COUNT):
        record = client_record(admin, engine.resource(API_CLIENT, f"c{index}").id)
        assert record is not None
        assert (record["description"], scope_names(record)) == ("v2", ["connector:read", "scim:read"])
