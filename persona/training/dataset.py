"""Supervised pairs for the persona adapter, made from the corpus itself.

Meetings give real question -> answer pairs: another speaker asks, the CEO answers. Memos give
her prose: a question made from a section heading (or the title) -> that section's paragraph.
Each pair's prompt is built exactly as the answer pipeline builds it (the same system prompt,
the same real search with no groups, the same passages), and the target keeps only the CEO's
sentences that appear in those passages, each cited with its passage number: the adapter learns
to answer in her words, from the passages, citing them, which is what the guard keeps.

Only documents whose audience is `all` are used, so nothing restricted can leak into weights
that every employee's questions go through. Documents are split into train and held-out by a
hash of their source, so a document's pairs never land on both sides.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from persona.answer import Answerer
from persona.llm import Message
from persona.passages import Passage
from persona.prompt import answer_messages
from persona.streaming import cited
from persona.text import is_speaker
from retrieval.corpus import Corpus
from retrieval.loaders import LoadError, load_document
from twin.models import Document
from twin.text import sentences, speaker_lines, strip_citations

__all__ = [
    "DatasetReport",
    "Example",
    "Pair",
    "build_dataset",
    "ceo_text",
    "is_heldout",
    "meeting_pairs",
    "memo_pairs",
    "read_examples",
    "spread",
]

PUBLIC = "all"
MIN_ANSWER_WORDS = 8
# Pairs taken from one document, spread over it: each costs a real search, and a long letter has
# hundreds of paragraphs (the sample's memos and meetings have at most a few dozen).
MAX_DOCUMENT_PAIRS = 24
QUOTED = re.compile(r"[\"\u201c]([^\"\u201d]*\?)[\"\u201d]")
BOLD_HEADING = re.compile(r"^\*\*(.+?)\*\*\s*(.*)$", re.DOTALL)
MD_HEADING = re.compile(r"^#{1,6}\s+(.+)$")
# A plain heading (letters converted from PDF): a short line of its own, not a sentence, maybe
# after the page number the conversion left above it; a rule of asterisks or dashes names nothing.
PLAIN_HEADING = re.compile(r"^(?:\d+\n)?[ \t]*([A-Z][^\n]*[^\s.:;,!?])$")
MAX_HEADING_WORDS = 8
RULE = re.compile(r"^(?:[ \t]*[*_=~-][ \t*_=~-]*(?:\n|$))+")  # lines of nothing but rule marks
HEADER = re.compile(r"^\[(\d+)\] ", re.MULTILINE)
MEMO_QUESTIONS = (
    'What did you say about "{heading}" in "{title}"?',
    'In "{title}", what was your point about {heading}?',
    'Can you explain "{heading}" from your {kind} "{title}"?',
)


@dataclass
class Pair:
    """A question and the CEO's own answer sentences, from one document."""

    question: str
    answer: list[str]


@dataclass
class Example:
    """One chat record: the pipeline's prompt and the cited answer as the assistant turn."""

    messages: list[dict[str, str]]
    question: str
    doc_id: int
    title: str
    kind: str
    split: str  # "train" or "heldout"


@dataclass
class DatasetReport:
    generation: int
    documents: dict[str, int] = field(default_factory=dict)  # split -> documents used
    examples: dict[str, int] = field(default_factory=dict)  # split -> records written
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> pairs dropped
    files: dict[str, str] = field(default_factory=dict)  # split -> JSONL path

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def is_heldout(doc: Document, share: float) -> bool:
    """A stable split by document: the same document is always on the same side."""
    digest = hashlib.sha256(Path(doc.source).name.encode()).hexdigest()
    return int(digest[:8], 16) / 0x1_0000_0000 < share


def meeting_pairs(text: str, speakers: list[str], max_sentences: int) -> list[Pair]:
    """(question, the CEO's answer turn) wherever another speaker asks and she answers next."""
    pairs: list[Pair] = []
    previous: tuple[str | None, str] | None = None
    for speaker, line in speaker_lines(text):
        if previous and is_speaker(speaker, speakers) and not is_speaker(previous[0], speakers):
            question = _question_in(previous[1])
            answer = sentences(line)[:max_sentences]
            if question and len(" ".join(answer).split()) >= MIN_ANSWER_WORDS:
                pairs.append(Pair(question, answer))
        previous = (speaker, line)
    return pairs


def memo_pairs(text: str, title: str, max_sentences: int, kind: str) -> list[Pair]:
    """(a question made from the section heading, else the title, -> the paragraph); `kind`:
    what the CEO calls the document (persona.kind_words: a letter writer's "letter")."""
    pairs: list[Pair] = []
    heading = ""
    for n, block in enumerate(re.split(r"\n\s*\n", text.strip())):
        block = RULE.sub("", block.strip()).strip()  # a rule, alone or above a paragraph
        if not block:
            continue
        marked = MD_HEADING.match(block) or _plain_heading(block)
        if marked:
            heading = marked.group(1).strip()
            continue
        bold = BOLD_HEADING.match(block)
        if bold:
            heading, block = bold.group(1).strip(" .:"), bold.group(2)
        elif n > 0 and not heading:
            continue  # an untitled paragraph past the opening: no question names it
        answer = sentences(block)[:max_sentences]
        if len(" ".join(answer).split()) < MIN_ANSWER_WORDS:
            continue
        template = MEMO_QUESTIONS[len(pairs) % len(MEMO_QUESTIONS)]
        question = (
            template.format(heading=heading, title=title, kind=kind)
            if heading
            else f'What did you write in "{title}"?'
        )
        pairs.append(Pair(question, answer))
    return pairs


