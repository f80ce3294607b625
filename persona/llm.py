"""The LLM seam: one small base class, a ChatOpenAI implementation and a scripted test double.

Any OpenAI-compatible server works (vLLM in production, llama.cpp locally). Failures become
LLMError; the pipeline catches it and answers in quote mode instead.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from persona.config import LLMSettings

__all__ = ["ChatModel", "LLMError", "Message", "OpenAIChat", "ScriptedChat", "make_llm"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    role: str  # "system", "user" or "assistant"
    content: str


class LLMError(Exception):
    """The LLM could not answer (down, too slow, or it failed mid-answer)."""

    def __init__(self, reason: str, partial: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.partial = partial  # some tokens were already streamed


class ChatModel:
    """A chat model that streams text. Subclasses implement `stream`."""

    name = "chat"

    def stream(self, messages: list[Message], max_tokens: int | None = None) -> Iterator[str]:
        raise NotImplementedError

    def complete(self, messages: list[Message], max_tokens: int | None = None) -> str:
        return "".join(self.stream(messages, max_tokens))


class OpenAIChat(ChatModel):
    """langchain-openai's ChatOpenAI with streaming, timeouts, retries with backoff, a deadline."""

    def __init__(self, settings: LLMSettings, api_key: str | None = None) -> None:
        import httpx
        from langchain_openai import ChatOpenAI

        self.settings = settings
        self.name = settings.model
        timeout = httpx.Timeout(settings.read_timeout_s, connect=settings.connect_timeout_s)
        self.client = ChatOpenAI(
            base_url=settings.base_url,
            model=settings.model,
            api_key=api_key or "not-needed",  # type: ignore[arg-type]
            timeout=timeout,
            max_retries=0,  # retried here, only before the first token
            temperature=settings.temperature,
            streaming=True,
        )

    def stream(self, messages: list[Message], max_tokens: int | None = None) -> Iterator[str]:
        limit = max_tokens or self.settings.max_tokens
        deadline = time.monotonic() + self.settings.deadline_s
        for attempt in range(self.settings.max_retries + 1):
            started = False
            try:
                for piece in self._tokens(messages, limit, deadline):
                    started = True
                    yield piece
                return
            except LLMError:
                raise
            except Exception as exc:  # openai, httpx and socket errors alike
                reason = _describe(exc)
                if started:
                    raise LLMError(reason, partial=True) from exc
                if attempt == self.settings.max_retries or time.monotonic() > deadline:
                    raise LLMError(reason) from exc
                log.warning("LLM call failed (%s); retry %d", reason, attempt + 1)
                time.sleep(min(self.settings.backoff_s * 2**attempt, 8.0))

    def _tokens(self, messages: list[Message], limit: int, deadline: float) -> Iterator[str]:
        payload = [(m.role, m.content) for m in messages]
        stream = self.client.stream(payload, max_tokens=limit, extra_body={"max_tokens": limit})
        count = 0
        try:
            for chunk in stream:
                text = chunk.content if isinstance(chunk.content, str) else ""
                if text:
                    count += 1
                    yield text
                if count >= limit:
                    return
                if time.monotonic() > deadline:
                    raise LLMError(
                        f"no complete answer within {self.settings.deadline_s:g}s",
                        partial=count > 0,
                    )
        finally:
            stream.close()


class ScriptedChat(ChatModel):
    """A test double that streams prepared replies word by word (or raises a prepared error)."""

    name = "scripted"

    def __init__(self, *replies: str | Exception) -> None:
        self.replies = list(replies)
        self.calls: list[list[Message]] = []

    def stream(self, messages: list[Message], max_tokens: int | None = None) -> Iterator[str]:
        self.calls.append(messages)
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        if isinstance(reply, Exception):
            raise LLMError(str(reply))
        for i, word in enumerate(reply.split(" ")):
            yield word if i == 0 else f" {word}"


def make_llm(settings: LLMSettings, environ: Mapping[str, str] | None = None) -> ChatModel | None:
    """The configured chat model, or None when llm.base_url is empty (quote mode)."""
    if not settings.base_url:
        return None
    env = os.environ if environ is None else environ
    return OpenAIChat(settings, api_key=env.get(settings.api_key_env))


def _describe(exc: BaseException) -> str:
    name = exc.__class__.__name__
    if "Timeout" in name:
        return "the LLM timed out"
    if "Connection" in name or isinstance(exc, OSError):
        return "the LLM server is unreachable"
    status = getattr(exc, "status_code", None)
    if status:
        return f"the LLM server answered HTTP {status}"
    return f"the LLM failed ({name})"
