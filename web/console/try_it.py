"""Try it: an admin asks as any group and sees the answer that group would get.

The question goes through the one pipeline (Answerer.answer, the same call as Slack and
`twin ask`), with the chosen groups instead of the admin's own; it is written to the answers
audit under the admin's id with those groups, and to the console's action log.
"""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from retrieval.access import normalize_audience
from web.console.auth import ADMIN, check_csrf, console_of, require
from web.console.pages import show

router = APIRouter()


def _known(request: Request) -> list[str]:
    console = console_of(request)
    return console.directory.known_groups() if console.directory else []


@router.get("/try")
def try_page(request: Request) -> Response:
    viewer = require(request, ADMIN)
    return show(request, "try.html", viewer, groups=_known(request), question="", chosen="")


@router.post("/try")
async def try_ask(request: Request, question: str = Form(...), groups: str = Form("")) -> Response:
    viewer = require(request, ADMIN)
    await check_csrf(request, viewer)
    console = console_of(request)
    try:
        audience = normalize_audience(groups)
    except ValueError as exc:
        return show(request, "try.html", viewer, groups=_known(request), question=question,
                    chosen=groups, msg=f"groups: {exc}", status=400)  # fmt: skip
    as_groups = [] if audience == "all" else audience.split(",")
    answer = console.answerer.answer(question, viewer.user, as_groups)
    console.actions.record(
        viewer.user, "try", f"answer {answer.answer_id}", question=question, groups=as_groups
    )
    return show(
        request, "try.html", viewer, groups=_known(request), question=question, chosen=groups,
        answer=answer, as_groups=as_groups,
    )  # fmt: skip
