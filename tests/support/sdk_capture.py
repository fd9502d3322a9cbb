"""The language-host side for the engine double: run a Pulumi program and see what the SDK sends.

A program runs under ``pulumi.runtime.set_mocks`` with a resource monitor of our own. Every
``RegisterResource`` the SDK sends is turned into a ``Goal`` holding the exact ``object`` payload the
engine would receive (secret wrappers, unknown sentinels and the SDK-serialized ``__provider`` included).
``capture_registrations`` only records them; ``run_program`` hands each one to a callback (the engine
double) and returns its answer to the program, so outputs such as a client's id flow into the resources
that use them, as under the real engine.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pulumi
from google.protobuf import json_format
from pulumi.runtime.mocks import MockMonitor, Mocks
from pulumi.runtime.proto import resource_pb2

from tests.support.engine_double import EngineError, Goal, make_urn, to_struct

RegisterCallback = Callable[[Goal], tuple[str, str, dict[str, Any]]]
"""Takes a goal, returns ``(urn, id, outputs)`` in wire form ("" id = unknown in preview)."""


class _UnusedMocks(Mocks):
    """Mocks whose resource hook is never reached: ``_EngineMonitor`` answers registrations itself."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        raise NotImplementedError("registrations are answered by the engine monitor")

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


class _EngineMonitor(MockMonitor):
    def __init__(self, on_register: RegisterCallback, project: str, stack: str) -> None:
        super().__init__(_UnusedMocks())
        self._on_register = on_register
        self._project = project
        self._stack = stack

    def RegisterResource(self, request: resource_pb2.RegisterResourceRequest) -> Any:
        if request.type == "pulumi:pulumi:Stack":
            return super().RegisterResource(request)
        goal = Goal(
            type=request.type,
            name=request.name,
            inputs=json_format.MessageToDict(request.object),
            dependencies=list(request.dependencies),
            secret_outputs=list(request.additionalSecretOutputs),
        )
        urn, id_, outputs = self._on_register(goal)
        return resource_pb2.RegisterResourceResponse(urn=urn, id=id_, object=to_struct(outputs))


def run_program(
    program: Callable[[], object],
    on_register: RegisterCallback,
    *,
    project: str = "scope-manager",
    stack: str = "dev",
    preview: bool = False,
) -> None:
    """Run ``program`` to completion (all registrations answered) with ``on_register`` as the engine.

    An exception raised by ``on_register`` fails the program, as a failed step fails ``pulumi up``.
    """
    monitor = _EngineMonitor(on_register, project, stack)
    pulumi.runtime.set_mocks(monitor.mocks, project=project, stack=stack, preview=preview, monitor=monitor)
    _quiet_failed_registrations(asyncio.get_event_loop())

    @pulumi.runtime.test
    def _run() -> None:
        program()

    _run()


def _quiet_failed_registrations(loop: asyncio.AbstractEventLoop) -> None:
    """Do not log "Future exception was never retrieved" for a step failure the engine already raised.

    The SDK leaves the failed registration's futures unobserved; the error itself reaches the test
    through ``Engine.run``, so the asyncio log line would only repeat it (with a traceback).
    """

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if isinstance(context.get("exception"), EngineError):
            return
        loop.default_exception_handler(context)

    loop.set_exception_handler(handler)


def capture_registrations(
    program: Callable[[], object],
    *,
    project: str = "scope-manager",
    stack: str = "dev",
    preview: bool = False,
) -> list[Goal]:
    """The goals the SDK sends for ``program``, answered with echoed inputs (no provider involved)."""
    goals: list[Goal] = []

    def echo(goal: Goal) -> tuple[str, str, dict[str, Any]]:
        goals.append(goal)
        return make_urn(stack, project, goal.type, goal.name), f"{goal.name}-id", dict(goal.inputs)

    run_program(program, echo, project=project, stack=stack, preview=preview)
    return goals
