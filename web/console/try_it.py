"""Try it: an admin asks as any group and sees the answer that group would get, with the clip
when they ask for a video.

The question goes through the one pipeline (Answerer.answer, the same call as Slack and
`twin ask`), with the chosen groups instead of the admin's own; it is written to the answers
audit under the admin's id with those groups, and to the console's action log. A video is made
as `twin ask --video` makes one (web.console.clips) and only for answers Slack would speak.
"""

from __future__ import annotations

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import FileResponse, Response

from persona.spoken import unspoken
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
async def try_ask(
    request: Request, question: str = Form(...), groups: str = Form(""), video: str = Form("")
) -> Response:
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
    no_video = unspoken(answer) if video else None
    clip = console.clips.start(viewer.user, answer) if video and not no_video else None
    console.actions.record(
        viewer.user, "try", f"answer {answer.answer_id}", question=question, groups=as_groups,
        video=bool(clip),
    )  # fmt: skip
    return show(
        request, "try.html", viewer, groups=_known(request), question=question, chosen=groups,
        answer=answer, as_groups=as_groups, clip=clip, no_video=no_video, video=bool(video),
    )  # fmt: skip


@router.get("/try/clips/{clip_id}")
def clip_status(request: Request, clip_id: str) -> Response:
    """The clip's place on the page: polled by htmx until it is made."""
    viewer = require(request, ADMIN)
    clip = console_of(request).clips.get(clip_id, viewer.user)
    return show(request, "clip.html", viewer, clip=clip)


@router.get("/try/clips/{clip_id}/video.mp4")
def clip_file(request: Request, clip_id: str) -> Response:
    """The MP4, to the admin who asked for it and nobody else."""
    viewer = require(request, ADMIN)
    clip = console_of(request).clips.get(clip_id, viewer.user)
    if clip is None or not clip.done or clip.error or not clip.path.is_file():
        raise HTTPException(404, "No such clip.")
    headers = {"Cache-Control": "private, no-store"}
    return FileResponse(clip.path, media_type="video/mp4", headers=headers)
