from retrieval.chunking import chunk_document
from retrieval.loaders import LoadedDocument, Turn


def _meeting(turns: list[Turn]) -> LoadedDocument:
    return LoadedDocument(title="m", text="", kind="meeting", turns=turns)


def test_turns_are_packed_whole_and_keep_speakers_and_times() -> None:
    turns = [Turn(f"Speaker {i % 3}", "x" * 90, f"00:00:{i:02d}") for i in range(10)]
    chunks = chunk_document(_meeting(turns), size=300, overlap=50)
    assert all(len(c.text) <= 300 for c in chunks)
    lines = [line for c in chunks for line in c.text.split("\n")]
    assert lines == [f"Speaker {i % 3}: {'x' * 90}" for i in range(10)]
    assert chunks[0].speaker == "Speaker 0, Speaker 1"
    assert (chunks[0].start, chunks[0].end) == ("00:00:00", "00:00:01")
    assert chunks[-1].end == "00:00:09"


def test_a_turn_is_split_only_when_it_alone_is_too_long() -> None:
    long_text = " ".join(f"sentence{i}." for i in range(120))
    turns = [Turn("Ann", "short one", "00:00:01"), Turn("Elena Marsh", long_text, "00:00:02")]
    chunks = chunk_document(_meeting(turns), size=200, overlap=20)
    assert chunks[0].text.startswith("Ann: short one")
    pieces = [c for c in chunks if "sentence" in c.text]
    assert len(pieces) > 3
    assert all(len(c.text) <= 200 for c in chunks)
    assert all(p.text.split("\n")[-1].startswith("Elena Marsh: ") for p in pieces)
    assert all(p.start == "00:00:02" for p in pieces if p.speaker == "Elena Marsh")


def test_prose_is_split_with_overlap_under_the_size() -> None:
    text = "\n\n".join(f"Paragraph {i}. " + "word " * 60 for i in range(12))
    chunks = chunk_document(LoadedDocument(title="t", text=text, kind="memo"), 500, 80)
    assert len(chunks) > 5
    assert all(len(c.text) <= 500 and c.speaker is None for c in chunks)
    assert all(f"Paragraph {i}." in text for i in range(12))
