"""A SQLite ``ScimStorage`` for scim2-server, with group members kept in their own table.

Resources are JSON documents (what their model dumps) in ``scim_resources``. A Group's members are
not in its document but in ``scim_members``, one row per member, so that adding one member to a
group of 10,000 is one row written rather than the whole group rewritten (see ``membership.py``).
That table is clustered by (group, position) and holds each member's JSON, so a group's members come
back as one JSON array from one range scan, ready to send; a unique index on (group, value) keeps
each member once and finds it for removal.
Unique values (``userName``) live in ``scim_uniques`` under a primary key, which turns a clash into
a 409; ``scim_eq_index`` serves ``userName``/``displayName``/``externalId eq "..."`` searches without
loading every resource. Any other filter is evaluated by scim2-models' ``ScimFilter.match``, which
knows the schema (caseExact, types), so search results are right by construction.

Integrity the emulator adds on top of scim2-server: a group never holds two members with one
value, and deleting a User or Group removes it from every group (bumping those groups' versions).
Member values that name no resource are accepted, as RFC 7644 allows and scim-sanity expects of a
server (an IdP may add a member before it creates the user).

Concurrency: one connection, one lock, one ``BEGIN IMMEDIATE`` transaction per SCIM operation, so
concurrent PATCHes from waitress threads serialize and none is lost. Table names carry a ``scim_``
prefix so the file can be shared with other emulator state.
"""

from __future__ import annotations

import datetime
import json
import sqlite3
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path as FilePath
from typing import Any, Union, cast

from pydantic import TypeAdapter
from scim2_models import (
    AttributeBinding,
    InvalidValueException,
    Meta,
    NotFoundException,
    Path,
    PreconditionFailedException,
    Resource,
    ResourceType,
    ResponseParameters,
    ScimFilter,
    ScimProvider,
    SearchRequest,
    Uniqueness,
    UniquenessException,
)
from scim2_server.storage import ScimStorage, SearchPage
from scim2_server.utils import parametrize

from emulator.data_dir import (
    DataDirError,
    check_database,
    make_private,
    opening_database,
    read_tables,
    schema_layout,
)
from emulator.scim.membership import MEMBER_KEYS, GroupMembership, GroupSnapshot, MemberEntry, MemberOperation
from emulator.scim.names import GROUP, USER
from emulator.scim.paging import equality_binding, hashable, page_of

SCHEMA = """
CREATE TABLE IF NOT EXISTS scim_resources (
    rtype TEXT NOT NULL, id TEXT NOT NULL, version TEXT NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (rtype, id));
CREATE INDEX IF NOT EXISTS scim_resources_by_id ON scim_resources(id);
CREATE TABLE IF NOT EXISTS scim_uniques (
    urn TEXT NOT NULL, value TEXT NOT NULL, rtype TEXT NOT NULL, id TEXT NOT NULL,
    PRIMARY KEY (urn, value));
CREATE INDEX IF NOT EXISTS scim_uniques_owner ON scim_uniques(rtype, id);
CREATE TABLE IF NOT EXISTS scim_eq_index (
    rtype TEXT NOT NULL, attr TEXT NOT NULL, value TEXT NOT NULL, id TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS scim_eq_lookup ON scim_eq_index(rtype, attr, value);
CREATE INDEX IF NOT EXISTS scim_eq_owner ON scim_eq_index(rtype, id);
CREATE TABLE IF NOT EXISTS scim_members (
    group_id TEXT NOT NULL, seq INTEGER NOT NULL, value TEXT NOT NULL, entry TEXT NOT NULL,
    PRIMARY KEY (group_id, seq)) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS scim_members_unique ON scim_members(group_id, value);
CREATE INDEX IF NOT EXISTS scim_members_by_value ON scim_members(value);
CREATE TABLE IF NOT EXISTS scim_version_counter (n INTEGER NOT NULL);
"""

TABLE_PREFIX = "scim_"
"""Every table here is named ``scim_...``, so the file may also hold other tables (see the tests)."""
SCHEMA_LAYOUT = schema_layout(SCHEMA)

MEMBER_REFERENCE_TYPES = (USER, GROUP)
"""Resource types a member value names (``members.$ref`` referenceTypes of RFC 7643 §4.2)."""
INDEXED_ATTRIBUTES = ("userName", "displayName", "externalId")


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


