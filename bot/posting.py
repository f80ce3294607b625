"""Posting a finished answer: in the thread for everyone, or to the asker alone.

An answer may be posted where others read it only when every document it cites is one
everybody may read; otherwise only the asker sees it (chat.postEphemeral in the thread).
"""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot.blocks import notices
from bot.blocks.answers import AnswerView, answer_footer, answer_metadata, answer_parts
from bot.blocks.common import Block, context, section
from bot.outbox import OutboxMessage
from bot.questions import Question
from persona.results import Answer, Citation
from retrieval.access import can_read
from retrieval.corpus import Corpus

__all__ = ["AnswerPoster", "post_parts"]


def post_parts(
    client: WebClient,
    channel: str,
    thread_ts: str | None,
    parts: list[str],
    footer: list[Block],
    metadata: dict[str, Any] | None = None,
) -> list[str]:
    """Post mrkdwn `parts` as messages in the thread; the last one gets `footer`. Returns ts."""
    posted = []
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        blocks = [section(part), *(footer if last else [])]
        response = client.chat_postMessage(
            channel=channel,
            thread_ts=thread_ts,
            text=part,
            blocks=blocks,
            metadata=metadata if last else None,
        )
        posted.append(str(response["ts"]))
    return posted


class AnswerPoster:
    """Knows who may read an answer's sources, and posts it accordingly."""

    def __init__(self, corpus: Corpus, everyone: list[str], max_chars: int) -> None:
        self.corpus = corpus
        self.everyone = everyone  # the groups every user has (access.default_groups)
        self.max_chars = max_chars  # slack.max_message_chars

    @staticmethod
    def view(answer: Answer, *, share: bool = False, video: bool = True) -> AnswerView:
        return AnswerView(
            citations=answer.citations,
            disclosure="",  # answer.answer carries the disclosure line already
            answer_id=answer.answer_id,
            video=video,
            share=share,
        )

    @staticmethod
    def metadata(answer: Answer) -> dict[str, object]:
        return answer_metadata(answer.answer_id)

    def reads_only_public(self, groups: list[str]) -> bool:
        return set(groups) <= set(self.everyone)

    def is_public(self, citations: list[Citation]) -> bool:
        """Every cited document is one everybody may read (a removed one counts as not)."""
        return self.readable_by(citations, self.everyone)

    def readable_by(self, citations: list[Citation], groups: list[str]) -> bool:
        """Every cited document is one a member of `groups` may read."""
        ids = {c.doc_id for c in citations}
        live = self.corpus.live(ids)
        return all(i in live and can_read(live[i].audience, groups) for i in ids)

    def messages(
        self,
        answer: Answer,
        channel: str,
        thread_ts: str | None,
        *,
        intro: str = "",
        stamp: str = "",
    ) -> list[OutboxMessage]:
        """A finished answer as the messages to post (for the outbox): `intro` opens the
        first, `stamp` (e.g. who approved it) ends the last, above the sources and buttons."""
        room = self.max_chars - len(intro) - 2 if intro else self.max_chars
        parts = answer_parts(answer.answer, room)
        if intro:
            parts[0] = f"{intro}\n\n{parts[0]}"
        footer = [*([context(stamp)] if stamp else []), *answer_footer(self.view(answer))]
        messages = [OutboxMessage(channel, thread_ts, p, [section(p)]) for p in parts[:-1]]
        last = parts[-1]
        blocks = [section(last), *footer]
        return [*messages, OutboxMessage(channel, thread_ts, last, blocks, self.metadata(answer))]

    def parts(self, answer: Answer) -> list[str]:
        return answer_parts(answer.answer, self.max_chars)

    def post_answer(
        self, client: WebClient, channel: str, thread_ts: str | None, answer: Answer
    ) -> list[str]:
        """Post a finished answer (e.g. once approved) with its footer."""
        footer = answer_footer(self.view(answer))
        return post_parts(
            client, channel, thread_ts, self.parts(answer), footer, self.metadata(answer)
        )

    def show_privately(self, client: WebClient, question: Question, answer: Answer) -> None:
        """Only the asker sees the answer, in the thread where they asked."""
        place = question.place
        room = self.max_chars - len(notices.RESTRICTED) - 2
        parts = answer_parts(answer.answer, max(100, room))
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            text = part if index else f"{notices.RESTRICTED}\n\n{part}"
            footer = answer_footer(self.view(answer, video=False)) if last else []
            client.chat_postEphemeral(
                channel=place.channel,
                user=question.user,
                thread_ts=place.thread_ts,
                text=text,
                blocks=[section(text), *footer],
            )
