"""Reviews: answers waiting for comms, decided here or in Slack, whichever comes first.

A decision is the Slack app's own (bot.web_reviews, handed in by `twin serve`): the same
approver and clearance checks, the same check of an edit, the same conditional UPDATE; the
review card in Slack then shows who decided, and the loser of a race is told who won. A draft
citing documents the approver may not read stays hidden, as it does in Slack.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy import select

from twin.models import Approval
from web.console.auth import APPROVER, Viewer, check_csrf, console_of, require
from web.console.pages import back, show
from web.console.people import Names

router = APIRouter()

PENDING = "pending"
_MENTION = re.compile(r"<@(\w+)>")


@dataclass(frozen=True)
class Pending:
    approval: Approval
    visible: bool  # the viewer may read every cited document


def waiting(request: Request, viewer: Viewer) -> list[Pending]:
    console = console_of(request)
    with console.sessions() as session:
        query = select(Approval).where(Approval.status == PENDING).order_by(Approval.id)
        approvals = list(session.scalars(query))
    reviews = console.reviews
    return [Pending(a, reviews is not None and reviews.cleared(viewer.user, a)) for a in approvals]


def decided(request: Request, limit: int = 20) -> list[Approval]:
    with console_of(request).sessions() as session:
        query = select(Approval).where(Approval.status != PENDING)
        return list(session.scalars(query.order_by(Approval.decided_at.desc()).limit(limit)))


@router.get("/reviews")
def reviews_page(request: Request, msg: str = "") -> Response:
    viewer = require(request, APPROVER)
    live = console_of(request).reviews is not None
    pending, recent = waiting(request, viewer), decided(request)
    return show(
        request, "reviews.html", viewer, pending=pending, decided=recent, msg=msg, live=live
    )


@router.post("/reviews/{approval_id}/approve")
async def approve(request: Request, approval_id: int, text: str = Form("")) -> Response:
    viewer = require(request, APPROVER)
    await check_csrf(request, viewer)
    reviews = console_of(request).reviews
    if reviews is None:
        return back("/reviews", "Decisions need the Slack app: run `twin serve`.")
    applied, why = reviews.approve(approval_id, viewer.user, text.strip() or None)
    return _after(request, viewer, approval_id, applied, why, "approve", edited=bool(text.strip()))


@router.post("/reviews/{approval_id}/reject")
async def reject(request: Request, approval_id: int, reason: str = Form("")) -> Response:
    viewer = require(request, APPROVER)
    await check_csrf(request, viewer)
    reviews = console_of(request).reviews
    if reviews is None:
        return back("/reviews", "Decisions need the Slack app: run `twin serve`.")
    if not reason.strip():
        return back("/reviews", f"Review #{approval_id}: a rejection needs a reason.")
    applied, why = reviews.reject(approval_id, viewer.user, reason.strip())
    return _after(request, viewer, approval_id, applied, why, "reject", reason=reason.strip())


def _after(
    request: Request,
    viewer: Viewer,
    approval_id: int,
    applied: bool,
    why: str,
    action: str,
    **detail: object,
) -> Response:
    if not applied:
        who = Names(console_of(request).directory)
        return back("/reviews", f"Review #{approval_id}: " + _MENTION.sub(lambda m: who(m[1]), why))
    console_of(request).actions.record(viewer.user, action, f"approval {approval_id}", **detail)
    done = "approved" if action == "approve" else "rejected"
    return back("/reviews", f"Review #{approval_id} {done}.")
