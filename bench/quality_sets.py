"""The labelled sets of the quality benchmark: the sample corpus, the Berkshire letters, QMSum.

Each set names its corpus folder, the config the twin is run with, its known-item questions
(with the documents, or for QMSum the speaker turns, that answer them) and questions the corpus
does not answer. A third of each set is held out: tune on the rest, report the holdout apart.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bench.common import CORPORA, LETTERS, ROOT
from retrieval.terms import STOPWORDS  # the README's QMSum rule uses the same stop words

SAMPLES = ROOT / "samples" / "corpus"
SAMPLE_QUESTIONS = ROOT / "tests" / "data" / "questions.yaml"
BERKSHIRE_QUESTIONS = ROOT / "bench" / "data" / "berkshire.yaml"
BERKSHIRE_CONFIG = ROOT / "examples" / "berkshire" / "config.yaml"
QMSUM = CORPORA / "qmsum"
MIN_TURN_WORDS = 8  # a gold turn counts when it has at least this many content words
TURN_SHARE = 0.6  # ... and a retrieved chunk holds at least this share of them


@dataclass
class Question:
    q: str
    gold: set[str]  # resolved source paths of the documents that answer it
    groups: list[str] = field(default_factory=list)
    holdout: bool = False
    turns: list[set[str]] | None = None  # QMSum: content words of each gold turn that counts


@dataclass
class Unanswerable:
    q: str
    why: str = ""
    holdout: bool = False


@dataclass
class LabelledSet:
    name: str
    folder: Path
    config: Path | None
    kind: str  # the ingest kind: "auto" or "meeting"
    questions: list[Question]
    unanswerable: list[Unanswerable]
    answers: bool = True  # whether the answer metrics apply (a persona speaks in the corpus)


def content_words(text: str) -> set[str]:
    text = re.sub(r"\{\w+\}", " ", text.lower())
    return {w for w in re.findall(r"[a-z0-9']+", text) if w not in STOPWORDS}


def is_hit(question: Question, source: str, text: str) -> bool:
    """A retrieved chunk answers the question: it comes from a gold document, or (QMSum) it
    holds TURN_SHARE of the content words of a gold turn."""
    if question.turns is None:
        return source in question.gold
    words = content_words(text)
    return any(len(turn & words) >= TURN_SHARE * len(turn) for turn in question.turns)


def sample_set() -> LabelledSet:
    data = yaml.safe_load(SAMPLE_QUESTIONS.read_text())
    questions = [
        Question(
            item["q"],
            {str((SAMPLES / item["expected"]).resolve())},
            list(item.get("groups", [])),
            holdout=i % 3 == 2,
        )
        for i, item in enumerate(data["questions"])
    ]
    unanswerable = [Unanswerable(q, holdout=i % 3 == 2) for i, q in enumerate(data["unanswerable"])]
    return LabelledSet("sample", SAMPLES, None, "auto", questions, unanswerable)


def berkshire_set() -> LabelledSet:
    data = yaml.safe_load(BERKSHIRE_QUESTIONS.read_text())
    questions = [
        Question(
            item["q"],
            {str((LETTERS / f"{year}.md").resolve()) for year in item["gold"]},
            holdout=bool(item.get("holdout")),
        )
        for item in data["questions"]
    ]
    unanswerable = [
        Unanswerable(item["q"], item.get("why", ""), bool(item.get("holdout")))
        for item in data["unanswerable"]
    ]
    return LabelledSet("berkshire", LETTERS, BERKSHIRE_CONFIG, "auto", questions, unanswerable)


def qmsum_set() -> LabelledSet:
    """The 160 QMSum queries; every third (by position in queries.jsonl) is held out. A query
    with no gold turn of MIN_TURN_WORDS content words has an empty `turns` and never hits."""
    meetings = {
        path.stem: path.read_text().splitlines()[2:]
        for path in sorted((QMSUM / "meetings").glob("*.txt"))
    }
    questions = []
    for i, line in enumerate((QMSUM / "queries.jsonl").read_text().splitlines()):
        query = json.loads(line)
        turns = meetings[query["meeting"]]
        gold = [content_words(turns[t]) for t in query["gold_turns"] if t < len(turns)]
        source = str((QMSUM / "meetings" / f"{query['meeting']}.txt").resolve())
        questions.append(
            Question(
                query["query"],
                {source},
                holdout=i % 3 == 2,
                turns=[g for g in gold if len(g) >= MIN_TURN_WORDS],
            )
        )
    return LabelledSet("qmsum", QMSUM / "meetings", None, "meeting", questions, [], answers=False)


def all_sets() -> list[LabelledSet]:
    return [sample_set(), berkshire_set(), qmsum_set()]
