"""One idempotent create for both tenant clients, and one rule for finding an object by its name.

Neither API takes an idempotency key, so a create whose answer is lost (the transport raises
`OutcomeUnknown`: the connection dropped after sending, or a gateway answered 502/504) may or may not
have made the object. Re-sending blindly would make a duplicate; failing would leave an object no state
knows. Both clients (`ZIdentityClient.create_client`, `ScimClient.create_user`/`create_group`) recover
the same way, implemented once here:

1. POST. An answer: done.
2. Lost answer: look the object up by its unique name (bypassing every cache). Found, and it has the
   fields the create set: that is what the first attempt made; return it. Found but different: the
   name was taken before (the lost answer was a 409), so it is a `Conflict`, as a plain create says,
   and never handed back as ours. Not found: the create did not happen; send it again, within the
   transport's retry budget.
3. A `Conflict` on a re-sent create after a lost answer means our first attempt won the name after
   all: look it up and return it (with the same made-by check).

What differs between the APIs is passed in: how to send, how to find by name, what "made by this
create" means, and which cached listings a create makes stale.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from providers.tenant.errors import AmbiguousMatch, Conflict, ConnectionFailed, OutcomeUnknown
from providers.tenant.snapshot import Record
from providers.tenant.transport import RetryBudget

log = logging.getLogger("providers.tenant")


@dataclass(frozen=True)
class Create:
    """One create and how to recover it.

    - `send`: POST once and return the created record (raises `OutcomeUnknown`, `Conflict`, ...);
    - `find`: the object with the create's unique name, read live; None when absent. None instead of
      a function when the body has no name to look up: a lost answer is then re-raised;
    - `check_made_by`: raise `Conflict` unless a found record can be what this create made;
    - `invalidate`: forget cached listings (called after every attempt: any may have created);
    - `what`: names the object in logs (`API client 'reporting'`); `method`/`path` name the request
      in the error when the budget runs out.
    """

    send: Callable[[], Record]
    find: Callable[[], Record | None] | None
    check_made_by: Callable[[Record], None]
    invalidate: Callable[[], None]
    what: str
    path: str
    method: str = "POST"


def create_idempotently(create: Create, budget: RetryBudget) -> Record:
    """Send `create`; after a lost answer return what the first attempt made, never a duplicate."""
    outcome_unknown = False
    while True:
        try:
            created = create.send()
        except OutcomeUnknown:
            create.invalidate()
            if create.find is None:
                raise
            found = create.find()
            if found is not None:
                create.check_made_by(found)
                log.info("create of %s: response lost, found the created object", create.what)
                return found
            outcome_unknown = True
        except Conflict:
            if not outcome_unknown or create.find is None:
                raise
            create.invalidate()
            found = create.find()
            if found is None:
                raise
            create.check_made_by(found)
            log.info("create of %s: retry clashed, returning the object made first", create.what)
            return found
        else:
            create.invalidate()
            return created
        if not budget.wait():
            raise ConnectionFailed(
                create.method, create.path, f"create outcome unknown {budget.attempts} times"
            ) from None


def one_named(
    records: Iterable[Mapping[str, Any]], attribute: str, wanted: str, *, kind: str, fold_case: bool
) -> Record | None:
    """The one record whose `attribute` is `wanted` (a copy), None if there is none.

    ZIdentity client names compare exactly; SCIM userName/displayName case-insensitively (RFC 7643),
    where one exact match among several that differ only in case wins. Several matches otherwise
    raise `AmbiguousMatch` naming their ids: we refuse to guess which one is meant.
    """

    def same(record: Mapping[str, Any]) -> bool:
        value = record.get(attribute)
        if fold_case:
            return str(value if value is not None else "").casefold() == wanted.casefold()
        return value == wanted

    matches = [record for record in records if same(record)]
    if len(matches) > 1 and fold_case:
        exact = [record for record in matches if record.get(attribute) == wanted]
        if len(exact) == 1:
            matches = exact
    if len(matches) > 1:
        ids = ", ".join(sorted(str(record.get("id")) for record in matches))
        named = "are named" if attribute == "name" else f"have {attribute}"
        raise AmbiguousMatch(f"{len(matches)} {kind} {named} {wanted!r} ({ids})")
    return copy.deepcopy(dict(matches[0])) if matches else None
