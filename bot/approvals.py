"""Comms approval: a held answer goes to the review channel; an approver decides, once.

The asker sees that their question went for review. The review message has the question, the
draft, its sources and the reasons, with Approve, Edit & approve and Reject. The first decision
wins (a conditional UPDATE in the database, so it holds across processes and restarts); it
posts the answer, or a polite rejection, in the asker's thread, updates the review message with
who decided and when, and is noted on the answer's audit record.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import notices
from bot.blocks.reviews import ReviewCard, decided_review_blocks, review_blocks
from bot.posting import AnswerPoster
from bot.questions import Place, Question
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
        directory: SlackDirectory,
        poster: AnswerPoster,
        slack: SlackSettings,
    ) -> None:
        self.store = store
        self.directory = directory
        self.poster = poster
        self.slack = slack

    # -- holding an answer ---------------------------------------------------------------------

    def submit(self, client: WebClient, question: Question, answer: Answer) -> Approval | None:
        """Hold `answer` for review and tell the asker (in their thread, or by DM)."""
        slack = self.slack
        place = question.place
        if not slack.review_channel:
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
            review_channel=slack.review_channel,
        )
        notice_ts = self._tell_asker(client, question, notices.REVIEW)
        try:
            review = client.chat_postMessage(
                channel=slack.review_channel,
                text=f"Answer waiting for comms review (#{approval.id})",
                blocks=review_blocks(self.card(approval)),
            )
        except SlackApiError as exc:
            log.error(
                "review #%s could not be posted to slack.review_channel %s (%s): is the app a "
                "member of it? It stays pending and is reminded there.",
                approval.id,
                slack.review_channel,
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

    def check(self, approval_id: int, user: str) -> Decision:
        """Whether `user` may decide on this approval now (before opening a modal)."""
        if not self.may_decide(user):
            return Decision(False, notices.NOT_APPROVER)
        approval = self.store.get(approval_id)
        if approval is None:
            return Decision(False, f"Review #{approval_id} no longer exists.")
        if approval.status != PENDING:
            return Decision(False, self._already(approval))
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
        if not self.store.decide(approval_id, APPROVED, by, final=final, note=note):
            return Decision(False, self._already(self.store.get(approval_id)))
        decided = self.store.get(approval_id)
        assert decided is not None
        self._post_answer(client, decided)
        self._update_messages(client, decided, notices.APPROVED)
        return Decision(True)

    def reject(self, client: WebClient, approval_id: int, by: str, reason: str) -> Decision:
        allowed = self.check(approval_id, by)
        if not allowed.applied:
            return allowed
        if not self.store.decide(approval_id, REJECTED, by, note=reason.strip()):
            return Decision(False, self._already(self.store.get(approval_id)))
        decided = self.store.get(approval_id)
        assert decided is not None
        text = notices.rejection(decided.note)
        if decided.notice_ts:
            self._safely(
                client.chat_update, channel=decided.channel, ts=decided.notice_ts, text=text
            )
        else:
            self._safely(
                client.chat_postMessage,
                channel=decided.channel,
                thread_ts=decided.thread_ts,
                text=text,
            )
        self._update_messages(client, decided, None)
        return Decision(True)

    # -- reminders -----------------------------------------------------------------------------

    def remind(self, client: WebClient, now: datetime | None = None) -> int:
        """Remind the review channel of approvals waiting longer than slack.remind_after_s."""
        now = now or datetime.now(UTC)
        sent = 0
        for approval in self.store.due_for_reminder(self.slack.remind_after_s, now):
            if not self.store.claim_reminder(approval, now):
                continue  # another process sends this one
            waited = (now - aware(approval.created_at)).total_seconds()
            self._safely(
                client.chat_postMessage,
                channel=approval.review_channel,
                thread_ts=approval.review_ts,
                reply_broadcast=bool(approval.review_ts),
                text=notices.reminder(approval.id, approval.user_id, waited),
            )
            sent += 1
        return sent

    # -- internals -----------------------------------------------------------------------------

    @staticmethod
    def card(approval: Approval) -> ReviewCard:
        return ReviewCard(
            approval_id=approval.id,
            user=approval.user_id,
            channel=approval.channel,
            private=approval.private,
            question=approval.question,
            draft=approval.draft,
            citations=citations_of(approval),
            reasons=list(approval.reasons or []),
            created_at=aware(approval.created_at),
        )

    def _post_answer(self, client: WebClient, approval: Approval) -> None:
        """The approved answer, where the asker asked (privately if it must be)."""
        poster = self.poster
        answer = Answer(
            body=approval.final,
            mode="approved",
            disclosure=approval.disclosure,
            citations=citations_of(approval),
            answer_id=approval.answer_id,
        )
        try:
            if approval.private or poster.is_public(answer.citations):
                poster.post_answer(client, approval.channel, approval.thread_ts, answer)
            else:
                place = Place(approval.channel, approval.thread_ts, private=False)
                poster.show_privately(
                    client, Question(approval.question, approval.user_id, place), answer
                )
        except SlackApiError as exc:
            log.error("review #%s approved but not posted: %s", approval.id, exc)

    def _update_messages(self, client: WebClient, approval: Approval, notice: str | None) -> None:
        if notice and approval.notice_ts:
            self._safely(
                client.chat_update, channel=approval.channel, ts=approval.notice_ts, text=notice
            )
        if approval.review_ts:
            at = aware(approval.decided_at or datetime.now(UTC))
            blocks = decided_review_blocks(
                self.card(approval), approval.status, approval.decided_by or "", at, approval.note
            )
            self._safely(
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

    @staticmethod
    def _safely(method, **kwargs) -> None:  # type: ignore[no-untyped-def]
        try:
            method(**kwargs)
        except SlackApiError as exc:
            log.warning("%s failed: %s", getattr(method, "__name__", "a Slack call"), exc)
