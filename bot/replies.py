"""Writing one answer into a thread as it is produced.

Where the workspace has Slack's streaming methods (chat.startStream / appendStream /
stopStream), the text streams into one message; otherwise the message is posted and edited
with chat.update, at most every `interval_s` seconds. Text beyond one message's limit goes
into further messages in the thread; the last one carries the footer (sources, buttons).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.blocks.answers import answer_parts
from bot.blocks.common import Block, section
from bot.mrkdwn import split_text, to_mrkdwn
from bot.posting import post_parts

__all__ = ["StreamingSupport", "ThreadReply"]

log = logging.getLogger(__name__)

# Errors that mean "this workspace or token cannot stream", not "this message failed".
NO_STREAMING = {"unknown_method", "not_allowed_token_type", "method_deprecated", "not_allowed"}


class StreamingSupport:
    """Whether to try streaming; switched off for the process once Slack says it can't."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._lock = threading.Lock()

    def disable(self, reason: str) -> None:
        with self._lock:
            if self.enabled:
                log.info("chat streaming unavailable (%s); posting and editing instead", reason)
            self.enabled = False


def _text_limit(limit: int) -> int:
    """Markdown characters per message, leaving room for mrkdwn escapes."""
    return max(100, int(limit * 0.9))


class ThreadReply:
    """One answer being written into `thread_ts` of `channel` for `user`."""

    def __init__(
        self,
        client: WebClient,
        *,
        channel: str,
        thread_ts: str,
        user: str,
        team: str | None,
        streaming: StreamingSupport,
        limit: int,
        interval_s: float,
        clock: Callable[[], float] = time.monotonic,
        on_start: Callable[[str], None] | None = None,
    ) -> None:
        self.client = client
        self.channel = channel
        self.thread_ts = thread_ts
        self.user = user
        self.team = team
        self.streaming = streaming
        self.max_chars = limit  # of mrkdwn in one posted message
        self.limit = _text_limit(limit)  # of Markdown streamed into the first message
        self.interval_s = interval_s
        self.clock = clock
        self.on_start = on_start  # told the ts of the first message as soon as Slack has it
        self.text = ""  # everything received
        self.sent = 0  # characters of `text` shown in the first message
        self.full = False  # the first message has no room left
        self.ts: str | None = None
        self.mode: str | None = None  # "stream" or "update", once the first message exists
        self.last_flush = 0.0
        self.broken = False  # Slack failed while streaming: the answer is posted whole at the end

    # -- while the answer is produced -----------------------------------------------------------

    def append(self, piece: str) -> None:
        """Show `piece` soon. Never raises: when Slack fails (after the client's retries), the
        stream stops and `finish` posts the whole answer instead."""
        self.text += piece
        if self.broken or self.clock() - self.last_flush < self.interval_s:
            return
        try:
            self._flush()
        except (SlackClientError, OSError) as exc:
            log.warning("streaming the answer stopped (%s); posting it whole at the end", exc)
            self.broken = True

    def reset(self) -> None:
        """Forget what was written (the pipeline replaced its draft)."""
        self.discard()
        self.text, self.sent, self.full, self.mode = "", 0, False, None

    def discard(self) -> None:
        """Remove what was posted so far (the answer is held, or goes elsewhere)."""
        if self.ts is None:
            return
        steps = ("chat_stopStream", "chat_delete") if self.mode == "stream" else ("chat_delete",)
        for method in steps:
            try:
                getattr(self.client, method)(channel=self.channel, ts=self.ts)
            except (SlackClientError, OSError) as exc:
                log.warning("could not remove a partial answer (%s): %s", method, exc)
        self.ts = None

    # -- the end --------------------------------------------------------------------------------

    def finish(
        self, final: str, footer: list[Block], metadata: dict[str, Any] | None = None
    ) -> list[str]:
        """Show `final` (Markdown) in full and end with `footer`; returns the messages' ts.

        Text is escaped for mrkdwn first and split after, so no part outgrows its message."""
        if self.broken or (self.ts is not None and not final.startswith(self.text[: self.sent])):
            self.discard()  # what streamed is not the start of the answer: start over
            self.sent, self.full, self.mode = 0, False, None
        self.text = final
        if self.mode == "stream":
            return self._finish_stream(final, footer, metadata)
        parts = answer_parts(final, self.max_chars)
        if self.ts is None:
            return post_parts(self.client, self.channel, self.thread_ts, parts, footer, metadata)
        first, rest = parts[0], parts[1:]
        extra: dict[str, Any] = {"metadata": metadata} if metadata and not rest else {}
        self.client.chat_update(
            channel=self.channel,
            ts=self.ts,
            text=first,
            blocks=[section(first), *([] if rest else footer)],
            **extra,
        )
        more = post_parts(self.client, self.channel, self.thread_ts, rest, footer, metadata)
        return [self.ts, *more]

    def _finish_stream(
        self, final: str, footer: list[Block], metadata: dict[str, Any] | None
    ) -> list[str]:
        """Stop the stream with what fits in it; the rest goes in further messages."""
        end = self.sent if self.full else self.sent + self._room(final[self.sent :])
        rest = answer_parts(final[end:], self.max_chars) if final[end:].strip() else []
        last = not rest
        assert self.ts is not None
        self.client.chat_stopStream(
            channel=self.channel,
            ts=self.ts,
            markdown_text=final[self.sent : end] or None,
            blocks=footer if footer and last else None,
            metadata=metadata if last else None,
        )
        self.sent = end
        more = post_parts(self.client, self.channel, self.thread_ts, rest, footer, metadata)
        return [self.ts, *more]

    # -- internals ------------------------------------------------------------------------------

    def _room(self, pending: str) -> int:
        """How much of `pending` fits in the first message, cut at a boundary if it must be."""
        room = self.limit - self.sent
        if len(pending) <= room:
            return len(pending)
        head = split_text(pending, max(20, room))[0] if room >= 20 else ""
        return pending.find(head) + len(head) if head else 0

    def _flush(self) -> None:
        if self.full or len(self.text) <= self.sent:
            return
        pending = self.text[self.sent :]
        take = self._room(pending)
        if take < len(pending):
            self.full = True
        if take == 0:
            return
        chunk = pending[:take]
        if self.mode is None or self.ts is None:
            self._start(chunk)
        elif self.mode == "stream":
            self.client.chat_appendStream(channel=self.channel, ts=self.ts, markdown_text=chunk)
        else:
            shown = self.text[: self.sent + take]
            self.client.chat_update(channel=self.channel, ts=self.ts, text=to_mrkdwn(shown) + " …")
        self.sent += take
        self.last_flush = self.clock()

    def _start(self, chunk: str) -> None:
        if self.streaming.enabled:
            try:
                response = self.client.chat_startStream(
                    channel=self.channel,
                    thread_ts=self.thread_ts,
                    markdown_text=chunk,
                    recipient_user_id=self.user or None,
                    recipient_team_id=self.team or None,
                )
                self.ts, self.mode = str(response["ts"]), "stream"
                self._started()
                return
            except SlackApiError as exc:
                error = str(exc.response.get("error"))
                if error in NO_STREAMING:
                    self.streaming.disable(error)
                else:
                    log.warning("chat.startStream failed (%s); posting instead", error)
        response = self.client.chat_postMessage(
            channel=self.channel, thread_ts=self.thread_ts, text=to_mrkdwn(chunk) + " …"
        )
        self.ts, self.mode = str(response["ts"]), "update"
        self._started()

    def _started(self) -> None:
        if self.on_start is not None and self.ts is not None:
            self.on_start(self.ts)
