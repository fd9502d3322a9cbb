"""The input table machinery (``providers._inputs``): one declaration per property, and what derives
from it - check with defaults and bounds, the resource class's property dict, replace on change,
state-only metadata and secret outputs (pure: no plugin, no tenant)."""

from __future__ import annotations

import pytest
from pulumi.output import Unknown

from common.limits import Bounded
from providers import _inputs as p
from providers._check import Inputs

LIFETIME = Bounded(default=90, low=30, high=365, unit="days")


def table() -> p.InputTable:
    def check_tags(inputs: Inputs) -> None:
        tags = inputs.news.get("tags") or []
        if not isinstance(tags, list):
            inputs.fail("tags", "tags must be a list")
        inputs.values["tags"] = list(tags) if isinstance(tags, list) else tags

    return p.InputTable(
        p.name("client_id", replace=True),
        p.string("description"),
        p.flag("enabled", True),
        p.integer("lifetime_days", LIFETIME),
        p.string("rotation", replace=True, unknown_replaces=True),
        p.choice("on_delete", "deactivate", ("deactivate", "delete"), state_only=True),
        p.flag("adopt", False, state_only=True),
        p.custom("tags", check_tags, default=[]),
        p.derived("previous"),
        p.output("secret_id"),
        p.output("value", secret=True),
    )


def test_check_fills_every_default_from_the_table() -> None:
    inputs = table().check({"client_id": "c1"})
    assert inputs.failures == []
    assert inputs.values == {
        "client_id": "c1",
        "description": "",
        "enabled": True,
        "lifetime_days": 90,
        "rotation": "",
        "on_delete": "deactivate",
        "adopt": False,
        "tags": [],
    }


def test_check_reports_every_failure_with_its_bounds_and_unit() -> None:
    inputs = table().check({"client_id": "", "lifetime_days": 400, "on_delete": "shred", "tags": "x"})
    assert [(f.property, f.reason) for f in inputs.failures] == [
        ("client_id", "client_id must not be empty"),
        ("lifetime_days", "lifetime_days must be between 30 and 365 days, got 400"),
        ("on_delete", "on_delete must be one of 'deactivate', 'delete', got 'shred'"),
        ("tags", "tags must be a list"),
    ]


def test_cross_field_rules_run_after_the_properties() -> None:
    def no_disabled_forever(inputs: Inputs) -> None:
        if inputs.values["enabled"] is False and inputs.values["lifetime_days"] > 60:
            inputs.fail("lifetime_days", "too long for a disabled client")

    inputs = table().check({"client_id": "c", "enabled": False}, rules=[no_disabled_forever])
    assert [f.property for f in inputs.failures] == ["lifetime_days"]


def test_props_take_the_table_default_for_an_input_left_at_none() -> None:
    props = table().props(client_id="c1", description=None, lifetime_days=30)
    assert props == {
        "client_id": "c1",
        "description": "",
        "enabled": True,
        "lifetime_days": 30,
        "rotation": "",
        "on_delete": "deactivate",
        "adopt": False,
        "tags": [],
        "previous": None,
        "secret_id": None,
        "value": None,
    }
    # what check makes of the props is what it makes of them again: an unchanged program plans nothing
    checked = table().check(props).values
    assert table().check(checked).values == checked


def test_props_refuse_a_name_that_is_not_an_input() -> None:
    with pytest.raises(TypeError, match="secret_id"):
        table().props(client_id="c1", secret_id="s")


def test_defaults_are_never_shared_between_resources() -> None:
    first, second = table().props(client_id="a"), table().props(client_id="b")
    first["tags"].append("x")
    assert second["tags"] == []


