"""Retrieval quality: hit@5 on the sample question set and on QMSum meeting queries,
dense only vs dense + lexical re-ranking, with and without recency."""

from __future__ import annotations

import json
import re
import tempfile

import yaml

from bench.common import CORPORA, ROOT, table
from retrieval.corpus import Corpus
from retrieval.ingest import Ingestor
from retrieval.search import STOPWORDS, search
from twin.settings import load_settings

SAMPLES = ROOT / "samples" / "corpus"
QUESTIONS = ROOT / "tests" / "data" / "questions.yaml"
VARIANTS = {
    "dense only": {"lexical_weight": 0.0, "recency_margin": 0.0},
    "dense + recency": {"lexical_weight": 0.0},
    "dense + lexical": {"recency_margin": 0.0},
    "dense + lexical + recency (default)": {},
}


def sample_hit_rate(corpus: Corpus) -> float:
    data = yaml.safe_load(QUESTIONS.read_text())
    hits = 0
    for item in data["questions"]:
        expected = str((SAMPLES / item["expected"]).resolve())
        found = search(corpus, item["q"], item.get("groups", []), k=5)
        hits += any(h.source == expected for h in found)
    return hits / len(data["questions"])


def recency_wins(corpus: Corpus) -> str:
    data = yaml.safe_load(QUESTIONS.read_text())
    wins = 0
    for item in data["changed_positions"]:
        order = [h.source for h in search(corpus, item["topic"], ["exec"], k=20)]
        newer, older = (str((SAMPLES / item[k]).resolve()) for k in ("newer", "older"))
        wins += newer in order and (older not in order or order.index(newer) < order.index(older))
    return f"{wins}/{len(data['changed_positions'])}"


def content_words(text: str) -> set[str]:
    text = re.sub(r"\{\w+\}", " ", text.lower())
    return {w for w in re.findall(r"[a-z0-9']+", text) if w not in STOPWORDS}


def qmsum_hit_rate(corpus: Corpus, meetings: dict[str, list[str]]) -> float:
    """A hit: a top-5 chunk holds >= 60% of the content words of a gold turn (>= 8 words)."""
    scored = hits = 0
    for line in (CORPORA / "qmsum" / "queries.jsonl").read_text().splitlines():
        query = json.loads(line)
        turns = meetings[query["meeting"]]
        gold = [content_words(turns[i]) for i in query["gold_turns"] if i < len(turns)]
        gold = [g for g in gold if len(g) >= 8]
        if not gold:
            continue
        scored += 1
        chunks = [content_words(h.text) for h in search(corpus, query["query"], [], k=5)]
        hits += any(len(g & c) >= 0.6 * len(g) for g in gold for c in chunks)
    return hits / scored


def load_meetings() -> dict[str, list[str]]:
    meetings = {}
    for path in sorted((CORPORA / "qmsum" / "meetings").glob("*.txt")):
        meetings[path.stem] = path.read_text().splitlines()[2:]
    return meetings


def run() -> str:
    rows = []
    with tempfile.TemporaryDirectory() as home_a, tempfile.TemporaryDirectory() as home_b:
        samples = Corpus(load_settings(environ={"TWIN_HOME": home_a}))
        Ingestor(samples, "bench").run([SAMPLES])
        qmsum = Corpus(load_settings(environ={"TWIN_HOME": home_b}))
        Ingestor(qmsum, "bench", kind="meeting").run([CORPORA / "qmsum" / "meetings"])
        meetings = load_meetings()
        for name, overrides in VARIANTS.items():
            for corpus in (samples, qmsum):
                defaults = load_settings(environ={}).retrieval
                for key in ("lexical_weight", "recency_margin"):
                    setattr(
                        corpus.settings.retrieval, key, overrides.get(key, getattr(defaults, key))
                    )
            rows.append(
                (
                    name,
                    f"{sample_hit_rate(samples):.3f}",
                    recency_wins(samples),
                    f"{qmsum_hit_rate(qmsum, meetings):.3f}",
                )
            )
    return "Retrieval quality\n\n" + table(
        ("ranking", "sample questions hit@5", "newer position first", "QMSum hit@5"), rows
    )


if __name__ == "__main__":
    print(run())
