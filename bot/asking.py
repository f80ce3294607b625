"""A question from Slack, answered by the one pipeline every front door uses.

The asker's own groups go to the pipeline (access control lives in retrieval). The answer
streams into the thread only while that is safe: the place is private to the asker or the asker
reads nothing restricted, and neither the question nor the text so far is one the policy holds
for comms. At the end the answer is posted with its sources, disclosure and buttons; or held
for comms review; or, when it draws on restricted documents in a shared place, shown to the
asker alone. Every question, however it arrives, is checked here, once: guests and people of
other organisations are refused (bot.admission), then the per-user limit applies.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.admission import Admission
from bot.blocks import notices
from bot.blocks.answers import answer_footer
from bot.deliveries import HELD, POSTED, PRIVATE, AnswerOnce, Delivery, delivery_metadata
from bot.posting import AnswerPoster
from bot.questions import Question
from bot.ratelimit import QuestionLimit
from bot.replies import StreamingSupport, ThreadReply
from persona.policy import Policy
from persona.results import Answer
from persona.safety import check_question

if TYPE_CHECKING:
    from bot.approvals import Approvals
    from bot.directory import SlackDirectory
    from bot.video import VideoReplies
    from persona.answer import Answerer
    from twin.sections.persona import PolicySettings
    from twin.sections.slack import SlackSettings

__all__ = ["Asker", "StreamGate"]

log = logging.getLogger(__name__)


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
    def __init__(
        self,
        *,
        answerer: Answerer,
        directory: SlackDirectory,
        poster: AnswerPoster,
        approvals: Approvals,
        video: VideoReplies,
        limit: QuestionLimit,
        admission: Admission,
        streaming: StreamingSupport,
        slack: SlackSettings,
        policy: PolicySettings,
        once: AnswerOnce,
    ) -> None:
        self.answerer = answerer
        self.directory = directory
        self.poster = poster
        self.approvals = approvals
        self.video = video
        self.limit = limit
        self.admission = admission
        self.streaming = streaming
        self.slack = slack
        self.policy = Policy(policy)  # keywords only: cheap, for the gate
        self.classifier = policy.llm_classifier
        self.once = once

    def ask(self, client: WebClient, question: Question, key: str | None = None) -> Answer | None:
        """Answer in the question's thread; None when nothing new was answered (the asker is
        rate limited, or an earlier run of this task `key` posted the answer already).

        With `key` (a task that may run again) every step goes through the question's row in
        answer_deliveries (bot.deliveries), so the answer is posted once however often the
        task runs."""
        run = self.once.begin(client, key, question) if key else None
        if run is not None and run.done:
            return None
        if not self._admitted(
            question,
            lambda text: self._tell_limited(client, question, text),
            limit=run is None or not run.retried,  # a retry was counted the first time
        ):
            self.once.refused(run)
            return None
        groups = self.directory.groups_for(question.user)
        reply = self._reply(client, question, run)
        allowed = question.place.private or self.poster.reads_only_public(groups)
        gate = StreamGate(self.policy, question.text, allowed, self.classifier)
        self._status(client, question, thinking=True)
        answer = self.answerer.answer(
            question.text,
            question.user,
            groups,
            thread_id=question.thread_id,
            on_token=gate.wrap(reply.append),
            on_reset=reply.reset,
        )
        self._status(client, question, thinking=False)
        if not self.once.may_post(run):
            reply.discard()  # a later run of this task posts the answer
            return None
        self.once.finished(run, *self._deliver(client, question, answer, reply, run), answer)
        return answer

    def _deliver(
        self,
        client: WebClient,
        question: Question,
        answer: Answer,
        reply: ThreadReply,
        run: Delivery | None,
    ) -> tuple[str, list[str]]:
        """Post, hold or show privately; the outcome and the posted messages' ts."""
        if answer.needs_approval:
            reply.discard()
            self.approvals.submit(client, question, answer)
            return HELD, []
        if not question.place.private and not self.poster.is_public(answer.citations):
            reply.discard()
            self.poster.show_privately(client, question, answer)
            return PRIVATE, []
        footer = answer_footer(self.poster.view(answer))
        metadata = delivery_metadata(self.poster.metadata(answer), run)
        posted = reply.finish(answer.answer, footer, metadata)
        self._auto_video(client, question, answer)
        return POSTED, posted

    def ask_privately(
        self, question: Question, tell: Callable[[str], None], *, limit: bool = True
    ) -> Answer | None:
        """A slash command: the answer, not posted (the caller responds ephemerally); None when
        the asker is rate limited (`tell` gets the notice)."""
        if not self._admitted(question, tell, limit=limit):
            return None
        groups = self.directory.groups_for(question.user)
        return self.answerer.answer(question.text, question.user, groups)

    def _admitted(
        self, question: Question, tell: Callable[[str], None], *, limit: bool = True
    ) -> bool:
        """Whether the asker may ask (a member, within the limit); else `tell` them why."""
        refusal = self.admission.refusal(question.user)
        if refusal:
            tell(refusal)
            return False
        wait = self.limit.check(question.user) if limit else 0
        if wait:
            tell(notices.rate_limited(math.ceil(wait)))
        return not wait

    def _reply(self, client: WebClient, question: Question, run: Delivery | None) -> ThreadReply:
        place = question.place
        assert place.thread_ts is not None
        return ThreadReply(
            client,
            channel=place.channel,
            thread_ts=place.thread_ts,
            user=question.user,
            team=place.team,
            streaming=self.streaming,
            limit=self.slack.max_message_chars,
            interval_s=self.slack.update_interval_s,
            on_start=self.once.partial_recorder(run),
        )

    @staticmethod
    def _status(client: WebClient, question: Question, *, thinking: bool) -> None:
        """Show (or clear) the thread's loading status, in channels as in the assistant pane;
        Slack also clears it when the answer's first message is posted."""
        place = question.place
        assert place.thread_ts is not None
        try:
            client.assistant_threads_setStatus(
                channel_id=place.channel,
                thread_ts=place.thread_ts,
                status=notices.STATUS if thinking else "",
                loading_messages=list(notices.LOADING) if thinking else None,
            )
        except SlackClientError as exc:
            log.info("could not set the thread's status: %s", exc)

    @staticmethod
    def _tell_limited(client: WebClient, question: Question, text: str) -> None:
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

    def _auto_video(self, client: WebClient, question: Question, answer: Answer) -> None:
        place = question.place
        if place.channel in self.slack.video_channels and answer.answer_id and not answer.refused:
            self.video.request(
                client,
                answer_id=answer.answer_id,
                user=question.user,
                channel=place.channel,
                thread_ts=place.thread_ts,
            )
