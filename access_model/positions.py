"""Where each part of the access model sits in its YAML file (`file:line:column`), and indentation hints.

Errors from `validate` name a path (`clients.reporting.scopes["scim:wrte"]`); this module maps such a
path back to the line and column of its key in `Pulumi.<stack>.yaml`, so an editor can jump there.
It composes the YAML into nodes (which keep their marks) without building values, so it reads the
same text `loading` reads and never decides what a value means: loading stays the one authority on
that. A path that is not in the file (a required key that is missing) is placed at its deepest
ancestor that is.

Indentation mistakes read as unknown names one level up: a `justification:` indented at the level of
the scope names becomes a scope named "justification"; a `secret:` block dedented to the level of the
client names becomes a client named "secret". `indentation_hint` recognises the pattern (a key that
fits the sibling just above it, one level deeper) and says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from access_model.paths import format_path
from access_model.validation import schema

Parts = tuple[str | int, ...]
ACCESS_KEY = "scope-manager:access"


@dataclass(frozen=True)
class Position:
    line: int  # 1-based
    column: int  # 1-based


@dataclass
class _Entry:
    parts: Parts
    position: Position
    value: yaml.Node
    siblings: list[str] = field(default_factory=list)  # keys of the mapping holding it, in file order


class PositionIndex:
    """Positions of every key and list item under the access model, by formatted path."""

    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}

    def add(self, parts: Parts, mark: yaml.Mark, value: yaml.Node, siblings: list[str]) -> None:
        position = Position(mark.line + 1, mark.column + 1)
        self._entries[format_path(parts)] = _Entry(parts, position, value, siblings)

    def entry(self, path: str) -> _Entry | None:
        """The entry at `path`, else at its deepest ancestor in the file (None when not even the
        model's root is there)."""
        if path in self._entries:
            return self._entries[path]
        ancestors = [
            p for p in self._entries if path.startswith(p) and path[len(p) : len(p) + 1] in (".", "[")
        ]
        return self._entries[max(ancestors, key=len)] if ancestors else self._entries.get("(top level)")

    def position(self, path: str) -> Position | None:
        found = self.entry(path)
        return found.position if found else None

    def indentation_hint(self, path: str) -> str | None:
        """A hint when a key on `path` looks indented one level too shallow (see the module doc)."""
        found = self.entry(path)
        if found is None:
            return None
        parts = found.parts
        for depth in range(1, len(parts)):
            key = parts[depth]
            if not isinstance(key, str):
                continue
            parent = parts[:depth]
            entry = self._entries.get(format_path(parts[: depth + 1]))
            if entry is None:
                continue
            siblings = entry.siblings
            index = siblings.index(key) if key in siblings else -1
            if index <= 0:
                continue
            above = siblings[index - 1]
            above_entry = self._entries.get(format_path((*parent, above)))
            fits_here = _allowed_keys(parent)
            fits_above = _allowed_keys((*parent, above))
            if fits_above is None or key not in fits_above:
                continue
            if fits_here is not None and key in fits_here:
                continue  # a key that belongs at this level too is not evidence of anything
            if (
                above_entry is not None
                and isinstance(above_entry.value, yaml.MappingNode)
                and any(_scalar(k) == key for k, _ in above_entry.value.value)
            ):
                continue  # `above` already has this key: a second one is not a stray
            column = entry.position.column
            return (
                f"the indentation looks wrong: `{key}` (line {entry.position.line}, column {column}) is at "
                f"the level of `{above}` above it, so it is read as {_reading(parent, key)}; "
                f"indent it under `{above}` to make it a setting of {format_path((*parent, above))}"
            )
        return None


def index_access(text: str) -> PositionIndex | None:
    """Positions under `config["scope-manager:access"]` of a stack file's text; None when the text is not
    YAML or holds no access model (loading reports those)."""
    root = _compose(text)
    config = _child(root, "config") if root is not None else None
    access_key = _key_node(config, ACCESS_KEY) if config is not None else None
    if access_key is None:
        return None
    key_node, access = access_key
    return _indexed(key_node.start_mark, access)


def index_model(text: str) -> PositionIndex | None:
    """Positions in a model file (`scope-manager:accessFile`), whose document is the model itself; None
    when the text is not YAML (loading reports that)."""
    root = _compose(text)
    return _indexed(root.start_mark, root) if root is not None else None


def _compose(text: str) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None


def _indexed(mark: yaml.Mark, model: yaml.Node) -> PositionIndex:
    """Every path of the model under `model`, the model itself placed at `mark`."""
    index = PositionIndex()
    index.add((), mark, model, [])
    _walk(index, model, ())
    return index


def _walk(index: PositionIndex, node: yaml.Node, parts: Parts) -> None:
    if isinstance(node, yaml.MappingNode):
        keys = [_scalar(k) for k, _ in node.value]
        names = [k for k in keys if k is not None]
        for key_node, value in node.value:
            key = _scalar(key_node)
            if key is None:
                continue
            index.add((*parts, key), key_node.start_mark, value, names)
            _walk(index, value, (*parts, key))
    elif isinstance(node, yaml.SequenceNode):
        for number, item in enumerate(node.value):
            index.add((*parts, number), item.start_mark, item, [])
            _walk(index, item, (*parts, number))


def _scalar(node: yaml.Node) -> str | None:
    return str(node.value) if isinstance(node, yaml.ScalarNode) else None


def _key_node(node: yaml.Node | None, key: str) -> tuple[yaml.Node, yaml.Node] | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    found = None
    for key_node, value in node.value:
        if _scalar(key_node) == key:
            found = (key_node, value)  # the last one wins, as when the file is loaded
    return found


def _child(node: yaml.Node | None, key: str) -> yaml.Node | None:
    found = _key_node(node, key)
    return found[1] if found else None


# --- what the schema allows where ----------------------------------------------------------------------


def _resolve(node: Mapping[str, Any]) -> Mapping[str, Any]:
    while "$ref" in node:
        node = schema()["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    if "oneOf" in node:  # a group member: a userName or a mapping; the mapping is the one with keys
        for branch in node["oneOf"]:
            branch = _resolve(branch)
            if "properties" in branch:
                return branch
    return node


def _schema_at(parts: Parts) -> Mapping[str, Any] | None:
    node: Mapping[str, Any] = schema()
    for part in parts:
        node = _resolve(node)
        if isinstance(part, int):
            items = node.get("items")
            if not isinstance(items, Mapping):
                return None
            node = items
        elif part in node.get("properties", {}):
            node = node["properties"][part]
        elif isinstance(node.get("additionalProperties"), Mapping):
            node = node["additionalProperties"]
        else:
            return None
    return _resolve(node)


def _allowed_keys(parts: Parts) -> frozenset[str] | None:
    """The fixed keys of the mapping at `parts`; None where names are free (client names, scope names)."""
    node = _schema_at(parts)
    if node is None or "properties" not in node:
        return None
    return frozenset(node["properties"])


def _reading(parent: Parts, key: str) -> str:
    """How the stray key is read where it is: a new named object, or an unknown setting."""
    node = _schema_at(parent)
    if node is not None and isinstance(node.get("additionalProperties"), Mapping):
        last = parent[-1] if parent else "entry"
        kinds = {"scopes": "a scope", "clients": "a client", "groups": "a group", "users": "a user"}
        return f"{kinds.get(str(last), 'an entry')} named {key!r}"
    return f"a setting of {format_path(parent)}"
