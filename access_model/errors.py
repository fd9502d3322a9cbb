"""The two error types of the access model: one problem (`ModelError`) and the exception that carries
all of them at once (`InvalidModelError`), so a user fixes every mistake in one round trip."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class ModelError:
    """One problem in the access model.

    `path` names the exact place (`clients.reporting.scopes["scim:wrte"]`); `message` says what is
    wrong and, where one exists, the closest valid name. Neither ever holds a secret: the access model
    has no secret values in it.
    """

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class InvalidModelError(ValueError):
    """The access model cannot be used; `errors` lists every problem found, in document order."""

    def __init__(self, errors: Sequence[ModelError], source: str = "access model") -> None:
        self.errors = list(errors)
        self.source = source
        count = len(self.errors)
        lines = [f"{source} is invalid ({count} problem{'s' if count != 1 else ''}):"]
        lines += [f"  {error}" for error in self.errors]
        super().__init__("\n".join(lines))
