"""The stack config's size as the real engine hands it to the program, and the limit it must fit.

The Python language host passes the whole stack config in one environment variable, PULUMI_CONFIG,
and Linux refuses one over 128 KiB. `scopectl validate` counts the bytes a stack file will take there
(`access_model.pulumi_config_bytes`). These tests hold that count to the real CLI: exactly the bytes a
program receives, and on either side of the limit, the verdict the engine itself gives.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from access_model import PULUMI_CONFIG_MAX_BYTES, pulumi_config_bytes, read_stack_config
from scopectl.__main__ import main as scopectl
from tests.e2e.harness import REPO_ROOT, ProjectStack, hermetic_env, run_pulumi
from tests.support.emulator import RunningEmulator

pytestmark = pytest.mark.e2e

RECORDER = '''"""Writes the PULUMI_CONFIG it was started with next to itself, and declares nothing."""
import os
from pathlib import Path

Path(__file__).with_name("seen-config.json").write_text(os.environ["PULUMI_CONFIG"], encoding="utf-8")
'''

# Written as a person writes it: the dates unquoted (the engine turns them into longer timestamps),
# characters Go's JSON escapes, UTF-8, quotes and backslashes, top-level values that are not strings.
STACK_CONFIG = r"""config:
  size:retries: 3
  size:verbose: true
  scope-manager:access:
    clients:
      reporting:
        name: "Réporting <nightly> & weekly"
        description: 'says "hi" \ bye'
        access_token_lifetime: 900
        scopes:
          scim:read: {}
          scim:write: {justification: "CHG-1 <ticket>", expires: 2027-06-30}
    users:
      ann: {user_name: ann@example.com, emails: [ann@example.com], expires: 2028-02-29}
"""


class RecorderProject:
    """A throwaway project whose program records PULUMI_CONFIG, driven through the real CLI."""

    def __init__(self, workdir: Path) -> None:
        self.dir = workdir / "project"
        self.dir.mkdir()
        (workdir / "state").mkdir()
        (self.dir / "__main__.py").write_text(RECORDER)
        (self.dir / "Pulumi.yaml").write_text(
            f"name: size\nruntime:\n  name: python\n  options:\n    virtualenv: {REPO_ROOT / '.venv'}\n"
        )
        self.env = hermetic_env(workdir)
        self.pulumi("stack", "init", "dev", "--secrets-provider", "passphrase")
        self.stack_file = self.dir / "Pulumi.dev.yaml"

    def pulumi(self, *args: str, stdin: str | None = None) -> str:
        return run_pulumi(self.dir, self.env, *args, stdin=stdin, check=True, timeout=300).stdout

    def received_bytes(self) -> int:
        """What the program was handed, counted as the kernel counts the environment string."""
        self.pulumi("preview")
        seen = (self.dir / "seen-config.json").read_text(encoding="utf-8")
        return len(f"PULUMI_CONFIG={seen}".encode()) + 1


def test_the_count_is_the_bytes_the_engine_hands_the_program(tmp_path: Path) -> None:
    project = RecorderProject(tmp_path)
    encryption = project.stack_file.read_text()  # `stack init` wrote the passphrase's salt
    project.stack_file.write_text(encryption + STACK_CONFIG)

    assert pulumi_config_bytes(read_stack_config(project.stack_file)) == project.received_bytes()

    # A secret counts as its ciphertext, longer than the value the program gets: the count leans high.
    project.pulumi("config", "set", "--secret", "size:token", stdin="t0ken-<&>-value")
    counted = pulumi_config_bytes(read_stack_config(project.stack_file))
    received = project.received_bytes()
    assert received < counted < received + 128


def model_of_size(stack: ProjectStack, prefix: str, target: int) -> dict[str, Any]:
    """A valid model of API clients with long descriptions whose stack config counts exactly `target`
    bytes (each description character is one byte of PULUMI_CONFIG)."""
    descriptions = [4000]
    for _ in range(100):
        model = {
            "clients": {
                f"c{n}": {
                    "name": f"{prefix}-{n}",
                    "description": "d" * length,
                    "owner": "e2e@example.com",
                    "purpose": "reporting",
                    "scopes": {"scim:read": {}},
                    "secret": {"rotate_every_days": 30},
                }
                for n, length in enumerate(descriptions)
            }
        }
        stack.set_model(model)
        missing = target - pulumi_config_bytes(read_stack_config(stack.stack_file))
        if missing == 0:
            return model
        last = descriptions[-1] + missing
        if last > 4000:  # the schema allows 4,096: one more client, sized on the next round
            descriptions[-1] = 4000
            descriptions.append(1)
        elif last < 1:  # one client fewer
            descriptions.pop()
            assert descriptions, "the stack file without the model is already larger than the target"
        else:
            descriptions[-1] = last
    raise AssertionError(f"could not size the model to {target} bytes")


def move_model_to_file(stack: ProjectStack, relative: str) -> None:
    """What a user does past the limit: the model into a YAML file, the stack config naming it."""
    document = yaml.safe_load(stack.stack_file.read_text())
    model = document["config"].pop("scope-manager:access")
    (stack.dir / relative).parent.mkdir(parents=True, exist_ok=True)
    (stack.dir / relative).write_text(yaml.safe_dump(model, sort_keys=False))
    document["config"]["scope-manager:accessFile"] = relative
    stack.stack_file.write_text(yaml.safe_dump(document, sort_keys=False))


def planned_clients(preview_text: str) -> list[str]:
    """The API clients a plain `pulumi preview` plans to create (so the program ran on the model)."""
    return sorted(re.findall(r"^\s*\+\s+\S*zidentity:ApiClient\s+(c\d+)\s+create", preview_text, re.M))


def validate(stack: ProjectStack) -> int:
    return scopectl(["validate", "--stack", stack.stack, "--cwd", str(stack.dir)])


def test_over_the_limit_validate_stops_what_the_engine_cannot_start(
    tmp_path: Path, emulator: RunningEmulator, prefix: str, capsys: pytest.CaptureFixture[str]
) -> None:
    stack = ProjectStack(tmp_path, emulator, {"clients": {}})
    margin = 512  # more than the two credentials' ciphertexts add to the count

    too_large = model_of_size(stack, prefix, PULUMI_CONFIG_MAX_BYTES + margin)
    assert validate(stack) == 1
    assert '"argument list too long" before the program runs' in capsys.readouterr().out
    over = stack.preview(policy=False)
    assert over.returncode != 0 and "argument list too long" in over.output, over.output

    # The remedy validate names: the same model in its own file, named by scope-manager:accessFile.
    move_model_to_file(stack, "access/dev.yaml")
    assert validate(stack) == 0
    assert "stack config" not in capsys.readouterr().err
    from_file = stack.preview(policy=False)
    assert from_file.returncode == 0, from_file.output
    assert planned_clients(from_file.stdout) == sorted(too_large["clients"])

    model = model_of_size(stack, prefix, PULUMI_CONFIG_MAX_BYTES - margin)
    assert validate(stack) == 0
    assert "past that, the program cannot start" in capsys.readouterr().err  # close to it: a warning
    under = stack.preview(policy=False)
    assert under.returncode == 0, under.output
    assert planned_clients(under.stdout) == sorted(model["clients"])  # the program ran on the whole model
