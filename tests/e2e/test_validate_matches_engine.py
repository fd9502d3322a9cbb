"""`scopectl validate` gives the same least-privilege verdict as the pack run by the real engine.

The dev model and every model of tests/policies/blocked_models.py go through `pulumi preview
--policy-pack policies`; the (rule, level, resource) the engine prints under "Policies:" must equal what
`scopectl validate` finds offline, and what the fixture expects.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.e2e.harness import ProjectStack
from tests.policies.blocked_models import BLOCKED_MODELS, TODAY, BlockedModel, dev_model
from tests.scopectl.test_validate_policy import offline_findings
from tests.support.emulator import RunningEmulator

FINDING = re.compile(
    r"^[ \t]*- \[(mandatory|advisory)\][ \t]+(\S+)[ \t]+\([^()\n]*: ([^()\n]+)\)[ \t]*$", re.M
)
ENV = {"SCOPE_MANAGER_TODAY": TODAY.isoformat()}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, emulator: RunningEmulator) -> Iterator[ProjectStack]:
    """One stack (never applied) whose model each test replaces before it previews."""
    yield ProjectStack(tmp_path_factory.mktemp("validate-vs-engine"), emulator, dev_model())


def engine_findings(stack: ProjectStack, access: dict) -> list[tuple[str, str, str]]:
    stack.set_model(access)
    result = stack.preview(env=ENV)
    section = result.stdout.split("Policies:", 1)[-1]
    return sorted((rule, level, name.strip()) for level, rule, name in FINDING.findall(section))


def validate_findings(access: dict) -> list[tuple[str, str, str]]:
    return sorted((rule, level, name) for rule, level, name, _ in offline_findings(access).elements())


def test_the_dev_model_passes_the_engine_and_validate(stack: ProjectStack) -> None:
    result = stack.preview(env=ENV)
    assert result.returncode == 0, result.output
    assert engine_findings(stack, dev_model()) == validate_findings(dev_model()) == []


@pytest.mark.parametrize("blocked", BLOCKED_MODELS, ids=lambda m: m.id)
def test_validate_finds_what_the_engine_reports(stack: ProjectStack, blocked: BlockedModel) -> None:
    access = blocked.model()

    by_engine = engine_findings(stack, access)

    assert by_engine == validate_findings(access) == sorted(blocked.expected)