def _plain_heading(block: str) -> re.Match[str] | None:
    found = PLAIN_HEADING.match(block)
    if found and len(found.group(1).split()) <= MAX_HEADING_WORDS and "   " not in found.group(1):
        return found
    return None


def spread(items: list[Pair], most: int) -> list[Pair]:
    """At most `most` of the items, evenly spaced, the first one included."""
    return items[:: -(-len(items) // most)] if items else []


def ceo_text(doc: Document, speakers: list[str]) -> str:
    """Everything the CEO herself wrote or said in a document (for stylometry)."""
    loaded = load_document(Path(doc.source), 50_000_000)
    if doc.kind != "meeting":
        return " ".join(sentences(loaded.text))
    return " ".join(line for who, line in speaker_lines(loaded.text) if is_speaker(who, speakers))


def build_dataset(
    answerer: Answerer, out: Path, heldout_share: float = 0.2, limit: int | None = None
) -> DatasetReport:
    """Write train.jsonl and heldout.jsonl under `out`; report what went where and why not.
    `limit`: only the first documents (by date), for a quick run."""
    corpus = answerer.corpus
    report = DatasetReport(generation=corpus.generation())
    out.mkdir(parents=True, exist_ok=True)
    writers = {s: (out / f"{s}.jsonl").open("w", encoding="utf-8") for s in ("train", "heldout")}
    try:
        for doc in _public_documents(corpus)[:limit]:
            split = "heldout" if is_heldout(doc, heldout_share) else "train"
            written = 0
            for example in _examples(answerer, doc, split, report.skipped):
                writers[split].write(json.dumps(asdict(example), ensure_ascii=False) + "\n")
                written += 1
            if written:
                report.documents[split] = report.documents.get(split, 0) + 1
                report.examples[split] = report.examples.get(split, 0) + written
    finally:
        for writer in writers.values():
            writer.close()
    report.files = {s: str(out / f"{s}.jsonl") for s in writers}
    (out / "dataset.json").write_text(json.dumps(report.to_json(), indent=2) + "\n")
    return report


def read_examples(path: Path) -> list[Example]:
    with path.open(encoding="utf-8") as lines:
        return [Example(**json.loads(line)) for line in lines if line.strip()]


def _public_documents(corpus: Corpus) -> list[Document]:
    return [d for d in corpus.documents() if d.version > 0 and d.audience == PUBLIC]


def _examples(
    answerer: Answerer, doc: Document, split: str, skipped: dict[str, int]
) -> Iterator[Example]:
    cfg = answerer.settings
    max_sentences = cfg.answer.max_sentences
    try:
        text = load_document(Path(doc.source), 50_000_000).text
    except (LoadError, OSError):
        skipped["source file unreadable"] = skipped.get("source file unreadable", 0) + 1
        return
    if doc.kind == "meeting":
        pairs = meeting_pairs(text, cfg.persona.speakers, max_sentences)
    else:
        pairs = memo_pairs(text, doc.title, max_sentences, cfg.persona.kind_word(doc.kind))
    for pair in spread(pairs, MAX_DOCUMENT_PAIRS):
        messages, reason = _record(answerer, pair)
        if reason:
            skipped[reason] = skipped.get(reason, 0) + 1
            continue
        chat = [{"role": m.role, "content": m.content} for m in messages]
        yield Example(chat, pair.question, doc.id, doc.title, doc.kind, split)


def _record(answerer: Answerer, pair: Pair) -> tuple[list[Message], str]:
    """The pipeline's prompt for the question plus the cited target; or a reason to skip."""
    question = " ".join(pair.question.split())
    passages: list[Passage] = answerer._retrieve(question, [])  # the pipeline's own retrieval
    if not passages:
        return [], "nothing retrieved"
    cfg = answerer.settings.answer
    messages = answer_messages(answerer.system, passages, question, [], cfg.context_chars)
    shown = messages[-1].content
    kept = [cited(s, n) for s in pair.answer if (n := _passage_showing(shown, s))]
    if len(strip_citations(" ".join(kept)).split()) < MIN_ANSWER_WORDS:
        return [], "answer not in the retrieved passages"
    return [*messages, Message("assistant", " ".join(kept))], ""


def _passage_showing(block: str, sentence: str) -> int:
    """The number of the passage whose shown (possibly truncated) text holds the sentence."""
    at = block.find(sentence)
    if at < 0:
        return 0
    headers = [m for m in HEADER.finditer(block) if m.start() < at]
    return int(headers[-1].group(1)) if headers else 0


def _question_in(line: str) -> str:
    """The question a turn asks: a quoted question, else its sentences ending in '?'."""
    quoted = [q.strip() for q in QUOTED.findall(line)]
    if quoted:
        return " ".join(quoted)
    return " ".join(s for s in sentences(line) if s.rstrip('"\u201d\u2019)').endswith("?"))
