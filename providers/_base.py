"""What every Scope Manager dynamic provider shares: configuration and lazy access to the tenant.

Why this exists: the SDK pickles each provider instance (with dill) into the ``__provider`` input of
every resource, and the state keeps that pickle. Anything stored on the instance before pickling ends up
in state, so the instance stays empty until ``configure()`` runs inside the plugin process; the
credentials come from stack config (namespace ``scope-manager``) or the environment at that point, and
the HTTP clients are created on first use.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

from pulumi.dynamic import CheckResult, ConfigureRequest, DiffResult, ResourceProvider

# The settings' keys and their stack config namespace live in one place, the settings module.
from providers.errors import Gone, NameTaken, NotConfigured, ProviderError
from providers.tenant import (
    CONFIG_KEYS,
    CONFIG_NAMESPACE,
    SECRET_CONFIG_KEYS,
    SETTING_FIELDS,
    TenantError,
    Unauthorized,
)

if TYPE_CHECKING:
    from providers._inputs import InputTable
    from providers.tenant import Tenant, TenantSettings

SECRET_STACK_KEYS = frozenset(f"{CONFIG_NAMESPACE}:{key}" for key in SECRET_CONFIG_KEYS)
"""Stack config keys (namespaced) to set with ``--secret``: for the tests, the bench and the
end-to-end stack that configure the providers from a ``credentials.json``."""


def config_from_credentials(credentials: Mapping[str, str]) -> dict[str, str]:
    """The stack config (``scope-manager:<key>``) that points the providers at a ``credentials.json``.

    One mapping for the tests, the benchmark and the end-to-end stack, so they all configure the
    provider the way the docs tell users to.
    """
    return {
        f"{CONFIG_NAMESPACE}:{key}": credentials[field]
        for key, field in SETTING_FIELDS.items()
        if credentials.get(field) not in (None, "")
    }


def read_config(req: ConfigureRequest) -> dict[str, str | None]:
    """The provider's settings from the stack config sent through the engine's Configure call."""
    return {key: req.config.get(f"{CONFIG_NAMESPACE}:{key}") for key in CONFIG_KEYS}


def name_taken(what: str, existing_id: object, field: str) -> NameTaken:
    """The error for a create that clashes with an existing object: ``what`` names it, ``field`` its key.

    One wording for every resource, so users learn once that ``adopt: true`` is the way to take over.
    """
    return NameTaken(
        f"{what} already exists (id {existing_id}); set adopt: true to manage it with Scope Manager, or "
        f"choose another {field}"
    )


def gone(what: str) -> Gone:
    """The error for a write to an object deleted outside Pulumi: what to run, in what order."""
    return Gone(
        f"{what} no longer exists in the tenant; run `pulumi refresh` to drop it from state, and the next "
        "`pulumi up` creates it again"
    )


CREDENTIALS_HINT = (
    "Check {ns}:clientId and {ns}:clientSecret (or SCOPE_MANAGER_CLIENT_ID / "
    "SCOPE_MANAGER_CLIENT_SECRET). If you have just rotated clientSecret: `pulumi refresh` and "
    "`pulumi destroy` use the provider settings saved by the last `pulumi up`, so run them with "
    "--run-program (or run `pulumi up` once) to use the new one."
)
PROVIDER_METHODS = ("check", "diff", "create", "read", "update", "delete")


def _explained(provider: TenantProvider, error: Exception) -> Exception:
    """``error`` with what to do added where the message alone does not say it."""
    settings = provider._settings
    if (
        isinstance(error, Unauthorized)
        and settings is not None
        and error.path == urlsplit(settings.token_url).path
    ):
        # The same error object may reach several resources: never mutate it. (copy.copy would call
        # the constructor with args alone, which ApiError does not take.)
        explained = type(error).__new__(type(error))
        explained.__dict__.update(error.__dict__)
        explained.args = (f"{error}. {CREDENTIALS_HINT.format(ns=CONFIG_NAMESPACE)}",)
        return explained
    return error


def _user_facing(method: Callable[..., Any]) -> Callable[..., Any]:
    """Report the providers' own errors as their message alone.

    The SDK's plugin server sends the engine ``traceback.format_exc()`` of whatever a provider raises,
    so a rejected credential reached users as 30 lines of stack. Errors of the tenant clients and the
    providers are worded for users: they are re-raised from here without the frames below, keeping
    their type. Anything else (a bug) keeps its whole traceback, which is what a bug report needs.
    """

    @functools.wraps(method)
    def call(self: TenantProvider, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except (TenantError, ProviderError) as error:
            raise _explained(self, error).with_traceback(None) from None

    return call


class TenantProvider(ResourceProvider):
    """Base of all Scope Manager providers: configured once per plugin process, tenant built lazily.

    Class attributes hold the unconfigured defaults so that a freshly constructed instance has an empty
    ``__dict__`` and pickles by reference to its class (a few dozen bytes, no credential).
    """

    serialize_as_secret_always = True

    table: ClassVar[InputTable]
    """The resource's input table (``providers._inputs``): what ``check`` and ``diff`` derive from."""

    _settings: TenantSettings | None = None
    _config_error: Exception | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in PROVIDER_METHODS:
            if name in cls.__dict__:
                setattr(cls, name, _user_facing(cls.__dict__[name]))

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """The inputs validated and defaulted as the table declares them (create-only ones handed back
        as stored once the resource exists)."""
        return self.table.check(news, olds=olds).result()

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """DIFF_UNKNOWN: the engine diffs old and new inputs itself and shows one entry per changed
        property or map key (a scope, a member); the table's replace-on-change inputs replace."""
        return DiffResult(changes=None, replaces=self.table.replaces(olds, news), delete_before_replace=False)

    def configure(self, req: ConfigureRequest) -> None:
        """Resolve settings from stack config and environment; a bad configuration is kept for later.

        Raising here would fail every call, including ones that need no tenant (check of most
        resources, diff); instead the error surfaces on the first call that talks to the tenant.
        """
        from providers.tenant import TenantSettings

        try:
            self._settings = TenantSettings.resolve(read_config(req), os.environ)
            self._config_error = None
        except Exception as error:  # ConfigurationError, kept verbatim: it names keys, never values
            self._settings = None
            self._config_error = error

    @property
    def tenant(self) -> Tenant:
        """The process-wide tenant for this provider's settings, created on first use."""
        from providers.tenant import Tenant

        if self._settings is None:
            if self._config_error is not None:
                raise self._config_error
            raise NotConfigured(
                "the Scope Manager provider is not configured: set the stack config keys "
                f"{CONFIG_NAMESPACE}:tokenUrl, apiUrl, clientId, clientSecret (secret), scimUrl, "
                "scimToken (secret) or the SCOPE_MANAGER_* environment variables"
            )
        return Tenant.shared(self._settings)


def without_provider_key(props: Mapping[str, Any]) -> dict[str, Any]:
    """Inputs or outputs minus the SDK's ``__provider`` entry (the servicer adds it back)."""
    return {key: value for key, value in props.items() if key != "__provider"}
