"""One input table per resource: each property declared once, everything else derived from it.

Why: a resource's defaults, bounds and replace triggers used to be written three times - in the
resource class's keyword defaults, in ``check()`` and in ``diff()`` - plus the metadata ``read()``
keeps and the outputs marked secret. Modelled on a Terraform provider's schema (terraform-provider-
random): each property is one ``Prop`` line (name, kind, default, bounds, unit, secret, replace on
change, state-only), and the table derives

- ``check(news)``: validation and defaults, every failure named by its property (``providers._check``);
- ``props(**given)``: the resource class's property dict, from the keyword arguments the program
  passes (a name the table lacks, or a missing required one, is a ``TypeError`` at the call site; a
  value left out or ``None`` takes the table's default, so ``pulumi preview`` of an unchanged program
  stays empty; a ``shape`` turns the program's form into the wire form, also once an Output resolves);
- ``options(opts)``: the resource options the table implies (``additional_secret_outputs``);
- ``replaces(olds, news)``: the replace-on-change part of ``diff()``;
- ``kept(old)``: inputs the tenant does not store, carried over by ``read()`` (default when absent);
- ``create_only`` inputs: what the object is created with and never diffed afterwards (``check`` hands
  back the stored value once the resource exists, so changing it plans nothing);
- ``secret_outputs``: the resource's ``additional_secret_outputs``.

What a table cannot say (a scopes map checked against the catalog, cross-field rules such as
renew_before < lifetime, rotation due by expiry) stays as code next to the table: a ``custom`` property
names its check function, and ``check(news, rules=...)`` runs cross-field rules after the properties.
Adding an input is one table line plus its behaviour.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi

from common.limits import Bounded
from providers._check import Inputs, contains, is_unknown

INPUT_KINDS = ("name", "string", "flag", "integer", "choice", "keep", "custom")
"""Kinds the program sets; ``derived`` (set by ``check``) and ``output`` (set by the provider) are not."""


@dataclass(frozen=True)
class Prop:
    """One property of a resource. Build it with the helpers below (``name``, ``string``, ...)."""

    name: str
    kind: str
    default: Any = None
    low: int | None = None
    high: int | None = None
    unit: str = ""
    choices: tuple[str, ...] = ()
    secret: bool = False
    replace: bool = False
    unknown_replaces: bool = False
    state_only: bool = False
    create_only: bool = False
    required: bool = False
    diffed: bool = True
    custom_check: Callable[[Inputs], Any] | None = None
    shape: Callable[[Any], Any] | None = None

    @property
    def is_input(self) -> bool:
        return self.kind in INPUT_KINDS


def name(key: str, *, replace: bool = False) -> Prop:
    """A required name; ``replace``: a known change replaces the resource (an unknown one never does:
    it only means the object it names is being updated in a preview, and its id stays)."""
    return Prop(key, "name", replace=replace, required=True)


def string(key: str, default: str = "", *, state_only: bool = False, **options: Any) -> Prop:
    return Prop(key, "string", default, state_only=state_only, **options)


def flag(key: str, default: bool, *, state_only: bool = False) -> Prop:
    return Prop(key, "flag", default, state_only=state_only)


def integer(key: str, bounds: Bounded, default: int | None = None) -> Prop:
    """A whole number within ``bounds`` (``common.limits``); ``default`` overrides the shared one."""
    chosen = bounds.default if default is None else default
    return Prop(key, "integer", chosen, low=bounds.low, high=bounds.high, unit=bounds.unit)


def choice(key: str, default: str, choices: Sequence[str], *, state_only: bool = False) -> Prop:
    return Prop(key, "choice", default, choices=tuple(choices), state_only=state_only)


def keep(key: str, default: Any = "", *, secret: bool = False, diffed: bool = True) -> Prop:
    """Taken over as given (another resource's output, checked where it is made). ``diffed=False``: a
    change of it alone is no change of this resource (it follows another input that is diffed)."""
    return Prop(key, "keep", default, secret=secret, diffed=diffed)


def custom(
    key: str,
    check: Callable[[Inputs], Any],
    default: Any = None,
    *,
    shape: Callable[[Any], Any] | None = None,
    required: bool = False,
) -> Prop:
    """An input validated by ``check(inputs)``, which sets ``inputs.values[key]`` itself; ``shape``
    turns what the program passes (a list of names) into what the engine diffs (a map)."""
    return Prop(key, "custom", default, custom_check=check, shape=shape, required=required)


def created_with(key: str, check: Callable[[Inputs], Any], default: Any) -> Prop:
    """A create-only input validated by ``check(inputs)``: what the tenant object is created with, kept
    in state as it was then (refresh keeps it too), so a later change of the declared value is no
    change of this resource (another resource owns that value after creation)."""
    return Prop(key, "custom", default, state_only=True, create_only=True, custom_check=check)


def derived(key: str) -> Prop:
    """An input ``check`` derives (from the stored inputs, the day...), never set by the program."""
    return Prop(key, "derived")


def output(key: str, *, secret: bool = False) -> Prop:
    """An output the provider sets; ``secret`` marks it with ``additional_secret_outputs``."""
    return Prop(key, "output", secret=secret)


def _program_value(value: Any, shape: Callable[[Any], Any] | None) -> Any:
    """What the program passed, in the form sent to the engine: tuples as lists, and ``shape`` applied
    now to a plain value (a wrong one fails at the call site) or once an Output inside it resolves."""
    if shape is None:
        return list(value) if isinstance(value, tuple) else value
    if contains(value, lambda item: isinstance(item, pulumi.Output)):
        return pulumi.Output.from_input(value).apply(shape)
    return shape(value)


def _or_default(value: Any, default: Any) -> Any:
    return default if value is None else value


class InputTable:
    """The properties of one resource, in the order the resource class declares them."""

    def __init__(self, *props: Prop) -> None:
        self.props_in_order = props
        self.by_name = {prop.name: prop for prop in props}

    @property
    def inputs(self) -> tuple[Prop, ...]:
        return tuple(prop for prop in self.props_in_order if prop.is_input)

    @property
    def input_names(self) -> tuple[str, ...]:
        return tuple(prop.name for prop in self.inputs)

    @property
    def settings(self) -> tuple[str, ...]:
        """Inputs whose change is an update, not a replacement: neither replace-on-change nor
        create-only."""
        return tuple(prop.name for prop in self.inputs if not prop.replace and not prop.create_only)

    @property
    def diffed_inputs(self) -> tuple[str, ...]:
        """Inputs a change of which is a change of the resource (``diffed``)."""
        return tuple(prop.name for prop in self.inputs if prop.diffed)

    def names(self, kind: str) -> tuple[str, ...]:
        return tuple(prop.name for prop in self.props_in_order if prop.kind == kind)

    def check(
        self,
        news: Mapping[str, Any],
        rules: Iterable[Callable[[Inputs], None]] = (),
        olds: Mapping[str, Any] | None = None,
    ) -> Inputs:
        """Validate and default every input the program sets, then run the cross-field ``rules``.

        ``olds``: the stored inputs of an existing resource (empty for a create). Its ``create_only``
        inputs are handed back as stored (absent stays absent), so they never show as a change."""
        existing = bool(olds)
        inputs = Inputs(news)
        for prop in self.inputs:
            if prop.create_only and existing:
                assert olds is not None
                if prop.name in olds:
                    inputs.values[prop.name] = olds[prop.name]
                continue
            _check_one(inputs, prop)
        for rule in rules:
            rule(inputs)
        return inputs

    def props(self, **given: Any) -> dict[str, Any]:
        """The resource class's property dict: each input as given (shaped), absent or ``None`` taking
        the table's default; derived inputs and outputs ``None`` (the engine fills them in)."""
        unknown = set(given) - set(self.input_names)
        if unknown:
            raise TypeError(f"not an input of this resource: {', '.join(sorted(unknown))}")
        missing = [prop.name for prop in self.inputs if prop.required and given.get(prop.name) is None]
        if missing:
            raise TypeError(f"missing required input: {', '.join(missing)}")
        result: dict[str, Any] = {}
        for prop in self.props_in_order:
            value = given.get(prop.name) if prop.is_input else None
            if value is None:
                result[prop.name] = copy.copy(prop.default) if prop.is_input else None
            else:
                result[prop.name] = _program_value(value, prop.shape)
        return result

    def options(self, opts: pulumi.ResourceOptions | None, **extra: Any) -> pulumi.ResourceOptions | None:
        """``opts`` with what the table implies: its secret outputs marked (and any ``extra`` option)."""
        implied = dict(extra)
        if self.secret_outputs:
            implied["additional_secret_outputs"] = self.secret_outputs
        if not implied:
            return opts
        return pulumi.ResourceOptions.merge(pulumi.ResourceOptions(**implied), opts)

    def replaces(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[str]:
        """The replace-on-change properties whose value changed (absent counts as the default)."""
        reasons = []
        for prop in self.props_in_order:
            if not prop.replace:
                continue
            new = news.get(prop.name)
            if is_unknown(new):
                if prop.unknown_replaces:
                    reasons.append(prop.name)
            elif _or_default(olds.get(prop.name), prop.default) != _or_default(new, prop.default):
                reasons.append(prop.name)
        return reasons

    def changed(self, olds: Mapping[str, Any], news: Mapping[str, Any], keys: Iterable[str]) -> bool:
        """Whether any of ``keys`` differs between the stored and the new inputs."""
        return any(olds.get(key) != news.get(key) for key in keys)

    def kept(self, old: Mapping[str, Any]) -> dict[str, Any]:
        """The state-only inputs carried over from state by ``read()`` (default when absent; a
        create-only input absent from state, written before it existed, stays absent, so a refresh
        of such state shows no change)."""
        return {
            prop.name: old.get(prop.name, prop.default)
            for prop in self.props_in_order
            if prop.state_only and (prop.name in old or not prop.create_only)
        }

    @property
    def secret_outputs(self) -> list[str]:
        """The properties to mark with ``additional_secret_outputs``."""
        return [prop.name for prop in self.props_in_order if prop.secret]


def _check_one(inputs: Inputs, prop: Prop) -> None:
    if prop.kind == "name":
        inputs.name(prop.name)
    elif prop.kind == "string":
        inputs.string(prop.name, prop.default)
    elif prop.kind == "flag":
        inputs.flag(prop.name, prop.default)
    elif prop.kind == "integer":
        assert prop.low is not None and prop.high is not None
        inputs.integer(prop.name, prop.default, prop.low, prop.high, prop.unit)
    elif prop.kind == "choice":
        inputs.choice(prop.name, prop.default, prop.choices)
    elif prop.kind == "keep":
        inputs.keep(prop.name, prop.default)
    elif prop.custom_check is not None:
        prop.custom_check(inputs)
