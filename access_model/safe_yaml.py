"""YAML and JSON for access models, with the limits a hostile or broken file needs.

A stack file is input from a pull request, so loading it must stay cheap and must end in a message,
never a traceback or minutes of work:

- **aliases** may add at most `MAX_ALIAS_NODES` nodes to the document (an "alias bomb" of nested
  aliases expands exponentially: depth 6 took 31 s and 1.6 GB downstream), and none may refer to
  itself;
- **nesting** deeper than `MAX_DEPTH` levels is refused (an access model needs about six);
- **duplicate keys** in any mapping are an error naming both places (PyYAML keeps the last one and
  drops the first silently), and so is a **null key** (`~:` would become a client named "None");
- an **integer** longer than Python's conversion limit is an error at its place, not a `ValueError`;
- a file that is **not UTF-8** (Latin-1, UTF-16) is an error saying so.

The node graph is checked after composing and before constructing, in one pass that visits each node
once however often aliases refer to it, so the check itself cannot be bombed. Errors are
`InvalidModelError`s whose place is `line L, column C` as in YAML syntax errors.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from access_model.errors import InvalidModelError, ModelError

MAX_DEPTH = 64
"""Levels of nesting in a model document (an access model needs about six)."""
MAX_ALIAS_NODES = 10_000
"""Nodes that aliases may add to a document beyond the nodes written out in it."""

_NULL_TAG = "tag:yaml.org,2002:null"
_MERGE_TAG = "tag:yaml.org,2002:merge"


def _where(mark: yaml.Mark | None) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "(file)"


def _fail(source: str, where: str, message: str) -> InvalidModelError:
    return InvalidModelError([ModelError(where, message)], source)


def _construct_int(loader: yaml.constructor.SafeConstructor, node: yaml.ScalarNode) -> int:
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_int(loader, node)
    except ValueError:
        raise yaml.constructor.ConstructorError(
            None, None, f"an integer of {len(node.value):,} characters is too large", node.start_mark
        ) from None


def bounded_loader(base: type[yaml.SafeLoader]) -> type[yaml.SafeLoader]:
    """`base` whose integers too long for Python become an error at their place."""
    loader = type(f"Bounded{base.__name__}", (base,), {})
    loader.add_constructor("tag:yaml.org,2002:int", _construct_int)  # type: ignore[arg-type]
    return loader


def _children(node: yaml.Node) -> Iterator[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        yield from node.value
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield key
            yield value


def _check_mapping(node: yaml.MappingNode, source: str) -> None:
    seen: dict[tuple[str, str], yaml.Node] = {}
    for key, _ in node.value:
        if not isinstance(key, yaml.ScalarNode) or key.tag == _MERGE_TAG:
            continue
        if key.tag == _NULL_TAG:
            raise _fail(
                source,
                _where(key.start_mark),
                f"a null key ({key.value or 'empty'!s}) is not allowed; quote it if you mean the word",
            )
        identity = (key.tag, key.value)
        first = seen.get(identity)
        if first is not None:
            raise _fail(
                source,
                _where(key.start_mark),
                f"duplicate key {key.value!r} (first at {_where(first.start_mark)}); YAML keeps only one",
            )
        seen[identity] = key


def check_node_graph(root: yaml.Node, source: str) -> None:
    """Refuse deep nesting, self-referring or exploding aliases, duplicate and null keys.

    Iterative post-order walk; each distinct node is entered once and its expanded size is memoised,
    so the cost is linear in the text however many times aliases repeat a node.
    """
    size: dict[int, int] = {}
    in_progress: set[int] = set()
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, done = stack.pop()
        key = id(node)
        if done:
            in_progress.discard(key)
            size[key] = 1 + sum(size[id(child)] for child in _children(node))
            continue
        if key in size:
            continue
        if key in in_progress:
            raise _fail(source, _where(node.start_mark), "an alias refers to the node that contains it")
        if depth > MAX_DEPTH:
            raise _fail(source, _where(node.start_mark), f"nested more than {MAX_DEPTH} levels deep")
        if isinstance(node, yaml.MappingNode):
            _check_mapping(node, source)
        in_progress.add(key)
        stack.append((node, depth, True))
        stack.extend((child, depth + 1, False) for child in _children(node))
    added = size[id(root)] - len(size)
    if added > MAX_ALIAS_NODES:
        raise _fail(
            source,
            "(file)",
            f"aliases expand the document by {added:,} nodes, more than the {MAX_ALIAS_NODES:,} allowed; "
            "write the repeated values out or use fewer aliases",
        )


def load_checked_yaml(text: str, source: str, loader: type[yaml.SafeLoader]) -> Any:
    """Parse `text` with `loader` (a `bounded_loader`), checking the node graph before building."""
    instance = loader(text)
    try:
        try:
            node = instance.get_single_node()
            if node is None:
                return None
            check_node_graph(node, source)
            return instance.construct_document(node)
        except RecursionError:
            raise _fail(source, "(file)", "nested too deeply to read") from None
    finally:
        instance.dispose()


def read_text(path: Path) -> str:
    """A model file's text, which must be UTF-8 (a BOM is allowed); otherwise an error saying so."""
    source = str(path)
    data = path.read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data:
        raise _fail(source, "(file)", "not UTF-8 text (it looks like UTF-16); save the file as UTF-8")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise _fail(
            source,
            f"line {line}, column {column}",
            f"not UTF-8 text (byte 0x{data[exc.start]:02X}; Latin-1?); save the file as UTF-8",
        ) from None


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateJsonKey(key)
        result[key] = value
    return result


class _DuplicateJsonKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def check_depth(value: Any, source: str) -> None:
    """Refuse a decoded value nested more than `MAX_DEPTH` levels (iteratively, so it cannot overflow)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise _fail(source, "(value)", f"nested more than {MAX_DEPTH} levels deep")
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)


def load_json(text: str, source: str) -> Any:
    """JSON (the access model as the Pulumi CLI hands it to the program, or a JSON string in a stack
    file) with the same verdicts as the YAML route: duplicate keys, deep nesting and huge integers are
    errors, never silently dropped keys or a traceback."""
    try:
        value = json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except _DuplicateJsonKey as exc:
        raise _fail(source, "(value)", f"duplicate key {exc.key!r}; JSON keeps only one") from None
    except json.JSONDecodeError as exc:
        raise _fail(source, f"line {exc.lineno}, column {exc.colno}", f"not JSON: {exc.msg}") from None
    except RecursionError:
        raise _fail(source, "(value)", "nested too deeply to read") from None
    except ValueError:  # Python's int limit: "Exceeds the limit (4300 digits) ..."
        raise _fail(source, "(value)", "an integer is too large") from None
    check_depth(value, source)
    return value
