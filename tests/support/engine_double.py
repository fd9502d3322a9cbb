"""An engine double for Python dynamic providers: the Pulumi engine's side of the provider protocol.

The Pulumi CLI cannot run here, so this module plays the engine. It starts the real provider plugin the
way the CLI's ``pulumi-resource-pulumi-python`` shim does (``python -u -m pulumi.dynamic <engine>``,
cwd = project directory, ``PULUMI_PROJECT``/``PULUMI_CONFIG`` in the environment), reads the port from
the plugin's first stdout line and speaks ``pulumirpc.ResourceProvider`` over gRPC with the SDK's own
stubs. The marshalling follows ``pkg/resource/plugin/provider_plugin.go``:

* the dynamic provider answers Configure with ``acceptSecrets=False``, so every request is sent with the
  secret wrappers stripped, and every answer is re-annotated (``annotateSecrets``: an output is secret
  when the same-named input was);
* in preview, Create and Update are not sent (the plugin does not support preview): inputs stand in for
  outputs, and output-only properties stay unknown;
* a ``DIFF_UNKNOWN`` answer makes the engine diff old inputs against new inputs itself
  (``deploy.diffResource``), producing a detailed diff keyed by property path
  (``scopes["scim:write"]``) exactly as ``resource.PropertyPath.String()`` prints it;
* refresh is ``Read(id, properties=old outputs, inputs=old inputs)`` followed by a Diff with the
  refreshed state as olds and the old inputs as news, inverted (``RefreshStep``);
* a replacement re-checks the goal with no olds and creates the new resource before deleting the old one
  unless the provider asked for delete-before-replace.

Values on the engine side are JSON-like: secrets are the RPC secret wrapper ``{SIG: SECRET_SIG,
"value": v}`` and unknowns the ``UNKNOWN`` sentinel string, as on the wire. ``Engine`` keeps the state
between operations (``up``, ``refresh``, ``destroy``, or ``run`` for a whole Pulumi program through
``tests.support.sdk_capture``) and records the steps a user would see in a plan.

Known gaps, on purpose: no aliases, protect, ignoreChanges, provider resources, state encryption, and
``additional_secret_outputs`` is applied by a helper rather than by the (absent) resource monitor.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from common.paths import property_path as common_property_path

SIG = rpc._special_sig_key
SECRET_SIG = rpc._special_secret_sig
UNKNOWN = rpc.UNKNOWN

_DIFF_KIND_NAMES = {number: name for name, number in provider_pb2.PropertyDiff.Kind.items()}
_CREDENTIAL_ENV_PREFIXES = ("SCOPE_MANAGER_", "ZSCALER_")


# ------------------------------------------------------------------------------------------------------
# Property values as the engine sees them
# ------------------------------------------------------------------------------------------------------
def secret(value: Any) -> dict[str, Any]:
    """``value`` wrapped as an RPC secret, as the SDK and the engine mark secrets on the wire."""
    return {SIG: SECRET_SIG, "value": value}


def is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SIG) == SECRET_SIG


def contains_secrets(value: Any) -> bool:
    if is_secret(value):
        return True
    if isinstance(value, dict):
        return any(contains_secrets(item) for item in value.values())
    if isinstance(value, list):
        return any(contains_secrets(item) for item in value)
    return False


def strip_secrets(value: Any) -> Any:
    """The value without secret wrappers (``MarshalProperties(KeepSecrets=false)``)."""
    if is_secret(value):
        return strip_secrets(value["value"])
    if isinstance(value, dict):
        return {key: strip_secrets(item) for key, item in value.items()}
    if isinstance(value, list):
        return [strip_secrets(item) for item in value]
    return value


def contains_unknowns(value: Any) -> bool:
    if value == UNKNOWN:
        return True
    if isinstance(value, dict):
        return any(contains_unknowns(item) for item in value.values())
    if isinstance(value, list):
        return any(contains_unknowns(item) for item in value)
    return False


def annotate_secrets(outs: dict[str, Any] | None, ins: Mapping[str, Any] | None) -> None:
    """Port of ``annotateSecrets``: mark outputs secret where the same-named input held a secret."""
    if outs is None or ins is None:
        return
    for key, in_value in ins.items():
        if key not in outs:
            continue
        out_value = outs[key]
        both_plain_objects = (
            isinstance(out_value, dict)
            and not is_secret(out_value)
            and isinstance(in_value, dict)
            and not is_secret(in_value)
        )
        if both_plain_objects:
            annotate_secrets(out_value, in_value)
        elif not is_secret(out_value) and contains_secrets(in_value):
            outs[key] = secret(out_value)


def mark_secret_outputs(outs: dict[str, Any], names: Iterable[str]) -> None:
    """Apply a resource's ``additional_secret_outputs`` the way the engine does after each step."""
    for name in names:
        if name in outs and not is_secret(outs[name]):
            outs[name] = secret(outs[name])


