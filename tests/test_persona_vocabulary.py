"""Which words of a question the CEO has never used."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from helpers import memo, write
from sqlalchemy import event

from persona.answer import Answerer
from persona.vocabulary import Vocabulary, Words, _known
from retrieval.corpus import Corpus
from retrieval.ingest import Ingestor
from twin.settings import Settings


def test_a_word_is_known_in_any_of_its_forms() -> None:
    words = Words.of({"dispatch", "technician", "pricing", "remote"})
    assert _known("dispatch", [words])
    assert _known("technicians", [words])  # plural of a known word
    assert _known("dispatcher", [words])  # a known word is its prefix
    assert _known("tech", [words])  # a prefix of a known word
    assert _known("pric", [words])
    assert not _known("pets", [words])
    assert not _known("ipo", [words])
    assert not _known("gym", [words])
    assert not _known("parental", [Words.of({"parent"})])  # a derivation is another word


def test_every_readable_partition_counts() -> None:
    memos, board = Words.of({"remote"}), Words.of({"acquisition"})
    assert not _known("acquisition", [memos])
    assert _known("acquisition", [memos, board])


def test_words_of_a_document_ingested_elsewhere_are_known_at_once(
    corpus: Corpus, tmp_path: Path, make_settings: Callable[..., Settings], database_url: str
) -> None:
    vocabulary = Vocabulary(Corpus(make_settings(database_url)))  # the bot's process
    hiring = write(tmp_path / "h.md", memo("Hiring", "2026-02-01", "We are hiring in Denver."))
    Ingestor(corpus, "admin").run([hiring])
    assert vocabulary.unknown_terms("Are we hiring in Denver or Lisbon?", []) == ["lisbon"]
    lisbon = write(tmp_path / "l.md", memo("Lisbon", "2026-03-01", "Lisbon opens in May."))
    Ingestor(corpus, "admin").run([lisbon])
    assert vocabulary.unknown_terms("Are we hiring in Denver or Lisbon?", []) == []
    corpus.remove(next(d.id for d in corpus.documents() if d.title == "Lisbon"))
    assert vocabulary.unknown_terms("Are we hiring in Denver or Lisbon?", []) == ["lisbon"]


def test_a_rare_word_weighs_more_than_one_in_every_document(corpus: Corpus, tmp_path: Path) -> None:
    """Asked why Harbor bought silver, "silver" says which sentence answers; "Harbor", in every
    memo, says nothing (the Berkshire letters: "Why did Berkshire buy so much silver?")."""
    bodies = {
        "Trucks": "Harbor will buy more trucks this year, and Harbor will buy them in cash.",
        "Hiring": "Harbor hired forty people in the spring, most of them technicians.",
        "Revenue": "Harbor grew revenue by a third, mostly from our utility customers.",
        "Silver": "Last year we purchased 110 million ounces of silver as a long-term holding. "
        "I think silver will be demonetized less than people expect.",
    }
    files = [write(tmp_path / f"{t}.md", memo(t, "2026-02-01", b)) for t, b in bodies.items()]
    Ingestor(corpus, "admin").run(files)
    answerer = Answerer(corpus.settings, corpus)
    weights = answerer.vocabulary.weights("Why did Harbor buy so much silver?", [])
    assert weights["silver"] > 2 * weights["harbor"]
    answer = answerer.answer("Why did Harbor buy so much silver?", "U", [])
    assert answer.citations[0].title == "Silver", answer.body


def test_one_answer_reads_the_corpus_generation_once(corpus: Corpus, tmp_path: Path) -> None:
    """Every check of one answer (audiences, words, dates, BM25) sees the same generation,
    read with one query; the next answer reads it again, so a new document is seen at once."""
    hiring = write(tmp_path / "h.md", memo("Hiring", "2026-02-01", "We are hiring in Denver."))
    Ingestor(corpus, "admin").run([hiring])
    answerer = Answerer(corpus.settings, corpus)
    reads: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        if "corpus_state" in statement and statement.lstrip().upper().startswith("SELECT"):
            reads.append(statement)

    engine = corpus.sessions.kw["bind"]
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert answerer.answer("Why are we hiring in Denver?", "U", []).mode == "quotes"
        assert len(reads) == 1
        text = "Our Lisbon office opens in May with twelve engineers."
        Ingestor(corpus, "admin").run(
            [write(tmp_path / "l.md", memo("Lisbon", "2026-03-01", text))]
        )
        answer = answerer.answer("When does the Lisbon office open?", "U", [])
        assert [c.title for c in answer.citations] == ["Lisbon"], answer.body
    finally:
        event.remove(engine, "before_cursor_execute", count)
