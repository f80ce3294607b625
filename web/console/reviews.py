"""Reviews: answers waiting for comms, decided here or in Slack, whichever comes first.

A decision is ApprovalStore's one conditional UPDATE, the same the Slack buttons make; the
loser is told who decided. After a win here, `on_decided` carries the decision out in Slack
(the answer or the rejection in the asker's thread, the review message marked decided).
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from persona.approvals import citations_of
from web.console.auth import APPROVER, Viewer, check_csrf, console_of, require
from web.console.pages import back, show

router = APIRouter()
log = logging.getLogger(__name__)


@router.get("/reviews")
def reviews_page(request: Request, msg: str = "") -> Response:
    viewer = require(request, APPROVER)
    store = console_of(request).approvals
    pending = [(a, citations_of(a)) for a in store.pending()]
    return show(request, "reviews.html", viewer, pending=pending, decided=store.recent(), msg=msg)


@router.post("/reviews/{approval_id}/approve")
async def approve(request: Request, approval_id: int, text: str = Form("")) -> Response:
    viewer = require(request, APPROVER)
    await check_csrf(request, viewer)
    won = console_of(request).approvals.approve(approval_id, viewer.user, text or None)
    return _after(request, viewer, approval_id, won, "approve", edited=bool(text.strip()))


@router.post("/reviews/{approval_id}/reject")
async def reject(request: Request, approval_id: int, reason: str = Form("")) -> Response:
    viewer = require(request, APPROVER)
    await check_csrf(request, viewer)
    if not reason.strip():
        return back("/reviews", f"Review #{approval_id}: a rejection needs a reason.")
    won = console_of(request).approvals.reject(approval_id, viewer.user, reason)
    return _after(request, viewer, approval_id, won, "reject", reason=reason.strip())


def _after(
    request: Request, viewer: Viewer, approval_id: int, won: bool, action: str, **detail: object
) -> Response:
    console = console_of(request)
    approval = console.approvals.get(approval_id)
    if approval is None:
        return back("/reviews", f"Review #{approval_id} does not exist.")
    if not won:
        return back(
            "/reviews",
            f"Review #{approval_id} was already {approval.status} by {approval.decided_by}.",
        )
    console.actions.record(viewer.user, action, f"approval {approval_id}", **detail)
    if console.on_decided is not None:
        try:
            console.on_decided(approval_id)
        except Exception:  # the decision stands; Slack is told by the log
            log.exception(
                "review #%s decided in the console but not carried out in Slack", approval_id
            )
    return back("/reviews", f"Review #{approval_id} {approval.status}.")
