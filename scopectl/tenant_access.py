"""Tenant endpoints and credentials for `audit` and `export`, found the same way the providers find
them: stack config keys (`scope-manager:apiUrl`, ...) in `Pulumi.<stack>.yaml`, then the environment
(`SCOPE_MANAGER_*`, then the Zscaler SDK names `ZSCALER_*`), or an emulator `credentials.json`.

Secrets in a stack file are encrypted (`secure: v1:...`) and only the Pulumi CLI can decrypt them,
so scopectl skips them and says so when a credential is then missing: in CI the credentials come from
the environment (repository secrets) or from a credentials file.

After `./scripts/demo` nothing needs to be passed: the demo keeps the dev stack's endpoints (and its
encrypted credentials) in the untracked `.pulumi-state/Pulumi.<stack>.yaml`, which every pulumi command
gets as `--config-file`, and the emulator writes its credentials to `.tenant/credentials.json`. scopectl
reads that config file over the tracked stack file the same way (or the one `--config-file` names), and
when the endpoints it holds are the local emulator's, takes the credentials from
`.tenant/credentials.json`. It never does that for endpoints that are not the emulator's.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from providers.tenant import (
    NO_SCIM_URL,
    NO_TENANT,
    NO_ZIDENTITY_ENDPOINT,
    ConfigurationError,
    Deadline,
    Tenant,
    TenantSettings,
    env_name,
)
from scopectl.errors import ScopectlError
from scopectl.progress import Progress
from scopectl.stack import StackFile, find_project_dir, read_config

_PREFIX = "scope-manager:"
_NOT_SETTINGS = {"access"}


DEFAULT_TIMEOUT = 45.0  # seconds for a whole read-only command (audit, export), every request included
TIMEOUT_ENV = "SCOPE_MANAGER_TIMEOUT"
DEMO_CONFIG_DIR = ".pulumi-state"  # where ./scripts/demo keeps the stack config it passes as --config-file
EMULATOR_CREDENTIALS = Path(".tenant") / "credentials.json"  # where the demo's emulator writes its own


def add_tenant_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--credentials-file",
        type=Path,
        metavar="FILE",
        help="read endpoints and credentials from this JSON file (the emulator's credentials.json) "
        "instead of stack config and environment",
    )
    parser.add_argument(
        "--config-file",
        type=Path,
        metavar="FILE",
        help="stack config file whose scope-manager:* settings override the stack file's, as "
        "`pulumi --config-file` (default: the demo's .pulumi-state/Pulumi.<stack>.yaml when it exists)",
    )
    parser.add_argument(
        "--timeout",
        type=_seconds,
        metavar="SECONDS",
        help=f"give up on the tenant after this long in all, every request, retry and wait included "
        f"(default: ${TIMEOUT_ENV}, else {DEFAULT_TIMEOUT:g})",
    )


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of seconds")
    return value


def command_deadline(args: argparse.Namespace, env: Mapping[str, str] | None = None) -> Deadline:
    """The command's overall deadline: --timeout, else $SCOPE_MANAGER_TIMEOUT, else the default.
    Started now: call it when the command starts."""
    environ = os.environ if env is None else env
    if getattr(args, "timeout", None) is not None:
        return Deadline(args.timeout, source="--timeout")
    raw = environ.get(TIMEOUT_ENV, "").strip()
    if raw:
        try:
            return Deadline(_seconds(raw), source=TIMEOUT_ENV)
        except argparse.ArgumentTypeError as exc:
            raise ScopectlError(f"{TIMEOUT_ENV}: {exc}") from None
    return Deadline(DEFAULT_TIMEOUT, source="the default; set --timeout or " + TIMEOUT_ENV)


def tenant_settings(
    args: argparse.Namespace,
    stack_file: StackFile | None,
    stack_config: Mapping[str, Any],
    progress: Progress,
    env: Mapping[str, str] | None = None,
) -> TenantSettings:
    """The settings `audit`/`export` use: --credentials-file; else the stack file's config with the
    --config-file (or the demo's) over it, plus the environment; else, when that config points at the
    local emulator, the emulator's own credentials file (see the module doc)."""
    if args.credentials_file is not None:
        return resolve_settings({}, args.credentials_file)
    project = find_project_dir(args.cwd) if getattr(args, "cwd", None) else find_project_dir()
    config = dict(stack_config)
    source = str(stack_file.path) if stack_file else "the environment"
    overlay = args.config_file
    # The demo's config is the default only for a stack found by name: a file named with --stack-file
    # is the user's explicit choice, and a stale .pulumi-state must not redirect it to another tenant.
    if overlay is None and stack_file is not None and getattr(args, "stack_file", None) is None:
        demo = project / DEMO_CONFIG_DIR / f"Pulumi.{stack_file.name}.yaml"
        overlay = demo if demo.is_file() else None
    if overlay is not None:
        if not overlay.is_file():
            raise ScopectlError(f"--config-file {overlay}: no such file")
        config.update(read_config(StackFile(stack_file.name if stack_file else "", overlay)))
        source = f"{source} with {overlay}" if stack_file else str(overlay)
    try:
        return resolve_settings(config, None, env=env, source=source)
    except ScopectlError:
        local = project / EMULATOR_CREDENTIALS
        if local.is_file() and _points_at(config, local, nothing_set_is_enough=stack_file is None):
            progress.step(f"tenant: the local emulator; credentials from {local}")
            return resolve_settings({}, local)
        raise


def _points_at(config: Mapping[str, Any], credentials: Path, nothing_set_is_enough: bool) -> bool:
    """Whether the plain endpoints in `config` are those of the emulator whose `credentials.json` this
    is (or, with `nothing_set_is_enough`, whether no endpoint is configured at all)."""
    plain, _ = split_stack_config(config)
    endpoints = {key: plain.get(key, "").rstrip("/") for key in ("tokenUrl", "apiUrl", "scimUrl")}
    if not any(endpoints.values()):
        return nothing_set_is_enough
    try:
        local = TenantSettings.from_credentials_file(credentials)
    except ConfigurationError:
        return False
    mine = {"tokenUrl": local.token_url, "apiUrl": local.api_url, "scimUrl": local.scim_url}
    return all(not value or value == (mine[key] or "").rstrip("/") for key, value in endpoints.items())


_FLAG = "--credentials-file FILE (the local emulator's credentials.json, e.g. .tenant/credentials.json)"


def _endpoint_block(problem: str) -> str:
    """A "no endpoint" problem rewritten with the flag, the config keys and the environment variables,
    each on its own line (the providers' one-line wording fits a Pulumi error, not a terminal)."""
    ns = "scope-manager:"
    if problem.startswith(NO_ZIDENTITY_ENDPOINT):
        head = "no ZIdentity endpoint (to read API clients); set one of:"
        config = f"{ns}vanityDomain (+ {ns}cloud), or {ns}tokenUrl and {ns}apiUrl"
        env = (
            f"{env_name('vanityDomain')} or ZSCALER_VANITY_DOMAIN (+ {env_name('cloud')} or ZSCALER_CLOUD), "
            f"or {env_name('tokenUrl')} and {env_name('apiUrl')}"
        )
    elif problem.startswith(NO_SCIM_URL):
        head = "no SCIM endpoint (to read groups and users); set one of:"
        config, env = f"{ns}scimUrl (and {ns}scimToken with --secret)", f"{env_name('scimUrl')}"
    elif problem.startswith(NO_TENANT):
        head = "no tenant configured; set one of:"
        config = f"{ns}vanityDomain or {ns}tokenUrl + {ns}apiUrl, with {ns}clientId and {ns}clientSecret"
        env = (
            f"{env_name('vanityDomain')} or ZSCALER_VANITY_DOMAIN, or {env_name('tokenUrl')} and "
            f"{env_name('apiUrl')}; with {env_name('clientId')} and {env_name('clientSecret')}"
        )
    else:
        return problem
    lines = [
        head,
        f"      flag:         {_FLAG}",
        f"      stack config: {config} (in Pulumi.<stack>.yaml, or the file given with --config-file)",
        f"      environment:  {env}",
    ]
    return "\n".join(lines)


def explain(problems: list[str]) -> list[str]:
    """The problems of a ConfigurationError, "no endpoint" ones spelled out line by line."""
    return [_endpoint_block(problem) for problem in problems]


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
        raise ScopectlError(str(ConfigurationError(explain(exc.problems)))) from None


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


def open_tenant(settings: TenantSettings, deadline: Deadline | None = None) -> Tenant:
    """A tenant connection of this command's own (use it as a context manager).

    Not `Tenant.shared`: that one exists so the many calls of a provider process share listings for
    a while; a command reports the tenant as it is now, so it starts with fresh listings and closes
    its connections when done (which also keeps in-process callers, such as tests, from reading a
    listing cached by an earlier run). `deadline` bounds everything it sends (see `command_deadline`)."""
    return Tenant(settings, deadline=deadline)
