from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from helpers import memo, pdf_bytes, write
from sqlalchemy import delete, select, update

from retrieval.corpus import Corpus
from retrieval.ingest import Ingestor
from retrieval.search import search
from retrieval.store import ChunkStore
from twin.models import ChunkSentences, Document
from twin.settings import Settings
from twin.text import chunk_sentences

PRICING = "We are moving Tidewater Dispatch to per-technician pricing at 49 dollars a seat."
HIRING = "We will hire twelve field engineers in Denver before the end of the summer."


def ingest(corpus: Corpus, *paths: Path, **options: object):  # type: ignore[no-untyped-def]
    return Ingestor(corpus, "tester", **options).run(list(paths))  # type: ignore[arg-type]


def doc_ids(corpus: Corpus, query: str, groups: list[str] | None = None) -> list[int]:
    return [hit.doc_id for hit in search(corpus, query, groups or [], k=10)]


def test_added_then_unchanged_then_updated(corpus: Corpus, tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    pricing = write(folder / "2026-01-05-pricing.md", memo("Pricing", "2026-01-05", PRICING))
    write(folder / "nested" / "2026-02-01-hiring.md", memo("Hiring", "2026-02-01", HIRING))

    assert ingest(corpus, folder).counts == {"added": 2, "updated": 0, "unchanged": 0, "failed": 0}
    assert ingest(corpus, folder).counts["unchanged"] == 2

    pricing.write_text(memo("Pricing", "2026-01-05", PRICING.replace("49", "59")))
    report = ingest(corpus, folder)
    assert report.counts == {"added": 0, "updated": 1, "unchanged": 1, "failed": 0}

    doc = next(d for d in corpus.documents() if d.title == "Pricing")
    assert (doc.version, doc.ingested_by, doc.audience) == (2, "tester", "all")
    assert len(doc.sha256) == 64
    assert corpus.store.count("all") == sum(d.chunk_count for d in corpus.documents())
    texts = [hit.text for hit in search(corpus, "per-technician pricing", [], k=10)]
    assert any("59 dollars" in t for t in texts) and not any("49 dollars" in t for t in texts)


def test_a_changed_file_is_never_missing_or_found_twice(
    corpus: Corpus, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "p.md", memo("Pricing", "2026-01-05", PRICING))
    ingest(corpus, path)
    seen: list[list[str]] = []

    def texts_now() -> None:
        seen.append([h.text for h in search(corpus, "per-technician pricing seats", [], k=10)])

    original_switch = Ingestor._switch
    original_delete = ChunkStore.delete_versions

    def switch(self, *args):  # type: ignore[no-untyped-def]
        texts_now()  # new chunks written, registry not yet switched
        original_switch(self, *args)
        texts_now()  # registry switched, old chunks not yet deleted

    def delete_versions(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        original_delete(self, *args, **kwargs)
        texts_now()

    monkeypatch.setattr(Ingestor, "_switch", switch)
    monkeypatch.setattr(ChunkStore, "delete_versions", delete_versions)
    path.write_text(memo("Pricing", "2026-01-05", PRICING.replace("49", "59")))
    assert ingest(corpus, path).counts["updated"] == 1

    assert len(seen) >= 3
    assert all(len(texts) == 1 for texts in seen)
    assert "49 dollars" in seen[0][0]
    assert all("59 dollars" in texts[0] for texts in seen[1:])


def test_bad_files_are_reported_and_the_rest_ingested(corpus: Corpus, tmp_path: Path) -> None:
    folder = tmp_path / "batch"
    write(folder / "good.md", memo("Hiring", "2026-02-01", HIRING))
    write(folder / "empty.txt", "")
    write(folder / "broken.pdf", pdf_bytes("x")[:120])
    write(folder / "fake.docx", b"not a zip")
    write(folder / "latin.md", "na\xefve".encode("latin-1"))
    write(folder / "huge.md", "x" * 3_000)
    write(folder / ".hidden" / "skip.md", "hidden files are skipped")
    corpus.settings.retrieval.max_file_mb = 0.002

    report = ingest(corpus, folder, tmp_path / "missing.md")
    errors = {Path(r.path).name: r.error for r in report.results if r.status == "failed"}
    assert report.counts["added"] == 1 and not report.ok
    assert errors == {
        "broken.pdf": errors["broken.pdf"],
        "empty.txt": "empty file",
        "fake.docx": "not a valid .docx (not a zip archive)",
        "huge.md": "file is 0.0 MB, over the 0.0 MB limit (retrieval.max_file_mb)",
        "latin.md": errors["latin.md"],
        "missing.md": "no such file",
    }
    assert errors["broken.pdf"].startswith("corrupt or truncated PDF")
    assert errors["latin.md"].startswith("unreadable encoding")
    assert [d.title for d in corpus.documents()] == ["Hiring"]
    assert doc_ids(corpus, "field engineers in Denver")


def test_a_crash_while_writing_leaves_nothing_visible(
    corpus: Corpus, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "h.md", memo("Hiring", "2026-02-01", HIRING))

    def fail(*args: object, **kwargs: object) -> None:
        raise ConnectionError("vector store went away")

    monkeypatch.setattr(ChunkStore, "add", fail)
    report = ingest(corpus, path)
    assert report.results[0].error == (
        "not stored, the index is unchanged (ConnectionError: vector store went away)"
    )
    assert doc_ids(corpus, "field engineers in Denver") == []
    monkeypatch.undo()

    assert ingest(corpus, path).counts["added"] == 1
    assert len(doc_ids(corpus, "field engineers in Denver")) == 1


def test_remove_unregisters_and_deletes_chunks(corpus: Corpus, tmp_path: Path) -> None:
    ingest(corpus, write(tmp_path / "h.md", memo("Hiring", "2026-02-01", HIRING)))
    (doc,) = corpus.documents()
    assert corpus.remove(doc.id) is not None
    assert corpus.documents() == [] and corpus.store.count("all") == 0
    assert doc_ids(corpus, "field engineers") == []
    assert corpus.remove(doc.id) is None


def test_every_change_of_the_live_documents_is_counted(
    corpus: Corpus, tmp_path: Path, make_settings: Callable[..., Settings], database_url: str
) -> None:
    elsewhere = Corpus(make_settings(database_url))  # another process's view, its own caches
    assert elsewhere.audiences() == []
    start = corpus.generation()
    path = write(tmp_path / "h.md", memo("Hiring", "2026-02-01", HIRING, audience="exec"))
    ingest(corpus, path)
    assert corpus.generation() == start + 1 and elsewhere.audiences() == ["exec"]
    ingest(corpus, path)
    assert corpus.generation() == start + 1  # unchanged: nothing to count
    path.write_text(memo("Hiring", "2026-02-01", HIRING))
    ingest(corpus, path)
    assert corpus.generation() == start + 2 and elsewhere.audiences() == ["all"]
    corpus.remove(corpus.documents()[0].id)
    assert corpus.generation() == start + 3 and elsewhere.audiences() == []


def test_changing_the_audience_moves_the_chunks(corpus: Corpus, tmp_path: Path) -> None:
    path = write(tmp_path / "h.md", memo("Hiring", "2026-02-01", HIRING))
    ingest(corpus, path)
    path.write_text(memo("Hiring", "2026-02-01", HIRING, audience="exec"))
    assert ingest(corpus, path).counts["updated"] == 1
    assert corpus.store.count("all") == 0 and corpus.store.count("exec") == 1
    assert doc_ids(corpus, "field engineers in Denver") == []
    assert len(doc_ids(corpus, "field engineers in Denver", ["exec"])) == 1


def test_cli_audience_applies_when_the_file_does_not_say(corpus: Corpus, tmp_path: Path) -> None:
    ingest(corpus, write(tmp_path / "2026-02-01-hiring.md", HIRING), audience=["finance", "exec"])
    (doc,) = corpus.documents()
    assert doc.audience == "exec,finance"
    assert doc.title == "Hiring" and doc.kind == "memo"


def test_kind_can_be_forced(corpus: Corpus, tmp_path: Path) -> None:
    ingest(corpus, write(tmp_path / "notes.md", HIRING), kind="meeting")
    assert corpus.documents()[0].kind == "meeting"


def stored_sentences(corpus: Corpus) -> dict[str, tuple[int, list[str]]]:
    with corpus.sessions() as session:
        rows = session.scalars(select(ChunkSentences))
        return {row.chunk_id: (row.version, row.sentences) for row in rows}


def test_every_chunks_sentences_are_embedded_at_ingest(corpus: Corpus, tmp_path: Path) -> None:
    text = f"{PRICING} It starts in May.\n\nMarcus Feld: Questions?\nElena Marsh: {HIRING} Yes."
    ingest(corpus, write(tmp_path / "2026-03-01-allhands.txt", text), kind="meeting")
    chunk = corpus.store.collection("all").get(include=["documents"])
    (chunk_id,) = chunk["ids"]
    (doc_text,) = chunk["documents"]  # type: ignore[misc]
    sentences = chunk_sentences(doc_text, "meeting")
    assert sentences == [PRICING, "It starts in May.", "Questions?", HIRING, "Yes."]
    assert stored_sentences(corpus) == {chunk_id: (1, sentences)}

    (doc,) = corpus.documents()
    stored = corpus.stored_vectors([chunk_id, "no-such-chunk"], [doc.id])
    texts = [*sentences, "Allhands"]
    assert list(stored) == texts  # the sentences, then the title
    fresh = corpus.embedder.encode(texts)
    cosines = [float(np.dot(stored[t], v)) for t, v in zip(texts, fresh, strict=True)]
    assert min(cosines) > 0.999  # float16 storage keeps the vectors


def test_sentences_follow_the_live_version_and_go_with_the_document(
    corpus: Corpus, tmp_path: Path
) -> None:
    path = write(tmp_path / "p.md", memo("Pricing", "2026-01-05", PRICING))
    ingest(corpus, path)
    path.write_text(memo("Pricing", "2026-01-05", PRICING.replace("49", "59")))
    ingest(corpus, path)
    ((version, sentences),) = stored_sentences(corpus).values()
    assert version == 2 and any("59 dollars" in s for s in sentences)

    (doc,) = corpus.documents()
    corpus.remove(doc.id)
    assert stored_sentences(corpus) == {}


def test_documents_stored_before_sentence_embeddings_are_stored_again(
    corpus: Corpus, tmp_path: Path
) -> None:
    path = write(tmp_path / "p.md", memo("Pricing", "2026-01-05", PRICING))
    ingest(corpus, path)
    with corpus.sessions() as session:  # as a database from before migration 0005 holds it
        session.execute(delete(ChunkSentences))
        session.execute(update(Document).values(title_vector=None))
        session.commit()
    assert ingest(corpus, path).counts["updated"] == 1
    assert stored_sentences(corpus) and corpus.documents()[0].title_vector
    assert ingest(corpus, path).counts["unchanged"] == 1
