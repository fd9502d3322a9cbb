"""The storage interface behind the member-PATCH fast path.

scim2-server applies a PATCH to a whole pydantic resource: on a group of 10,000 members that is
several deep copies of 10,000 models per request (~85 µs per member). A storage that keeps members
apart from the group can apply a members-only PATCH with a few row operations instead. This module
is the contract between the web layer's fast path and such a storage, so the web layer never learns
how (or in which database) members are kept.

Semantics every implementation follows, chosen to match scim2-server's PatchOp applied to the stored
group followed by ``ScimStorage.update`` exactly (a test applies the same PATCHes both ways):

- A group's members are keyed by ``value``: the storage never holds two entries with the same
  value, and of several entries with one value the first one is kept.
- ``add`` appends the entries whose value is not a member yet, in order; others are ignored.
- ``remove`` drops the member with each value; an absent value is no error.
- ``clear`` drops every member; ``replace`` makes the given entries the members. Each is only ever
  the single operation of a request. A ``replace`` listing the same entries as the group already
  holds, in any order, changes nothing (RFC 7643 §2.4: multi-valued attributes are unordered).
- A request that leaves the members as they were (same entries in the same order) changes nothing:
  the version and ``lastModified`` are kept.
- Member values are not checked against existing resources (RFC 7644 does not ask it, and an IdP
  may add a member before it creates the user); deleting a resource removes it from every group.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

MemberEntry = dict[str, str]
"""One member as the Group model dumps it: ``value`` and optionally ``$ref``, ``type``, ``display``."""
MEMBER_KEYS = ("value", "$ref", "type", "display")
"""The sub-attributes of ``members`` (RFC 7643 §4.2), in dump order."""


@dataclass(frozen=True)
class MemberOperation:
    """One operation of a members-only PATCH, in request order."""

    kind: Literal["add", "remove", "clear", "replace"]
    entries: tuple[MemberEntry, ...] = ()
    """For ``add`` and ``replace``: the entries, as given (duplicates included)."""
    values: tuple[str, ...] = ()
    """For ``remove``: the values of the members to drop."""


@dataclass(frozen=True)
class GroupSnapshot:
    """A stored group as one transaction saw it."""

    document: dict[str, Any]
    """The group as its model dumps it (``meta`` included, ``location`` never), without ``members``."""
    members_json: str | None
    """The members in stored order as a JSON array text, or ``None`` when the caller did not ask.

    Text rather than objects: a 10,000-member answer is then spliced into the response as it is,
    instead of being built as 10,000 dicts and encoded again.
    """
    changed: bool = False
    """Whether the request changed the group (and so its version)."""

    @property
    def version(self) -> str | None:
        return self.document.get("meta", {}).get("version")


class GroupMembership(ABC):
    """Read a group and change its members without materialising them as models."""

    @abstractmethod
    def read_group(self, group_id: str, *, with_members: bool) -> GroupSnapshot:
        """The stored group.

        :raises ~scim2_models.NotFoundException: When no group has this id.
        """

    @abstractmethod
    def change_members(
        self,
        group_id: str,
        operations: Sequence[MemberOperation],
        *,
        precondition: Callable[[str | None], None],
        with_members: bool,
    ) -> GroupSnapshot:
        """Apply ``operations`` in one transaction, after ``precondition`` accepted the stored version.

        :param precondition: Called with the stored ``meta.version`` before anything changes; it
            raises (for instance ``PreconditionFailedException``) to refuse the request.
        :raises ~scim2_models.NotFoundException: When no group has this id.
        """
