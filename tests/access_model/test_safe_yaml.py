"""Hostile and broken model files end in one message naming the file and the place, quickly, and
`scopectl validate` and the program give the same verdict (issue 13, points 4, 5 and 6).

Every case here used to load (an alias bomb, a duplicate key silently dropping the first client, a
null key becoming a client named "None") or to end in a traceback (Latin-1, UTF-16, a 5,000-digit
integer, 10,000 levels of nesting).
"""

from __future__ import annotations

import json
from pathlib import Path

import pulumi
import pytest

from access_model import InvalidModelError, read_stack_access
from access_model.safe_yaml import MAX_ALIAS_NODES, MAX_DEPTH
from scopectl.__main__ import main
from tests.support.program_double import run_program

HEADER = "config:\n  scope-manager:access:\n"
CLIENT = (
    "      {key}:\n        name: {key}-client\n"
    "        purpose: reporting\n        scopes: {{scim:read: {{}}}}\n"
)


def stack_text(clients: str) -> str:
    return HEADER + "    clients:\n" + clients


def alias_bomb(depth: int) -> str:
    """The "billion laughs" shape: each level is a list of ten aliases of the level before."""
    lines = [HEADER + "    clients: {}", '    l0: &l0 ["lol"]']
    for level in range(1, depth + 1):
        refs = ", ".join([f"*l{level - 1}"] * 10)
        lines.append(f"    l{level}: &l{level} [{refs}]")
    return "\n".join(lines) + "\n"


def write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "Pulumi.dev.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    (tmp_path / "Pulumi.yaml").write_text("name: scope-manager\nruntime: python\n")
    return path


def refused(path: Path) -> InvalidModelError:
    with pytest.raises(InvalidModelError) as raised:
        read_stack_access(path)
    assert raised.value.source == str(path)
    assert len(raised.value.errors) == 1
    return raised.value


# -- point 4: aliases --------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [6, 8, 30])
def test_an_alias_bomb_is_refused_before_anything_expands(tmp_path: Path, depth: int) -> None:
    error = refused(write(tmp_path, alias_bomb(depth)))

    assert "aliases expand the document" in error.errors[0].message
    assert f"more than the {MAX_ALIAS_NODES:,} allowed" in error.errors[0].message


def test_a_few_aliases_for_repeated_values_still_work(tmp_path: Path) -> None:
    text = (
        HEADER
        + "    clients:\n"
        + "      a: {name: a-client, purpose: reporting, scopes: &read {scim:read: {}}}\n"
        + "      b: {name: b-client, purpose: reporting, scopes: *read}\n"
    )
    access = read_stack_access(write(tmp_path, text))

    assert access["clients"]["a"]["scopes"] == access["clients"]["b"]["scopes"] == {"scim:read": {}}


def test_an_alias_that_contains_itself_is_refused(tmp_path: Path) -> None:
    error = refused(write(tmp_path, HEADER + "    clients: &loop {a: *loop}\n"))

    assert error.errors[0].message == "an alias refers to the node that contains it"


# -- point 5: unreadable files -----------------------------------------------------------------------


def test_latin1_file_names_the_byte_and_the_place(tmp_path: Path) -> None:
    text = stack_text(CLIENT.format(key="reporting")).replace("reporting-client", "caf\u00e9-client")
    error = refused(write(tmp_path, text.encode("latin-1")))

    assert error.errors[0].path == "line 5, column 18"
    assert "not UTF-8 text (byte 0xE9" in error.errors[0].message


def test_utf16_file_is_named_as_such(tmp_path: Path) -> None:
    error = refused(write(tmp_path, stack_text(CLIENT.format(key="reporting")).encode("utf-16")))

    assert "it looks like UTF-16" in error.errors[0].message


def test_a_5000_digit_integer_is_an_error_at_its_place(tmp_path: Path) -> None:
    text = stack_text(CLIENT.format(key="reporting")) + f"        access_token_lifetime: {'9' * 5000}\n"
    error = refused(write(tmp_path, text))

    assert error.errors[0].path == "line 8, column 32"
    assert "an integer of 5,000 characters is too large" in error.errors[0].message


@pytest.mark.parametrize("style", ["flow", "block"])
def test_ten_thousand_levels_of_nesting_are_refused(tmp_path: Path, style: str) -> None:
    if style == "flow":
        body = "    clients: " + "[" * 10_000 + "]" * 10_000 + "\n"
    else:
        body = "".join("  " * (level + 2) + "x:\n" for level in range(10_000))
    error = refused(write(tmp_path, HEADER + body))

    assert error.errors[0].message == f"nested more than {MAX_DEPTH} levels deep"


# -- point 6: keys -----------------------------------------------------------------------------------


def test_a_duplicate_client_key_names_both_places(tmp_path: Path) -> None:
    text = stack_text(CLIENT.format(key="reporting") + CLIENT.format(key="reporting"))
    error = refused(write(tmp_path, text))

    assert error.errors[0].path == "line 8, column 7"
    assert error.errors[0].message.startswith("duplicate key 'reporting' (first at line 4, column 7)")


