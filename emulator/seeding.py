"""First-start seeding and the bootstrap credentials written to ``credentials.json``.

Seeding happens once per data dir: the scope catalog, one admin API client (``ziam:admin``,
``scim:read``, ``scim:write``) and one SCIM IdP. Because only hashes of credentials are stored, the
plaintext lives in ``credentials.json`` alone; on a restart the values in that file are reused when
they still verify, and fresh ones are minted (through the normal rules) when the file is gone, a value
was revoked, or the admin client was deleted — so the emulator always starts with working credentials.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from emulator.admin_routes import DAY, MAX_SECRET_DAYS, MAX_SECRETS_PER_CLIENT
from emulator.catalog import resource_server_record, scope_id_by_name
from emulator.hashing import CredentialHasher, new_id, new_secret_value
from emulator.store import ClientFields, ClientRow, IdpRow, SecretRow, TenantStore
from emulator.tokens import has_live_secret

ADMIN_CLIENT_NAME = "emulator-admin"
ADMIN_SCOPES = ("ziam:admin", "scim:read", "scim:write")
ADMIN_TOKEN_LIFETIME = 3600
ADMIN_SECRET_DAYS = MAX_SECRET_DAYS  # the longest-lived secret the admin API would mint
IDP_NAME = "Emulator IdP"


@dataclass(frozen=True)
class Bootstrap:
    """Plaintext credentials of the seeded admin client and IdP (never logged; see ``__repr__``)."""

    client_id: str
    client_secret: str
    idp_id: str
    scim_token: str

    def __repr__(self) -> str:
        return f"Bootstrap(client_id={self.client_id!r}, idp_id={self.idp_id!r}, <credentials hidden>)"


def seed_catalog(store: TenantStore) -> None:
    if store.catalog_is_empty():
        store.add_resource_server(resource_server_record())


def _admin_fields() -> ClientFields:
    ids = scope_id_by_name()
    return ClientFields(
        name=ADMIN_CLIENT_NAME,
        description="Seeded by the emulator: administers API clients and SCIM",
        status=True,
        access_token_lifetime=ADMIN_TOKEN_LIFETIME,
        authentication={"authType": "SECRET"},
        scope_ids=tuple(ids[name] for name in ADMIN_SCOPES),
    )


def _admin_client(store: TenantStore, previous_id: str | None, now: int) -> ClientRow:
    if previous_id:
        client = store.get_client(previous_id)
        if client is not None:
            return client
    client = store.find_client_by_name(ADMIN_CLIENT_NAME)
    if client is not None:
        return client
    # Seeding is allowed past the 256-client cap: without an admin client the tenant is unusable.
    return store.create_client(new_id(), _admin_fields(), now, cap=1 << 30)


def bootstrap(
    store: TenantStore,
    hasher: CredentialHasher,
    clock: Callable[[], float],
    previous: Mapping[str, str] | None,
) -> Bootstrap:
    """Seed on first start and return working admin/IdP credentials, reusing ``previous`` when valid."""
    previous = previous or {}
    now = int(clock())
    seed_catalog(store)
    client = _admin_client(store, previous.get("client_id"), now)
    client_secret = previous.get("client_secret") or ""
    if not (
        client.id == previous.get("client_id")
        and has_live_secret(store, hasher, client.id, client_secret, now)
    ):
        client_secret = new_secret_value()
        salt = hasher.new_salt()
        store.add_secret(
            SecretRow(
                new_id(),
                client.id,
                salt,
                hasher.digest(client_secret, salt),
                now,
                now + ADMIN_SECRET_DAYS * DAY,
            ),
            max_per_client=MAX_SECRETS_PER_CLIENT,
        )
    idp = store.first_idp()
    scim_token = previous.get("scim_token") or ""
    if idp is None:
        scim_token = secrets.token_urlsafe(32)
        # ZPA IdP ids are 18-digit numbers (e.g. 216196257331285825).
        idp = IdpRow(str(secrets.randbelow(9 * 10**17) + 10**17), IDP_NAME, hasher.digest(scim_token))
        store.add_idp(idp)
    elif not scim_token or hasher.digest(scim_token) != idp.token_digest:
        scim_token = secrets.token_urlsafe(32)
        store.set_idp_token(idp.id, hasher.digest(scim_token))
    return Bootstrap(client.id, client_secret, idp.id, scim_token)
