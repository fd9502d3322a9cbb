"""The providers' own errors: one base, ``ProviderError``, worded for the person running Pulumi.

Why a base: the providers report their own errors as their message alone (``_base._user_facing``
strips the frames the SDK would send the engine), while a bug keeps its whole traceback. Catching one
base, next to the tenant clients' ``TenantError``, means a new error class cannot be forgotten there.
This module imports no Pulumi, so anything may import it.
"""

from __future__ import annotations


class ProviderError(Exception):
    """Base of the errors the providers raise themselves (not the tenant clients')."""


class NameTaken(ProviderError):
    """An object with the declared name exists in the tenant and ``adopt`` was not set."""


class Gone(ProviderError):
    """The object this resource manages was deleted outside Pulumi; a refresh drops it from state."""


class NotConfigured(ProviderError, RuntimeError):
    """A provider call needs the tenant and no provider settings were given at all."""
