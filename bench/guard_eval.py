"""The grounding guard measured on labelled sentences: precision and recall of its flags."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from persona.guard import Guard
from persona.passages import Passage
from retrieval.search import Hit
from twin.text import sentences

__all__ = ["GuardScore", "evaluate"]


@dataclass
class GuardScore:
    """How well the guard flags unsupported sentences on a labelled set."""

    total: int
    flagged_right: int  # unsupported and flagged
    flagged_wrong: int  # supported but flagged
    missed: int  # unsupported but kept

    @property
    def precision(self) -> float:
        flagged = self.flagged_right + self.flagged_wrong
        return self.flagged_right / flagged if flagged else 1.0

    @property
    def recall(self) -> float:
        unsupported = self.flagged_right + self.missed
        return self.flagged_right / unsupported if unsupported else 1.0

    @property
    def accuracy(self) -> float:
        return (self.total - self.flagged_wrong - self.missed) / self.total if self.total else 1.0


def evaluate(cases: list[dict[str, Any]], guard: Guard) -> GuardScore:
    """Score the guard on labelled cases: {passages: [text], sentences: [{text, supported}]}."""
    right = wrong = missed = total = 0
    for case in cases:
        passages = [_labelled_passage(n, text) for n, text in enumerate(case["passages"], 1)]
        items = case["sentences"]
        checks = guard.support(passages).check_many([item["text"] for item in items])
        for item, check in zip(items, checks, strict=True):
            total += 1
            if not check.supported and not item["supported"]:
                right += 1
            elif not check.supported:
                wrong += 1
            elif not item["supported"]:
                missed += 1
    return GuardScore(total, right, wrong, missed)


def _labelled_passage(n: int, text: str) -> Passage:
    hit = Hit(f"passage-{n}", n, f"passage {n}", "memo", None, "", text, None, 1.0)
    own = sentences(text)
    return Passage(n, hit, own=own, text=text)