_DATETIME = TypeAdapter(datetime.datetime)


def timestamp(moment: datetime.datetime) -> str:
    """``moment`` exactly as a resource's ``meta.lastModified`` dumps it (pydantic's JSON form)."""
    return cast(str, _DATETIME.dump_python(moment, mode="json"))


def members_needed(
    attributes: Sequence[Any] | None,
    excluded_attributes: Sequence[Any] | None,
    *,
    also_read: Iterable[str | None] = (),
) -> bool:
    """Whether an answer with these response parameters shows ``members``, or a filter/sort reads them.

    Conservative: any mention of "members" in a filter, a sort or ``attributes`` counts.
    """
    if any("members" in str(text).casefold() for text in also_read if text):
        return True
    if attributes:
        return any("members" in str(path).casefold() for path in attributes)
    if excluded_attributes:
        return not any(str(path).casefold().rsplit(":", 1)[-1] == "members" for path in excluded_attributes)
    return True


def canonical_entry(entry: MemberEntry) -> MemberEntry:
    """The member's set sub-attributes in ``MEMBER_KEYS`` order, so equal members compare and dump equal."""
    return {key: entry[key] for key in MEMBER_KEYS if entry.get(key) is not None}


def entry_json(entry: MemberEntry) -> str:
    """A member's canonical JSON text (see ``canonical_entry``)."""
    return json.dumps(canonical_entry(entry))


def canonical_members(entries: Iterable[MemberEntry] | None) -> list[MemberEntry]:
    """Members keyed by value, first entry per value kept; a member without value is refused."""
    seen: set[str] = set()
    members: list[MemberEntry] = []
    for index, entry in enumerate(entries or ()):
        value = entry.get("value")
        if not isinstance(value, str) or not value:
            raise InvalidValueException(
                detail=f"members[{index}].value is required: a member names a User or Group by its id"
            )
        unexpected = set(entry) - set(MEMBER_KEYS)
        if unexpected:
            raise InvalidValueException(
                detail=f"members[{index}]: unknown sub-attributes {sorted(unexpected)}"
            )
        if value not in seen:
            seen.add(value)
            members.append(canonical_entry(entry))
    return members


