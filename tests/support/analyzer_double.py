"""Engine double for a Python CrossGuard policy pack, for tests on machines without the Pulumi CLI.

It starts the pack exactly as the CLI's python language host does (`RunPlugin`, kind analyzer):

    cwd=<pack dir>  python -u -m pulumi.policy <engine address> <pack dir>

with PULUMI_PROJECT / PULUMI_STACK / PULUMI_DRY_RUN / PULUMI_ORGANIZATION / PULUMI_CONFIG set. The pack's
`PolicyPack(...)` starts a `pulumirpc.Analyzer` gRPC server, prints its port and blocks; this double
reads the port and speaks the protocol the way the engine does:

- `configure()` reconciles policy config like the engine's `ReconcilePolicyPackConfig` (schema defaults,
  then the pack's initial config, then the user's config; `"all"` sets every level) and sends it.
  It does not run the JSON-schema validation of that config, which the engine would.
- `analyze()` sends one resource's *checked inputs* with `__`-internal keys dropped (`SkipInternalKeys`),
  secrets and unknowns kept.
- `analyze_stack()` sends every resource's final *outputs* with its dependencies and property
  dependencies (what lets a stack rule relate a secret to its client).

Adapted from the research prototype in the shared reference (engine-double/lab/analyzer_double.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

LEVELS = {
    "advisory": analyzer_pb2.ADVISORY,
    "mandatory": analyzer_pb2.MANDATORY,
    "remediate": analyzer_pb2.REMEDIATE,
    "disabled": analyzer_pb2.DISABLED,
}
LEVEL_NAMES = {value: name for name, value in LEVELS.items()}

# The engine's placeholder for a string that is only known after `up`.
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


@dataclass(frozen=True)
class Diagnostic:
    policy: str
    level: str  # advisory | mandatory | ... | "not-applicable"
    message: str
    urn: str


@dataclass(frozen=True)
class StackResource:
    urn: str
    type: str
    props: Mapping[str, Any]
    dependencies: Sequence[str] = ()
    property_dependencies: Mapping[str, Sequence[str]] = field(default_factory=dict)


def urn(stack: str, project: str, type_: str, name: str) -> str:
    return f"urn:pulumi:{stack}::{project}::{type_}::{name}"


def _struct(values: Mapping[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(dict(values))
    return message


def skip_internal(props: Mapping[str, Any]) -> dict[str, Any]:
    """MarshalOptions{SkipInternalKeys: true}: drop keys starting with `__` (such as `__provider`)."""
    return {key: value for key, value in props.items() if not key.startswith("__")}


class PolicyPackHost:
    """A running policy pack process plus an Analyzer stub; use as a context manager."""

    def __init__(
        self,
        pack_dir: str | os.PathLike[str],
        project: str = "scope-manager",
        stack: str = "dev",
        dry_run: bool = False,
        organization: str = "organization",
        stack_config: Mapping[str, str] | None = None,
        python: str = sys.executable,
        startup_timeout: float = 30.0,
    ) -> None:
        self.pack_dir = str(Path(pack_dir).resolve())
        self.project, self.stack, self.dry_run, self.organization = project, stack, dry_run, organization
        self.stack_config = dict(stack_config or {})
        self.python, self.startup_timeout = python, startup_timeout
        self.proc: subprocess.Popen[bytes] | None = None
        self.channel: grpc.Channel | None = None
        self.stub: analyzer_pb2_grpc.AnalyzerStub | None = None
        self.port = 0
        self.stderr_lines: list[str] = []

    # --- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> PolicyPackHost:
        env = dict(
            os.environ,
            PULUMI_PROJECT=self.project,
            PULUMI_STACK=self.stack,
            PULUMI_DRY_RUN=str(self.dry_run).lower(),
            PULUMI_ORGANIZATION=self.organization,
            PULUMI_CONFIG=json.dumps(self.stack_config),
            PYTHONUNBUFFERED="1",
        )
        env.pop("PYTHONPATH", None)  # the pack must find its own imports, as under the CLI
        self.proc = subprocess.Popen(
            [self.python, "-u", "-m", "pulumi.policy", "127.0.0.1:1", self.pack_dir],
            cwd=self.pack_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        first_line: list[str] = []
        ready = threading.Event()

        def pump_stdout() -> None:
            assert self.proc is not None and self.proc.stdout is not None
            for raw in self.proc.stdout:
                if not first_line:
                    first_line.append(raw.decode().strip())
                    ready.set()
            ready.set()

        def pump_stderr() -> None:
            assert self.proc is not None and self.proc.stderr is not None
            for raw in self.proc.stderr:
                self.stderr_lines.append(raw.decode(errors="replace").rstrip())

        threading.Thread(target=pump_stdout, daemon=True).start()
        threading.Thread(target=pump_stderr, daemon=True).start()
        if not ready.wait(self.startup_timeout) or not first_line or not first_line[0].isdigit():
            self.stop()
            raise RuntimeError(f"policy pack did not print a port; stderr: {self.stderr_lines[-20:]}")
        self.port = int(first_line[0])
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.port}")
        grpc.channel_ready_future(self.channel).result(timeout=self.startup_timeout)
        self.stub = analyzer_pb2_grpc.AnalyzerStub(self.channel)
        return self

    def stop(self) -> None:
        if self.channel is not None:
            self.channel.close()
            self.channel = None
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(timeout=10)
            self.proc = None

    def __enter__(self) -> PolicyPackHost:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- protocol ------------------------------------------------------------------------------------

    @property
    def _stub(self) -> analyzer_pb2_grpc.AnalyzerStub:
        if self.stub is None:
            raise RuntimeError("the policy pack is not running")
        return self.stub

    def info(self) -> analyzer_pb2.AnalyzerInfo:
        return self._stub.GetAnalyzerInfo(empty_pb2.Empty())

    def configure(self, user_config: Mapping[str, Any] | None = None) -> dict[str, dict[str, Any]]:
        """Reconcile the policy config like the engine and send it; returns {policy: {level, props}}."""
        info = self.info()
        result: dict[str, dict[str, Any]] = {}
        for policy in info.policies:
            schema = json_format.MessageToDict(policy.configSchema.properties)
            defaults = {k: v["default"] for k, v in schema.items() if isinstance(v, dict) and "default" in v}
            result[policy.name] = {"level": LEVEL_NAMES[policy.enforcementLevel], "props": defaults}

        def apply(config: Mapping[str, Any]) -> None:
            if isinstance(config.get("all"), str):
                for entry in result.values():
                    entry["level"] = config["all"]
            for name, given in config.items():
                if name == "all":
                    continue
                entry = result.setdefault(name, {"level": "advisory", "props": {}})
                if isinstance(given, str):
                    entry["level"] = given
                    continue
                given = dict(given)
                if "enforcementLevel" in given:
                    entry["level"] = given.pop("enforcementLevel")
                entry["props"] = {**entry["props"], **given}

        initial = {
            name: {
                "enforcementLevel": LEVEL_NAMES[value.enforcementLevel],
                **json_format.MessageToDict(value.properties),
            }
            for name, value in info.initialConfig.items()
        }
        apply(initial)
        apply(user_config or {})
        self._stub.Configure(
            analyzer_pb2.ConfigureAnalyzerRequest(
                policyConfig={
                    name: analyzer_pb2.PolicyConfig(
                        enforcementLevel=LEVELS[entry["level"]], properties=_struct(entry["props"])
                    )
                    for name, entry in result.items()
                }
            )
        )
        return result

    def configure_stack(self, tags: Mapping[str, str] | None = None) -> None:
        self._stub.ConfigureStack(
            analyzer_pb2.AnalyzerStackConfigureRequest(
                stack=self.stack,
                project=self.project,
                organization=self.organization,
                dry_run=self.dry_run,
                config=self.stack_config,
                tags=dict(tags or {}),
            )
        )

    def analyze(self, resource_urn: str, type_: str, props: Mapping[str, Any]) -> list[Diagnostic]:
        response = self._stub.Analyze(
            analyzer_pb2.AnalyzeRequest(
                urn=resource_urn,
                type=type_,
                name=resource_urn.split("::")[-1],
                properties=_struct(skip_internal(props)),
                options=analyzer_pb2.AnalyzerResourceOptions(),
            )
        )
        return self._diagnostics(response)

    def analyze_stack(self, resources: Sequence[StackResource]) -> list[Diagnostic]:
        response = self._stub.AnalyzeStack(
            analyzer_pb2.AnalyzeStackRequest(
                resources=[
                    analyzer_pb2.AnalyzerResource(
                        urn=r.urn,
                        type=r.type,
                        name=r.urn.split("::")[-1],
                        properties=_struct(skip_internal(r.props)),
                        options=analyzer_pb2.AnalyzerResourceOptions(),
                        dependencies=list(r.dependencies),
                        propertyDependencies={
                            key: analyzer_pb2.AnalyzerPropertyDependencies(urns=list(urns))
                            for key, urns in r.property_dependencies.items()
                        },
                    )
                    for r in resources
                ]
            )
        )
        return self._diagnostics(response)

    @staticmethod
    def _diagnostics(response: analyzer_pb2.AnalyzeResponse) -> list[Diagnostic]:
        found = [
            Diagnostic(d.policyName, LEVEL_NAMES[d.enforcementLevel], d.message, d.urn)
            for d in response.diagnostics
        ]
        found += [Diagnostic(n.policy_name, "not-applicable", n.reason, "") for n in response.not_applicable]
        return found
