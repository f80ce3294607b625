"""Sensitivity policy: does an answer wait for comms approval before it is posted, and why?

Topics come from config (policy.topics): keywords match whole words in any case (plurals and
-ed/-ing forms too), patterns are regular expressions; both see the text without invisible
characters, homoglyphs or accents (twin.normalize). An optional LLM classifier adds topics
the keywords miss; if it cannot answer, the answer waits for approval (fail closed).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from persona.llm import ChatModel, LLMError, Message
from twin.normalize import for_screening
from twin.sections.persona import PolicySettings, Topic

__all__ = ["Policy", "Review"]

log = logging.getLogger(__name__)


@dataclass
class Review:
    needs_approval: bool = False
    reasons: list[str] = field(default_factory=list)

    def add(self, reason: str) -> None:
        if reason not in self.reasons:
            self.reasons.append(reason)
        self.needs_approval = True


def _keyword(word: str) -> str:
    body = r"\s+".join(re.escape(part) for part in word.split())
    return rf"\b{body}(?:s|es|ed|ing|'s)?\b"


class _CompiledTopic:
    def __init__(self, topic: Topic) -> None:
        self.name = topic.name
        self.patterns = [re.compile(_keyword(k), re.IGNORECASE) for k in topic.keywords]
        self.patterns += [re.compile(p, re.IGNORECASE) for p in topic.patterns]

    def match(self, text: str) -> str | None:
        for pattern in self.patterns:
            found = pattern.search(text)
            if found:
                return found.group(0)
        return None


class Policy:
    def __init__(self, settings: PolicySettings, llm: ChatModel | None = None) -> None:
        self.settings = settings
        self.topics = [_CompiledTopic(t) for t in settings.topics]
        self.llm = llm if settings.llm_classifier else None

    def review(self, question: str, answer: str = "", flags: list[str] | None = None) -> Review:
        """Topics found in the question or the answer, plus flags raised earlier."""
        review = Review()
        for flag in flags or []:
            review.add(flag)
        for where, text in (("question", question), ("answer", answer)):
            for topic in self.topics:
                found = topic.match(for_screening(text))
                if found:
                    review.add(f"{topic.name}: the {where} mentions '{found}'")
        if self.llm is not None:
            self._classify(self.llm, f"{question}\n{answer}", review)
        return review

    def _classify(self, llm: ChatModel, text: str, review: Review) -> None:
        names = [t.name for t in self.topics]
        prompt = [
            Message(
                "system",
                "You label internal company messages. Topics: " + ", ".join(names) + ". "
                "Reply with the topics the message touches, comma-separated, or NONE.",
            ),
            Message("user", text[:2000]),
        ]
        try:
            reply = llm.complete(prompt, max_tokens=24).lower()
        except LLMError as exc:
            log.warning("policy classifier unavailable: %s", exc.reason)
            review.add("policy: the sensitivity classifier is unavailable")
            return
        for name in names:
            if name.lower() in reply:
                review.add(f"{name}: the classifier says so")
