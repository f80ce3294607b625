"""What the pipeline returns: an Answer with its citations (the JSON of `twin ask --json`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

MODES = ("llm", "quotes", "none")


@dataclass
class Citation:
    n: int
    doc_id: int
    title: str
    date: str | None
    source: str
    quote: str


@dataclass
class Answer:
    body: str  # the answer without the disclosure
    mode: str  # "llm", "quotes" or "none"
    disclosure: str
    citations: list[Citation] = field(default_factory=list)
    needs_approval: bool = False
    approval_reasons: list[str] = field(default_factory=list)
    refused: bool = False
    latency_ms: dict[str, int] = field(default_factory=dict)
    thread_id: str | None = None
    answer_id: int | None = None  # the audit record
    notes: list[str] = field(default_factory=list)  # e.g. why the LLM was not used

    @property
    def answer(self) -> str:
        """The text to show: the body, then the AI-twin disclosure."""
        return f"{self.body}\n\n{self.disclosure}" if self.disclosure else self.body

    def to_json(self) -> dict[str, object]:
        return {
            "answer": self.answer,
            "mode": self.mode,
            "citations": [asdict(c) for c in self.citations],
            "needs_approval": self.needs_approval,
            "approval_reasons": list(self.approval_reasons),
            "refused": self.refused,
            "latency_ms": dict(self.latency_ms),
            "thread_id": self.thread_id,
            "answer_id": self.answer_id,
            "disclosure": self.disclosure,
            "notes": list(self.notes),
        }
