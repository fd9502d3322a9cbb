"""What each create costs, request by request, and that a lost answer still leaves no duplicate.

The emulator's ordered request log (``RunningEmulator.requests()``) is the witness. A create of every
resource type in one command (a fresh plugin process, as ``pulumi up`` gets) sends:

- ``ApiClient``, ``ScimUser``: the POST alone (a clash is looked up only after the tenant refuses it);
- ``ClientSecret`` of a client this process created: the POST alone. No listing for the two-secret cap
  or for orphan detection (the process knows the client has no secret), and no token request with
  the new value (its first secret: nothing older exists that the proof would protect);
- ``ScimGroup``: the POST, plus one listing of group names for all groups of the command (SCIM does
  not keep displayNames unique, so a name is checked before the create, not by a refused create);
- ``ScopeAssignment`` of a client this process created with those scopes (``ApiClient``'s
  ``initial_scopes``, as the program declares every client): nothing. Of any other client: the verified
  write, GET + PUT + GET, kept on purpose (docs/providers.md, "Concurrency and cost"): the read before
  the PUT keeps another writer's change to the client's other fields, the read after catches a stale
  full replace of the scopes;
- once per command: one token request and the scope catalog.
"""

from __future__ import annotations

import re
from collections import Counter

import httpx

from providers import ApiClient, ClientSecret, ScimGroup, ScimUser, ScopeAssignment
from tests.providers.conftest import API_CLIENT, CLIENT_SECRET, SCIM_GROUP, SCOPE_ASSIGNMENT
from tests.providers.test_create_recovery import seed_for
from tests.support.emulator import RunningEmulator
from tests.support.engine_double import Engine, ProviderProcess

ADMIN = "/ziam/admin/api/v1"
ROUTES = (
    ("token", r"/oauth2/v1/token"),
    ("catalog", rf"{ADMIN}/resource-servers"),
    ("clients", rf"{ADMIN}/api-clients"),
    ("secrets", rf"{ADMIN}/api-clients/[^/]+/secrets(/[^/]+)?"),
    ("client", rf"{ADMIN}/api-clients/[^/]+"),
    ("users", r"/scim/.*/Users"),
    ("groups", r"/scim/.*/Groups"),
)


def route(path: str) -> str:
    for name, pattern in ROUTES:
        if re.fullmatch(pattern, path):
            return name
    return path


def sent(tenant: RunningEmulator) -> Counter[str]:
    """`METHOD route` -> requests since the last reset."""
    return Counter(f"{r['method']} {route(r['path'])}" for r in tenant.requests())


def names(count: int, prefix: str) -> list[str]:
    return [f"{prefix}{index}" for index in range(count)]


def test_every_create_path_sends_its_floor_of_requests(
    engine: Engine, plugin: ProviderProcess, tenant: RunningEmulator
) -> None:
    clients, users, groups = names(3, "floor-client-"), names(4, "floor-user-"), names(3, "floor-group-")
    emails = [f"{user}@example.com" for user in users]

    def first_wave() -> None:
        # Two clients created with their scopes, as the program declares them; one without (what a
        # program that does not pass initial_scopes gets), whose scopes take the verified write.
        for name in clients[:2]:
            ApiClient(name, name=name, initial_scopes=["scim:read"])
        ApiClient(clients[2], name=clients[2])
        for user, email in zip(users, emails, strict=True):
            ScimUser(user, user_name=email)

    def everything() -> None:
        first_wave()
        for name in clients:
            client_id = engine.resource(API_CLIENT, name).id
            ScopeAssignment(f"{name}-scopes", client_id=client_id, scopes=["scim:read"])
            ClientSecret(f"{name}-secret", client_id=client_id)
        for index, name in enumerate(groups):
            ScimGroup(name, display_name=name, members=emails[index : index + 2])

    plugin.restart()  # one command: a fresh plugin, no token or listing cached
    tenant.reset_stats()
    engine.run(first_wave)
    engine.run(everything)

    assert sent(tenant) == {
        "POST token": 1,
        "GET catalog": 1,
        "POST clients": 3,
        "POST users": 4,
        "POST secrets": 3,
        "GET client": 2,
        "PUT client": 1,
        "GET groups": 1,
        "POST groups": 3,
    }


