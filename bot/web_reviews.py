"""The Slack app's comms-review decisions, offered to another front door (the web console).

`twin serve` hands this to the console, so a decision made there is the same one the Slack
buttons make: the same approver and clearance checks, the same check of an edited answer
(bot.edits), the same conditional UPDATE and outbox, and the review card in Slack updated with
who decided. Whichever door decides first wins; the other is told who did.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from twin.models import Approval

if TYPE_CHECKING:
    from bot.services import Services
    from bot.tenants import Tenants

__all__ = ["WebReviews"]


class WebReviews:
    """`tenants`: with OAuth installs, a review is decided by its own workspace's bot (its
    token, its approvers, its review card)."""

    def __init__(self, services: Services, tenants: Tenants | None = None) -> None:
        self.services = services
        self.tenants = tenants

    def services_for(self, approval_id: int) -> Services:
        approval = self.services.approvals_store.get(approval_id)
        if self.tenants is None or approval is None or not approval.workspace:
            return self.services
        return self.tenants.for_key(approval.workspace).services

    def approve(self, approval_id: int, by: str, edited: str | None) -> tuple[bool, str]:
        """(applied, why not) for approving as drafted, or with `edited` text."""
        services = self.services_for(approval_id)
        if edited and edited.strip():
            approval = services.approvals_store.get(approval_id)
            problem = approval and services.edits.problem(approval, edited)
            if problem:
                return False, problem
        decision = services.approvals.approve(services.client, approval_id, by, edited=edited)
        return decision.applied, decision.message

    def reject(self, approval_id: int, by: str, reason: str) -> tuple[bool, str]:
        services = self.services_for(approval_id)
        decision = services.approvals.reject(services.client, approval_id, by, reason)
        return decision.applied, decision.message

    def cleared(self, user: str, approval: Approval) -> bool:
        """Whether `user` may read every document the draft cites (else it stays hidden)."""
        return self.services_for(approval.id).approvals.cleared(user, approval)
