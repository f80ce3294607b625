"""Which words of a question the CEO has never used: no models needed."""

from __future__ import annotations

from persona.vocabulary import Words, _known


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


def test_every_readable_partition_counts() -> None:
    memos, board = Words.of({"remote"}), Words.of({"acquisition"})
    assert not _known("acquisition", [memos])
    assert _known("acquisition", [memos, board])
