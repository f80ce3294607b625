"""Corpus admin: the offer to ingest an uploaded file, reports, and `/twin-admin` answers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from bot import constants as ids
from bot.blocks.common import Block, actions, button, escape, section, when

__all__ = [
    "admin_help",
    "documents_text",
    "ingest_offer_blocks",
    "ingest_report_text",
    "stats_text",
]


def ingest_offer_blocks(file_id: str, name: str) -> list[Block]:
    return [
        section(f"Add *{escape(name)}* to what the twin knows? Choose who may read it."),
        actions(
            f"ingest-{file_id}",
            button("Choose audience…", ids.INGEST_FILE, file_id, "primary"),
            button("Ignore", ids.IGNORE_FILE, file_id),
        ),
    ]


def ingest_report_text(name: str, status: str, error: str | None, doc_id: int | None) -> str:
    if error:
        return f":x: *{escape(name)}* was not ingested: {escape(error)}"
    return f":white_check_mark: *{escape(name)}*: {status} (document {doc_id})."


def documents_text(documents: Sequence[Any], limit: int = 50) -> str:
    if not documents:
        return "The twin knows no documents yet."
    lines = [
        f"`{d.id}` {escape(d.title)} · {d.kind} · {when(d.date) or 'undated'} · {d.audience}"
        for d in documents[:limit]
    ]
    more = len(documents) - limit
    if more > 0:
        lines.append(f"…and {more} more (see `twin docs`).")
    return f"*{len(documents)} documents*\n" + "\n".join(lines)


def stats_text(by_kind: dict[str, int], first: date | None, last: date | None) -> str:
    if not by_kind:
        return "The twin knows no documents yet."
    total = sum(by_kind.values())
    kinds = ", ".join(f"{n} {kind}{'s' if n != 1 else ''}" for kind, n in sorted(by_kind.items()))
    span = f", from {when(first)} to {when(last)}" if first and last else ""
    return f"{total} documents: {kinds}{span}."


def admin_help(command: str) -> str:
    return (
        f"`{command} docs`: list documents · `{command} remove ID`: remove one · "
        f"`{command} stats`: counts by kind and dates. To add a file, upload it in a DM to me "
        "(or in the admin channel)."
    )