@pytest.mark.parametrize(
    ("olds", "news", "replaces"),
    [
        ({"client_id": "a", "rotation": ""}, {"client_id": "a", "rotation": ""}, []),
        ({"client_id": "a"}, {"client_id": "a", "rotation": ""}, []),  # absent counts as the default
        ({"client_id": "a", "rotation": "x"}, {"client_id": "b", "rotation": "y"}, ["client_id", "rotation"]),
        ({"client_id": "a"}, {"client_id": Unknown()}, []),  # an unknown id never replaces
        ({"client_id": "a", "rotation": "x"}, {"client_id": "a", "rotation": Unknown()}, ["rotation"]),
        ({"client_id": "a", "description": "x"}, {"client_id": "a", "description": "y"}, []),
    ],
)
def test_replace_on_change(olds: dict, news: dict, replaces: list[str]) -> None:
    assert table().replaces(olds, news) == replaces


def test_state_only_metadata_is_kept_with_its_default() -> None:
    assert table().kept({}) == {"on_delete": "deactivate", "adopt": False}
    assert table().kept({"adopt": True, "description": "x"}) == {"on_delete": "deactivate", "adopt": True}


def test_secret_outputs_and_names_by_kind() -> None:
    assert table().secret_outputs == ["value"]
    assert table().names("derived") == ("previous",)
    assert "previous" not in table().input_names and "secret_id" not in table().input_names


def created_with_table() -> p.InputTable:
    def check_seed(inputs: Inputs) -> None:
        inputs.values["seed"] = sorted(inputs.news.get("seed") or [])

    return p.InputTable(p.name("name"), p.created_with("seed", check_seed, default=[]), p.output("id"))


def test_a_create_only_input_is_checked_on_create_and_handed_back_as_stored_afterwards() -> None:
    t = created_with_table()

    assert t.check({"name": "a", "seed": ["y", "x"]}, olds={}).values["seed"] == ["x", "y"]
    # Once the resource exists a new declared value changes nothing: the stored one comes back.
    stored = {"name": "a", "seed": ["x", "y"]}
    assert t.check({"name": "a", "seed": ["z"]}, olds=stored).values == stored


def test_a_create_only_input_missing_from_older_state_stays_missing_on_check_and_refresh() -> None:
    # State written before the input existed must plan and refresh without a change.
    t = created_with_table()
    older = {"name": "a"}

    assert t.check({"name": "a", "seed": ["x"]}, olds=older).values == older
    assert t.kept(older) == {}
    assert t.kept({"name": "a", "seed": ["x"]}) == {"seed": ["x"]}


def test_the_resource_classes_refuse_a_missing_required_input_or_an_unknown_one_at_the_call_site() -> None:
    from providers import ApiClient, ScopeAssignment

    with pytest.raises(TypeError, match="missing required input: name"):
        ApiClient("c", description="no name")
    with pytest.raises(TypeError, match="missing required input: scopes"):
        ScopeAssignment("s", client_id="c1")
    with pytest.raises(TypeError, match="not an input of this resource: lifetime"):
        ApiClient("c", name="n", lifetime=60)


def test_a_shaped_input_takes_the_programs_form_and_tuples_become_lists() -> None:
    t = p.InputTable(
        p.name("name"),
        p.custom("members", lambda inputs: None, default={}, shape=lambda names: dict.fromkeys(names, True)),
        p.custom("emails", lambda inputs: None, default=[]),
    )

    props = t.props(name="g", members=["ann", "bob"], emails=("a@x.example",))

    assert props == {"name": "g", "members": {"ann": True, "bob": True}, "emails": ["a@x.example"]}
    assert t.props(name="g")["members"] == {}


def test_settings_are_the_inputs_that_update_and_diffed_inputs_leave_out_followers() -> None:
    t = p.InputTable(
        p.name("client_id", replace=True),
        p.integer("lifetime_days", LIFETIME),
        p.string("rotation", replace=True),
        p.keep("current_id"),
        p.keep("current_value", diffed=False),
        p.created_with("seed", lambda inputs: None, default=[]),
    )

    assert t.settings == ("lifetime_days", "current_id", "current_value")
    assert t.diffed_inputs == ("client_id", "lifetime_days", "rotation", "current_id", "seed")
