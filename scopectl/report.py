"""`scopectl report PREVIEW_JSON`: the review a human reads on a pull request.

Input is `pulumi preview --json` (or `pulumi refresh --preview-only --json`); output is Markdown that
fits one PR comment, or JSON for machines. Exit 0 when nothing changes, 2 when something does, 1 when
the input is not a preview. The least-privilege findings are computed here with the policy pack's
own rules, because the engine leaves policy results out of the JSON.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

from scopectl import findings as findings_mod
from scopectl.errors import EXIT_CHANGES, EXIT_OK, ScopectlError, write_text
from scopectl.findings import Finding, Findings, load_policy_config
from scopectl.markdown import COMMENT_LIMIT, Section, capped_list, code, escape, fit_sections, plural
from scopectl.preview import PreviewDocument, load_preview
from scopectl.review import (
    ClientReview,
    FieldChange,
    GroupReview,
    Review,
    ScopeGrant,
    UserReview,
    build_review,
)
from scopectl.stack import find_project_dir

_MEMBERS_SHOWN = 50
DEFAULT_POLICY_CONFIG = "policy-config.json"  # as scopectl validate
_FULL_REPORT_HINT = "Run `scopectl report --format json` on the preview for everything."


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "report",
        help="review a `pulumi preview --json` document (scopes, secrets, members, findings)",
        description=(
            "Summarise `pulumi preview --json` for a reviewer: per client the scopes granted and "
            "revoked (write/admin scopes highlighted with their justification), secrets that rotate and "
            "why, clients created or deleted, group members joining and leaving, users activated or "
            "deactivated, then the least-privilege findings of the policy pack's rules. "
            "Exit status: 0 no changes, 2 changes, 1 error."
        ),
    )
    parser.add_argument("preview", metavar="PREVIEW_JSON", help="path to the preview JSON, or - for stdin")
    parser.add_argument(
        "--format", choices=("markdown", "json"), default="markdown", help="output format (default: markdown)"
    )
    parser.add_argument(
        "--max-chars",
        type=int,
        default=COMMENT_LIMIT,
        help=f"upper bound on the Markdown length (default {COMMENT_LIMIT}, under GitHub's 65,536 limit)",
    )
    parser.add_argument(
        "--output", "-o", type=Path, metavar="FILE", help="write the report to this file instead of stdout"
    )
    parser.add_argument(
        "--stack",
        "-s",
        metavar="NAME",
        help="the stack the preview must be of; a preview of another stack is an error (guards CI "
        "jobs that preview several stacks against mixing up their files)",
    )
    parser.add_argument(
        "--policy-config",
        type=Path,
        metavar="FILE",
        help="policy config JSON (as given to `pulumi preview --policy-pack-config`) for levels and limits "
        f"(default: {DEFAULT_POLICY_CONFIG} in the project directory when it exists)",
    )
    parser.add_argument(
        "--title",
        default="Scope Manager review",
        help="heading of the Markdown report (e.g. for a `pulumi refresh --preview-only --json` document)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.max_chars < 2_000:
        raise ScopectlError("--max-chars must be at least 2000")
    policy_config = load_policy_config(args.policy_config or _project_policy_config())
    document = _read(args.preview)
    # URNs carry the short name; `org/project/dev` and `dev` are the same stack.
    if args.stack and document.stack and document.stack != args.stack.rsplit("/", 1)[-1]:
        raise ScopectlError(
            f"{args.preview}: a preview of stack {document.stack!r}, but --stack is {args.stack!r}; "
            "pass the preview of that stack (or drop --stack)"
        )
    review, findings = analyse(document, policy_config)
    if args.format == "json":
        text = json.dumps(to_json(review, findings), indent=2, sort_keys=False) + "\n"
    else:
        text = to_markdown(review, findings, limit=args.max_chars, title=args.title)
    if args.output:
        write_text(args.output, text)
    else:
        sys.stdout.write(text)
    return EXIT_CHANGES if review.has_changes else EXIT_OK


def _project_policy_config() -> Path | None:
    """`policy-config.json` of the project (the nearest directory with Pulumi.yaml) when it exists: the
    file the workflows give the pack, so the report's levels match the pack's without a flag."""
    candidate = find_project_dir() / DEFAULT_POLICY_CONFIG
    return candidate if candidate.is_file() else None


def analyse(
    document: PreviewDocument, policy_config: dict[str, Any] | None = None
) -> tuple[Review, Findings]:
    """The review and the least-privilege findings for one preview."""
    review = build_review(document, findings_mod.is_privileged_scope)
    return review, findings_mod.evaluate(document, policy_config)


def _read(source: str) -> PreviewDocument:
    if source == "-":
        return load_preview(sys.stdin.read(), "stdin")
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScopectlError(f"{source}: no such file") from None
    except IsADirectoryError:
        raise ScopectlError(f"{source}: is a directory, expected a preview JSON file") from None
    except UnicodeDecodeError:
        raise ScopectlError(
            f"{source}: not UTF-8 text; expected the output of `pulumi preview --json`"
        ) from None
    except OSError as exc:
        raise ScopectlError(f"{source}: cannot read ({exc.strerror})") from None
    return load_preview(text, source)


# -- JSON --------------------------------------------------------------------------------------------


def to_json(review: Review, findings: Findings) -> dict[str, Any]:
    """Everything in the review, untruncated. Built only from the review's named fields."""
    return {
        "stack": review.stack,
        "has_changes": review.has_changes,
        "summary": _summary_counts(review, findings),
        "clients": [dataclasses.asdict(c) for c in review.clients],
        "groups": [dataclasses.asdict(g) for g in review.groups],
        "users": [dataclasses.asdict(u) for u in review.users],
        "other_changes": [dataclasses.asdict(o) for o in review.other],
        "findings": [dataclasses.asdict(f) for f in findings.items],
        "stack_rules_skipped": findings.stack_rule_names if findings.stack_rules_skipped else [],
        "preview_errors": review.errors,
        "unattributed_changes": review.unattributed,
    }


