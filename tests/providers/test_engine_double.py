"""The engine double's own rules, checked against what the Pulumi engine is documented to do.

Protocol tests trust these: if the double diffed or marked secrets differently from the engine, they
would prove the wrong thing.
"""

from __future__ import annotations

from tests.support.engine_double import (
    UNKNOWN,
    annotate_secrets,
    input_diff,
    is_secret,
    secret,
    strip_secrets,
)


def test_map_keys_diff_one_entry_each_and_lists_diff_by_position() -> None:
    old = {
        "scopes": {"a:r": {}, "b:w": {"justification": "x"}, "plain": {}},
        "emails": ["p", "q"],
        "name": "n",
    }
    new = {"scopes": {"b:w": {"justification": "y"}, "c:r": {}}, "emails": ["q"], "name": "n"}

    assert input_diff(old, new) == {
        'scopes["a:r"]': "DELETE",
        'scopes["b:w"].justification': "UPDATE",
        'scopes["c:r"]': "ADD",
        "scopes.plain": "DELETE",
        "emails[0]": "UPDATE",
        "emails[1]": "DELETE",
    }


def test_secrets_are_compared_by_value_and_unknowns_differ() -> None:
    assert input_diff({"v": secret("s")}, {"v": "s"}) == {}
    assert input_diff({"v": "s"}, {"v": UNKNOWN}) == {"v": "UPDATE"}
    assert input_diff({"v": None}, {}) == {}


def test_outputs_become_secret_where_the_same_named_input_was() -> None:
    outs = {"description": "d", "nested": {"token": "t", "plain": 1}, "other": "o"}

    annotate_secrets(outs, {"description": secret("d"), "nested": {"token": secret("t")}, "other": "o"})

    assert is_secret(outs["description"]) and is_secret(outs["nested"]["token"])
    assert outs["other"] == "o" and outs["nested"]["plain"] == 1
    assert strip_secrets(outs) == {"description": "d", "nested": {"token": "t", "plain": 1}, "other": "o"}
