"""The providers' own errors reach the engine as their message, not as a deep traceback."""

from __future__ import annotations

import traceback
from typing import Any

import pytest
from pulumi.dynamic import ConfigureRequest
from pulumi.dynamic.config import Config

from providers._base import NameTaken, TenantProvider
from providers.errors import NotConfigured, ProviderError
from providers.tenant import CONFIG_NAMESPACE, Unauthorized

TOKEN_URL = "https://acme.zslogin.net/oauth2/v1/token"


class Failing(TenantProvider):
    def __init__(self, error: Exception) -> None:
        self.error = error

    def read(self, id_: str, props: dict[str, Any]) -> Any:
        return self._deep(3)

    def _deep(self, depth: int) -> Any:
        if depth:
            return self._deep(depth - 1)
        raise self.error


def configured(provider: TenantProvider) -> TenantProvider:
    """Configured the way the engine does it (Configure with stack config), on a tenant at TOKEN_URL."""
    stack_config = {
        "tokenUrl": TOKEN_URL,
        "apiUrl": "https://api.zsapi.net",
        "clientId": "cid",
        "clientSecret": "client-secret-xyz",
    }
    raw = {f"{CONFIG_NAMESPACE}:{key}": value for key, value in stack_config.items()}
    provider.configure(ConfigureRequest(Config(raw, "project")))
    return provider


def formatted(provider: TenantProvider) -> str:
    try:
        provider.read("id", {})
    except Exception:
        return traceback.format_exc()  # what the SDK's plugin server sends the engine
    raise AssertionError("read did not fail")


def test_a_rejected_credential_says_what_to_check_and_what_to_run_after_a_rotation() -> None:
    error = Unauthorized(400, "POST", "/oauth2/v1/token", "the token endpoint rejected the credentials")
    provider = configured(Failing(error))

    text = formatted(provider)
    again = formatted(provider)

    assert "scope-manager:clientSecret" in text and "--run-program" in text
    assert again.count("--run-program") == 1  # the shared error object was not changed
    assert "_deep" not in text  # no frames below the provider method
    assert str(error) == "POST /oauth2/v1/token -> 400: the token endpoint rejected the credentials"


def test_other_provider_errors_keep_their_type_and_message_without_the_frames_below() -> None:
    provider = configured(Failing(NameTaken("an API client named 'x' already exists")))

    with pytest.raises(NameTaken, match="already exists"):
        provider.read("id", {})
    assert "_deep" not in formatted(provider)


def test_a_bug_keeps_its_whole_traceback() -> None:
    provider = configured(Failing(KeyError("value")))

    assert "_deep" in formatted(provider)


def test_every_provider_error_is_user_facing() -> None:
    from providers.scim_group import UnknownMembers

    error = UnknownMembers('no SCIM user has the userName of members["bob@example.com"]')
    provider = configured(Failing(error))

    with pytest.raises(UnknownMembers):
        provider.read("id", {})
    assert "_deep" not in formatted(provider)
    assert isinstance(error, ProviderError)


def test_an_unconfigured_provider_says_which_settings_to_set() -> None:
    provider = Failing(KeyError("unused"))

    with pytest.raises(NotConfigured, match="scope-manager:tokenUrl") as raised:
        _ = provider.tenant
    assert isinstance(raised.value, ProviderError | RuntimeError)