def _summary_counts(review: Review, findings: Findings) -> dict[str, int]:
    return {
        "clients_changed": len(review.clients),
        "clients_created": sum(c.lifecycle in ("created", "adopted") for c in review.clients),
        "clients_deleted": sum(c.lifecycle == "deleted" for c in review.clients),
        "scopes_granted": sum(len(c.scopes_granted) for c in review.clients),
        "scopes_revoked": sum(len(c.scopes_revoked) for c in review.clients),
        "scopes_adopted": sum(len(c.scopes_adopted) for c in review.clients),
        "secrets_rotating": sum(bool(c.secret and c.secret.action == "rotate") for c in review.clients),
        "groups_changed": len(review.groups),
        "members_joining": sum(len(g.joining) for g in review.groups),
        "members_leaving": sum(len(g.leaving) for g in review.groups),
        "members_adopted": sum(len(g.adopted_members) for g in review.groups),
        "users_changed": len(review.users),
        "findings_mandatory": sum(f.level == "mandatory" for f in findings.items),
        "findings_advisory": sum(f.level != "mandatory" for f in findings.items),
    }


# -- Markdown ----------------------------------------------------------------------------------------


def to_markdown(
    review: Review, findings: Findings, limit: int = COMMENT_LIMIT, title: str = "Scope Manager review"
) -> str:
    counts = _summary_counts(review, findings)
    stack = f" — stack {code(review.stack)}" if review.stack else ""
    head = f"### {escape(title)}{stack}\n\n" + _summary_line(review, counts, findings)
    sections = [
        Section(
            "Preview errors", [f"- {escape(e)}" for e in review.errors], "error", priority=0, max_share=0.1
        ),
        Section("Clients", [_client_block(c) for c in review.clients], "client"),
        Section("Groups", [_group_block(g) for g in review.groups], "group", priority=2),
        Section("Users", [_user_block(u) for u in review.users], "user", priority=2),
        Section(
            "Other resources",
            [f"- {code(o.name)} ({code(o.type)}): {o.kind}" for o in review.other],
            "other resource",
            priority=3,
        ),
        Section(
            "Least-privilege findings",
            _finding_rows(findings.items),
            "finding",
            priority=0,
            max_share=0.3,
            intro="| Level | Rule | Resource | Finding |\n|---|---|---|---|",
        ),
    ]
    return fit_sections(head, sections, limit, _FULL_REPORT_HINT)


