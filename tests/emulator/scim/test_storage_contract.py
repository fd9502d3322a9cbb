"""scim2-server's own storage contract suite, run against the SQLite storage.

This is the proof that scim2-server can rely on the storage exactly as on its in-memory one:
copies not shared state, versions that change with every write, 404/409/412 where due, filters and
sorts that agree with scim2-models' evaluator. Cursor tests skip: the server announces no cursor
pagination (RFC 9865), as ZPA does not.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from scim2_models import ScimProvider
from scim2_server.testing import ScimStorageContract
from scim2_server.utils import load_default_provider

from emulator.scim.sqlite_storage import SQLiteScimStorage


@pytest.fixture(scope="module")
def default_provider() -> ScimProvider:
    """Built once: the suite never changes the provider, and building one costs ~0.1 s."""
    return load_default_provider()


class TestSQLiteScimStorage(ScimStorageContract):
    @pytest.fixture
    def provider(self, default_provider: ScimProvider) -> ScimProvider:
        return default_provider

    @pytest.fixture
    def storage(self, provider: ScimProvider, tmp_path) -> Iterator[SQLiteScimStorage]:
        storage = SQLiteScimStorage(provider, tmp_path / "scim.db")
        yield storage
        storage.close()
