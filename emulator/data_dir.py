"""The ``--data-dir`` and the SQLite files in it: checked up front, refused with one clear reason.

A user who points the emulator at the wrong place (a file, a read-only directory, a directory holding
some other program's ``tenant.db``) should read one line naming the place and what is wrong with it,
not a traceback from the middle of SQLite, and the file it refuses should be left exactly as it was.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

LOCK_FILE = "emulator.lock"


class DataDirError(Exception):
    """The data directory or a database in it cannot be used; the message names the path and why."""


def prepare_data_dir(path: Path) -> Path:
    """Create ``path`` if missing and check the emulator can keep its state there.

    :raises DataDirError: When ``path`` is a file, cannot be created, or is not writable.
    """
    if path.exists() and not path.is_dir():
        raise DataDirError(f"{path} is a file, not a directory")
    try:
        # A new directory is private: tenant.db in it holds the token signing key.
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise DataDirError(f"{path} cannot be created: {exc.strerror}") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise DataDirError(f"{path} is not writable")
    return path


def make_private(path: Path) -> None:
    """Create ``path`` (or narrow an existing one) with mode 0600, before SQLite opens it.

    ``tenant.db`` holds the token signing key and the key that hashes client secrets: readable by
    other local users, it would let them mint admin tokens. SQLite gives its ``-wal``/``-shm`` files
    the database file's mode, so setting it here covers them too.
    """
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        os.chmod(path, 0o600)
    except OSError as exc:
        raise DataDirError(f"{path} cannot be opened: {exc.strerror}") from None


def lock_data_dir(path: Path) -> IO[str]:
    """Hold ``<path>/emulator.lock`` for as long as the returned file stays open (the process's life).

    Two servers on one data dir would each rewrite ``credentials.json`` with their own port and control
    token, leaving clients pointed at whichever started last; the second one stops here instead. The
    kernel drops the lock when the process ends, however it ends, so a crash never leaves it stale.

    :raises DataDirError: When another process holds the lock (its pid is named when known).
    """
    handle = open(path / LOCK_FILE, "a+")  # noqa: SIM115 - kept open to hold the lock
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip()
        handle.close()
        who = f" (pid {holder})" if holder.isdigit() else ""
        raise DataDirError(
            f"{path} is in use by another emulator{who}; stop it or start with another --data-dir"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle


@contextmanager
def opening_database(path: Path) -> Iterator[None]:
    """Turn SQLite's failure to open or read ``path`` into a ``DataDirError`` naming the file."""
    try:
        yield
    except sqlite3.DatabaseError as exc:
        raise DataDirError(f"{path} is not a usable emulator database ({exc})") from None


def tables_of(db: sqlite3.Connection, prefix: str = "") -> dict[str, set[str]]:
    """Each user table of ``db`` whose name starts with ``prefix``, with its column names."""
    names = [
        row[0]
        for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")
        if not row[0].startswith("sqlite_") and row[0].startswith(prefix)
    ]
    column_names = "SELECT name FROM pragma_table_info(?)"  # bound: a foreign file names its own tables
    return {name: {row[0] for row in db.execute(column_names, (name,))} for name in names}


def schema_layout(schema: str) -> dict[str, set[str]]:
    """The tables and columns ``schema`` (a CREATE script) makes, read from a scratch in-memory database,
    so the check below can never disagree with the script it guards."""
    scratch = sqlite3.connect(":memory:")
    try:
        scratch.executescript(schema)
        return tables_of(scratch)
    finally:
        scratch.close()


def read_tables(path: Path, prefix: str = "") -> dict[str, set[str]]:
    """``tables_of`` the file at ``path`` (nothing when it does not exist), read without changing it.

    :raises DataDirError: When the file is not an SQLite database.
    """
    if not path.exists():
        return {}
    with opening_database(path):
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            return tables_of(db, prefix)
        finally:
            db.close()


def check_database(path: Path, expected: dict[str, set[str]], *, prefix: str = "") -> None:
    """Refuse a database file whose tables (those named ``prefix...``) are not exactly ``expected``.

    A missing or empty file is fine (the tables get created); a file holding exactly those tables with
    those columns is ours; anything else (another program's tables, or ours with other columns)
    belongs to something else. The file is read through a read-only connection, so a refused file is
    left exactly as it was (not even switched to WAL). A ``prefix`` lets the file hold other tables.

    :raises DataDirError: When the file is not an SQLite database or holds tables the emulator did
        not write.
    """
    present = read_tables(path, prefix)
    if not present:
        return
    foreign = sorted(present.keys() - expected.keys())
    if foreign:
        raise DataDirError(
            f"{path} is not an emulator database (it holds tables the emulator never writes: "
            f"{', '.join(foreign)}); start with another --data-dir or move the file away"
        )
    reshaped = [table for table in sorted(present) if present[table] != expected[table]]
    missing = sorted(expected.keys() - present.keys())
    if reshaped or missing:
        reason = (
            f"its table {reshaped[0]!r} has other columns than the emulator's"
            if reshaped
            else f"it lacks the tables {', '.join(missing)}"
        )
        raise DataDirError(
            f"{path} is not an emulator database ({reason}); start with another --data-dir or move "
            "the file away"
        )