def _summary_line(review: Review, counts: dict[str, int], findings: Findings) -> str:
    if not review.has_changes:
        line = "**No changes.**"
    else:
        parts = []
        if counts["clients_changed"]:
            parts.append(
                f"**{plural(counts['clients_changed'], 'client')}** changed "
                f"({counts['clients_created']} created, {counts['clients_deleted']} deleted; "
                f"scopes {counts['scopes_granted']} granted, {counts['scopes_revoked']} revoked"
                + (f", {counts['scopes_adopted']} adopted" if counts["scopes_adopted"] else "")
                + "; "
                f"{plural(counts['secrets_rotating'], 'secret')} rotating)"
            )
        if counts["groups_changed"]:
            parts.append(
                f"**{plural(counts['groups_changed'], 'group')}** changed "
                f"({counts['members_joining']} joining, {counts['members_leaving']} leaving"
                + (f", {counts['members_adopted']} adopted" if counts["members_adopted"] else "")
                + ")"
            )
        if counts["users_changed"]:
            parts.append(f"**{plural(counts['users_changed'], 'user')}** changed")
        if review.other:
            parts.append(f"{plural(len(review.other), 'other resource')} changed")
        if review.unattributed:
            counted = ", ".join(f"{n} to {op}" for op, n in review.unattributed.items())
            parts.append(
                f"**The summary counts {escape(counted)}, but no step says which resources** (a "
                "`pulumi refresh --preview-only --json` document records every resource before reading "
                "it). Run `pulumi refresh --preview-only --diff` to see them."
            )
        parts = parts or ["Changes outside clients, groups and users (see the preview)."]
        line = " · ".join(parts)
    mandatory, advisory = counts["findings_mandatory"], counts["findings_advisory"]
    skipped = ""
    if findings.stack_rules_skipped:
        # Never "no findings" while a rule could not run: say which rules and why.
        skipped = (
            "the stack-wide rules ("
            + ", ".join(code(name) for name in findings.stack_rule_names)
            + ") **were not run**: the preview leaves out unchanged resources, and these rules need "
            "every resource of the stack. Run `pulumi preview --json --show-sames` to include them."
        )
    if mandatory or advisory:
        line += f"\n\nLeast-privilege findings: **{mandatory} mandatory**, {advisory} advisory."
        if skipped:
            line += " Not complete: " + skipped
    elif skipped:
        line += "\n\nNo findings from the per-resource rules; " + skipped
    else:
        line += "\n\nNo least-privilege findings."
    return line


_LIFECYCLE_WORDS = {
    "created": "**created**",
    "adopted": "**adopted** (existing object taken over)",
    "deleted": "**deleted**",
    "replaced": "**replaced**",
    "updated": "updated",
}


def _client_block(client: ClientReview) -> str:
    lines = [_heading(client.key, client.tenant_name) + _lifecycle(client.lifecycle)]
    lines += [f"- granted {_scope(g)}" for g in client.scopes_granted]
    if client.scopes_adopted:
        lines.append(
            "- scopes adopted with the client (the declared set replaces what it holds in the tenant; "
            "`scopectl audit` shows the difference):"
        )
        lines += [f"  - {_scope(g)}" for g in client.scopes_adopted]
    lines += [f"- revoked {_revoked(g)}" for g in client.scopes_revoked]
    lines += [f"- justification/expiry edited: {_scope(g)}" for g in client.scopes_amended]
    if client.scopes_opaque:
        lines.append("- scopes change (the preview hides the values: secret or known only after apply)")
    if client.secret:
        lines.append(_secret_line(client))
    if client.previous_secret:
        if "will be revoked" in client.previous_secret:
            lines.append(f"- {escape(client.previous_secret)}")
        else:
            lines.append(
                f"- the previous secret stays {escape(client.previous_secret)}, then a later run revokes it"
            )
    if client.scope_set:
        lines.append("- scopes the rotating client holds (re-evaluate them with the new secret):")
        lines += [f"  - {_scope(g)}" for g in client.scope_set]
    lines += _field_lines(client.field_changes)
    return "\n".join(lines) + "\n"


