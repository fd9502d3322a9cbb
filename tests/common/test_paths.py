"""The one property-path formatter, held to the engine's rule (``PropertyPath.String()`` in
``sdk/go/common/resource/properties_path.go``): a key is quoted only when it holds a character outside
ASCII letters, digits and ``_``; only ``"`` is escaped; indexes are ``[n]``."""

from __future__ import annotations

import pytest

from access_model import format_path
from common.paths import property_path
from providers._check import path
from tests.support.engine_double import property_path as engine_double_path


@pytest.mark.parametrize(
    ("parts", "printed"),
    [
        (("scopes", "scim:write"), 'scopes["scim:write"]'),
        (("scopes", "scim:write", "expires"), 'scopes["scim:write"].expires'),
        (("members", "bob@example.com"), 'members["bob@example.com"]'),
        (("emails", 2), "emails[2]"),
        (("name",), "name"),
        # digits first are plain characters for the engine: no quotes
        (("clients", "1st"), "clients.1st"),
        (("scopes", "1x", "expires"), "scopes.1x.expires"),
        # only the double quote is escaped; a backslash, a control character, non-ASCII are written as is
        (("scopes", 'odd"name'), 'scopes["odd\\"name"]'),
        (("scopes", "back\\slash"), 'scopes["back\\slash"]'),
        (("scopes", "tab\there"), 'scopes["tab\there"]'),
        (("users", "jürgen"), 'users["jürgen"]'),
        (("a-b", "c"), '["a-b"].c'),
        (("clients", "reporting", "scopes", "scim:wrte"), 'clients.reporting.scopes["scim:wrte"]'),
        # the one exception: the engine prints an empty key as nothing, which its parser rejects
        (("scopes", ""), 'scopes[""]'),
        ((), ""),
    ],
)
def test_every_formatter_prints_the_engine_path(parts: tuple[str | int, ...], printed: str) -> None:
    assert property_path(parts) == printed
    assert path(*parts) == printed, "provider check failures"
    assert engine_double_path(parts) == printed, "the engine double's detailed diff"
    assert format_path(parts) == (printed or "(top level)"), "access model errors"
