"""Every scopectl command answers `--help` with what it does and its exit codes, and docs/scopectl.md
covers every command and option: a user must never meet an option the page does not explain."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from scopectl.__main__ import build_parser, main

DOCS = (Path(__file__).resolve().parents[2] / "docs" / "scopectl.md").read_text()


def subcommands() -> dict[str, argparse.ArgumentParser]:
    [action] = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


def test_the_four_commands_of_the_issue_exist():
    assert set(subcommands()) == {"report", "audit", "export", "validate"}


@pytest.mark.parametrize("command", sorted(subcommands()))
def test_help_says_what_the_command_does_and_how_it_exits(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    out = capsys.readouterr().out

    assert exit_.value.code == 0
    assert out.startswith(f"usage: scopectl {command}")
    assert "Exit status: 0" in " ".join(out.split())
    parser = subcommands()[command]
    undocumented = [
        option
        for action in parser._actions
        for option in action.option_strings
        if option.startswith("--") and option != "--help" and not action.help
    ]
    assert undocumented == [], f"{command}: options without help text"


@pytest.mark.parametrize("command", sorted(subcommands()))
def test_docs_cover_every_command_and_option(command):
    assert f"## `{command}" in DOCS
    missing = [
        option
        for action in subcommands()[command]._actions
        for option in action.option_strings
        if option.startswith("--") and option != "--help" and f"`{option}" not in DOCS
    ]
    assert missing == [], f"docs/scopectl.md does not explain {command} {missing}"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["audit", "--stack", "dev", "--as-of", "2026-13-01"],
            "--as-of: '2026-13-01' is not a day; expected YYYY-MM-DD",
        ),
        (["audit", "--stack", "dev", "--expiring-days", "-3"], "--expiring-days must be 0 or more"),
        (["report", "preview.json", "--max-chars", "10"], "--max-chars must be at least 2000"),
        (["validate", "--stack", "no-such-stack"], "--stack no-such-stack: no Pulumi.no-such-stack.yaml"),
    ],
)
def test_bad_option_values_exit_one_naming_the_option(argv, message, capsys, monkeypatch, tmp_path):
    (tmp_path / "Pulumi.yaml").write_text("name: scope-manager\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    monkeypatch.chdir(tmp_path)

    try:
        code = main(argv)
    except SystemExit as exit_:  # argparse's own errors
        code = exit_.code
    err = capsys.readouterr().err

    assert code == 1  # never 2, which means "changes" or "drift" to a CI job
    assert message in err
