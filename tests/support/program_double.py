"""Run the Pulumi program (`__main__.py`) under `pulumi.runtime.set_mocks` and record what it declares.

The recording monitor keeps each `RegisterResource` request as the engine would receive it from the
language host: type, name, parent, the serialized inputs (secrets still wrapped), `dependencies`,
`propertyDependencies` and `additionalSecretOutputs`, plus the stack outputs and the log lines. The
mocks answer with plausible outputs per resource type (an id, a `client_id`, a secret `value`...), so
output wiring between resources is exercised. Nothing here talks to a tenant: the program makes no HTTP
calls, and the mocks stand in for the engine and the providers.

Adapted from the research prototype in the shared reference (engine-double/lab/sdk_capture.py).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import runpy
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from google.protobuf import json_format
from pulumi.runtime.mocks import MockMonitor, Mocks

ROOT = Path(__file__).resolve().parents[2]
PROGRAM = ROOT / "__main__.py"
PROJECT = "scope-manager"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
SIG_KEY = "4dabf18193072939515e22adb298388d"

_DYNAMIC = "pulumi-python:dynamic/"


@dataclass
class Registration:
    type: str
    name: str
    urn: str
    parent: str
    inputs: dict[str, Any]  # as serialized by the SDK: secrets are {SIG_KEY: SECRET_SIG, "value": ...}
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    additional_secret_outputs: list[str]
    outputs: dict[str, Any] = field(default_factory=dict)  # what the mocks answered

    @property
    def plain_inputs(self) -> dict[str, Any]:
        """Inputs without the SDK's `__provider` and with secret wrappers removed."""
        return {k: unwrap(v) for k, v in self.inputs.items() if not k.startswith("__")}


@dataclass
class ProgramRun:
    registrations: list[Registration]
    outputs: dict[str, Any]  # stack outputs, secret wrappers removed
    secret_outputs: set[str]  # names of stack outputs that are secret
    logs: list[tuple[str, str]]  # (level name, message)
    error: BaseException | None

    def by_type(self, short_type: str) -> dict[str, Registration]:
        """Registrations of one resource type (`zidentity:ApiClient`), keyed by resource name."""
        return {r.name: r for r in self.registrations if r.type == _DYNAMIC + short_type}

    def by_urn(self) -> dict[str, Registration]:
        return {r.urn: r for r in self.registrations}


def is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SIG_KEY) == SECRET_SIG


def unwrap(value: Any) -> Any:
    if is_secret(value):
        return unwrap(value.get("value"))
    if isinstance(value, dict):
        return {k: unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap(v) for v in value]
    return value


def fake_outputs(type_: str, name: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """What a successful create would return, per resource type (ids derived from the name)."""
    outputs = dict(inputs)
    short = type_.removeprefix(_DYNAMIC)
    if short == "zidentity:ApiClient":
        outputs["client_id"] = f"cli-{name}"
    elif short == "zidentity:ScopeAssignment":
        outputs["granted"] = sorted(inputs.get("scopes") or {})
    elif short == "zidentity:ClientSecret":
        outputs.update(
            secret_id=f"sec-{name}",
            value=f"plaintext-of-{name}",
            expires_at="2027-02-20T00:00:00Z",
            created_at="2026-11-22T00:00:00Z",
        )
    elif short == "zidentity:PreviousSecret":
        # A first deployment: no rotation yet, so no previous secret.
        outputs.update(
            previous_secret_id="", previous_revoke_on="", previous="", previous_value="",
            previous_expires_at="", previous_live=False,
        )  # fmt: skip
    elif short == "scim:Group":
        outputs.update(group_id=f"grp-{name}", member_ids=[])
    elif short == "scim:User":
        outputs["user_id"] = f"usr-{name}"
    return outputs


class _AnsweringMocks(Mocks):
    def __init__(self) -> None:
        self.answers: dict[str, dict[str, Any]] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        outputs = fake_outputs(
            args.typ, args.name, {k: v for k, v in args.inputs.items() if k != "__provider"}
        )
        self.answers[f"{args.typ}::{args.name}"] = outputs
        # Like the real provider, an API client's resource id is its tenant client id.
        return outputs.get("client_id", f"{args.name}-id"), outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list | None]:
        return {}, None


class _RecordingMonitor(MockMonitor):
    def __init__(self, mocks: _AnsweringMocks) -> None:
        super().__init__(mocks)
        self.registrations: list[Registration] = []

    def RegisterResource(self, request):
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            self.registrations.append(
                Registration(
                    type=request.type,
                    name=request.name,
                    urn=response.urn,
                    parent=request.parent,
                    inputs=json_format.MessageToDict(request.object),
                    dependencies=list(request.dependencies),
                    property_dependencies={k: list(v.urns) for k, v in request.propertyDependencies.items()},
                    additional_secret_outputs=list(request.additionalSecretOutputs),
                )
            )
        return response


class _ListHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.levelname, record.getMessage()))


@contextlib.contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run_program(
    access: Any | None = None,
    *,
    config: Mapping[str, str] | None = None,
    preview: bool = False,
    env: Mapping[str, str] | None = None,
    stack: str = "dev",
) -> ProgramRun:
    """Run `__main__.py` with `access` as `scope-manager:access` (plus any raw `config` entries).

    A program error is returned in `ProgramRun.error` (with whatever was registered before it), so a
    test can assert both the message and that nothing was declared.
    """
    all_config = dict(config or {})
    if access is not None:
        all_config["scope-manager:access"] = json.dumps(access)
    mocks = _AnsweringMocks()
    monitor = _RecordingMonitor(mocks)
    logger = logging.getLogger(f"scope-manager-program-{id(monitor)}")
    handler = _ListHandler()
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    pulumi.runtime.set_all_config(all_config)
    pulumi.runtime.set_mocks(
        mocks, project=PROJECT, stack=stack, preview=preview, logger=logger, monitor=monitor
    )
    error: BaseException | None = None

    captured: dict[str, Any] = {}
    secret_names: set[str] = set()
    try:
        with _environment(env or {}):
            _collect_outputs(captured, secret_names)
    except BaseException as caught:  # a failed program surfaces here; the test inspects it
        error = caught
    finally:
        pulumi.runtime.set_all_config({})
        logger.removeHandler(handler)
    for registration in monitor.registrations:
        registration.outputs = mocks.answers.get(f"{registration.type}::{registration.name}", {})
    return ProgramRun(monitor.registrations, captured, secret_names, handler.records, error)


def _collect_outputs(captured: dict[str, Any], secret_names: set[str]) -> None:
    """Run the program and read every stack output's value and secretness."""

    @pulumi.runtime.test
    def _inspect():
        runpy.run_path(str(PROGRAM), run_name="__main__")
        stack_resource = pulumi.runtime.settings.get_root_resource()
        outputs: dict[str, Any] = dict(getattr(stack_resource, "outputs", {}) or {})

        async def gather() -> None:
            for name, value in outputs.items():
                output = pulumi.Output.from_input(value)
                if await output.is_secret():
                    secret_names.add(name)
                captured[name] = await output.future()

        return pulumi.Output.from_input(gather())

    _inspect()
