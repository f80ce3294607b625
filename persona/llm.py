"""The LLM seam: one small base class, a ChatOpenAI implementation and a scripted test double.

Any OpenAI-compatible server works (vLLM in production, llama.cpp locally). Failures become
LLMError; the pipeline catches it and answers in quote mode instead.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Generator, Iterator, Mapping
from dataclasses import dataclass

from pydantic import SecretStr
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_not_exception_type,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential,
)

from twin.sections.persona import LLMSettings

__all__ = [
    "ChatModel",
    "CutOff",
    "LLMError",
    "Message",
    "OpenAIChat",
    "ScriptedChat",
    "make_llm",
]

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


class CutOff(LLMError):
    """The reply stopped at max_tokens (finish_reason "length"): its last sentence is unfinished."""

    def __init__(self, limit: int, partial: bool = True) -> None:
        super().__init__(f"the reply was cut off at max_tokens ({limit})", partial=partial)


class ChatModel:
    """A chat model that streams text. Subclasses implement `stream`."""

    name = "chat"

    def stream(self, messages: list[Message], max_tokens: int | None = None) -> Iterator[str]:
        raise NotImplementedError

    def complete(self, messages: list[Message], max_tokens: int | None = None) -> str:
        """The whole reply; one cut off at max_tokens is returned as far as it got."""
        pieces: list[str] = []
        try:
            for piece in self.stream(messages, max_tokens):
                pieces.append(piece)
        except CutOff:
            pass
        return "".join(pieces)


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
            api_key=SecretStr(api_key or "not-needed"),
            timeout=timeout,
            max_retries=0,  # retried here, only before the first token
            temperature=settings.temperature,
            streaming=True,
        )

    def stream(self, messages: list[Message], max_tokens: int | None = None) -> Iterator[str]:
        limit = max_tokens or self.settings.max_tokens
        deadline = time.monotonic() + self.settings.deadline_s
        try:
            first, rest = self._open(messages, limit, deadline)
        except LLMError:
            raise
        except Exception as exc:  # openai, httpx and socket errors alike
            raise LLMError(_describe(exc)) from exc
        if first is None:
            return
        yield first
        try:
            yield from rest
        except LLMError:
            raise
        except Exception as exc:
            raise LLMError(_describe(exc), partial=True) from exc

    def _open(
        self, messages: list[Message], limit: int, deadline: float
    ) -> tuple[str | None, Iterator[str]]:
        """Start a stream and wait for its first piece, retrying with backoff until then (once
        words have reached the asker, a retry would repeat them)."""
        retrying = Retrying(
            stop=stop_after_attempt(self.settings.max_retries + 1)
            | stop_after_delay(self.settings.deadline_s),
            wait=wait_exponential(multiplier=self.settings.backoff_s, max=8.0),
            retry=retry_if_not_exception_type(LLMError),
            before_sleep=_log_retry,
            reraise=True,
        )
        for attempt in retrying:
            with attempt:
                tokens = self._tokens(messages, limit, deadline)
                return next(tokens, None), tokens
        raise AssertionError("unreachable: tenacity reraises the last error")

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
                # langchain-openai puts the server's finish_reason on the last chunk's metadata.
                if chunk.response_metadata.get("finish_reason") == "length" or count >= limit:
                    raise CutOff(limit, partial=count > 0)
                if time.monotonic() > deadline:
                    raise LLMError(
                        f"no complete answer within {self.settings.deadline_s:g}s",
                        partial=count > 0,
                    )
        finally:
            if isinstance(stream, Generator):
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


def _log_retry(state: RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome else None
    reason = _describe(error) if error else "no answer"
    log.warning("LLM call failed (%s); retry %d", reason, state.attempt_number)


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
