"""SQLite storage for the identity side of the tenant: catalog, API clients, secrets, IdPs.

This is the only module that speaks SQL for ``tenant.db``; route handlers call it with plain values
and get dataclasses back, so the HTTP layer can be read (and changed) without knowing the schema.
Each thread gets its own connection (waitress serves requests on a thread pool) and the database runs
in WAL mode so readers never wait for a writer. Writes that check-then-insert (the 256-client cap,
unique names, the two-secret rule) run inside ``BEGIN IMMEDIATE`` so concurrent requests cannot both
pass the check.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from emulator.data_dir import DataDirError, check_database, make_private, opening_database, schema_layout

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS resource_servers (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
    record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS scopes (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, resource_server_id TEXT NOT NULL
        REFERENCES resource_servers(id));
CREATE TABLE IF NOT EXISTS clients (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL, status INTEGER NOT NULL, access_token_lifetime INTEGER NOT NULL,
    authentication TEXT NOT NULL, scope_ids TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS client_secrets (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
    client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    salt BLOB NOT NULL, digest BLOB NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS client_secrets_by_client ON client_secrets(client_id);
CREATE TABLE IF NOT EXISTS idps (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, token_digest BLOB NOT NULL UNIQUE);
"""


_LAYOUT = schema_layout(_SCHEMA)


class StoreError(Exception):
    """Base class for storage rule violations the HTTP layer turns into 4xx responses."""


class NotFoundError(StoreError):
    pass


class DuplicateNameError(StoreError):
    pass


class LimitReachedError(StoreError):
    pass


@dataclass(frozen=True)
class ClientFields:
    """The writable part of an API client (what a create or a full-replace PUT sets)."""

    name: str
    description: str
    status: bool
    access_token_lifetime: int
    authentication: dict
    scope_ids: tuple[str, ...]


@dataclass(frozen=True)
class ClientRow:
    id: str
    fields: ClientFields
    created_at: int


@dataclass(frozen=True)
class SecretRow:
    id: str
    client_id: str
    salt: bytes
    digest: bytes
    created_at: int
    expires_at: int


@dataclass(frozen=True)
class ScopeRow:
    id: str
    name: str
    resource_server_id: str


@dataclass(frozen=True)
class IdpRow:
    id: str
    name: str
    token_digest: bytes