def property_path(parts: Sequence[str | int]) -> str:
    """A property path printed like ``resource.PropertyPath.String()``: ``scopes["scim:write"]``.

    The project's one formatter (``common.paths``), which states the engine's rule; the double uses it
    so the provider tests and the engine double cannot disagree."""
    return common_property_path(parts)


def input_diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, str]:
    """The engine's own detailed diff of two input maps (``NewDetailedDiffFromObjectDiff``).

    Returns ``{path: ADD|DELETE|UPDATE}``; secrets are compared by their plain values and a missing key
    is the same as a null one, as in ``resource.PropertyMap.Diff``.
    """
    result: dict[str, str] = {}

    def walk(old_value: Any, new_value: Any, path: list[str | int]) -> None:
        if isinstance(old_value, dict) and isinstance(new_value, dict):
            for key in sorted(set(old_value) | set(new_value)):
                before, after = old_value.get(key), new_value.get(key)
                if before is None and after is None:
                    continue
                if after is None:
                    result[property_path([*path, key])] = "DELETE"
                elif before is None:
                    result[property_path([*path, key])] = "ADD"
                else:
                    walk(before, after, [*path, key])
        elif isinstance(old_value, list) and isinstance(new_value, list):
            for index in range(max(len(old_value), len(new_value))):
                if index >= len(new_value):
                    result[property_path([*path, index])] = "DELETE"
                elif index >= len(old_value):
                    result[property_path([*path, index])] = "ADD"
                else:
                    walk(old_value[index], new_value[index], [*path, index])
        elif old_value != new_value:
            result[property_path(path)] = "UPDATE"

    walk(strip_secrets(dict(old)), strip_secrets(dict(new)), [])
    return result


def _invert_kind(kind: str) -> str:
    inverse = {
        "ADD": "DELETE",
        "DELETE": "ADD",
        "ADD_REPLACE": "DELETE_REPLACE",
        "DELETE_REPLACE": "ADD_REPLACE",
    }
    return inverse.get(kind, kind)


