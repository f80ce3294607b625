"""Signing in (with Slack, or the development sign-in) and out."""

from __future__ import annotations

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from retrieval.access import normalize_audience
from web.console.auth import (
    ADMIN,
    APPROVER,
    SESSION_COOKIE,
    Forbidden,
    begin_sign_in,
    check_csrf,
    console_of,
    current,
    finish_sign_in,
    roles_of,
    start_session,
)
from web.console.pages import show

router = APIRouter()


@router.get("/")
def home(request: Request) -> Response:
    viewer = current(request)
    return RedirectResponse("/reviews" if viewer.has(APPROVER) else "/corpus", status_code=303)


@router.get("/signin")
def signin_page(request: Request) -> Response:
    console = console_of(request)
    return show(
        request,
        "signin.html",
        None,
        slack=bool(console.client_id),
        dev_login=console.settings.console.dev_login,
    )


@router.get("/auth/slack")
def auth_slack(request: Request) -> Response:
    console = console_of(request)
    if not console.client_id:
        raise HTTPException(404, "Sign in with Slack is not set up (SLACK_CLIENT_ID)")
    return begin_sign_in(console)


@router.get("/auth/callback")
def auth_callback(request: Request, code: str = "", state: str = "") -> Response:
    console = console_of(request)
    member, name = finish_sign_in(console, request, code, state)
    user = member.user
    if not roles_of(console, member) & {ADMIN, APPROVER}:
        console.actions.record(user, "sign-in refused", detail="no approver or admin role")
        raise Forbidden(
            f"{name}, the console is for comms approvers and corpus admins "
            "(slack.approvers and slack.admins)."
        )
    console.actions.record(user, "sign-in", name=name)
    response = RedirectResponse("/", status_code=303)
    start_session(console, response, user, name, team=member.team, enterprise=member.enterprise)
    return response


@router.post("/auth/dev")
def auth_dev(request: Request, name: str = Form(...), groups: str = Form("")) -> Response:
    console = console_of(request)
    if not console.settings.console.dev_login:
        raise HTTPException(404)
    try:
        chosen = (
            [] if normalize_audience(groups) == "all" else normalize_audience(groups).split(",")
        )
    except ValueError as exc:
        raise HTTPException(400, f"groups: {exc}") from None
    user = f"dev:{name.strip() or 'developer'}"
    console.actions.record(user, "sign-in", detail="development sign-in", groups=chosen)
    response = RedirectResponse("/", status_code=303)
    start_session(console, response, user, name.strip() or "developer", dev=True, groups=chosen)
    return response


@router.post("/signout")
async def signout(request: Request) -> Response:
    viewer = current(request)
    await check_csrf(request, viewer)
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
