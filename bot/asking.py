"""A question from Slack, answered by the one pipeline every front door uses.

The asker's own groups go to the pipeline (access control lives in retrieval). The answer
streams into the thread only while that is safe: the place is private to the asker or the asker
reads nothing restricted, and neither the question nor the text so far is one the policy holds
for comms. At the end the answer is posted with its sources, disclosure and buttons; or held
for comms review; or, when it draws on restricted documents in a shared place, shown to the
asker alone.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import AnswerView, answer_footer, answer_metadata, answer_parts, notice_text
from bot.replies import ThreadReply, post_parts
from persona.policy import Policy
from persona.results import Answer, Citation
from persona.safety import check_question
from retrieval.access import can_read

if TYPE_CHECKING:
    from bot.services import Services

__all__ = ["Asker", "Place", "Question", "thread_key"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Place:
    """Where a question was asked and its answer goes."""

    channel: str
    thread_ts: str | None  # None: a slash command (answered ephemerally)
    private: bool  # only the asker sees it (a DM or an assistant thread)
    team: str | None = None


@dataclass(frozen=True)
class Question:
    text: str
    user: str
    place: Place

    @property
    def thread_id(self) -> str | None:
        return thread_key(self.place.channel, self.place.thread_ts)


def thread_key(channel: str, thread_ts: str | None) -> str | None:
    """The pipeline's conversation id of a Slack thread."""
    return f"slack:{channel}:{thread_ts}" if thread_ts else None


class StreamGate:
    """Passes streamed text on only while it is safe to show where it goes."""

    def __init__(self, policy: Policy, question: str, allowed: bool, classifier: bool) -> None:
        self.policy = policy
        self.question = question
        self.text = ""
        self.open = (
            allowed
            and not classifier  # an LLM classifier judges only the whole answer
            and check_question(question).outcome == "ok"
            and not policy.review(question).needs_approval
        )

    def wrap(self, sink: Callable[[str], None]) -> Callable[[str], None]:
        def feed(piece: str) -> None:
            self.text += piece
            if self.open and self.policy.review(self.question, self.text).needs_approval:
                self.open = False
            if self.open:
                sink(piece)

        return feed


class Asker:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.policy = Policy(services.settings.policy)  # keywords only: cheap, for the gate

    def ask(self, client: WebClient, question: Question) -> Answer | None:
        """Answer in the question's thread; None when the asker is rate limited."""
        s = self.services
        if not self._within_limit(client, question):
            return None
        groups = s.directory.groups_for(question.user)
        place = question.place
        assert place.thread_ts is not None
        reply = ThreadReply(
            client,
            channel=place.channel,
            thread_ts=place.thread_ts,
            user=question.user,
            team=place.team,
            streaming=s.streaming,
            limit=s.slack.max_message_chars,
            interval_s=s.slack.update_interval_s,
        )
        gate = StreamGate(
            self.policy,
            question.text,
            place.private or self.reads_only_public(groups),
            s.settings.policy.llm_classifier,
        )
        answer = s.answerer.answer(
            question.text,
            question.user,
            groups,
            thread_id=question.thread_id,
            on_token=gate.wrap(reply.append),
            on_reset=reply.reset,
        )
        if answer.needs_approval:
            reply.discard()
            s.approvals.submit(client, question, answer)
        elif not place.private and not self.is_public(answer.citations):
            reply.discard()
            self.show_privately(client, question, answer)
        else:
            reply.finish(answer.answer, answer_footer(self.view(answer)), self.metadata(answer))
            self._auto_video(client, question, answer)
        return answer

    def ask_privately(self, question: Question) -> Answer | None:
        """A slash command: the answer, not posted (the caller responds ephemerally)."""
        s = self.services
        groups = s.directory.groups_for(question.user)
        return s.answerer.answer(question.text, question.user, groups)

    # -- pieces shared with approvals, sharing and video ---------------------------------------

    def view(self, answer: Answer, *, share: bool = False, video: bool = True) -> AnswerView:
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
        return set(groups) <= set(self.services.settings.access.default_groups)

    def is_public(self, citations: list[Citation]) -> bool:
        """Every cited document is one everybody may read (a removed one counts as not)."""
        ids = {c.doc_id for c in citations}
        live = self.services.corpus.live(ids)
        everyone = self.services.settings.access.default_groups
        return all(i in live and can_read(live[i].audience, everyone) for i in ids)

    def show_privately(self, client: WebClient, question: Question, answer: Answer) -> None:
        """Only the asker sees the answer, in the thread where they asked."""
        place = question.place
        room = self.services.slack.max_message_chars - len(notice_text("restricted")) - 2
        parts = answer_parts(answer.answer, max(100, room))
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            text = part if index else f"{notice_text('restricted')}\n\n{part}"
            footer = answer_footer(self.view(answer, video=False)) if last else []
            client.chat_postEphemeral(
                channel=place.channel,
                user=question.user,
                thread_ts=place.thread_ts,
                text=text,
                blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": text}}, *footer],
            )

    def post_answer(
        self, client: WebClient, channel: str, thread_ts: str | None, answer: Answer
    ) -> list[str]:
        """Post a finished answer (e.g. once approved) with its footer."""
        parts = answer_parts(answer.answer, self.services.slack.max_message_chars)
        footer = answer_footer(self.view(answer))
        return post_parts(client, channel, thread_ts, parts, footer, self.metadata(answer))

    def _within_limit(self, client: WebClient, question: Question) -> bool:
        wait = self.services.limiter.check(question.user)
        if not wait:
            return True
        text = notice_text("rate_limited", wait=math.ceil(wait))
        place = question.place
        try:
            if place.private:
                client.chat_postMessage(channel=place.channel, thread_ts=place.thread_ts, text=text)
            else:
                client.chat_postEphemeral(
                    channel=place.channel, user=question.user, thread_ts=place.thread_ts, text=text
                )
        except SlackApiError as exc:
            log.warning("could not tell %s about the rate limit: %s", question.user, exc)
        return False

    def _auto_video(self, client: WebClient, question: Question, answer: Answer) -> None:
        s = self.services
        place = question.place
        if place.channel in s.slack.video_channels and answer.answer_id and not answer.refused:
            s.video.request(
                client,
                answer_id=answer.answer_id,
                user=question.user,
                channel=place.channel,
                thread_ts=place.thread_ts,
            )
