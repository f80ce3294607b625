"""Changes of position: the best passages on one topic come from documents far apart in time.

A change is reported when, among the documents near the top, a newer one and an older one
(at least answer.change_min_days apart) are on the same topic, and the newer one says, about
this topic, that the CEO changed her mind ("I was wrong", "what I said before"). Documents far
apart that merely revisit a topic are not a change: search already ranks the newer higher.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from persona.evidence import Evidence
from persona.guard import Support
from persona.passages import Passage
from retrieval.embeddings import Embedder
from twin.sections.persona import AnswerSettings
from twin.text import CHANGE_MARKERS, sentences

__all__ = ["Change", "detect_change", "topic_similarity"]

ON_TOPIC_BOTH = 0.4  # a change-of-mind sentence this close to the old passage and the question


@dataclass
class Change:
    """The newer document says, about this topic, that the CEO's position changed."""

    older: Passage
    newer: Passage


def topic_similarity(support: Support, a: int, b: int) -> float:
    """Cosine of the mean sentence vectors of passages a and b."""
    means = [_mean(support, n) for n in (a, b)]
    return float(means[0] @ means[1])


def _mean(support: Support, n: int) -> np.ndarray:
    rows = support.vectors[np.array(support.owners) == n]
    if not len(rows):
        return np.zeros(support.vectors.shape[1], dtype=np.float32)
    mean = rows.mean(axis=0)
    return mean / (float(np.linalg.norm(mean)) or 1.0)


def detect_change(
    evidence: Evidence,
    settings: AnswerSettings,
    embedder: Embedder,
    preambles: dict[int, str] | None = None,
) -> Change | None:
    """The newest document near the top with an older one on the same topic, far apart.

    `preambles` maps doc_id to the opening of the document, where a memo that changes course
    usually says so.
    """
    leads = _best_passage_per_document(evidence.passages)
    top = leads[0].hit.score if leads else 0.0
    close = [p for p in leads if p.when and p.hit.score >= top - settings.change_margin]
    for newer in sorted(close, key=lambda p: p.when, reverse=True):  # type: ignore[arg-type,return-value]
        older = _older_on_topic(newer, close, evidence, settings)
        if older is None:
            continue
        preamble = (preambles or {}).get(newer.hit.doc_id, "")
        if _says_changed(newer, older, preamble, evidence, embedder):
            return Change(older, newer)
    return None


def _best_passage_per_document(passages: list[Passage]) -> list[Passage]:
    best: dict[int, Passage] = {}
    for passage in passages:
        best.setdefault(passage.hit.doc_id, passage)
    return list(best.values())


def _older_on_topic(
    newer: Passage, close: list[Passage], evidence: Evidence, settings: AnswerSettings
) -> Passage | None:
    """The most relevant older document that is on the newer one's topic, if any."""
    if newer.when is None:
        return None
    for passage in close:  # best first
        if passage.when is None or (newer.when - passage.when).days < settings.change_min_days:
            continue
        if _document_similarity(evidence, passage, newer) >= settings.change_similarity:
            return passage
    return None


def _document_similarity(evidence: Evidence, a: Passage, b: Passage) -> float:
    """The closest pair of retrieved passages of the two documents."""
    first = [p.n for p in evidence.passages if p.hit.doc_id == a.hit.doc_id]
    second = [p.n for p in evidence.passages if p.hit.doc_id == b.hit.doc_id]
    return max(topic_similarity(evidence.support, x, y) for x in first for y in second)


def _says_changed(
    newer: Passage, older: Passage, preamble: str, evidence: Evidence, embedder: Embedder
) -> bool:
    """A change-of-mind sentence in the newer document that is about this topic."""
    claims = _change_claims(f"{preamble}\n\n{newer.hit.text}")
    if not claims:
        return False
    vectors = np.stack([_window_vector(claim, embedder) for claim in claims])
    same_doc = [p.n for p in evidence.passages if p.hit.doc_id == older.hit.doc_id]
    older_topic = np.stack([_mean(evidence.support, n) for n in same_doc])
    on_older = (vectors @ older_topic.T).max(axis=1)
    on_question = vectors @ evidence.query_vector
    # On the topic of the older passage and of the question alike, by the same claim.
    return bool((np.minimum(on_older, on_question) >= ON_TOPIC_BOTH).any())


def _change_claims(text: str) -> list[list[str]]:
    """Sentences that say something changed, with two sentences before and one after."""
    items = [s for line in text.splitlines() for s in sentences(line.partition(": ")[2] or line)]
    return [
        items[max(i - 2, 0) : i + 2]
        for i, sentence in enumerate(items)
        if CHANGE_MARKERS.search(sentence)
    ]


def _window_vector(window: list[str], embedder: Embedder) -> np.ndarray:
    """The mean of the sentences' embeddings (stored at ingest, so nothing new is embedded)."""
    mean = np.array(embedder.embed(window), dtype=np.float32).mean(axis=0)
    return mean / (float(np.linalg.norm(mean)) or 1.0)
