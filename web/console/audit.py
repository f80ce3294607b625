"""Audit: every question and answer (who asked, groups, mode, citations, approval), filtered,
with a CSV export; and every action taken in the console."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from twin.models import AnswerRecord, Approval
from web.console.auth import ADMIN, console_of, require
from web.console.pages import show
from web.console.people import Names

router = APIRouter()

LIMIT = 500


@dataclass(frozen=True)
class Filters:
    person: str = ""
    since: str = ""
    until: str = ""
    mode: str = ""
    document: str = ""


@dataclass(frozen=True)
class Row:
    record: AnswerRecord
    approval: str  # "", or e.g. "approved by Carol Comms"

    def sources(self) -> str:
        return "; ".join(f"{c['title']} (doc {c['doc_id']})" for c in self.record.citations or [])


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def rows(request: Request, filters: Filters) -> list[Row]:
    query = select(AnswerRecord).order_by(AnswerRecord.id.desc())
    if filters.person:
        query = query.where(AnswerRecord.user_id == filters.person.strip())
    if filters.mode:
        query = query.where(AnswerRecord.mode == filters.mode)
    if since := _day(filters.since):
        query = query.where(AnswerRecord.asked_at >= datetime.combine(since, time()))
    if until := _day(filters.until):
        query = query.where(AnswerRecord.asked_at < datetime.combine(until + timedelta(1), time()))
    console = console_of(request)
    with console.sessions() as session:
        records = list(session.scalars(query.limit(LIMIT * 4)))
        approvals = {
            a.answer_id: a
            for a in session.scalars(
                select(Approval).where(Approval.answer_id.in_([r.id for r in records]))
            )
        }
    wanted = filters.document.strip().lower()
    if wanted:
        records = [r for r in records if any(_cites(c, wanted) for c in r.citations or [])]
    who = Names(console.directory)
    return [Row(r, _approval(approvals.get(r.id), who)) for r in records[:LIMIT]]


def _cites(citation: dict[str, object], wanted: str) -> bool:
    return str(citation.get("doc_id")) == wanted or wanted in str(citation.get("title", "")).lower()


def _approval(approval: Approval | None, who: Names) -> str:
    if approval is None:
        return ""
    if approval.status == "pending":
        return "pending"
    return f"{approval.status} by {who(approval.decided_by)}" + (
        f" ({approval.note})" if approval.note else ""
    )


def _cell(text: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula (an asker's "=HYPERLINK(...")."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@router.get("/audit")
def audit_page(
    request: Request,
    person: str = "",
    since: str = "",
    until: str = "",
    mode: str = "",
    document: str = "",
) -> Response:
    viewer = require(request, ADMIN)
    filters = Filters(person, since, until, mode, document)
    return show(
        request,
        "audit.html",
        viewer,
        rows=rows(request, filters),
        filters=filters,
        actions=console_of(request).actions.recent(50),
    )


@router.get("/audit.csv")
def audit_csv(
    request: Request,
    person: str = "",
    since: str = "",
    until: str = "",
    mode: str = "",
    document: str = "",
) -> Response:
    viewer = require(request, ADMIN)
    found = rows(request, Filters(person, since, until, mode, document))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["id", "asked_at", "user", "name", "groups", "mode", "question", "answer", "sources",
         "approval"]
    )  # fmt: skip
    who = Names(console_of(request).directory)
    for row in found:
        r = row.record
        cells = [r.user_id, who(r.user_id), r.groups, r.mode, r.question, r.answer, row.sources(),
                 row.approval]  # fmt: skip
        writer.writerow([r.id, r.asked_at.isoformat(), *map(_cell, cells)])
    console_of(request).actions.record(viewer.user, "export audit", rows=len(found))
    headers = {"Content-Disposition": 'attachment; filename="twin-audit.csv"'}
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)
