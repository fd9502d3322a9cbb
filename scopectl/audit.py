"""`scopectl audit --stack NAME`: what differs between the stack's access model and the live tenant.

Reads the model from `Pulumi.NAME.yaml` (no Pulumi CLI), snapshots the tenant with list pages, and
reports undeclared clients, scopes granted or missing, group members added or removed by hand,
secrets expired or about to expire, and declared objects missing from the tenant. Exit 0 clean,
2 drift, 1 error, so a scheduled job fails (and notifies) exactly when there is something to do.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from access_model import desired_state
from common.limits import RENEW_BEFORE_DAYS
from scopectl import drift as d
from scopectl.errors import EXIT_CHANGES, EXIT_OK, ScopectlError, write_text
from scopectl.findings import is_privileged_scope
from scopectl.live import LiveTenant, read_tenant
from scopectl.markdown import COMMENT_LIMIT, Section, code, escape, fit_sections, plural
from scopectl.progress import Progress
from scopectl.stack import add_stack_arguments, load_model, read_config, stack_file_from
from scopectl.state import read_state, secrets_not_in_state
from scopectl.tenant_access import (
    add_tenant_arguments,
    command_deadline,
    explain,
    open_tenant,
    tenant_settings,
)

# "Expiring" means inside the default renewal window: the next run of a stack with default settings
# would rotate such a secret, so the audit flags it as soon as the stack would.
DEFAULT_EXPIRING_DAYS: int = RENEW_BEFORE_DAYS.default  # type: ignore[assignment]

_SECTIONS = (
    ("Undeclared API clients", "client", (d.UNDECLARED_CLIENT,)),
    ("Declared objects missing from the tenant", "object", (d.MISSING_OBJECT,)),
    ("Scopes", "scope", (d.UNDECLARED_SCOPE, d.EXPIRED_GRANT, d.MISSING_SCOPE)),
    (
        "Secrets",
        "secret",
        (d.SECRET_EXPIRED, d.SECRET_MISSING, d.SECRET_EXPIRING, d.SECRET_UNREADABLE, d.SECRET_NOT_IN_STATE),
    ),
    ("Group members", "member", (d.MEMBER_ADDED, d.MEMBER_REMOVED)),
    ("Settings", "setting", (d.SETTING_CHANGED,)),
    ("Dormant clients", "client", (d.DORMANT_CLIENT,)),
)
_KIND_LABEL = {
    d.UNDECLARED_SCOPE: "granted by hand",
    d.EXPIRED_GRANT: "grant expired",
    d.MISSING_SCOPE: "missing",
    d.MEMBER_ADDED: "added by hand",
    d.MEMBER_REMOVED: "removed by hand",
    d.SECRET_EXPIRED: "expired",
    d.SECRET_MISSING: "missing",
    d.SECRET_EXPIRING: "expiring",
    d.SECRET_UNREADABLE: "unreadable",
    d.SECRET_NOT_IN_STATE: "not held by the stack",
}


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a day; expected YYYY-MM-DD") from None


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "audit",
        help="compare the stack's access model with the live tenant (drift, undeclared objects)",
        description=(
            "Compare the access model in Pulumi.<stack>.yaml with the live tenant: undeclared API clients, "
            "scopes granted by hand or missing, group members added or removed by hand, secrets expired or "
            "expiring soon, declared objects missing from the tenant. Tenant settings come from the stack "
            "file's scope-manager:* keys and the environment (SCOPE_MANAGER_*, ZSCALER_*), or from "
            "--credentials-file. Exit status: 0 clean, 2 drift, 1 error."
        ),
    )
    add_stack_arguments(parser)
    add_tenant_arguments(parser)
    parser.add_argument(
        "--expiring-days",
        type=int,
        default=DEFAULT_EXPIRING_DAYS,
        metavar="N",
        help=f"report secrets expiring within N days (default {DEFAULT_EXPIRING_DAYS})",
    )
    parser.add_argument(
        "--as-of",
        type=_day,
        metavar="YYYY-MM-DD",
        help="judge grant and secret expiry as of this day (default: today, UTC)",
    )
    parser.add_argument(
        "--format",
        choices=("markdown", "json"),
        default="markdown",
        help="report format on stdout or --output (default: markdown, fits a job summary)",
    )
    parser.add_argument("--output", "-o", type=Path, metavar="FILE", help="write the report here, not stdout")
    parser.add_argument("--json-output", type=Path, metavar="FILE", help="also write the JSON report here")
    parser.add_argument(
        "--state",
        type=Path,
        metavar="FILE",
        help="the stack's state (`pulumi stack export --stack NAME --file FILE`): also report secrets of "
        "managed clients that the stack does not hold (minted by hand, or left by a failed create)",
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress lines on stderr")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.expiring_days < 0:
        raise ScopectlError("--expiring-days must be 0 or more")
    deadline = command_deadline(args)  # one limit for the whole command, started now
    progress = Progress(enabled=not args.quiet)
    stack_file = stack_file_from(args)
    stack_config = read_config(stack_file)
    model = load_model(stack_file, stack_config)
    now = dt.datetime.combine(args.as_of, dt.time(), tzinfo=dt.UTC) if args.as_of else dt.datetime.now(dt.UTC)
    today = now.date()
    desired = desired_state(model, today)

    state = read_state(args.state, stack_file.name) if args.state is not None else None
    settings = tenant_settings(args, stack_file, stack_config, progress)
    want_clients = settings.has_zidentity
    want_directory = bool(desired.groups or desired.users)
    if desired.clients and not want_clients:
        raise ScopectlError(_missing("API clients", settings.zidentity_problems()))
    if want_directory and not settings.has_scim:
        raise ScopectlError(_missing("SCIM groups and users", settings.scim_problems()))

    progress.step(f"auditing stack {stack_file.name} ({stack_file.path}) as of {today.isoformat()}")
    with open_tenant(settings, deadline) as tenant:
        live = read_tenant(
            tenant,
            progress,
            zidentity=want_clients,
            scim=want_directory,
            secrets_of=[c.name for c in desired.clients.values()],
            admin_client_id=settings.client_id,
        )
        requests = tenant.request_count
    found = d.find_drift(
        model, desired, live, expiring_days=args.expiring_days, now=now, is_privileged=is_privileged_scope
    )
    if state is not None:
        found = sorted(
            found + secrets_not_in_state(desired, live, state), key=lambda f: d.KIND_ORDER.index(f.kind)
        )
    progress.step(f"{plural(len(found), 'finding')} from {plural(requests, 'request')}")

    context = {
        "stack": stack_file.name,
        "as_of": today.isoformat(),
        "expiring_days": args.expiring_days,
        "requests": requests,
        "state": str(args.state) if state is not None else None,
    }
    payload = to_json(found, live, context)
    if args.json_output:
        write_text(args.json_output, json.dumps(payload, indent=2) + "\n")
    text = (
        json.dumps(payload, indent=2) + "\n" if args.format == "json" else to_markdown(found, live, context)
    )
    if args.output:
        write_text(args.output, text)
    else:
        sys.stdout.write(text)
    return EXIT_CHANGES if any(not item.declared for item in found) else EXIT_OK


def _missing(what: str, problems: list[str]) -> str:
    lines = "\n".join(f"  - {p}" for p in explain(problems))
    return f"the stack declares {what}, but the tenant settings to read them are incomplete:\n{lines}"


def to_json(found: list[d.Drift], live: LiveTenant, context: dict[str, Any]) -> dict[str, Any]:
    counts: dict[str, int] = {}
    for item in found:
        counts[item.kind] = counts.get(item.kind, 0) + 1
    return {
        **context,
        "clean": not found,
        "counts": counts,
        "drift": [dataclasses.asdict(item) for item in found],
        "tenant": _tenant_summary(live),
    }


def _tenant_summary(live: LiveTenant) -> dict[str, Any]:
    return {
        "clients": len(live.clients) if live.read_zidentity else None,
        "users": len(live.users) if live.read_scim else None,
        "groups": len(live.groups) if live.read_scim else None,
        "excluded_admin_client": live.admin_client_id
        if any(c.id == live.admin_client_id for c in live.clients)
        else None,
    }


def to_markdown(
    found: list[d.Drift], live: LiveTenant, context: dict[str, Any], limit: int = COMMENT_LIMIT
) -> str:
    read = []
    if live.read_zidentity:
        read.append(plural(len(live.clients), "API client"))
    if live.read_scim:
        read += [plural(len(live.users), "user"), plural(len(live.groups), "group")]
    head = (
        f"### Scope Manager drift audit — stack {code(context['stack'])}\n\n"
        f"Read {', '.join(read) or 'nothing'} in {plural(context['requests'], 'request')}, as of "
        f"{context['as_of']}; secrets expiring within {context['expiring_days']} days count as drift.\n\n"
    )
    head += (
        f"**{plural(len(found), 'finding')}**." if found else "**No drift.** The tenant matches the stack."
    )
    if live.read_zidentity and context.get("state") is None:
        head += (
            "\n\nSecrets were not compared with the stack's state (no `--state`): one made by hand "
            "would not show."
        )
    excluded = _tenant_summary(live)["excluded_admin_client"]
    if excluded:
        head += (
            "\n\nNot counted as undeclared: the API client whose credentials this audit uses "
            f"({code(excluded)})."
        )
    sections = []
    for title, noun, kinds in _SECTIONS:
        lines = [_line(item) for item in found if item.kind in kinds]
        sections.append(Section(title, lines, noun))
    return fit_sections(head, sections, limit, "The JSON report (`--format json`) lists everything.")


def _line(item: d.Drift) -> str:
    subject = f"{item.subject} {code(item.name)}"
    if item.key and item.key != item.name:
        subject += f" ({code(item.key)} in the model)"
    warn = " ⚠️ write/admin" if item.privileged else ""
    detail = escape(item.detail)
    label = _KIND_LABEL.get(item.kind)
    if item.kind == d.UNDECLARED_CLIENT:
        return f"- {subject} (id {code(item.item or '?')}){warn}: {detail}"
    if item.kind.startswith("secret_"):
        return f"- {subject}: secret **{label}**: {detail}"
    if label:  # a scope or a member
        return f"- {subject}: {code(item.item or '?')}{warn} **{label}**: {detail}"
    if item.item:
        return f"- {subject}: {code(item.item)}: {detail}"
    return f"- {subject}: {detail}"
