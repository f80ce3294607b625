"""Comms approval: a held answer goes to the review channel; an approver decides, once.

The asker sees that their question went for review. The review message has the question, the
draft, its sources and the reasons, with Approve, Edit & approve and Reject; a draft citing
restricted documents is shown only to approvers who may read every cited source (View draft),
and only they may approve it. The first decision wins (a conditional UPDATE in the database, so
it holds across processes and restarts). An approved answer reaches the asker as a real
message, in their thread or by DM, saying who approved it and whether comms edited it: it is
written to the outbox (bot.outbox) in the decision's transaction and posted from there, exactly
once. A rejection is posted in the asker's thread. The review message then shows who decided
what, when, and the decision is noted on the answer's audit record.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.blocks import notices
from bot.blocks.reviews import ReviewCard, decided_review_blocks, review_blocks
from bot.outbox import Outbox, OutboxMessage
from bot.posting import AnswerPoster
from bot.questions import Question
from bot.store import APPROVED, PENDING, REJECTED, ApprovalStore, aware, citations_of
from persona.results import Answer
from twin.models import Approval

if TYPE_CHECKING:
    from bot.directory import SlackDirectory
    from twin.sections.slack import SlackSettings

__all__ = ["Approvals", "Decision"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Decision:
    """What a click or a submitted modal achieved, for the person who made it."""

    applied: bool
    message: str = ""  # an ephemeral note for the clicker when not applied


class Approvals:
    def __init__(
        self,
        store: ApprovalStore,
        outbox: Outbox,
        directory: SlackDirectory,
        poster: AnswerPoster,
        slack: SlackSettings,
    ) -> None:
        self.store = store
        self.outbox = outbox
        self.directory = directory
        self.poster = poster
        self.slack = slack

    # -- holding an answer ---------------------------------------------------------------------

    def submit(self, client: WebClient, question: Question, answer: Answer) -> Approval | None:
        """Hold `answer` for review and tell the asker (in their thread, or by DM)."""
        place = question.place
        if not self.slack.review_channel:
            log.error("an answer needs comms approval but slack.review_channel is not set")
            self._tell_asker(client, question, notices.REVIEW_UNAVAILABLE)
            return None
        approval = self.store.create(
            answer,
            user=question.user,
            question=question.text,
            channel=place.channel if place.thread_ts else question.user,
            thread_ts=place.thread_ts,
            private=place.private or place.thread_ts is None,
            review_channel=self.slack.review_channel,
        )
        notice_ts = self._tell_asker(client, question, notices.REVIEW)
        try:
            review = client.chat_postMessage(
                channel=self.slack.review_channel,
                text=f"Answer waiting for comms review (#{approval.id})",
                blocks=review_blocks(self.card(approval)),
            )
        except SlackApiError as exc:
            log.error(
                "review #%s could not be posted to slack.review_channel %s (%s): is the app a "
                "member of it? It stays pending and is reminded there.",
                approval.id,
                self.slack.review_channel,
                exc.response.get("error"),
            )
            self.store.set_messages(approval.id, notice_ts=notice_ts)
            return approval
        self.store.set_messages(approval.id, notice_ts=notice_ts, review_ts=str(review["ts"]))
        return approval

    def _tell_asker(self, client: WebClient, question: Question, text: str) -> str | None:
        place = question.place
        if place.thread_ts is None:
            return None  # a slash command: the caller responds ephemerally
        response = client.chat_postMessage(
            channel=place.channel, thread_ts=place.thread_ts, text=text
        )
        return str(response["ts"])

    # -- deciding ------------------------------------------------------------------------------

    def may_decide(self, user: str) -> bool:
        return self.directory.is_member(user, self.slack.approvers)

    def cleared(self, user: str, approval: Approval) -> bool:
        """Whether `user` may read every document the draft cites."""
        return self.poster.readable_by(citations_of(approval), self.directory.groups_for(user))

    def check(self, approval_id: int, user: str, *, sees_draft: bool = True) -> Decision:
        """Whether `user` may decide on this approval now (before opening a modal);
        `sees_draft`: the action shows or posts the draft (everything but Reject)."""
        if not self.may_decide(user):
            return Decision(False, notices.NOT_APPROVER)
        approval = self.store.get(approval_id)
        if approval is None:
            return Decision(False, f"Review #{approval_id} no longer exists.")
        if approval.status != PENDING:
            return Decision(False, self._already(approval))
        if sees_draft and not self.cleared(user, approval):
            return Decision(False, notices.NOT_CLEARED)
        return Decision(True)

    def approve(
        self, client: WebClient, approval_id: int, by: str, edited: str | None = None
    ) -> Decision:
        allowed = self.check(approval_id, by)
        if not allowed.applied:
            return allowed
        approval = self.store.get(approval_id)
        assert approval is not None
        final = edited.strip() if edited and edited.strip() else approval.draft
        note = "edited" if final != approval.draft else ""
        messages = self._delivery(approval, final, by, bool(note))
        if not self.store.decide(approval_id, APPROVED, by, final, note, messages):
            return Decision(False, self._already(self.store.get(approval_id)))
        self.outbox.deliver(client)  # what fails now is posted by housekeeping later
        decided = self.store.get(approval_id)
        assert decided is not None
        by_dm = messages[0].channel == decided.user_id and not decided.private
        self._update_messages(client, decided, notices.approved_notice(by, by_dm))
        return Decision(True)

    def reject(self, client: WebClient, approval_id: int, by: str, reason: str) -> Decision:
        allowed = self.check(approval_id, by, sees_draft=False)
        if not allowed.applied:
            return allowed
        if not self.store.decide(approval_id, REJECTED, by, note=reason.strip()):
            return Decision(False, self._already(self.store.get(approval_id)))
        decided = self.store.get(approval_id)
        assert decided is not None
        text = notices.rejection(decided.note)
        if decided.notice_ts:
            _safely(client.chat_update, channel=decided.channel, ts=decided.notice_ts, text=text)
        else:
            _safely(
                client.chat_postMessage,
                channel=decided.channel,
                thread_ts=decided.thread_ts,
                text=text,
            )
        self._update_messages(client, decided, None)
        return Decision(True)

    # -- what the review shows -----------------------------------------------------------------

    def card(self, approval: Approval) -> ReviewCard:
        citations = citations_of(approval)
        return ReviewCard(
            approval_id=approval.id,
            user=approval.user_id,
            channel=approval.channel,
            private=approval.private,
            question=approval.question,
            draft=approval.draft,
            citations=citations,
            reasons=list(approval.reasons or []),
            created_at=aware(approval.created_at),
            hidden=not self.poster.is_public(citations),
        )

    def _delivery(
        self, approval: Approval, final: str, by: str, edited: bool
    ) -> list[OutboxMessage]:
        """The approved answer as messages: where the asker asked, or by DM when its sources
        are not for everyone in that channel."""
        answer = Answer(
            body=final,
            mode="approved",
            disclosure=approval.disclosure,
            citations=citations_of(approval),
            answer_id=approval.answer_id,
        )
        stamp = notices.approved_by(by, edited)
        if approval.private or self.poster.is_public(answer.citations):
            return self.poster.messages(answer, approval.channel, approval.thread_ts, stamp=stamp)
        intro = notices.asked_in(approval.channel, approval.question)
        return self.poster.messages(answer, approval.user_id, None, intro=intro, stamp=stamp)

    def _update_messages(self, client: WebClient, approval: Approval, notice: str | None) -> None:
        if notice and approval.notice_ts:
            channel, ts = approval.channel, approval.notice_ts
            _safely(client.chat_update, channel=channel, ts=ts, text=notice)
        if approval.review_ts:
            at = aware(approval.decided_at or datetime.now(UTC))
            blocks = decided_review_blocks(
                self.card(approval), approval.status, approval.decided_by or "", at, approval.note
            )
            _safely(
                client.chat_update,
                channel=approval.review_channel,
                ts=approval.review_ts,
                text=f"Review #{approval.id}: {approval.status} by {approval.decided_by}",
                blocks=blocks,
            )

    @staticmethod
    def _already(approval: Approval | None) -> str:
        if approval is None:
            return "This review no longer exists."
        return notices.already_decided(approval.status, approval.decided_by)


def _safely(method: Any, **kwargs: Any) -> None:
    try:
        method(**kwargs)
    except (SlackClientError, OSError) as exc:
        log.warning("%s failed: %s", getattr(method, "__name__", "a Slack call"), exc)