def _heading(key: str, name: str | None) -> str:
    """The logical key in bold, then the tenant name when the object is named differently there."""
    return f"**{code(key)}**" + (f" ({code(name)})" if name and name != key else "")


def _field_lines(changes: list[FieldChange]) -> list[str]:
    return [f"- {code(f.field)}: {escape(f.old)} → {escape(f.new)}" for f in changes]


def _lifecycle(lifecycle: str) -> str:
    """` — created` etc.; nothing when only the client's scopes or secret change."""
    if lifecycle == "unchanged":
        return ""
    return f" — {_LIFECYCLE_WORDS.get(lifecycle, escape(lifecycle))}"


def _scope(grant: ScopeGrant, show_metadata: bool = True) -> str:
    text = code(grant.scope)
    if grant.privileged:
        text = f"**{text}** ⚠️ write/admin"
    if show_metadata:
        if grant.privileged or grant.justification:
            text += f" — justification: {escape(grant.justification) if grant.justification else '**none**'}"
        if grant.expires:
            text += f", expires {escape(grant.expires)}"
    return text


def _revoked(grant: ScopeGrant) -> str:
    """A revocation reads as a reduction of access: struck through, with a down mark instead of the
    warning a grant of the same scope carries."""
    text = f"~~{code(grant.scope)}~~"
    if grant.privileged:
        text += " ⬇️ write/admin access removed"
    return text


def _secret_line(client: ClientReview) -> str:
    secret = client.secret
    assert secret is not None
    if secret.action == "create":
        line = "- secret created"
    elif secret.action == "revoke":
        line = "- secret revoked"
    elif secret.action == "rotate":
        line = f"- secret **rotates** ({', '.join(secret.reasons)})"
    else:
        line = "- secret settings change"
    if secret.details:
        line += ": " + "; ".join(escape(d) for d in secret.details)
    changes = ", ".join(f"{code(f.field)} {escape(f.old)} → {escape(f.new)}" for f in secret.field_changes)
    return line + (f" ({changes})" if changes else "")


def _group_block(group: GroupReview) -> str:
    lines = [_heading(group.key, group.display_name) + _lifecycle(group.lifecycle)]
    if group.members_opaque:
        lines.append("- members change (hidden in the preview)")
    if group.lifecycle == "deleted" and group.member_count:
        lines.append(f"- all {group.member_count} members leave with the group")
    if group.joining:
        lines.append(f"- {len(group.joining)} joining: {capped_list(group.joining, _MEMBERS_SHOWN)}")
    if group.leaving:
        lines.append(f"- {len(group.leaving)} leaving: {capped_list(group.leaving, _MEMBERS_SHOWN)}")
    if group.adopted_members:
        lines.append(
            f"- {len(group.adopted_members)} members adopted with the group (the declared members replace "
            f"its current ones): {capped_list(group.adopted_members, _MEMBERS_SHOWN)}"
        )
    lines += _field_lines(group.field_changes)
    return "\n".join(lines) + "\n"


def _user_block(user: UserReview) -> str:
    what = _LIFECYCLE_WORDS.get(user.lifecycle, escape(user.lifecycle))
    if user.activation:
        what += f", **{user.activation}**"
    lines = [f"{_heading(user.key, user.user_name)} — {what}"]
    lines += _field_lines(user.field_changes)
    return "\n".join(lines) + "\n"


def _finding_rows(findings: list[Finding]) -> list[str]:
    ordered = sorted(findings, key=lambda f: (f.level != "mandatory", f.resource, f.rule))
    return [
        f"| {'**mandatory**' if f.level == 'mandatory' else escape(f.level)} | {code(f.rule)} | "
        f"{code(f.resource)} | {escape(f.message[:300])} |"
        for f in ordered
    ]
