"""Credentials come from stack config or the environment at configure time, never from the pickle, and
secret values never show up in state outside a Pulumi secret, in the plugin's output or in errors."""

from __future__ import annotations

import base64
import pickletools
from collections.abc import Iterator
from typing import Any

import dill
import httpx
import pytest
from pulumi.runtime._serialization import _deserialize

from providers import (
    ApiClient,
    ApiClientProvider,
    ClientSecret,
    ClientSecretProvider,
    ScimGroup,
    ScimGroupProvider,
    ScimUser,
    ScimUserProvider,
    ScopeAssignment,
    ScopeAssignmentProvider,
)
from providers._base import config_from_credentials
from tests.providers.conftest import API_CLIENT, CLIENT_SECRET, REPO_ROOT, start_plugin
from tests.support.emulator import RunningEmulator
from tests.support.engine_double import (
    CheckFailed,
    Engine,
    EngineError,
    ProviderError,
    ProviderProcess,
    is_secret,
)
from tests.support.sdk_capture import capture_registrations

FAKE_CREDENTIALS = {
    "SCOPE_MANAGER_CLIENT_SECRET": "program-side-client-secret-0001",
    "SCOPE_MANAGER_SCIM_TOKEN": "program-side-scim-token-0002",
    "ZSCALER_CLIENT_SECRET": "program-side-sdk-secret-0003",
}


def every_resource() -> None:
    client = ApiClient("c", name="n")
    ScopeAssignment("s", client_id=client.id, scopes={"scim:read": {}})
    ClientSecret("k", client_id=client.id)
    ScimUser("u", user_name="u@ex.com")
    ScimGroup("g", display_name="G", members=["u@ex.com"])


