"""What the SQLite storage promises beyond scim2-server's contract: a clear stop on an old file."""

from __future__ import annotations

import sqlite3

import pytest

from emulator.data_dir import DataDirError
from emulator.scim.dialect import STRICT
from emulator.scim.provider import build_provider
from emulator.scim.sqlite_storage import SQLiteScimStorage


def test_a_file_with_the_older_member_layout_is_refused_by_name(tmp_path):
    path = tmp_path / "scim.db"
    with sqlite3.connect(path) as old:
        old.execute("CREATE TABLE scim_members (group_id, value, seq, ref, type, display)")
    with pytest.raises(DataDirError, match=r"scim\.db was written by an older emulator build"):
        SQLiteScimStorage(build_provider(STRICT), path)


def test_the_file_can_hold_other_tables(tmp_path):
    """The tables are prefixed ``scim_``: an emulator may keep its own state in the same file."""
    path = tmp_path / "shared.db"
    with sqlite3.connect(path) as other:
        other.execute("CREATE TABLE resources (id TEXT PRIMARY KEY, data TEXT)")
    storage = SQLiteScimStorage(build_provider(STRICT), path)
    storage.close()
    with sqlite3.connect(path) as check:
        tables = {row[0] for row in check.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"resources", "scim_resources", "scim_members"} <= tables


def test_a_scim_table_with_other_columns_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "scim.db"
    with sqlite3.connect(path) as other:
        other.execute("CREATE TABLE scim_resources (id TEXT PRIMARY KEY, blob TEXT)")
    other.close()
    before = path.read_bytes()
    with pytest.raises(
        DataDirError,
        match=r"scim\.db is not an emulator database \(its table 'scim_resources' has other columns",
    ):
        SQLiteScimStorage(build_provider(STRICT), path)
    assert path.read_bytes() == before