class SQLiteScimStorage(ScimStorage, GroupMembership):
    """scim2-server storage on one SQLite file; see the module docstring for the layout."""

    supports_cursors = False

    def __init__(
        self,
        provider: ScimProvider,
        path: str | FilePath,
        *,
        clock: Callable[[], datetime.datetime] = utcnow,
    ) -> None:
        self.provider = provider
        self.clock = clock
        self.lock = threading.RLock()
        self._depth = 0
        self._attributes: dict[type[Resource[Any]], _ModelAttributes] = {}
        self._models = {
            cast(str, rt.name): cast(type[Resource[Any]], provider.model_for(rt))
            for rt in provider.resource_types
        }
        self._refuse_older_layout(FilePath(path))
        check_database(FilePath(path), SCHEMA_LAYOUT, prefix=TABLE_PREFIX)
        make_private(FilePath(path))
        self.db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        try:
            with opening_database(FilePath(path)):
                self.db.execute("PRAGMA journal_mode=WAL")
                self.db.execute("PRAGMA synchronous=NORMAL")
                self.db.execute("PRAGMA busy_timeout=10000")
                with self.lock:
                    self.db.executescript(SCHEMA)
                    if self.db.execute("SELECT count(*) FROM scim_version_counter").fetchone()[0] == 0:
                        self.db.execute("INSERT INTO scim_version_counter VALUES (0)")
        except DataDirError:
            self.db.close()
            raise

    @staticmethod
    def _refuse_older_layout(path: FilePath) -> None:
        """Stop with a clear message on a file from a development build that kept members in columns."""
        columns = read_tables(path, TABLE_PREFIX).get("scim_members")
        if columns and "entry" not in columns:
            raise DataDirError(
                f"{path} was written by an older emulator build with another member layout; "
                "delete it (its SCIM users and groups are lost) or start with a new --data-dir"
            )

    def close(self) -> None:
        with self.lock:
            self.db.close()

    # -- transactions ---------------------------------------------------------------------------

    @contextmanager
    def operation(self) -> Iterator[None]:
        """One SQLite transaction per SCIM operation (nested calls join the outer one)."""
        with self.lock:
            outer = self._depth == 0
            self._depth += 1
            try:
                if outer:
                    self.db.execute("BEGIN IMMEDIATE")
                try:
                    yield
                except BaseException:
                    if outer:
                        self.db.execute("ROLLBACK")
                    raise
                if outer:
                    self.db.execute("COMMIT")
            finally:
                self._depth -= 1

    # -- ScimStorage ----------------------------------------------------------------------------

    def get(
        self,
        resource_type: ResourceType,
        resource_id: str,
        *,
        response_parameters: ResponseParameters[Any] | None = None,
    ) -> Resource[Any]:
        """The stored resource; a group read for an answer that hides ``members`` skips loading them."""
        with_members = response_parameters is None or members_needed(
            response_parameters.attributes, response_parameters.excluded_attributes
        )
        with self.operation():
            name = cast(str, resource_type.name)
            document = self._document(name, resource_id)
            return self._model_of(name, document, with_members=with_members)

    def search(
        self,
        resource_types: list[ResourceType],
        search_request: SearchRequest[Any],
        *,
        position: Any = None,
    ) -> SearchPage:
        with self.operation():
            names = list(dict.fromkeys(cast(str, rt.name) for rt in resource_types))
            scim_filter = search_request.filter
            with_members = members_needed(
                search_request.attributes,
                search_request.excluded_attributes,
                also_read=(str(scim_filter) if scim_filter is not None else None, search_request.sort_by),
            )
            if scim_filter is None and search_request.sort_by is None and search_request.cursor is None:
                return self._page_in_sql(names, search_request, with_members)
            rows = self._search_rows(names, scim_filter)
            candidates = [
                self._model_of(name, json.loads(data), with_members=with_members) for name, data in rows
            ]
            if scim_filter is not None and not scim_filter.models and candidates:
                models = tuple(dict.fromkeys(type(r) for r in candidates))
                scim_filter = parametrize(ScimFilter, Union[models])(str(scim_filter))  # noqa: UP007
            found = [r for r in candidates if scim_filter is None or scim_filter.match(r)]
            return page_of(search_request, found)

    def create(self, resource_type: ResourceType, resource: Resource[Any]) -> Resource[Any]:
        with self.operation():
            name = cast(str, resource_type.name)
            created = resource.model_copy(deep=True)
            created.id = uuid.uuid4().hex
            now = self.clock()
            created.meta = Meta(
                resource_type=name, created=now, last_modified=now, version=self._next_version()
            )
            document = created.model_dump()
            members = canonical_members(document.pop("members", None)) if name == GROUP else None
            self._write(name, created, document, members)
            if name != GROUP:
                return created  # a private copy already; groups are re-read for their canonical members
            return self._model_of(name, document, members=members)

    def update(
        self,
        resource_type: ResourceType,
        resource: Resource[Any],
        *,
        expected_version: str | None = None,
    ) -> Resource[Any]:
        """Store ``resource`` as the new state; a state equal to the stored one keeps its version."""
        with self.operation():
            name = cast(str, resource_type.name)
            resource_id = cast(str, resource.id)
            stored = self._document(name, resource_id)
            self._check_version(stored, expected_version)
            document = resource.model_dump()
            document.pop("meta", None)
            members = canonical_members(document.pop("members", None)) if name == GROUP else None
            stored_members = self._members(resource_id) if name == GROUP else None
            if {**document, "meta": stored["meta"]} == stored and members == stored_members:
                return self._model_of(name, stored, members=stored_members)
            meta = dict(stored["meta"])
            meta.update(lastModified=timestamp(self.clock()), version=self._next_version())
            meta.pop("location", None)
            document = {**document, "meta": meta}
            self._write(name, resource, document, members)
            return self._model_of(name, document, members=members)

    def delete(
        self,
        resource_type: ResourceType,
        resource_id: str,
        *,
        expected_version: str | None = None,
    ) -> None:
        """Delete the resource, and remove it from every group it was a member of."""
        with self.operation():
            name = cast(str, resource_type.name)
            self._check_version(self._document(name, resource_id), expected_version)
            for table in ("scim_resources", "scim_uniques", "scim_eq_index"):
                self.db.execute(f"DELETE FROM {table} WHERE rtype=? AND id=?", (name, resource_id))
            if name == GROUP:
                self.db.execute("DELETE FROM scim_members WHERE group_id=?", (resource_id,))
            if name in MEMBER_REFERENCE_TYPES:
                self._drop_memberships(resource_id)

    # -- GroupMembership (the fast path) --------------------------------------------------------

    def read_group(self, group_id: str, *, with_members: bool) -> GroupSnapshot:
        with self.operation():
            document = self._document(GROUP, group_id)
            return GroupSnapshot(document, self._members_json(group_id) if with_members else None)

    def change_members(
        self,
        group_id: str,
        operations: Sequence[MemberOperation],
        *,
        precondition: Callable[[str | None], None],
        with_members: bool,
    ) -> GroupSnapshot:
        wholesale = [op for op in operations if op.kind in ("clear", "replace")]
        if wholesale and len(operations) != 1:
            raise ValueError("clear and replace are only ever the single operation of a request")
        with self.operation():
            document = self._document(GROUP, group_id)
            precondition(document["meta"].get("version"))
            if wholesale:
                changed = self._replace_members(group_id, wholesale[0])
            else:
                changed = self._add_and_remove_members(group_id, operations)
            if changed:
                document = self._touch(group_id, document)
            return GroupSnapshot(document, self._members_json(group_id) if with_members else None, changed)

    def _add_and_remove_members(self, group_id: str, operations: Sequence[MemberOperation]) -> bool:
        """Apply adds and removes row by row; report whether the member list ends up different.

        The list is unchanged exactly when the members appended during the request equal, in
        order, the original members removed during it, and those were the tail of the list.
        """
        db = self.db
        db.execute("SAVEPOINT member_patch")
        try:
            original_last = db.execute(
                "SELECT coalesce(max(seq), 0) FROM scim_members WHERE group_id=?", (group_id,)
            ).fetchone()[0]
            next_seq = original_last + 1
            removed_originals: dict[int, str] = {}
            for operation in operations:
                if operation.kind == "add":
                    for entry in operation.entries:
                        inserted = db.execute(
                            "INSERT OR IGNORE INTO scim_members (group_id, seq, value, entry) "
                            "VALUES (?, ?, ?, ?)",
                            (group_id, next_seq, entry["value"], entry_json(entry)),
                        ).rowcount
                        next_seq += inserted
                elif operation.kind == "remove":
                    for value in operation.values:
                        row = db.execute(
                            "DELETE FROM scim_members WHERE group_id=? AND value=? RETURNING seq, entry",
                            (group_id, value),
                        ).fetchone()
                        if row is not None and row[0] <= original_last:
                            removed_originals[row[0]] = row[1]
                else:
                    raise ValueError(f"unexpected member operation {operation.kind!r}")
            appended = [
                row[0]
                for row in db.execute(
                    "SELECT entry FROM scim_members WHERE group_id=? AND seq > ? ORDER BY seq",
                    (group_id, original_last),
                )
            ]
            if self._same_list(group_id, removed_originals, appended, original_last):
                db.execute("ROLLBACK TO member_patch")
                return False
            return True
        finally:
            db.execute("RELEASE member_patch")

    def _same_list(
        self, group_id: str, removed_originals: dict[int, str], appended: list[str], original_last: int
    ) -> bool:
        if [removed_originals[seq] for seq in sorted(removed_originals)] != appended:
            return False
        if not removed_originals:
            return True
        survivor_after = self.db.execute(
            "SELECT 1 FROM scim_members WHERE group_id=? AND seq > ? AND seq <= ? LIMIT 1",
            (group_id, min(removed_originals), original_last),
        ).fetchone()
        return survivor_after is None

    def _replace_members(self, group_id: str, operation: MemberOperation) -> bool:
        current = self._members(group_id)
        if operation.kind == "clear":
            if not current:
                return False
            self.db.execute("DELETE FROM scim_members WHERE group_id=?", (group_id,))
            return True
        given = list(operation.entries)
        if _multiset(given) == _multiset(current):
            return False  # the same entries in another order: RFC 7643 §2.4 ignores order
        members = canonical_members(given)
        if members == current:
            return False
        self._write_members(group_id, members)
        return True

    # -- rows and documents ---------------------------------------------------------------------

    def _document(self, name: str, resource_id: str | None) -> dict[str, Any]:
        row = self.db.execute(
            "SELECT data FROM scim_resources WHERE rtype=? AND id=?", (name, resource_id)
        ).fetchone()
        if row is None:
            raise NotFoundException(detail=f"{name} {resource_id!r} not found")
        return cast(dict[str, Any], json.loads(row[0]))

    def _members_json(self, group_id: str) -> str:
        """The group's members in order, as the JSON array text of their canonical entries."""
        rows = self.db.execute("SELECT entry FROM scim_members WHERE group_id=? ORDER BY seq", (group_id,))
        return "[" + ",".join(row[0] for row in rows) + "]"

    def _members(self, group_id: str) -> list[MemberEntry]:
        return cast(list[MemberEntry], json.loads(self._members_json(group_id)))

    def _model_of(
        self,
        name: str,
        document: dict[str, Any],
        *,
        with_members: bool = True,
        members: list[MemberEntry] | None = None,
    ) -> Resource[Any]:
        """The model of a stored document; a group gets its members from ``members`` or the table."""
        if name == GROUP:
            if members is None and with_members:
                members = self._members(cast(str, document["id"]))
            document = {**document, "members": members} if members else document
        return self._models[name].model_validate(document)

    def _page_in_sql(
        self, names: list[str], search_request: SearchRequest[Any], with_members: bool
    ) -> SearchPage:
        """An unfiltered, unsorted page: resources ordered by id, as ``page_of`` orders them, cut by SQL.

        Paging through 10,000 users 100 at a time then loads 100 resources per page, not 10,000.
        """
        marks = ",".join("?" * len(names))
        total = self.db.execute(
            f"SELECT count(*) FROM scim_resources WHERE rtype IN ({marks})", names
        ).fetchone()[0]
        limit = -1 if search_request.count is None else search_request.count
        # startIndex is any integer but SQLite's stop at 2**63; past the total the page is empty anyway.
        offset = min(search_request.start_index_0 or 0, total)
        rows = self.db.execute(
            f"SELECT rtype, data FROM scim_resources WHERE rtype IN ({marks}) ORDER BY id LIMIT ? OFFSET ?",
            (*names, limit, offset),
        ).fetchall()
        return SearchPage(
            total, [self._model_of(name, json.loads(data), with_members=with_members) for name, data in rows]
        )

    def _search_rows(self, names: list[str], scim_filter: ScimFilter[Any] | None) -> list[tuple[str, str]]:
        binding = equality_binding(scim_filter) if len(names) == 1 else None
        if binding is not None and binding.urn.rsplit(":", 1)[-1] in INDEXED_ATTRIBUTES:
            try:
                value = binding.comparable(cast(Any, scim_filter).ast.value)
            except ValueError:
                return []
            return self.db.execute(
                "SELECT r.rtype, r.data FROM scim_eq_index e "
                "JOIN scim_resources r ON r.rtype = e.rtype AND r.id = e.id "
                "WHERE e.rtype=? AND e.attr=? AND e.value=?",
                (names[0], binding.urn, value),
            ).fetchall()
        marks = ",".join("?" * len(names))
        return self.db.execute(
            f"SELECT rtype, data FROM scim_resources WHERE rtype IN ({marks})", names
        ).fetchall()

    def _write(
        self,
        name: str,
        resource: Resource[Any],
        document: dict[str, Any],
        members: list[MemberEntry] | None,
    ) -> None:
        resource_id = cast(str, document["id"])
        self.db.execute("DELETE FROM scim_uniques WHERE rtype=? AND id=?", (name, resource_id))
        self.db.execute("DELETE FROM scim_eq_index WHERE rtype=? AND id=?", (name, resource_id))
        try:
            self.db.executemany(
                "INSERT INTO scim_uniques VALUES (?, ?, ?, ?)",
                [(urn, value, name, resource_id) for urn, value in self._unique_values(resource).items()],
            )
        except sqlite3.IntegrityError:
            raise UniquenessException() from None
        self.db.executemany(
            "INSERT INTO scim_eq_index VALUES (?, ?, ?, ?)",
            [(name, urn, value, resource_id) for urn, value in self._indexed_values(resource)],
        )
        self.db.execute(
            "INSERT OR REPLACE INTO scim_resources VALUES (?, ?, ?, ?)",
            (name, resource_id, document["meta"]["version"], json.dumps(document)),
        )
        if name == GROUP:
            self._write_members(resource_id, members or [])

    def _write_members(self, group_id: str, members: list[MemberEntry]) -> None:
        self.db.execute("DELETE FROM scim_members WHERE group_id=?", (group_id,))
        self.db.executemany(
            "INSERT INTO scim_members (group_id, seq, value, entry) VALUES (?, ?, ?, ?)",
            [(group_id, seq, entry["value"], entry_json(entry)) for seq, entry in enumerate(members, 1)],
        )

    def _touch(self, group_id: str, document: dict[str, Any]) -> dict[str, Any]:
        """Give a group whose members changed a new version and ``lastModified``."""
        meta = {**document["meta"], "lastModified": timestamp(self.clock()), "version": self._next_version()}
        document = {**document, "meta": meta}
        self.db.execute(
            "UPDATE scim_resources SET version=?, data=? WHERE rtype=? AND id=?",
            (meta["version"], json.dumps(document), GROUP, group_id),
        )
        return document

    def _drop_memberships(self, value: str) -> None:
        groups = [
            row[0]
            for row in self.db.execute("SELECT group_id FROM scim_members WHERE value=?", (value,)).fetchall()
        ]
        self.db.execute("DELETE FROM scim_members WHERE value=?", (value,))
        for group_id in groups:
            self._touch(group_id, self._document(GROUP, group_id))

    def _next_version(self) -> str:
        number = self.db.execute("UPDATE scim_version_counter SET n = n + 1 RETURNING n").fetchone()[0]
        return f'W/"{number}"'

    @staticmethod
    def _check_version(document: dict[str, Any], expected_version: str | None) -> None:
        if expected_version is not None and document["meta"].get("version") != expected_version:
            raise PreconditionFailedException

    def _unique_values(self, resource: Resource[Any]) -> dict[str, str]:
        values = {}
        for path, binding in self._attributes_of(type(resource)).unique:
            value = _comparable(resource, path, binding)
            if value is not None:
                values[binding.urn] = json.dumps(hashable(value))
        return values

    def _indexed_values(self, resource: Resource[Any]) -> Iterator[tuple[str, str]]:
        for path, binding in self._attributes_of(type(resource)).indexed:
            value = _comparable(resource, path, binding)
            if isinstance(value, str):
                yield binding.urn, value

    def _attributes_of(self, model: type[Resource[Any]]) -> _ModelAttributes:
        """The unique and the indexed attributes of a model, resolved once (resolving paths is slow)."""
        found = self._attributes.get(model)
        if found is None:
            path_of = parametrize(Path, model)
            unique_paths = path_of.iter_paths(
                include_subattributes=False, uniqueness=[Uniqueness.server, Uniqueness.global_]
            )
            unique = [cast(AttributeBinding, path.resolve()) for path in unique_paths]
            indexed = []
            for attribute in INDEXED_ATTRIBUTES:
                try:
                    binding = path_of(attribute).resolve()
                except Exception:  # the model has no such attribute
                    continue
                if binding is not None:
                    indexed.append(binding)
            found = self._attributes[model] = _ModelAttributes(
                [(path_of(binding.urn), binding) for binding in unique],
                [(path_of(binding.urn), binding) for binding in indexed],
            )
        return found


@dataclass(frozen=True)
class _ModelAttributes:
    unique: list[tuple[Path[Any], AttributeBinding]]
    indexed: list[tuple[Path[Any], AttributeBinding]]


def _comparable(resource: Resource[Any], path: Path[Any], binding: AttributeBinding) -> Any:
    """The value ``resource`` holds at ``path``, as comparisons see it (``None`` if it has none)."""
    value = path.get(resource, strict=False)
    try:
        return binding.comparable(value)
    except ValueError:
        return None


def _multiset(entries: Iterable[MemberEntry]) -> Counter[tuple[tuple[str, str], ...]]:
    return Counter(tuple(sorted(entry.items())) for entry in entries)
