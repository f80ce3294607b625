"""Burrows' Delta (bench/stylometry.py) tells real authors apart on text it has not seen."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.common import LETTERS
from bench.stylometry import Delta, words

ROOT = Path(__file__).resolve().parents[1]
MEMOS = sorted((ROOT / "samples" / "corpus" / "memos").glob("*.md"))


def _text(paths: list[Path]) -> str:
    return " ".join(p.read_text(encoding="utf-8") for p in paths)


@pytest.mark.skipif(not LETTERS.is_dir(), reason=f"the Berkshire letters are not at {LETTERS}")
def test_held_out_text_is_closest_to_its_own_author() -> None:
    letters = sorted(LETTERS.glob("*.md"))
    delta = Delta({"ceo": _text(MEMOS[:30]), "buffett": _text(letters[-6:-1])})
    unseen_memos, unseen_letter = _text(MEMOS[30:]), letters[-1].read_text(encoding="utf-8")
    assert delta.closest(unseen_memos) == "ceo"
    assert delta.closest(unseen_letter) == "buffett"
    assert delta.distance(unseen_memos, "ceo") < delta.distance(unseen_memos, "buffett")


def test_words_are_lower_case_with_apostrophes_kept() -> None:
    assert words("I\u2019d rather BE clear, than comfortable.") == [
        "i'd", "rather", "be", "clear", "than", "comfortable",
    ]  # fmt: skip
