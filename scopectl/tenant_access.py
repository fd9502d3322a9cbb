"""Tenant endpoints and credentials for `audit` and `export`, found the same way the providers find
them: stack config keys (`scope-manager:apiUrl`, ...) in `Pulumi.<stack>.yaml`, then the environment
(`SCOPE_MANAGER_*`, then the Zscaler SDK names `ZSCALER_*`), or an emulator `credentials.json`.

Secrets in a stack file are encrypted (`secure: v1:...`) and only the Pulumi CLI can decrypt them,
so scopectl skips them and says so when a credential is then missing: in CI the credentials come from
the environment (repository secrets) or from a credentials file.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from providers.tenant import ConfigurationError, Tenant, TenantSettings
from scopectl.errors import ScopectlError

_PREFIX = "scope-manager:"
_NOT_SETTINGS = {"access"}


def add_tenant_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--credentials-file",
        type=Path,
        metavar="FILE",
        help="read endpoints and credentials from this JSON file (the emulator's credentials.json) "
        "instead of stack config and environment",
    )


def resolve_settings(
    stack_config: Mapping[str, Any],
    credentials_file: Path | None,
    env: Mapping[str, str] | None = None,
    source: str = "the stack file",
) -> TenantSettings:
    """TenantSettings from a credentials file, or from stack config plus the environment."""
    try:
        if credentials_file is not None:
            return TenantSettings.from_credentials_file(credentials_file)
        plain, encrypted = split_stack_config(stack_config)
        try:
            return TenantSettings.resolve(plain, os.environ if env is None else env)
        except ConfigurationError as exc:
            problems = list(exc.problems)
            if encrypted:
                names = ", ".join(f"{_PREFIX}{key}" for key in encrypted)
                problems.append(
                    f"{source} holds {names} encrypted (secure:); scopectl cannot decrypt it without the "
                    "Pulumi CLI: set the environment variable instead, or pass --credentials-file"
                )
            raise ConfigurationError(problems) from None
    except ConfigurationError as exc:
        raise ScopectlError(str(exc)) from None


def split_stack_config(stack_config: Mapping[str, Any]) -> tuple[dict[str, str], list[str]]:
    """Plain `scope-manager:*` settings (prefix removed) and the names of encrypted ones."""
    plain: dict[str, str] = {}
    encrypted: list[str] = []
    for full_key, value in stack_config.items():
        if not isinstance(full_key, str) or not full_key.startswith(_PREFIX):
            continue
        key = full_key.removeprefix(_PREFIX)
        if key in _NOT_SETTINGS:
            continue
        if isinstance(value, dict) and "secure" in value:
            encrypted.append(key)
        elif isinstance(value, str | int | float) and not isinstance(value, bool):
            plain[key] = str(value)
    return plain, encrypted


def open_tenant(settings: TenantSettings) -> Tenant:
    """A tenant connection of this command's own (use it as a context manager).

    Not `Tenant.shared`: that one exists so the many calls of a provider process share listings for
    a while; a command reports the tenant as it is now, so it starts with fresh listings and closes
    its connections when done (which also keeps in-process callers, such as tests, from reading a
    listing cached by an earlier run)."""
    return Tenant(settings)
