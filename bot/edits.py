"""An answer comms edited goes through the checks a generated answer passes before it is
posted in the CEO's name: the sensitivity policy (an edit may not bring in a sensitive topic the
review did not cover) and the grounding guard (every sentence supported by a passage the asker
may read; the sentences comms wrote or changed are checked, the twin's own were already)."""

from __future__ import annotations

from collections.abc import Callable

from persona.policy import Policy
from twin.models import Approval
from twin.text import sentences

__all__ = ["EditCheck"]

# (question, text, the asker's groups) -> the sentences of text no passage supports
Grounding = Callable[[str, str, list[str]], list[str]]


def _topic(reason: str) -> str:
    return reason.split(":", 1)[0].strip()


class EditCheck:
    def __init__(
        self, policy: Policy, grounding: Grounding | None, groups_for: Callable[[str], list[str]]
    ) -> None:
        self.policy = policy
        self.grounding = grounding
        self.groups_for = groups_for

    def problem(self, approval: Approval, text: str) -> str | None:
        """Why `text` may not be posted as the answer, or None when it may."""
        if text.strip() == approval.draft.strip():
            return None
        reviewed = {_topic(r) for r in approval.reasons or []}
        found = {_topic(r) for r in self.policy.review(approval.question, text).reasons}
        new = sorted(found - reviewed)
        if new:
            return (
                f"The edit brings in sensitive topics this review did not cover "
                f"({', '.join(new)}). Take them out, or reject and ask for a new question."
            )
        if self.grounding is None:
            return None
        drafted = set(sentences(approval.draft))
        changed = " ".join(s for s in sentences(text) if s not in drafted)
        if not changed:
            return None  # sentences taken out or reordered: nothing new to check
        unsupported = self.grounding(approval.question, changed, self.groups_for(approval.user_id))
        if unsupported:
            shown = "; ".join(f"“{s[:120]}”" for s in unsupported[:3])
            return (
                "These sentences are not supported by anything the CEO wrote or said that the "
                f"asker may read: {shown}. Reword them with her own words, or take them out."
            )
        return None
