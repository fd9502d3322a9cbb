"""Without a Pulumi CLI the end-to-end tests skip with the reason, except under CI=true, where they fail."""

from __future__ import annotations

import pytest

from tests.support import pulumi_cli


def test_without_a_cli_the_end_to_end_tests_skip_naming_what_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pulumi_cli, "PULUMI", None)
    monkeypatch.delenv("CI", raising=False)

    with pytest.raises(pytest.skip.Exception, match="no Pulumi CLI: neither `pulumi` on PATH nor a cached"):
        pulumi_cli.require_pulumi()


def test_under_ci_a_missing_cli_fails_instead_of_skipping(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pulumi_cli, "PULUMI", None)
    monkeypatch.setenv("CI", "true")

    with pytest.raises(pytest.fail.Exception, match="CI=true and no Pulumi CLI"):
        pulumi_cli.require_pulumi()