def _like_pattern(fragment: str) -> str:
    """A LIKE pattern matching ``fragment`` anywhere, with LIKE's wildcards taken literally."""
    escaped = fragment.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class TenantStore:
    """All persistent identity-side state of one emulated tenant (``<data-dir>/tenant.db``)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._all_connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        check_database(path, _LAYOUT)
        make_private(path)
        try:
            with opening_database(path):
                self._connection().executescript(_SCHEMA)
        except DataDirError:
            self.close()
            raise

    # -- connections -------------------------------------------------------------------------
    def _connection(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            try:
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
                db.execute("PRAGMA foreign_keys=ON")
            except sqlite3.Error:
                db.close()
                raise
            self._local.db = db
            with self._connections_lock:
                self._all_connections.append(db)
        return db

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        db = self._connection()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def close(self) -> None:
        """Close every connection this store opened (on any thread)."""
        with self._connections_lock:
            for db in self._all_connections:
                db.close()
            self._all_connections.clear()
        self._local = threading.local()

    def _page(
        self, table: str, columns: str, offset: int, limit: int, name_like: str | None
    ) -> tuple[list[tuple], int]:
        """One page of ``table`` in creation order (rows whose name contains ``name_like``), and the total."""
        where, args = ("WHERE name LIKE ? ESCAPE '\\'", [_like_pattern(name_like)]) if name_like else ("", [])
        db = self._connection()
        total = db.execute(f"SELECT COUNT(*) FROM {table} {where}", args).fetchone()[0]
        # offset is any integer but SQLite's stop at 2**63; past the total the page is empty anyway.
        rows = db.execute(
            f"SELECT {columns} FROM {table} {where} ORDER BY seq LIMIT ? OFFSET ?",
            [*args, limit, min(offset, total)],
        ).fetchall()
        return rows, total

    # -- meta (per-tenant keys) ------------------------------------------------------------
    def meta_value(self, key: str, default: bytes) -> bytes:
        """The stored value for ``key``, storing ``default`` first if there is none yet."""
        with self._transaction() as db:
            db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", (key, default))
            return bytes(db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()[0])

    # -- catalog -------------------------------------------------------------------------------
    def catalog_is_empty(self) -> bool:
        return self._connection().execute("SELECT COUNT(*) FROM resource_servers").fetchone()[0] == 0

    def add_resource_server(self, record: dict) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO resource_servers (id, name, record) VALUES (?, ?, ?)",
                (record["id"], record["name"], json.dumps(record)),
            )
            for service in record["serviceScopes"]:
                db.executemany(
                    "INSERT INTO scopes (id, name, resource_server_id) VALUES (?, ?, ?)",
                    [(scope["id"], scope["name"], record["id"]) for scope in service["scopes"]],
                )

    def list_resource_servers(self, offset: int, limit: int, name_like: str | None) -> tuple[list[dict], int]:
        rows, total = self._page("resource_servers", "record", offset, limit, name_like)
        return [json.loads(row[0]) for row in rows], total

    def get_resource_server(self, server_id: str) -> dict | None:
        row = (
            self._connection()
            .execute("SELECT record FROM resource_servers WHERE id = ?", (server_id,))
            .fetchone()
        )
        return json.loads(row[0]) if row else None

    def scopes(self) -> dict[str, ScopeRow]:
        """Every scope in the catalog, by id (the catalog is small and read-mostly)."""
        rows = self._connection().execute("SELECT id, name, resource_server_id FROM scopes").fetchall()
        return {row[0]: ScopeRow(*row) for row in rows}

    # -- API clients ---------------------------------------------------------------------------
    _CLIENT_COLUMNS = (
        "id, name, description, status, access_token_lifetime, authentication, scope_ids, created_at"
    )

    @staticmethod
    def _client_from_row(row: tuple) -> ClientRow:
        fields = ClientFields(
            name=row[1],
            description=row[2],
            status=bool(row[3]),
            access_token_lifetime=row[4],
            authentication=json.loads(row[5]),
            scope_ids=tuple(json.loads(row[6])),
        )
        return ClientRow(id=row[0], fields=fields, created_at=row[7])

    @staticmethod
    def _client_values(fields: ClientFields) -> tuple:
        return (
            fields.name,
            fields.description,
            int(fields.status),
            fields.access_token_lifetime,
            json.dumps(fields.authentication),
            json.dumps(list(fields.scope_ids)),
        )

    def create_client(self, client_id: str, fields: ClientFields, created_at: int, cap: int) -> ClientRow:
        """Insert a client; LimitReachedError at ``cap`` clients, DuplicateNameError on a name clash."""
        with self._transaction() as db:
            if db.execute("SELECT COUNT(*) FROM clients").fetchone()[0] >= cap:
                raise LimitReachedError(f"the tenant already has the maximum of {cap} API clients")
            if db.execute("SELECT 1 FROM clients WHERE name = ?", (fields.name,)).fetchone():
                raise DuplicateNameError(f"an API client named {fields.name!r} already exists")
            db.execute(
                "INSERT INTO clients (id, name, description, status, access_token_lifetime, authentication,"
                " scope_ids, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (client_id, *self._client_values(fields), created_at),
            )
        return ClientRow(id=client_id, fields=fields, created_at=created_at)

    def get_client(self, client_id: str) -> ClientRow | None:
        row = (
            self._connection()
            .execute(f"SELECT {self._CLIENT_COLUMNS} FROM clients WHERE id = ?", (client_id,))
            .fetchone()
        )
        return self._client_from_row(row) if row else None

    def find_client_by_name(self, name: str) -> ClientRow | None:
        row = (
            self._connection()
            .execute(f"SELECT {self._CLIENT_COLUMNS} FROM clients WHERE name = ?", (name,))
            .fetchone()
        )
        return self._client_from_row(row) if row else None

    def list_clients(self, offset: int, limit: int, name_like: str | None) -> tuple[list[ClientRow], int]:
        rows, total = self._page("clients", self._CLIENT_COLUMNS, offset, limit, name_like)
        return [self._client_from_row(row) for row in rows], total

    def replace_client(self, client_id: str, fields: ClientFields) -> ClientRow:
        with self._transaction() as db:
            row = db.execute("SELECT created_at FROM clients WHERE id = ?", (client_id,)).fetchone()
            if row is None:
                raise NotFoundError(f"API client {client_id!r} does not exist")
            clash = db.execute(
                "SELECT 1 FROM clients WHERE name = ? AND id != ?", (fields.name, client_id)
            ).fetchone()
            if clash:
                raise DuplicateNameError(f"an API client named {fields.name!r} already exists")
            db.execute(
                "UPDATE clients SET name = ?, description = ?, status = ?, access_token_lifetime = ?,"
                " authentication = ?, scope_ids = ? WHERE id = ?",
                (*self._client_values(fields), client_id),
            )
        return ClientRow(id=client_id, fields=fields, created_at=row[0])

    def delete_client(self, client_id: str) -> bool:
        with self._transaction() as db:
            return db.execute("DELETE FROM clients WHERE id = ?", (client_id,)).rowcount > 0

    # -- client secrets --------------------------------------------------------------------------
    def add_secret(self, secret: SecretRow, max_per_client: int) -> SecretRow:
        """Store a secret; at ``max_per_client`` the newest existing one is replaced (ZIdentity rule)."""
        with self._transaction() as db:
            if not db.execute("SELECT 1 FROM clients WHERE id = ?", (secret.client_id,)).fetchone():
                raise NotFoundError(f"API client {secret.client_id!r} does not exist")
            rows = db.execute(
                "SELECT id FROM client_secrets WHERE client_id = ? ORDER BY created_at DESC, seq DESC",
                (secret.client_id,),
            ).fetchall()
            if len(rows) >= max_per_client:
                db.execute("DELETE FROM client_secrets WHERE id = ?", (rows[0][0],))
            db.execute(
                "INSERT INTO client_secrets (id, client_id, salt, digest, created_at, expires_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    secret.id,
                    secret.client_id,
                    secret.salt,
                    secret.digest,
                    secret.created_at,
                    secret.expires_at,
                ),
            )
        return secret

    def list_secrets(self, client_id: str) -> list[SecretRow]:
        rows = (
            self._connection()
            .execute(
                "SELECT id, client_id, salt, digest, created_at, expires_at FROM client_secrets"
                " WHERE client_id = ? ORDER BY seq",
                (client_id,),
            )
            .fetchall()
        )
        return [SecretRow(row[0], row[1], bytes(row[2]), bytes(row[3]), row[4], row[5]) for row in rows]

    def delete_secret(self, client_id: str, secret_id: str) -> bool:
        with self._transaction() as db:
            cursor = db.execute(
                "DELETE FROM client_secrets WHERE client_id = ? AND id = ?", (client_id, secret_id)
            )
            return cursor.rowcount > 0

    # -- SCIM identity providers -----------------------------------------------------------------
    def add_idp(self, idp: IdpRow) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO idps (id, name, token_digest) VALUES (?, ?, ?)",
                (idp.id, idp.name, idp.token_digest),
            )

    def set_idp_token(self, idp_id: str, token_digest: bytes) -> None:
        with self._transaction() as db:
            db.execute("UPDATE idps SET token_digest = ? WHERE id = ?", (token_digest, idp_id))

    def get_idp(self, idp_id: str) -> IdpRow | None:
        row = (
            self._connection()
            .execute("SELECT id, name, token_digest FROM idps WHERE id = ?", (idp_id,))
            .fetchone()
        )
        return IdpRow(row[0], row[1], bytes(row[2])) if row else None

    def first_idp(self) -> IdpRow | None:
        row = (
            self._connection()
            .execute("SELECT id, name, token_digest FROM idps ORDER BY rowid LIMIT 1")
            .fetchone()
        )
        return IdpRow(row[0], row[1], bytes(row[2])) if row else None
