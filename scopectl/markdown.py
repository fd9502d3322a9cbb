"""Markdown helpers shared by `report` and `audit`: safe inline text, and fitting sections into a
size limit while saying exactly what was cut.

A GitHub PR comment holds at most 65,536 characters; reports aim for 60,000 so the workflow's
hidden marker and a link line still fit. Cutting whole blocks (one client, one group) keeps what is
shown correct: a reviewer never sees half of a client's scope changes as if it were all of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

COMMENT_LIMIT = 60_000


def code(text: str) -> str:
    """An inline code span that cannot be broken out of (backticks inside are replaced)."""
    flat = " ".join(str(text).split()).replace("`", "'")
    return f"`{flat}`" if flat else "``"


def escape(text: str) -> str:
    """Inline text with Markdown and HTML metacharacters neutralised (user-written justifications
    and descriptions must not turn into links, tables or HTML in a PR comment)."""
    flat = " ".join(str(text).split())
    out = []
    for char in flat:
        if char == "<":
            out.append("&lt;")
        elif char == ">":
            out.append("&gt;")
        elif char == "&":
            out.append("&amp;")
        elif char in "\\`*_[]|#~!":
            out.append("\\" + char)
        else:
            out.append(char)
    return "".join(out)


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    return f"{count} {noun if count == 1 else (nouns or noun + 's')}"


def capped_list(items: Sequence[str], limit: int, render=code) -> str:
    """`a`, `b`, … and 12 more — so one huge group cannot eat the whole comment."""
    shown = ", ".join(render(item) for item in items[:limit])
    if len(items) > limit:
        shown += f", … and {len(items) - limit} more"
    return shown


@dataclass
class Section:
    """A titled run of blocks. `noun` names what one block is ("client") for the cut note.

    Sections are rendered in the order given, but space is handed out by `priority` (lower first),
    so the least-privilege findings keep their place even when hundreds of clients change.
    `max_share` caps the fraction of the limit a section may take.
    """

    title: str
    blocks: list[str]
    noun: str
    priority: int = 1
    max_share: float = 1.0
    intro: str = ""
    shown: int = field(default=0, init=False)


def fit_sections(head: str, sections: Sequence[Section], limit: int, full_report_hint: str) -> str:
    """Join `head` and the sections into at most `limit` characters, dropping whole blocks from
    the end of a section when needed, and append a note naming how many of each were cut."""
    reserve = 600  # the cut note
    budget = limit - len(head) - reserve
    accepted: dict[int, list[str]] = {}
    for index, section in sorted(enumerate(sections), key=lambda item: item[1].priority):
        if not section.blocks:
            continue
        overhead = len(_section_header(section)) + 2
        allowance = min(budget, int(limit * section.max_share)) - overhead
        taken: list[str] = []
        used = 0
        for block in section.blocks:
            cost = len(block) + 1
            if used + cost > allowance:
                break
            taken.append(block)
            used += cost
        section.shown = len(taken)
        if taken:
            accepted[index] = taken
            budget -= used + overhead

    parts = [head]
    for index, section in enumerate(sections):
        if index in accepted:
            parts.append((_section_header(section) + "\n".join(accepted[index])).rstrip("\n"))
    cuts = [
        f"{len(s.blocks) - s.shown} of {plural(len(s.blocks), s.noun)}"
        for s in sections
        if s.shown < len(s.blocks)
    ]
    if cuts:
        parts.append(f"> **Cut to fit a PR comment:** {', '.join(cuts)} not shown. {full_report_hint}")
    text = "\n\n".join(parts) + "\n"
    if len(text) > limit:  # the reserve covers the note; failing loudly beats a rejected comment
        raise RuntimeError(f"report layout overflowed its {limit}-character limit")
    return text


def _section_header(section: Section) -> str:
    header = f"#### {section.title}\n\n"
    if section.intro:  # e.g. a table head: its rows must follow on the very next line
        header += section.intro + "\n"
    return header
