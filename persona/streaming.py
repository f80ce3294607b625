"""Streaming: generated sentences reach the asker only after the grounding guard keeps them.

The LLM streams tokens; GuardedStream gathers them into sentences, checks each against the
passages and passes on only supported ones, each with its citation. Emitter remembers what was
streamed, so the final answer can be settled: the rest is streamed, or, when the answer fell
back to quotes, the front door is told to reset and the final answer is streamed whole.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from persona.guard import Support
from persona.passages import Passage
from twin.text import sentences, strip_citations

__all__ = ["Emitter", "GuardedStream", "TokenCallback", "cited"]

log = logging.getLogger(__name__)

TokenCallback = Callable[[str], None]
ENDINGS = tuple('.!?\u2026"\u201d)')


class Emitter:
    """Streams text to the caller and remembers it, so the final answer can be settled."""

    def __init__(self, on_token: TokenCallback | None, on_reset: Callable[[], None] | None) -> None:
        self.on_token = on_token
        self.on_reset = on_reset
        self.sent = ""

    def __call__(self, text: str) -> None:
        if text:
            self.sent += text
            if self.on_token is not None:
                self.on_token(text)

    def settle(self, final: str) -> None:
        """Stream the rest of `final`; if what was streamed is not its start, reset first."""
        if not final.startswith(self.sent):
            if self.on_reset is not None:
                self.on_reset()
            self.sent = ""
        self(final[len(self.sent) :])


class GuardedStream:
    """Collects streamed tokens into sentences; keeps and emits only supported ones."""

    def __init__(
        self, support: Support, passages: list[Passage], emit: TokenCallback, max_sentences: int
    ) -> None:
        self.support = support
        self.docs = {p.n: p.hit.doc_id for p in passages}
        # What a small model copies from the prompt's frame: the passages' tags and headers.
        labels = sorted((re.escape(p.label) for p in passages), key=len, reverse=True)
        self.echoes = re.compile("|".join([r"</?passages>", *labels]))
        self.shown: dict[int, int] = {}  # doc_id -> the number the reader sees (as _cite does)
        self.emit = emit
        self.max_sentences = max_sentences
        self.buffer = ""
        self.kept: list[str] = []
        self.seen: set[str] = set()
        self.evidence: dict[int, str] = {}
        self.judged = 0

    @property
    def text(self) -> str:
        return " ".join(self.kept)

    def feed(self, piece: str) -> bool:
        """Add a piece; True when enough sentences are judged (stop the stream)."""
        self.buffer += piece
        parts = sentences(self._clean(self.buffer))
        if len(parts) > 1:
            self.buffer = parts[-1]
            for sentence in parts[:-1]:
                self._judge(sentence)
        if parts and parts[-1].endswith(ENDINGS) and not self._full():
            # A sentence is known to be complete only when the next begins, or the stream
            # ends; embedding it now, while the LLM generates on, takes that embedding off
            # the time after the stream's last token.
            self.support.prepare(parts[-1])
        return self._full()

    def finish(self, cut_off: bool = False) -> None:
        """Judge what is left; a reply that was cut off loses its unfinished last sentence."""
        rest = self._clean(self.buffer).strip()
        self.buffer = ""
        parts = sentences(rest) if rest else []
        if cut_off and parts and not parts[-1].endswith(ENDINGS):
            log.debug("dropped the unfinished %r", parts.pop())
        for sentence in parts:
            self._judge(sentence)

    def _clean(self, text: str) -> str:
        """The reply without citation markers or copies of the prompt's passage headers."""
        return self.echoes.sub("", strip_citations(text))

    def _full(self) -> bool:
        return len(self.kept) >= self.max_sentences or self.judged >= 2 * self.max_sentences + 2

    def _judge(self, sentence: str) -> None:
        if self._full() or sentence in self.seen:
            return
        self.seen.add(sentence)
        self.judged += 1
        check = self.support.check(sentence)
        if not check.supported or check.passage is None:
            log.debug("guard dropped %r (%s)", sentence, check.reason)
            return
        shown = self.shown.setdefault(self.docs[check.passage], len(self.shown) + 1)
        self.emit(("" if not self.kept else " ") + cited(sentence, shown))
        self.kept.append(cited(sentence, check.passage))
        self.evidence.setdefault(check.passage, check.evidence)


def cited(sentence: str, n: int) -> str:
    """The sentence with its citation before the closing punctuation: "... leave [1]."."""
    body = sentence.rstrip()
    end = len(body.rstrip(".!?\u2026"))
    return f"{body[:end]} [{n}]{body[end:]}"
