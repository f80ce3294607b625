"""Reviews that wait too long: reminders, then one escalation.

Every slack.remind_after_s a waiting review is reminded in its thread in the review channel;
after slack.escalate_after_s it is escalated once: the approvers are mentioned (a user group as
`<!subteam^ID>`, a person as `<@ID>`) and the employee is told that their question is still
waiting. Each is claimed by one conditional UPDATE, so one process sends it.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from bot.blocks import notices
from bot.store import ApprovalStore, aware
from twin.models import Approval

if TYPE_CHECKING:
    from bot.directory import SlackDirectory
    from twin.sections.slack import SlackSettings

__all__ = ["Nudges"]

log = logging.getLogger(__name__)


class Nudges:
    def __init__(
        self, store: ApprovalStore, directory: SlackDirectory, slack: SlackSettings
    ) -> None:
        self.store = store
        self.directory = directory
        self.slack = slack

    def mentions(self) -> list[str]:
        """How to mention the approvers: user groups as <!subteam^ID>, people as <@ID>."""
        found = []
        for entry in self.slack.approvers:
            if entry[:1] in ("U", "W") and entry[1:].isalnum() and entry.isupper():
                found.append(f"<@{entry}>")
                continue
            group = self.directory.group_id(entry.lstrip("@"))
            if group:
                found.append(f"<!subteam^{group}>")
        return found

    def remind(self, client: WebClient, now: datetime | None = None) -> int:
        """Remind the review channel of approvals waiting longer than slack.remind_after_s."""
        now = now or datetime.now(UTC)
        sent = 0
        for approval in self.store.due_for_reminder(self.slack.remind_after_s, now):
            if not self.store.claim_reminder(approval, now):
                continue  # another process sends this one
            waited = (now - aware(approval.created_at)).total_seconds()
            text = notices.reminder(approval.id, approval.user_id, waited)
            self._in_review(client, approval, notices.with_mentions(text, self.mentions()))
            sent += 1
        return sent

    def escalate(self, client: WebClient, now: datetime | None = None) -> int:
        """Escalate, once, approvals waiting longer than slack.escalate_after_s."""
        now = now or datetime.now(UTC)
        sent = 0
        for approval in self.store.due_for_escalation(self.slack.escalate_after_s, now):
            if not self.store.claim_escalation(approval.id, now):
                continue
            waited = (now - aware(approval.created_at)).total_seconds()
            text = notices.escalation(approval.id, approval.user_id, waited)
            self._in_review(client, approval, notices.with_mentions(text, self.mentions()))
            _safely(
                client.chat_postMessage,
                channel=approval.channel if approval.thread_ts else approval.user_id,
                thread_ts=approval.thread_ts,
                text=notices.STILL_WAITING,
            )
            sent += 1
        return sent

    @staticmethod
    def _in_review(client: WebClient, approval: Approval, text: str) -> None:
        _safely(
            client.chat_postMessage,
            channel=approval.review_channel,
            thread_ts=approval.review_ts,
            reply_broadcast=bool(approval.review_ts),
            text=text,
        )


def _safely(method: Any, **kwargs: Any) -> None:
    try:
        method(**kwargs)
    except (SlackClientError, OSError) as exc:
        log.warning("%s failed: %s", getattr(method, "__name__", "a Slack call"), exc)
