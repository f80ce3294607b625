"""An OpenAI-compatible chat endpoint: another front door to the one answer pipeline.

    POST /v1/chat/completions   (stream false or true)      GET /v1/models

For front doors that speak the OpenAI API (a Teams adapter, a web chat) and for LLM security
scanners. `twin serve` serves it beside the web console (console.host:port).

- **Key:** `Authorization: Bearer KEY`, KEY being TWIN_API_KEY in the server's environment.
  While it is unset the API is off: every request gets 503 saying so. A wrong or missing key: 401.
- **Who asks:** the request's `user` field (OpenAI's own), read as a user id of the directory the
  Slack app uses (access.users in config without Slack). Their groups come from there; a request
  cannot name groups, so the key's holder (a trusted front door that signs its users in) decides
  who asks, and retrieval decides what they may read. No `user`: an ordinary employee
  (access.default_groups). A user the directory does not know: 403.
- **The question** is the last user message; system messages and earlier turns are ignored (the
  persona's instructions are the twin's own and a caller cannot replace them).
- **The answer** carries its sources and the AI-twin disclosure. An answer that needs comms
  review is not returned: the reply says it is held for review (it is in the audit record,
  flagged). With `stream: true` the checked answer is sent as server-sent events once it is
  complete, since a streamed draft could not be taken back.
"""

from __future__ import annotations

import json
import re
import secrets
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from persona.answer import Answerer
from persona.results import Answer
from retrieval.access import UnknownUser

__all__ = ["KEY_VARIABLE", "MODEL", "openai_router", "reply_text"]

KEY_VARIABLE = "TWIN_API_KEY"
MODEL = "ceo-twin"
HELD = (
    "I can't give this answer here: it touches on {reasons}, so it must be reviewed by the "
    "comms team before it is shared. Ask me in Slack to get it once it is approved."
)

GroupsOf = Callable[[str], list[str]]


class _Message(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: str
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "".join(str(part.get("text", "")) for part in self.content)
        return self.content or ""


class _ChatRequest(BaseModel):
    model_config = ConfigDict(extra="allow")
    model: str = MODEL
    messages: list[_Message] = Field(min_length=1)
    stream: bool = False
    user: str | None = None


class _Refused(Exception):
    def __init__(self, status: int, message: str, kind: str) -> None:
        super().__init__(message)
        self.status, self.kind = status, kind


def openai_router(answerer: Answerer, groups_of: GroupsOf, environ: Mapping[str, str]) -> APIRouter:
    """The endpoint, answering with `answerer` as the groups `groups_of(user)` names."""
    key = environ.get(KEY_VARIABLE, "")
    default_groups = list(answerer.settings.access.default_groups)
    router = APIRouter(prefix="/v1")

    @router.get("/models")
    def models(request: Request) -> Response:
        try:
            _check_key(request, key)
        except _Refused as exc:
            return _error(exc)
        return JSONResponse({"object": "list", "data": [_model_card()]})

    @router.post("/chat/completions")
    async def chat(request: Request) -> Response:
        try:
            _check_key(request, key)
            ask = _parse(await _body(request))
            question = _question(ask)
            groups = _groups(ask.user, groups_of, default_groups)
        except _Refused as exc:
            return _error(exc)
        answer = await run_in_threadpool(answerer.answer, question, ask.user or "api", groups)
        text = reply_text(answer)
        if ask.stream:
            events = _events(text, ask.model, _id(answer))
            return StreamingResponse(events, media_type="text/event-stream")
        return JSONResponse(_completion(text, ask.model, _id(answer), answer))

    return router


def reply_text(answer: Answer) -> str:
    """What the caller reads: the answer and its sources, or that it is held for review; then
    the disclosure."""
    if answer.needs_approval:
        reasons = ", ".join(answer.approval_reasons) or "a sensitive topic"
        body = HELD.format(reasons=reasons)
    else:
        sources = [f"[{c.n}] {c.title}{f', {c.date}' if c.date else ''}" for c in answer.citations]
        body = answer.body + ("\n\nSources:\n" + "\n".join(sources) if sources else "")
    return f"{body}\n\n{answer.disclosure}" if answer.disclosure else body


def _check_key(request: Request, key: str) -> None:
    if not key:
        message = f"the twin's API is off: set {KEY_VARIABLE} in the server's environment"
        raise _Refused(503, message, "api_off")
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secrets.compare_digest(given.strip(), key):
        raise _Refused(401, "missing or wrong API key (Authorization: Bearer KEY)", "auth")


async def _body(request: Request) -> Any:
    try:
        return await request.json()
    except ValueError:
        raise _Refused(400, "the request body is not JSON", "invalid_request_error") from None


def _parse(body: Any) -> _ChatRequest:
    try:
        return _ChatRequest.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise _Refused(400, f"{where}: {first['msg']}", "invalid_request_error") from None


def _question(ask: _ChatRequest) -> str:
    asked = [m.text() for m in ask.messages if m.role == "user"]
    if not asked or not asked[-1].strip():
        raise _Refused(400, "messages: no user message with text", "invalid_request_error")
    return asked[-1]


def _groups(user: str | None, groups_of: GroupsOf, default_groups: list[str]) -> list[str]:
    if not user:
        return sorted(default_groups)
    try:
        return groups_of(user)
    except UnknownUser as exc:
        raise _Refused(403, f"user: {exc}", "permission_error") from None


def _error(exc: _Refused) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    error = {"message": str(exc), "type": exc.kind, "param": None, "code": None}
    return JSONResponse({"error": error}, status_code=exc.status, headers=headers)


def _id(answer: Answer) -> str:
    return f"chatcmpl-{answer.answer_id or uuid.uuid4().hex}"


def _model_card() -> dict[str, Any]:
    return {"id": MODEL, "object": "model", "created": 0, "owned_by": "ceo-twin"}


def _completion(text: str, model: str, completion_id: str, answer: Answer) -> dict[str, Any]:
    message = {"role": "assistant", "content": text}
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
        "twin": {  # beyond OpenAI's format: what the twin's own front doors show
            "answer_id": answer.answer_id,
            "mode": answer.mode,
            "refused": answer.refused,
            "held_for_review": answer.needs_approval,
            "sources": [] if answer.needs_approval else [c.doc_id for c in answer.citations],
        },
    }


def _events(text: str, model: str, completion_id: str) -> Iterator[str]:
    """The text as OpenAI's chat.completion.chunk events, a few words each, then [DONE]."""
    created = int(time.time())

    def event(delta: dict[str, str], finish: str | None = None) -> str:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        chunk = {"id": completion_id, "object": "chat.completion.chunk", "created": created,
                 "model": model, "choices": [choice]}  # fmt: skip
        return f"data: {json.dumps(chunk)}\n\n"

    yield event({"role": "assistant", "content": ""})
    words = re.findall(r"\s*\S+", text)
    for start in range(0, len(words), 8):
        yield event({"content": "".join(words[start : start + 8])})
    yield event({}, "stop")
    yield "data: [DONE]\n\n"
