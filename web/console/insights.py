"""Insights: questions per day, what people ask about, what the corpus cannot answer (grouped
by topic: the gaps an admin should fill), feedback, and how long comms takes to decide."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from retrieval.embeddings import Embedder
from twin.models import AnswerRecord, Approval, Feedback
from web.console.auth import ADMIN, console_of, require
from web.console.charts import columns, rows
from web.console.pages import show

router = APIRouter()

DAYS = 30
SAME_TOPIC = 0.55  # cosine between a question and a group's first question


PENDING = "pending"


def aware(moment: datetime) -> datetime:
    """SQLite keeps no time zone; every stored time is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Gap:
    topic: str  # the group's first question
    questions: list[str]


def per_day(records: list[AnswerRecord], today: date) -> list[tuple[str, float]]:
    counts = Counter(aware(r.asked_at).date() for r in records)
    days = [today - timedelta(days=n) for n in range(DAYS - 1, -1, -1)]
    return [(d.strftime("%b %d"), counts.get(d, 0)) for d in days]


def topics(records: list[AnswerRecord], top: int = 8) -> list[tuple[str, float]]:
    """The documents answers cite most, and the sensitive topics the policy saw."""
    cited = Counter(c["title"] for r in records for c in r.citations or [])
    return [(title, n) for title, n in cited.most_common(top)]


def gaps(questions: list[str], embedder: Embedder, limit: int = 10) -> list[Gap]:
    """Unanswered questions grouped greedily by meaning, the largest groups first."""
    if not questions:
        return []
    vectors = embedder.encode(questions)
    heads: list[int] = []
    members: dict[int, list[int]] = {}
    for i, vector in enumerate(vectors):
        scores = [float(np.dot(vector, vectors[h])) for h in heads]
        if scores and max(scores) >= SAME_TOPIC:
            members[heads[int(np.argmax(scores))]].append(i)
        else:
            heads.append(i)
            members[i] = [i]
    groups = sorted(members.values(), key=len, reverse=True)[:limit]
    return [Gap(questions[g[0]], [questions[i] for i in g]) for g in groups]


def approval_times(approvals: list[Approval]) -> list[float]:
    """Minutes from holding to deciding, for each decided approval."""
    return [
        (aware(a.decided_at) - aware(a.created_at)).total_seconds() / 60
        for a in approvals
        if a.status != PENDING and a.decided_at is not None
    ]


def buckets(minutes: list[float]) -> list[tuple[str, float]]:
    edges = [(5, "< 5 min"), (30, "5-30 min"), (120, "30 min-2 h"), (1440, "2-24 h")]
    counts = Counter(next((name for edge, name in edges if m < edge), "> 1 day") for m in minutes)
    return [(name, counts.get(name, 0)) for name in [*(n for _, n in edges), "> 1 day"]]


@router.get("/insights")
def insights_page(request: Request) -> Response:
    viewer = require(request, ADMIN)
    console = console_of(request)
    since = datetime.now(UTC) - timedelta(days=DAYS)
    with console.sessions() as session:
        records = list(session.scalars(select(AnswerRecord).where(AnswerRecord.asked_at >= since)))
        approvals = list(session.scalars(select(Approval).where(Approval.created_at >= since)))
        feedback = list(session.scalars(select(Feedback).where(Feedback.created_at >= since)))
    unanswered = [r.question for r in records if r.mode == "none" or r.refused]
    minutes = sorted(approval_times(approvals))
    return show(
        request,
        "insights.html",
        viewer,
        asked=len(records),
        per_day=columns(per_day(records, datetime.now(UTC).date())),
        topics=rows(topics(records)),
        gaps=gaps(unanswered, console.corpus.embedder),
        unanswered=len(unanswered),
        helpful=sum(1 for f in feedback if f.helpful),
        unhelpful=sum(1 for f in feedback if not f.helpful),
        comments=[f for f in feedback if f.comment][:10],
        waits=rows(buckets(minutes)),
        median=minutes[len(minutes) // 2] if minutes else None,
        pending=sum(1 for a in approvals if a.status == PENDING),
    )
