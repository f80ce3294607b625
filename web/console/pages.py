"""Rendering a page: the template with the viewer (for the navigation and the CSRF token) and
`who`, which shows a user id as the person's name."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from web.console.auth import Viewer, console_of
from web.console.people import Names

__all__ = ["back", "show"]


def show(
    request: Request, template: str, viewer: Viewer | None, status: int = 200, **context: Any
) -> HTMLResponse:
    console = console_of(request)
    context = {
        "viewer": viewer,
        "persona": console.settings.persona.name,
        "who": Names(console.directory),
        **context,
    }
    return console.templates.TemplateResponse(request, template, context, status_code=status)


def back(path: str, message: str = "") -> RedirectResponse:
    """After a form: see the page again (POST, redirect, GET), with a one-line message."""
    from urllib.parse import urlencode

    target = f"{path}?{urlencode({'msg': message})}" if message else path
    return RedirectResponse(target, status_code=303)