def to_struct(values: Mapping[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(dict(values))
    return struct


def from_struct(struct: struct_pb2.Struct) -> dict[str, Any]:
    return json_format.MessageToDict(struct)


def make_urn(stack: str, project: str, type_: str, name: str) -> str:
    return f"urn:pulumi:{stack}::{project}::{type_}::{name}"


# ------------------------------------------------------------------------------------------------------
# Results
# ------------------------------------------------------------------------------------------------------
class EngineError(Exception):
    """A step failed the way ``pulumi up`` would report it (the message names the resource)."""


class CheckFailed(EngineError):
    """The provider's Check returned failures: ``failures`` is a list of ``(property, reason)``."""

    def __init__(self, urn: str, failures: list[tuple[str, str]]) -> None:
        listed = "; ".join(f"{prop}: {reason}" for prop, reason in failures)
        super().__init__(f"{urn} has check errors: {listed}")
        self.urn = urn
        self.failures = failures


class ProviderError(EngineError):
    """A provider RPC failed; ``details`` is what the plugin sent back (a Python traceback)."""

    def __init__(self, urn: str, operation: str, details: str) -> None:
        super().__init__(f"{operation} of {urn} failed: {details}")
        self.urn = urn
        self.operation = operation
        self.details = details


@dataclass
class DiffOutcome:
    """A Diff answer after the engine's post-processing."""

    changes: str
    """DIFF_NONE or DIFF_SOME (after the DIFF_UNKNOWN fallback)."""
    raw_changes: str
    """What the provider itself answered (DIFF_UNKNOWN, DIFF_SOME, DIFF_NONE)."""
    replaces: list[str]
    delete_before_replace: bool
    detailed_diff: dict[str, str] | None

    @property
    def replace(self) -> bool:
        """``plugin.DiffResult.Replace()``."""
        kinds = (self.detailed_diff or {}).values()
        return bool(self.replaces) or any(kind.endswith("_REPLACE") for kind in kinds)

    def inverted(self) -> DiffOutcome:
        inverted = copy.copy(self)
        if self.detailed_diff is not None:
            inverted.detailed_diff = {path: _invert_kind(kind) for path, kind in self.detailed_diff.items()}
        return inverted


@dataclass
class ResourceState:
    urn: str
    type: str
    id: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    dependencies: list[str] = field(default_factory=list)
    secret_outputs: list[str] = field(default_factory=list)


@dataclass
class Step:
    """One step of an operation: create, same, update, replace, delete, or refresh."""

    op: str
    urn: str
    diff: DiffOutcome | None = None
    old_id: str | None = None
    new_id: str | None = None
    gone: bool = False
    """For refresh steps: the resource no longer exists and was dropped from state."""

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]

    @property
    def type(self) -> str:
        return self.urn.split("::")[-2]


@dataclass
class Goal:
    """One ``RegisterResource`` as the engine receives it from the language host."""

    type: str
    name: str
    inputs: dict[str, Any]
    dependencies: list[str] = field(default_factory=list)
    secret_outputs: list[str] = field(default_factory=list)


# ------------------------------------------------------------------------------------------------------
# The plugin process and the raw protocol
# ------------------------------------------------------------------------------------------------------
class ProviderProcess:
    """The real ``python -m pulumi.dynamic`` plugin, started and spoken to as the engine does.

    ``config`` holds namespaced stack config (``"scope-manager:tokenUrl"``); keys in ``secret_keys`` are
    sent as secrets, as ``pulumi config set --secret`` values are. Credential variables of the calling
    environment (``SCOPE_MANAGER_*``, ``ZSCALER_*``) are not inherited unless passed in ``extra_env``,
    so a developer's shell cannot change what a test sees.
    """

    def __init__(
        self,
        cwd: str | Path,
        *,
        project: str = "scope-manager",
        stack: str = "dev",
        config: Mapping[str, str] | None = None,
        secret_keys: Iterable[str] = (),
        extra_env: Mapping[str, str] | None = None,
        python: str = sys.executable,
        startup_timeout: float = 30.0,
        rpc_timeout: float = 120.0,
        clock_offset: float = 0.0,
    ) -> None:
        self.cwd = str(cwd)
        self.project = project
        self.stack = stack
        self.config = dict(config or {})
        self.secret_keys = set(secret_keys)
        self.extra_env = dict(extra_env or {})
        self.python = python
        self.startup_timeout = startup_timeout
        self.rpc_timeout = rpc_timeout
        self.clock_offset = clock_offset
        self.accept_secrets = False
        self.supports_preview = False
        self.port: int | None = None
        self.stdout_lines: list[str] = []
        self.stderr_lines: list[str] = []
        self.calls: list[str] = []
        self.max_in_flight = 0
        """The most RPCs this engine had in flight at once (how concurrent the plugin was driven)."""
        self._in_flight = 0
        self._calls_lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._shim_dir: str | None = None
        self._channel: grpc.Channel | None = None
        self._stub: provider_pb2_grpc.ResourceProviderStub | None = None

    # -- lifecycle -------------------------------------------------------------------------------------
    def start(self) -> ProviderProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith(_CREDENTIAL_ENV_PREFIXES)}
        env.update(
            PULUMI_PROJECT=self.project,
            PULUMI_CONFIG=json.dumps(self.config),
            PYTHONUNBUFFERED="1",
        )
        env.update(self.extra_env)
        if self.clock_offset:
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [self._clock_shim(), env.get("PYTHONPATH")]))
        self._proc = subprocess.Popen(
            [self.python, "-u", "-m", "pulumi.dynamic", "127.0.0.1:1"],
            cwd=self.cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        first_line: list[str] = []
        got_port = threading.Event()
        proc = self._proc

        def pump_stdout() -> None:
            for raw in proc.stdout or ():
                line = raw.decode(errors="replace").rstrip("\n")
                if not first_line:
                    first_line.append(line)
                    got_port.set()
                else:
                    self.stdout_lines.append(line)
            got_port.set()

        def pump_stderr() -> None:
            for raw in proc.stderr or ():
                self.stderr_lines.append(raw.decode(errors="replace").rstrip("\n"))

        threading.Thread(target=pump_stdout, daemon=True).start()
        threading.Thread(target=pump_stderr, daemon=True).start()
        if not got_port.wait(self.startup_timeout) or not first_line or not first_line[0].strip().isdigit():
            self.stop()
            raise RuntimeError(f"the provider plugin printed no port; stderr: {self.stderr_lines[-20:]}")
        self.port = int(first_line[0].strip())
        self._channel = grpc.insecure_channel(f"127.0.0.1:{self.port}")
        grpc.channel_ready_future(self._channel).result(timeout=self.startup_timeout)
        self._stub = provider_pb2_grpc.ResourceProviderStub(self._channel)
        return self

    def _clock_shim(self) -> str:
        """A directory whose ``sitecustomize`` moves the providers' wall clock by ``clock_offset`` s.

        This is how tests let time pass for the provider (a secret entering its renewal window) without
        any hook in product code. Only callers in the ``providers`` package see the shifted time: gRPC's
        own timers must keep the real clock or the plugin's server never starts.
        """
        if self._shim_dir is None:
            self._shim_dir = tempfile.mkdtemp(prefix="plugin-clock-")
        Path(self._shim_dir, "sitecustomize.py").write_text(
            "import sys as _sys\n"
            "import time as _time\n"
            "_real_time = _time.time\n"
            f"_OFFSET = {float(self.clock_offset)!r}\n"
            "def _time_for_caller():\n"
            "    caller = _sys._getframe(1).f_globals.get('__name__', '')\n"
            "    shifted = caller == 'providers' or caller.startswith('providers.')\n"
            "    return _real_time() + (_OFFSET if shifted else 0.0)\n"
            "_time.time = _time_for_caller\n"
        )
        return self._shim_dir

    def stop(self) -> None:
        """Close the channel and end the plugin (the engine terminates plugins after an operation)."""
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        self._stub = None
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout=10)
        self._proc = None
        if self._shim_dir is not None:
            shutil.rmtree(self._shim_dir, ignore_errors=True)
            self._shim_dir = None

    def restart(self) -> None:
        """A new plugin process, configured like the old one: what the next ``pulumi`` command gets.

        The CLI starts one plugin per command, so process-wide caches (token, shared listings) never
        outlive a command; tests that edit the tenant out of band restart before the next command.
        """
        configured = self._stub is not None and "Configure" in self.calls
        self.stop()
        self.start()
        if configured:
            self.configure()

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def __enter__(self) -> ProviderProcess:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def stub(self) -> provider_pb2_grpc.ResourceProviderStub:
        if self._stub is None:
            raise RuntimeError("the provider plugin is not running; call start() first")
        return self._stub

    def _record(self, call: str) -> None:
        with self._calls_lock:
            self.calls.append(call)

    # -- protocol ----------------------------------------------------------------------------------------
    def get_plugin_info(self) -> str:
        self._record("GetPluginInfo")
        return self.stub.GetPluginInfo(empty_pb2.Empty(), timeout=self.rpc_timeout).version

    def handshake_supported(self) -> bool:
        self._record("Handshake")
        try:
            request = provider_pb2.ProviderHandshakeRequest(engine_address="127.0.0.1:1")
            self.stub.Handshake(request, timeout=self.rpc_timeout)
        except grpc.RpcError as error:
            if error.code() == grpc.StatusCode.UNIMPLEMENTED:
                return False
            raise
        return True

    def configure(self) -> provider_pb2.ConfigureResponse:
        """Send the whole stack config, secrets marked, as ``Target.GetPackageConfig`` does."""
        self._record("Configure")
        args = {
            key: (secret(value) if key in self.secret_keys else value) for key, value in self.config.items()
        }
        variables = {f"pulumi-python:config:{key}": value for key, value in self.config.items()}
        response = self.stub.Configure(
            provider_pb2.ConfigureRequest(
                variables=variables,
                args=to_struct(args),
                acceptSecrets=True,
                acceptResources=True,
                sends_old_inputs=True,
                sends_old_inputs_to_delete=True,
                type="pulumi:providers:pulumi-python",
            ),
            timeout=self.rpc_timeout,
        )
        self.accept_secrets = response.acceptSecrets
        self.supports_preview = response.supportsPreview
        return response

    def _marshal(self, props: Mapping[str, Any]) -> struct_pb2.Struct:
        return to_struct(props if self.accept_secrets else strip_secrets(dict(props)))

    def _invoke(self, urn: str, operation: str, request: Any) -> Any:
        """Send one ResourceProvider RPC (``operation`` is its name), counting calls in flight."""
        self._record(operation)
        call = getattr(self.stub, operation)
        with self._calls_lock:
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
        try:
            return call(request, timeout=self.rpc_timeout)
        except grpc.RpcError as error:
            raise ProviderError(urn, operation, error.details() or str(error.code())) from None
        finally:
            with self._calls_lock:
                self._in_flight -= 1

    @staticmethod
    def _names(urn: str) -> dict[str, str]:
        return {"urn": urn, "name": urn.rsplit("::", 1)[-1], "type": urn.split("::")[-2]}

    def _received(self, struct: struct_pb2.Struct, sent: Mapping[str, Any] | None) -> dict[str, Any]:
        """Properties as the engine takes them from a response: re-marked secret where ``sent`` was.

        A plugin that does not accept secrets returns plain values; the engine restores secretness
        from what it sent (``annotateSecrets``), the same for Check, Create, Read and Update.
        """
        values = from_struct(struct)
        if not self.accept_secrets:
            annotate_secrets(values, sent)
        return values

    def check(
        self, urn: str, olds: Mapping[str, Any], news: Mapping[str, Any]
    ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        request = provider_pb2.CheckRequest(
            **self._names(urn), olds=self._marshal(olds), news=self._marshal(news)
        )
        response = self._invoke(urn, "Check", request)
        inputs = self._received(response.inputs, news)
        return inputs, [(failure.property, failure.reason) for failure in response.failures]

    def diff(
        self,
        urn: str,
        id_: str,
        old_inputs: Mapping[str, Any],
        old_outputs: Mapping[str, Any],
        new_inputs: Mapping[str, Any],
    ) -> DiffOutcome:
        request = provider_pb2.DiffRequest(
            id=id_,
            **self._names(urn),
            olds=self._marshal(old_outputs),
            news=self._marshal(new_inputs),
            old_inputs=self._marshal(old_inputs),
        )
        response = self._invoke(urn, "Diff", request)
        raw = provider_pb2.DiffResponse.DiffChanges.Name(response.changes)
        detailed = (
            {path: _DIFF_KIND_NAMES[change.kind] for path, change in response.detailedDiff.items()}
            if response.hasDetailedDiff
            else None
        )
        outcome = DiffOutcome(
            changes=raw,
            raw_changes=raw,
            replaces=list(response.replaces),
            delete_before_replace=response.deleteBeforeReplace,
            detailed_diff=detailed,
        )
        if raw == "DIFF_UNKNOWN":
            computed = input_diff(old_inputs, new_inputs)
            outcome.changes = "DIFF_SOME" if computed else "DIFF_NONE"
            outcome.detailed_diff = computed if computed else outcome.detailed_diff
        return outcome

    def create(
        self, urn: str, props: Mapping[str, Any], *, preview: bool = False
    ) -> tuple[str, dict[str, Any]]:
        if preview and not self.supports_preview:
            return "", copy.deepcopy(dict(props))
        request = provider_pb2.CreateRequest(
            **self._names(urn), properties=self._marshal(props), preview=preview
        )
        response = self._invoke(urn, "Create", request)
        return response.id, self._received(response.properties, props)

    def read(
        self, urn: str, id_: str, inputs: Mapping[str, Any], state: Mapping[str, Any]
    ) -> tuple[str, dict[str, Any], dict[str, Any] | None]:
        request = provider_pb2.ReadRequest(
            id=id_, **self._names(urn), properties=self._marshal(state), inputs=self._marshal(inputs)
        )
        response = self._invoke(urn, "Read", request)
        outs = self._received(response.properties, state)
        new_inputs = self._received(response.inputs, inputs) if response.HasField("inputs") else None
        return response.id, outs, new_inputs

    def update(
        self,
        urn: str,
        id_: str,
        old_inputs: Mapping[str, Any],
        old_outputs: Mapping[str, Any],
        new_inputs: Mapping[str, Any],
        *,
        preview: bool = False,
    ) -> dict[str, Any]:
        if preview and not self.supports_preview:
            return copy.deepcopy(dict(new_inputs))
        request = provider_pb2.UpdateRequest(
            id=id_,
            **self._names(urn),
            olds=self._marshal(old_outputs),
            news=self._marshal(new_inputs),
            old_inputs=self._marshal(old_inputs),
            preview=preview,
        )
        response = self._invoke(urn, "Update", request)
        return self._received(response.properties, new_inputs)

    def delete(
        self, urn: str, id_: str, old_inputs: Mapping[str, Any], old_outputs: Mapping[str, Any]
    ) -> None:
        request = provider_pb2.DeleteRequest(
            id=id_,
            **self._names(urn),
            properties=self._marshal(old_outputs),
            old_inputs=self._marshal(old_inputs),
        )
        self._invoke(urn, "Delete", request)


# ------------------------------------------------------------------------------------------------------
# Deployments: step generation and state
# ------------------------------------------------------------------------------------------------------
class _Operation:
    """Book-keeping of one ``up``: new state, steps and replaced resources awaiting deletion."""

    def __init__(self, preview: bool) -> None:
        self.preview = preview
        self.lock = threading.Lock()
        self.new_state: dict[str, ResourceState] = {}
        self.steps: list[Step] = []
        self.replaced: list[ResourceState] = []
        self.errors: list[EngineError] = []

    def record(
        self, step: Step, state: ResourceState | None = None, replaced: ResourceState | None = None
    ) -> None:
        with self.lock:
            self.steps.append(step)
            if state is not None:
                self.new_state[state.urn] = state
            if replaced is not None:
                self.replaced.append(replaced)


class Engine:
    """Deployments against one provider process: ``up``/``run``, ``refresh`` and ``destroy``.

    ``parallel`` bounds how many resources are worked on at once (the engine's ``--parallel``); the
    plugin itself serves four RPCs at a time, so higher values queue in the plugin like they do for
    the real engine.
    """

    def __init__(self, provider: ProviderProcess, *, parallel: int = 1) -> None:
        self.provider = provider
        self.parallel = max(1, parallel)
        self.state: dict[str, ResourceState] = {}
        self._state_lock = threading.Lock()

    # -- helpers ----------------------------------------------------------------------------------------
    def urn(self, type_: str, name: str) -> str:
        return make_urn(self.provider.stack, self.provider.project, type_, name)

    def resource(self, type_: str, name: str) -> ResourceState:
        """The state of one resource; ``KeyError`` names it when it is not in state."""
        urn = self.urn(type_, name)
        if urn not in self.state:
            raise KeyError(f"{urn} is not in state")
        return self.state[urn]

    def _map(self, work: Callable[[Any], None], items: Sequence[Any]) -> None:
        if self.parallel == 1 or len(items) <= 1:
            for item in items:
                work(item)
            return
        with ThreadPoolExecutor(max_workers=self.parallel) as pool:
            for future in [pool.submit(work, item) for item in items]:
                future.result()

    # -- up -------------------------------------------------------------------------------------------------
    def register(self, goal: Goal, operation: _Operation) -> ResourceState:
        """Generate and execute the step for one goal (``makeRegisterResourceSteps`` + ``Apply``)."""
        provider, preview = self.provider, operation.preview
        urn = self.urn(goal.type, goal.name)
        with self._state_lock:
            old = self.state.get(urn)
        inputs, failures = provider.check(urn, old.inputs if old else {}, goal.inputs)
        if failures:
            raise CheckFailed(urn, failures)
        if old is None:
            id_, outs = provider.create(urn, inputs, preview=preview)
            mark_secret_outputs(outs, goal.secret_outputs)
            state = ResourceState(urn, goal.type, id_, inputs, outs, goal.dependencies, goal.secret_outputs)
            operation.record(Step("create", urn, new_id=id_), state)
            return state
        diff = provider.diff(urn, old.id, old.inputs, old.outputs, inputs)
        if diff.changes == "DIFF_NONE":
            state = ResourceState(
                urn, goal.type, old.id, old.inputs, old.outputs, goal.dependencies, goal.secret_outputs
            )
            operation.record(Step("same", urn, diff, old_id=old.id, new_id=old.id), state)
            return state
        if diff.replace:
            inputs, failures = provider.check(urn, {}, goal.inputs)
            if failures:
                raise CheckFailed(urn, failures)
            if diff.delete_before_replace and not preview:
                provider.delete(urn, old.id, old.inputs, old.outputs)
            id_, outs = provider.create(urn, inputs, preview=preview)
            mark_secret_outputs(outs, goal.secret_outputs)
            state = ResourceState(urn, goal.type, id_, inputs, outs, goal.dependencies, goal.secret_outputs)
            replaced = None if diff.delete_before_replace else old
            operation.record(Step("replace", urn, diff, old_id=old.id, new_id=id_), state, replaced)
            return state
        outs = provider.update(urn, old.id, old.inputs, old.outputs, inputs, preview=preview)
        mark_secret_outputs(outs, goal.secret_outputs)
        state = ResourceState(urn, goal.type, old.id, inputs, outs, goal.dependencies, goal.secret_outputs)
        operation.record(Step("update", urn, diff, old_id=old.id, new_id=old.id), state)
        return state

    def begin(self, *, preview: bool = False) -> _Operation:
        return _Operation(preview)

    def finish(self, operation: _Operation) -> list[Step]:
        """Delete what the program no longer declares and replaced resources, then commit the state.

        Deletions run in reverse dependency order (dependents first). On preview nothing is sent and
        the state stays as it was.
        """
        with self._state_lock:
            leftovers = [old for urn, old in self.state.items() if urn not in operation.new_state]
        for old in leftovers:
            operation.steps.append(Step("delete", old.urn, old_id=old.id))
        if operation.preview:
            return operation.steps
        self._delete_in_order(leftovers)
        self._delete_in_order(operation.replaced)
        with self._state_lock:
            ordered = {urn: operation.new_state[urn] for urn in self.state if urn in operation.new_state}
            ordered.update(operation.new_state)
            self.state = ordered
        return operation.steps

    def up(self, goals: Sequence[Goal], *, preview: bool = False) -> list[Step]:
        """One ``pulumi up`` (or ``preview``) of a flat list of goals with literal inputs."""
        operation = self.begin(preview=preview)
        self._map(lambda goal: self.register(goal, operation), goals)
        return self.finish(operation)

    def run(self, program: Callable[[], object], *, preview: bool = False) -> list[Step]:
        """One ``pulumi up`` (or ``preview``) of a Pulumi program, its outputs flowing between resources.

        The program runs under the SDK with a monitor that hands each RegisterResource to this engine
        (``tests.support.sdk_capture.run_program``), so dependencies resolve to real ids.
        """
        from tests.support.sdk_capture import run_program  # here: sdk_capture imports this module

        operation = self.begin(preview=preview)
        # Steps in flight on the SDK's threads when another step fails: the real engine waits for them
        # and records what they did before it exits, so a re-run does not create their objects again.
        # No step starts once the run has failed and its state is kept (the SDK may still send a
        # registration that was waiting on the failed one's outputs).
        in_flight = threading.Condition()
        running = [0]
        closed = [False]

        def on_register(goal: Goal) -> tuple[str, str, dict[str, Any]]:
            with in_flight:
                if closed[0]:
                    raise EngineError(f"{goal.type}::{goal.name}: not started, the run already failed")
                running[0] += 1
            try:
                state = self.register(goal, operation)
            except EngineError as error:
                operation.errors.append(error)
                raise
            finally:
                with in_flight:
                    running[0] -= 1
                    in_flight.notify_all()
            return state.urn, state.id, state.outputs

        try:
            run_program(
                program,
                on_register,
                project=self.provider.project,
                stack=self.provider.stack,
                preview=preview,
            )
        except Exception:
            if operation.errors:
                with in_flight:
                    closed[0] = True
                    in_flight.wait_for(lambda: running[0] == 0, timeout=600)
                self._keep_partial(operation)
                raise operation.errors[0] from None
            raise
        return self.finish(operation)

    def _keep_partial(self, operation: _Operation) -> None:
        """After a failed ``up`` the engine keeps what it did; nothing is deleted."""
        if operation.preview:
            return
        with self._state_lock:
            self.state.update(operation.new_state)

    # -- refresh and destroy ------------------------------------------------------------------------------
    def refresh(self) -> list[Step]:
        """``pulumi refresh``: read every resource, record drift, drop what is gone."""
        steps: list[Step] = []
        steps_lock = threading.Lock()
        provider = self.provider

        def read_one(old: ResourceState) -> None:
            id_, outs, new_inputs = provider.read(old.urn, old.id, old.inputs, old.outputs)
            if not id_:
                with self._state_lock:
                    self.state.pop(old.urn, None)
                with steps_lock:
                    steps.append(Step("refresh", old.urn, old_id=old.id, gone=True))
                return
            mark_secret_outputs(outs, old.secret_outputs)
            inputs = new_inputs if new_inputs is not None else old.inputs
            diff = provider.diff(old.urn, id_, inputs, outs, old.inputs).inverted()
            refreshed = ResourceState(
                old.urn, old.type, id_, inputs, outs, old.dependencies, old.secret_outputs
            )
            with self._state_lock:
                self.state[old.urn] = refreshed
            with steps_lock:
                steps.append(Step("refresh", old.urn, diff, old_id=old.id, new_id=id_))

        self._map(read_one, list(self.state.values()))
        return steps

    def destroy(self) -> list[Step]:
        """``pulumi destroy``: delete everything, dependents first."""
        with self._state_lock:
            everything = list(self.state.values())
        deleted = self._delete_in_order(everything)
        with self._state_lock:
            self.state = {}
        return [Step("delete", old.urn, old_id=old.id) for old in deleted]

    def _delete_in_order(self, resources: Sequence[ResourceState]) -> list[ResourceState]:
        """Delete in waves: a resource goes once nothing left in the batch depends on it.

        Returns the resources in the order their waves ran.
        """
        deleted: list[ResourceState] = []
        remaining = {old.urn + "#" + old.id: old for old in resources}
        while remaining:
            depended_on = {dep for old in remaining.values() for dep in old.dependencies}
            wave = [old for old in remaining.values() if old.urn not in depended_on]
            if not wave:  # a cycle cannot come from the SDK; delete the rest in order anyway
                wave = list(remaining.values())

            def delete_one(old: ResourceState) -> None:
                self.provider.delete(old.urn, old.id, old.inputs, old.outputs)

            self._map(delete_one, wave)
            for old in wave:
                remaining.pop(old.urn + "#" + old.id)
            deleted.extend(wave)
        return deleted