def test_a_duplicate_scope_key_is_an_error(tmp_path: Path) -> None:
    text = stack_text(
        "      reporting:\n        name: r\n        scopes:\n"
        "          scim:read: {}\n          scim:read: {justification: twice}\n"
    )
    error = refused(write(tmp_path, text))

    assert error.errors[0].path == "line 8, column 11"
    assert "duplicate key 'scim:read'" in error.errors[0].message


def test_a_duplicate_key_anywhere_in_the_file_is_an_error(tmp_path: Path) -> None:
    error = refused(write(tmp_path, "config:\n  a: 1\n  a: 2\n"))

    assert error.errors[0].path == "line 3, column 3"


@pytest.mark.parametrize("key", ["~", "null", ""])
def test_a_null_key_is_not_a_client_named_none(tmp_path: Path, key: str) -> None:
    text = stack_text(f"      {key}:\n        name: x\n        scopes: {{}}\n" if key else "      ? \n")
    error = refused(write(tmp_path, text))

    assert error.errors[0].path.startswith("line 4, column ")
    assert "a null key" in error.errors[0].message


# -- the same verdict in scopectl validate and in the program ---------------------------------------

MODEL = {
    "clients": {
        "reporting": {
            "name": "r",
            "owner": "team@example.com",
            "purpose": "reporting",
            "scopes": {"scim:read": {}},
            "secret": {"rotate_every_days": 30},
        }
    }
}


def validate(tmp_path: Path, text: str | bytes, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Exit code and everything validate printed (the problem on stdout, the summary on stderr)."""
    write(tmp_path, text)
    code = main(["validate", "--stack", "dev", "--cwd", str(tmp_path)])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_a_model_written_as_a_json_string_is_accepted_by_both(tmp_path: Path, capsys) -> None:
    """The Pulumi CLI hands the program every structured value as JSON text, so a model written as a
    JSON string works in the program; validate must not reject it."""
    text = json.dumps(MODEL)
    code, err = validate(tmp_path, f"config:\n  scope-manager:access: {json.dumps(text)}\n", capsys)
    run = run_program(config={"scope-manager:access": text}, env={"SCOPE_MANAGER_TODAY": "2026-11-22"})

    assert code == 0, err
    assert run.error is None
    assert set(run.by_type("zidentity:ApiClient")) == {"reporting"}


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            '{"clients": {"a": {"name": "a", "scopes": {}}, "a": {"name": "b", "scopes": {}}}}',
            "duplicate key 'a'",
        ),
        ('{"clients": ' + "[" * 10_000 + "]" * 10_000 + "}", "nested too deeply"),
        ('{"clients": ' + "[" * 100 + "]" * 100 + "}", f"nested more than {MAX_DEPTH} levels deep"),
        ('{"clients": {}, "n": ' + "9" * 5000 + "}", "an integer is too large"),
    ],
    ids=["duplicate-key", "nested-10000", "nested-100", "5000-digits"],
)
def test_a_hostile_json_model_gets_the_same_verdict_in_validate_and_the_program(
    tmp_path: Path, capsys, text: str, problem: str
) -> None:
    code, err = validate(tmp_path, f"config:\n  scope-manager:access: {json.dumps(text)}\n", capsys)
    run = run_program(config={"scope-manager:access": text})

    assert code == 1
    assert problem in err and "Traceback" not in err, err
    assert len(err.strip().splitlines()) <= 2, err  # the problem, and at most a one-line summary
    assert isinstance(run.error, pulumi.RunError) and problem in str(run.error)
    assert run.registrations == []


@pytest.mark.parametrize(
    "content",
    [
        alias_bomb(8),
        stack_text(CLIENT.format(key="r")).encode("utf-16"),
        stack_text(CLIENT.format(key="caf\u00e9")).encode("latin-1"),
        stack_text(CLIENT.format(key="r")) + f"        access_token_lifetime: {'9' * 5000}\n",
        HEADER + "    clients: " + "[" * 10_000 + "]" * 10_000 + "\n",
    ],
    ids=["alias-bomb", "utf-16", "latin-1", "5000-digits", "nested-10000"],
)
def test_validate_answers_a_hostile_file_with_one_line_naming_it(tmp_path: Path, capsys, content) -> None:
    code, err = validate(tmp_path, content, capsys)

    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) <= 2 and "Traceback" not in err, err  # the problem, and at most a one-line summary
    assert any(str(tmp_path / "Pulumi.dev.yaml") + ":" in line for line in lines), err


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_today_override_outside_the_calendar_the_program_can_count_is_named(day: str) -> None:
    model = {
        "clients": {
            "r": {"name": "r", "purpose": "reporting", "scopes": {}, "secret": {"rotate_every_days": 30}}
        }
    }
    run = run_program(model, env={"SCOPE_MANAGER_TODAY": day})

    assert isinstance(run.error, pulumi.RunError)
    assert f"SCOPE_MANAGER_TODAY='{day}' is outside 1970-01-01 .. 9000-12-31" in str(run.error)
    assert run.registrations == []
