"""`scopectl export`: write a stack file whose access model reproduces the live tenant.

This is how an existing tenant comes under management: export, fill in the TODOs (owners, purposes,
justifications for write/admin scopes), commit as `Pulumi.<stack>.yaml`, set the credentials with
`pulumi config set --secret`, and run `pulumi up`: every object carries `adopt: true`, so it is taken
over, not recreated. The output is written by hand rather than by yaml.dump so each TODO can sit as a
comment on the line it is about; every scalar is still quoted by PyYAML, and the result is re-read
and validated against the schema before it is written.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import re
import sys
from pathlib import Path
from typing import Any

import yaml

from access_model import (
    ACCESS_FILE_KEY,
    ACCESS_KEY,
    PULUMI_CONFIG_MAX_BYTES,
    project_dir_of,
    pulumi_config_bytes,
    validate,
)
from providers.tenant import SETTING_FIELDS, TenantSettings
from scopectl.errors import EXIT_OK, ScopectlError, write_text
from scopectl.export_model import ExportedModel, build_model
from scopectl.findings import is_privileged_scope
from scopectl.live import read_tenant
from scopectl.markdown import plural
from scopectl.progress import Progress
from scopectl.stack import read_config, stack_file_from
from scopectl.tenant_access import add_tenant_arguments, command_deadline, open_tenant, tenant_settings

_INDENT = "  "
_PURPOSES = "provisioning|integration|automation|reporting|audit|monitoring"
# Non-secret settings carried into the exported stack file, so it points at the tenant it came from.
_PLAIN_SETTINGS = ("vanityDomain", "cloud", "tokenUrl", "apiUrl", "scimUrl")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export",
        help="write an access model (a stack file) that reproduces the live tenant, with adopt: true",
        description=(
            "Read the live tenant and write a stack file whose scope-manager:access model reproduces it, "
            "with adopt: true on every object so a first `pulumi up` takes them over without recreating "
            "them. Owners, purposes and justifications of write/admin scopes cannot be read from the "
            "tenant: they are left as TODO comments, and the policy pack flags them until filled in. "
            "The API client whose credentials the export uses is left out. Tenant settings come from "
            "--stack/--stack-file (its scope-manager:* keys) and the environment, or --credentials-file. "
            "Exit status: 0 written, 1 error."
        ),
    )
    parser.add_argument("--output", "-o", type=Path, metavar="FILE", help="write here instead of stdout")
    parser.add_argument(
        "--model-file",
        type=Path,
        metavar="FILE",
        help="write the access model to this YAML file and name it in the stack file "
        "(scope-manager:accessFile) instead of inline: for tenants whose model is too large for stack "
        "config (128 KiB)",
    )
    parser.add_argument(
        "--force", action="store_true", help="overwrite --output and --model-file if they exist"
    )
    parser.add_argument("--stack", "-s", metavar="NAME", help="read tenant settings from Pulumi.NAME.yaml")
    parser.add_argument("--stack-file", type=Path, metavar="FILE", help="read tenant settings from this file")
    parser.add_argument("--cwd", "-C", type=Path, metavar="DIR", help="project directory for --stack")
    add_tenant_arguments(parser)
    parser.add_argument("--no-groups", action="store_true", help="leave SCIM groups out")
    parser.add_argument("--no-users", action="store_true", help="leave SCIM users out")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress lines on stderr")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    for option, path in (("--output", args.output), ("--model-file", args.model_file)):
        if path and path.exists() and not args.force:
            raise ScopectlError(f"{option} {path}: the file exists; pass --force to overwrite it")
    deadline = command_deadline(args)  # one limit for the whole command, started now
    progress = Progress(enabled=not args.quiet)
    stack_config: dict[str, Any] = {}
    stack_file = None
    if args.stack or args.stack_file:
        stack_file = stack_file_from(args)
        stack_config = read_config(stack_file)
    settings = tenant_settings(args, stack_file, stack_config, progress)

    with open_tenant(settings, deadline) as tenant:
        live = read_tenant(
            tenant,
            progress,
            zidentity=settings.has_zidentity,
            scim=settings.has_scim and not (args.no_groups and args.no_users),
            secrets_of=(),
            admin_client_id=settings.client_id,
        )
    exported = build_model(
        live, is_privileged_scope, include_groups=not args.no_groups, include_users=not args.no_users
    )
    today = dt.datetime.now(dt.UTC).date()
    if args.model_file:
        text = _write_model_file(args.model_file, args.output, exported, settings, today, progress)
    else:
        text = render(exported, settings, today)
        config = yaml.load(text, Loader=_LOADER)["config"]
        _check_model(config[ACCESS_KEY], exported)
        _warn_if_too_large(config, progress)

    if args.output:
        write_text(args.output, text)
        progress.step(f"wrote {args.output}")
    else:
        sys.stdout.write(text)
    for client, why in exported.undeclarable_clients:
        progress.step(f"not exported: API client {client.name!r} (id {client.id}): {why}")
    access = exported.access
    progress.step(
        f"exported {plural(len(access.get('clients', {})), 'client')}, "
        f"{plural(len(access.get('groups', {})), 'group')}, {plural(len(access.get('users', {})), 'user')}; "
        f"{plural(sum(map(len, exported.todo_scopes.values())), 'write/admin scope')} without a justification"
    )
    return EXIT_OK


def _write_model_file(
    model_file: Path,
    output: Path | None,
    exported: ExportedModel,
    settings: TenantSettings,
    today: dt.date,
    progress: Progress,
) -> str:
    """Write the model to `model_file` (checked first) and return the stack file that names it."""
    model_text = render_model_file(exported, settings, today)
    _check_model(yaml.load(model_text, Loader=_LOADER), exported)
    text = render(exported, settings, today, model_file=model_file_setting(model_file, output))
    try:
        model_file.parent.mkdir(parents=True, exist_ok=True)  # access/ of a first export
    except OSError as exc:
        raise ScopectlError(
            f"--model-file {model_file}: cannot create its directory ({exc.strerror})"
        ) from None
    write_text(model_file, model_text)
    progress.step(f"wrote {model_file} (the access model)")
    return text


# The C loader keeps reading back cheap for large tenants; date-like strings are quoted, so it reads
# them as strings too.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _check_model(written: Any, exported: ExportedModel) -> None:
    """The written YAML must read back as exactly the model built, and that model must validate like
    any stack file; a failure here is a scopectl bug, caught before a broken file is written."""
    if written != exported.access:
        raise ScopectlError("internal error: the exported YAML does not read back as the model built")
    errors = validate(exported.access)
    if errors:
        listed = "; ".join(str(e) for e in errors[:5])
        raise ScopectlError(f"internal error: the exported model does not validate ({listed})")


def _warn_if_too_large(config: dict[str, Any], progress: Progress) -> None:
    """The exported stack file works only if the engine can hand its config to the program."""
    size = pulumi_config_bytes(config)
    if size > PULUMI_CONFIG_MAX_BYTES:
        progress.warn(
            f"the exported stack config is about {size:,} bytes, more than the {PULUMI_CONFIG_MAX_BYTES:,} "
            "the Pulumi engine can hand to the program: export again with --model-file access/<stack>.yaml "
            "to write the model to its own file"
        )


def model_file_setting(model_file: Path, output: Path | None) -> str:
    """The `scope-manager:accessFile` value naming `model_file`: relative to the project directory
    (Pulumi.yaml's, found from the stack file's directory, else the current one), as the program
    resolves it."""
    project = project_dir_of(output.resolve().parent if output else Path.cwd())
    return Path(os.path.relpath(model_file.resolve(), project)).as_posix()


# -- YAML ------------------------------------------------------------------------------------------


def render(
    exported: ExportedModel, settings: TenantSettings, today: dt.date, model_file: str | None = None
) -> str:
    """The stack file: tenant settings, then the model inline, or the name of the file holding it."""
    lines = _header(exported, settings, today)
    lines.append("config:")
    for key in _PLAIN_SETTINGS:
        value = getattr(settings, SETTING_FIELDS[key])
        if value and not (settings.vanity_domain and key in ("tokenUrl", "apiUrl")):
            lines.append(f"{_INDENT}scope-manager:{key}: {_scalar(value)}")
    if model_file is not None:
        lines.append(f"{_INDENT}{ACCESS_FILE_KEY}: {_scalar(model_file)}")
        return "\n".join(lines) + "\n"
    lines.append(f"{_INDENT}{ACCESS_KEY}:")
    lines += _access(exported, depth=2)
    return "\n".join(lines) + "\n"


def render_model_file(exported: ExportedModel, settings: TenantSettings, today: dt.date) -> str:
    """The model file (`--model-file`): the same model and TODO comments, at the top level."""
    lines = _header(exported, settings, today)
    body = _access(exported, depth=0)
    return "\n".join(lines + (body or ["{}"])) + "\n"


def _header(exported: ExportedModel, settings: TenantSettings, today: dt.date) -> list[str]:
    where = settings.api_url or settings.scim_url or "the tenant"
    lines = [
        f"# Access model exported from {where} on {today.isoformat()} by `scopectl export`.",
        "# Every object has adopt: true: the first `pulumi up` takes it over instead of creating it.",
        "# Before that first `pulumi up`:",
        "#   - fill in each TODO below: a client's owner and purpose, and why it holds each write/admin",
        "#     scope (`justification:`). The policy pack rejects the plan until you do.",
        "#   - set the credentials: pulumi config set --secret scope-manager:clientSecret ... (and clientId,",
        "#     scimToken); secret values are never exported.",
        "#   - each client gets a new secret managed by the stack (existing secret values cannot be read).",
    ]
    if exported.excluded_client is not None:
        excluded = exported.excluded_client
        lines.append(
            f"# Not exported: API client {excluded.name!r} (id {excluded.id}), whose credentials this export"
        )
        lines.append("# used; managing it from the same stack could lock the stack out of its own tenant.")
    for client, why in exported.undeclarable_clients:
        lines.append(f"# Not exported: API client {client.name!r} (id {client.id}): {why}; rename it in the")
        lines.append("# console and export again to manage it here.")
    return lines


def _access(exported: ExportedModel, depth: int) -> list[str]:
    pad = _INDENT * depth
    access = exported.access
    lines: list[str] = []
    if "catalog" in access:
        lines.append(f"{pad}catalog:")
        lines += [f"{pad}{_INDENT}- {_scalar(name)}" for name in access["catalog"]]
    if "clients" in access:
        lines.append(f"{pad}clients:" + ("" if access["clients"] else " {}"))
        for key, client in access["clients"].items():
            lines += _client_lines(key, client, exported.todo_scopes.get(key, []), depth + 1)
    if "groups" in access:
        lines.append(f"{pad}groups:" + ("" if access["groups"] else " {}"))
        for key, group in access["groups"].items():
            lines.append(f"{pad}{_INDENT}{_scalar(key)}:")
            for skipped in exported.skipped_members.get(key, []):
                lines.append(f"{pad}{_INDENT * 2}# not exported: member {skipped} (members are users)")
            lines += _mapping_lines(group, depth + 2)
    if "users" in access:
        lines.append(f"{pad}users:" + ("" if access["users"] else " {}"))
        for key, user in access["users"].items():
            lines.append(f"{pad}{_INDENT}{_scalar(key)}:")
            lines += _mapping_lines(user, depth + 2)
    return lines


def _client_lines(key: str, client: dict[str, Any], todo_scopes: list[str], depth: int) -> list[str]:
    pad = _INDENT * depth
    inner = pad + _INDENT
    lines = [f"{pad}{_scalar(key)}:"]
    lines += _mapping_lines({k: v for k, v in client.items() if k not in ("scopes", "secret")}, depth + 1)
    lines.append(f"{inner}secret:  # a new secret, rotated by the stack; existing secrets cannot be adopted")
    lines += _mapping_lines(client["secret"], depth + 2)
    lines.append(f"{inner}# TODO owner: who answers for this client (a team address)")
    lines.append(f"{inner}# TODO purpose: one of {_PURPOSES}")
    if not client["scopes"]:
        lines.append(f"{inner}scopes: {{}}")
        return lines
    lines.append(f"{inner}scopes:")
    for scope in client["scopes"]:
        todo = "  # TODO justification: why does this client need it?" if scope in todo_scopes else ""
        lines.append(f"{inner}{_INDENT}{_scalar(scope)}: {{}}{todo}")
    return lines


def _mapping_lines(mapping: dict[str, Any], depth: int) -> list[str]:
    pad = _INDENT * depth
    lines = []
    for key, value in mapping.items():
        if isinstance(value, list):
            if not value:
                lines.append(f"{pad}{key}: []")
                continue
            lines.append(f"{pad}{key}:")
            lines += [f"{pad}{_INDENT}- {_scalar(item)}" for item in value]
        else:
            lines.append(f"{pad}{key}: {_scalar(value)}")
    return lines


_PLAIN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.@+/:()' -]*$")
_RESOLVER = yaml.resolver.Resolver()
# What a YAML 1.2 reader (the Pulumi CLI reads stack files with one) takes for a number, bool or null;
# PyYAML, a YAML 1.1 reader, would leave some of these (1e3, 0o17) unquoted.
_YAML12_NOT_STRING = re.compile(
    r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?\.(inf|Inf|INF)"
    r"|\.(nan|NaN|NAN)|true|True|TRUE|false|False|FALSE|null|Null|NULL|~"
)


def _scalar(value: Any) -> str:
    """One scalar as PyYAML writes it in block context (quoted exactly when needed).

    Common names (`scim:read`, `ann@example.com`) take a fast path that PyYAML's own resolver confirms
    reads back as the same string; anything else goes through `yaml.safe_dump`. Strings that look like
    dates are quoted, so they stay strings for every YAML reader."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and _YAML12_NOT_STRING.fullmatch(value):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, str) and _plain_is_safe(value):
        return value
    text = yaml.safe_dump({"x": value}, width=math.inf, allow_unicode=True).removesuffix("\n")
    inner = text.removeprefix("x: ")
    if isinstance(value, str) and inner == value and _looks_like_date(value):
        return f"'{value}'"
    return inner


def _plain_is_safe(value: str) -> bool:
    return (
        bool(_PLAIN.match(value))
        and ": " not in value
        and " #" not in value
        and not value.endswith((":", " "))
        and not _looks_like_date(value)
        and _RESOLVER.resolve(yaml.ScalarNode, value, (True, False)) == "tag:yaml.org,2002:str"
    )


def _looks_like_date(value: str) -> bool:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True