def test_the_serialized_provider_is_a_small_secret_reference_without_credentials(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in FAKE_CREDENTIALS.items():
        monkeypatch.setenv(name, value)

    goals = {goal.type.rsplit(":", 1)[-1]: goal for goal in capture_registrations(every_resource)}

    expected = {
        "ApiClient": ("providers.api_client", ApiClientProvider),
        "ScopeAssignment": ("providers.scope_assignment", ScopeAssignmentProvider),
        "ClientSecret": ("providers.client_secret", ClientSecretProvider),
        "User": ("providers.scim_user", ScimUserProvider),
        "Group": ("providers.scim_group", ScimGroupProvider),
    }
    assert set(goals) == set(expected)
    for kind, (module, provider_class) in expected.items():
        serialized = goals[kind].inputs["__provider"]
        assert is_secret(serialized), f"{kind}: __provider must be stored as a secret"
        raw = base64.b64decode(serialized["value"])
        strings = [arg for _, arg, _ in pickletools.genops(raw) if isinstance(arg, str)]
        assert strings[:2] == [module, provider_class.__name__], f"{kind}: class pickled by reference"
        assert len(raw) < 200, f"{kind}: {len(raw)} bytes"
        assert not any(value.encode() in raw for value in FAKE_CREDENTIALS.values())
        provider = _deserialize(lambda raw=raw: dill.loads(raw))
        assert type(provider) is provider_class and vars(provider) == {}


def test_serialization_is_stable_so_state_does_not_churn() -> None:
    first = [goal.inputs["__provider"] for goal in capture_registrations(every_resource)]
    second = [goal.inputs["__provider"] for goal in capture_registrations(every_resource)]

    assert first == second


def test_state_keeps_the_program_pickle_after_the_plugin_was_configured(tenant: RunningEmulator) -> None:
    plugin = start_plugin(tenant)
    try:
        engine = Engine(plugin)
        (goal,) = capture_registrations(lambda: ScimUser("u", user_name="pickle-check@ex.com"))
        engine.run(lambda: ScimUser("u", user_name="pickle-check@ex.com"))
        state = next(iter(engine.state.values()))
        assert state.outputs["__provider"] == goal.inputs["__provider"]
        assert state.inputs["__provider"] == goal.inputs["__provider"]
        engine.destroy()
    finally:
        plugin.stop()


def test_credentials_from_the_environment_work_without_stack_config(tenant: RunningEmulator) -> None:
    credentials = tenant.credentials
    environment = {
        "SCOPE_MANAGER_SCIM_URL": credentials["scim_url"],
        "SCOPE_MANAGER_SCIM_TOKEN": credentials["scim_token"],
        "SCOPE_MANAGER_TOKEN_URL": credentials["token_url"],
        "SCOPE_MANAGER_API_URL": credentials["api_url"],
        "ZSCALER_CLIENT_ID": credentials["client_id"],
        "ZSCALER_CLIENT_SECRET": credentials["client_secret"],
    }
    with ProviderProcess(REPO_ROOT, extra_env=environment) as plugin:
        plugin.configure()
        engine = Engine(plugin)

        def program() -> None:
            ScimUser("u", user_name="env-configured@ex.com")
            ApiClient("c", name="env-configured")

        assert sorted(step.op for step in engine.run(program)) == ["create", "create"]
        engine.destroy()


def test_a_missing_configuration_fails_with_where_to_set_it(tenant: RunningEmulator) -> None:
    with ProviderProcess(
        REPO_ROOT, config={"scope-manager:scimUrl": tenant.credentials["scim_url"]}
    ) as plugin:
        plugin.configure()
        with pytest.raises(ProviderError) as raised:
            Engine(plugin).run(lambda: ScimUser("u", user_name="unconfigured@ex.com"))

    assert raised.value.operation == "Create"
    assert "scimToken is missing" in raised.value.details
    assert "pulumi config set --secret scope-manager:scimToken" in raised.value.details


# -- secret values stay secret ---------------------------------------------------------------------
@pytest.fixture
def watched_plugin(tenant: RunningEmulator) -> Iterator[ProviderProcess]:
    plugin = start_plugin(tenant)
    try:
        yield plugin
    finally:
        plugin.stop()


def plain_strings(value: Any) -> Iterator[str]:
    """Every string in a state value that is NOT inside a secret wrapper."""
    if is_secret(value):
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from plain_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from plain_strings(item)


def test_secret_values_appear_nowhere_but_in_secret_outputs(
    tenant: RunningEmulator, watched_plugin: ProviderProcess, admin: httpx.Client
) -> None:
    engine = Engine(watched_plugin)
    errors: list[EngineError] = []

    def program(rotation: str) -> None:
        client = ApiClient("app", name="secretive")
        ClientSecret("app-secret", client_id=client.id, rotation=rotation)

    engine.run(lambda: program("one"))
    first_value = engine.resource(CLIENT_SECRET, "app-secret").outputs["value"]["value"]
    engine.run(lambda: program("two"))
    second_value = engine.resource(CLIENT_SECRET, "app-secret").outputs["value"]["value"]
    engine.refresh()
    admin.delete(f"/api-clients/{engine.resource(API_CLIENT, 'app').id}").raise_for_status()
    for failing in (
        lambda: engine.run(lambda: ApiClient("app", name="secretive", description="after delete")),
        lambda: engine.run(lambda: ClientSecret("bad-secret", client_id="", lifetime_days=3)),
    ):
        with pytest.raises((ProviderError, CheckFailed)) as raised:
            failing()
        errors.append(raised.value)
    watched_plugin.stop()

    secrets = {
        first_value,
        second_value,
        tenant.credentials["client_secret"],
        tenant.credentials["scim_token"],
    }
    assert len(errors) == 2
    texts = [*watched_plugin.stdout_lines, *watched_plugin.stderr_lines, *(str(error) for error in errors)]
    leaks = [secret for secret in secrets for text in texts if secret in text]
    assert leaks == []
    for state in engine.state.values():
        exposed = set(plain_strings(state.outputs)) | set(plain_strings(state.inputs))
        assert not exposed & secrets, f"{state.urn} exposes a secret outside a secret wrapper"


def test_stack_config_from_a_credentials_file_uses_the_documented_keys_and_no_control_token() -> None:
    credentials = {
        "token_url": "http://127.0.0.1:1/oauth2/v1/token",
        "api_url": "http://127.0.0.1:1",
        "client_id": "admin-id",
        "client_secret": "admin-secret",
        "scim_url": "http://127.0.0.1:1/scim/1/7/v2",
        "scim_token": "idp-token",
        "control_token": "emulator-control",
    }

    assert config_from_credentials(credentials) == {
        "scope-manager:tokenUrl": "http://127.0.0.1:1/oauth2/v1/token",
        "scope-manager:apiUrl": "http://127.0.0.1:1",
        "scope-manager:clientId": "admin-id",
        "scope-manager:clientSecret": "admin-secret",
        "scope-manager:scimUrl": "http://127.0.0.1:1/scim/1/7/v2",
        "scope-manager:scimToken": "idp-token",
    }
