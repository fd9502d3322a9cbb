"""userName -> SCIM id for the whole plugin process: how 500 groups resolve their members with one listing.

Why this exists: ``ScimGroup`` declares members by userName, the SCIM API wants ids. The SCIM client
drops its shared users listing after every write (a group write changes users' ``groups``), so resolving
each group's members through that listing would list every user again after each group change - 500
groups over 2,000 users meant hundreds of full listings. A user's id does not change while the user
exists, so a mapping learned once stays right for the life of the plugin process (one ``pulumi``
command); names not known yet (users created since) trigger one fresh listing, and users this process
deletes are forgotten.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable, Sequence

from providers.tenant import ScimClient


class UserIndex:
    """Thread-safe userName (case-insensitive, as SCIM compares them) -> id map for one SCIM tenant."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids: dict[str, str] = {}

    def resolve(self, scim: ScimClient, user_names: Sequence[str]) -> dict[str, str]:
        """Ids for the userNames that exist; one listing when any name is not known yet."""
        with self._lock:
            found = {name: self._ids[name.casefold()] for name in user_names if name.casefold() in self._ids}
        missing = [name for name in user_names if name not in found]
        if missing:
            listed = {
                str(user.get("userName", "")).casefold(): uid for uid, user in scim.users_snapshot().items()
            }
            with self._lock:
                self._ids.update(listed)
            found.update({name: listed[name.casefold()] for name in missing if name.casefold() in listed})
        return found

    def learn(self, user_name: str, user_id: str) -> None:
        with self._lock:
            self._ids[user_name.casefold()] = user_id

    def forget(self, user_ids: Iterable[str]) -> None:
        gone = set(user_ids)
        with self._lock:
            self._ids = {name: uid for name, uid in self._ids.items() if uid not in gone}


_indexes: weakref.WeakKeyDictionary[ScimClient, UserIndex] = weakref.WeakKeyDictionary()
_indexes_lock = threading.Lock()


def user_index(scim: ScimClient) -> UserIndex:
    """The process-wide index of one SCIM client (one per tenant, as ``Tenant.shared`` hands out)."""
    with _indexes_lock:
        index = _indexes.get(scim)
        if index is None:
            index = _indexes[scim] = UserIndex()
        return index