def test_a_lost_group_create_answer_is_recovered_without_a_duplicate(
    engine: Engine, tenant: RunningEmulator, admin: httpx.Client
) -> None:
    tenant.set_faults(seed=1, commit_then_drop_rate=1.0, routes=["POST */Groups"])
    tenant.reset_stats()
    try:
        engine.run(lambda: ScimGroup("team", display_name="lost-group-answer"))
    finally:
        tenant.set_faults()

    scim = httpx.Client(
        base_url=tenant.credentials["scim_url"],
        headers={"Authorization": f"Bearer {tenant.credentials['scim_token']}"},
    )
    with scim:
        found = scim.get("/Groups", params={"filter": 'displayName eq "lost-group-answer"'}).json()
    assert [g["id"] for g in found["Resources"]] == [engine.resource(SCIM_GROUP, "team").id]
    posts = [r for r in tenant.requests() if r["method"] == "POST" and route(r["path"]) == "groups"]
    assert len(posts) == 1  # the one create was found, not sent again


def test_a_lost_secret_create_answer_leaves_exactly_the_secret_whose_value_the_state_holds(
    engine: Engine, plugin: ProviderProcess, tenant: RunningEmulator, admin: httpx.Client
) -> None:
    def program() -> None:
        client = ApiClient("app", name="lost-secret-answer")
        ClientSecret("app-secret", client_id=client.id, lifetime_days=60)

    # The first POST of a secret commits and loses its answer; the second is answered.
    faults = seed_for([(None, True), (None, False)], commit_then_drop_rate=0.5)
    tenant.set_faults(**faults, routes=["POST */secrets"])
    tenant.reset_stats()
    try:
        engine.run(program)
    finally:
        tenant.set_faults()

    log = [(r["method"], route(r["path"])) for r in tenant.requests() if route(r["path"]) == "secrets"]
    client_id = engine.resource(API_CLIENT, "app").id
    secret = engine.resource(CLIENT_SECRET, "app-secret")
    live = [s["id"] for s in admin.get(f"/api-clients/{client_id}/secrets").json()]
    assert live == [secret.id]
    tenant.access_token(client_id, secret.outputs["value"]["value"])  # the value held is the live one
    # No listing before the create: the orphan is found after the lost answer, deleted, and the
    # secret created again.
    assert log == [("POST", "secrets"), ("GET", "secrets"), ("DELETE", "secrets"), ("POST", "secrets")]


def test_a_client_created_with_its_scopes_holds_them_and_the_assignment_records_them(
    engine: Engine, tenant: RunningEmulator, admin: httpx.Client
) -> None:
    def program(scopes: list[str]) -> None:
        client = ApiClient("born", name="born-with-scopes", initial_scopes=scopes)
        ScopeAssignment("born-scopes", client_id=client.id, scopes=scopes)

    engine.run(lambda: program(["scim:read", "ziam:read"]))

    client_id = engine.resource(API_CLIENT, "born").id
    live = admin.get(f"/api-clients/{client_id}").json()
    granted = sorted(s["name"] for r in live["clientResources"] for s in r["selectedScopes"])
    assert granted == ["scim:read", "ziam:read"]
    assert engine.resource(SCOPE_ASSIGNMENT, "born-scopes").outputs["granted"] == granted

    # Later the scopes change: the ScopeAssignment alone is updated; the client keeps what it was
    # created with, and plans no change of its own.
    tenant.reset_stats()
    steps = engine.run(lambda: program(["scim:read", "scim:write"]))
    assert {step.name: step.op for step in steps} == {"born": "same", "born-scopes": "update"}
    assert engine.resource(API_CLIENT, "born").inputs["initial_scopes"] == ["scim:read", "ziam:read"]
    live = admin.get(f"/api-clients/{client_id}").json()
    granted = sorted(s["name"] for r in live["clientResources"] for s in r["selectedScopes"])
    assert granted == ["scim:read", "scim:write"]
