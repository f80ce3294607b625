"""What a video reply says: long answers are cut at a sentence and say the rest is in the thread."""

from __future__ import annotations

import pytest

from persona.results import Answer
from persona.spoken import spoken_script
from twin.settings import load_settings
from twin.text import shorten

DEFAULT_NOTE = "The full answer is in the thread."

ANSWER = (
    "Here's the short version. We ship in March, not February. The beta showed three crash "
    "bugs, and I'd rather be late than wrong. Customers first, then each other, then the plan."
)


def test_an_answer_that_fits_is_spoken_whole() -> None:
    assert shorten(ANSWER, 1000, DEFAULT_NOTE) == (ANSWER, False)
    assert shorten("  Hello\n\nteam.  ", 50, DEFAULT_NOTE) == ("Hello team.", False)


@pytest.mark.parametrize("max_chars", [70, 100, 140, 170])
def test_a_long_answer_is_cut_at_a_sentence_and_says_so(max_chars: int) -> None:
    script, shortened = shorten(ANSWER, max_chars, DEFAULT_NOTE)
    assert shortened
    assert len(script) <= max_chars
    assert script.endswith(" " + DEFAULT_NOTE)
    spoken = script.removesuffix(" " + DEFAULT_NOTE)
    assert ANSWER.startswith(spoken) and spoken.endswith(".")


def test_the_cut_keeps_as_many_whole_sentences_as_fit() -> None:
    script, _ = shorten(ANSWER, 100, "More in the thread.")
    assert script == (
        "Here's the short version. We ship in March, not February. More in the thread."
    )


def test_closing_quotes_stay_with_their_sentence() -> None:
    text = 'She said "we ship in March." Then she left. ' + "More words here. " * 10
    script, shortened = shorten(text, 60, "See the thread.")
    assert shortened and script == 'She said "we ship in March." Then she left. See the thread.'


def test_a_first_sentence_too_long_is_cut_at_a_clause_or_word() -> None:
    long_sentence = "We will ship in March, " + "and then we will keep shipping " * 10 + "forever."
    script, shortened = shorten(long_sentence, 40, "Rest in thread.")
    assert shortened and script == "We will ship in March. Rest in thread."
    script, _ = shorten(long_sentence, 80, "Rest in thread.")  # clause too early
    assert len(script) <= 80 and script.endswith("keep shipping and then. Rest in thread.")
    words = "word " * 40
    script, _ = shorten(words, 50, "Rest in thread.")
    assert len(script) <= 50 and script.endswith("word. Rest in thread.")


def test_a_note_longer_than_the_limit_is_an_error() -> None:
    with pytest.raises(ValueError, match="no room for the note"):
        shorten(ANSWER, 10, DEFAULT_NOTE)


def test_every_front_door_speaks_the_same_script() -> None:
    settings = load_settings(
        environ={"TWIN__RENDER__SCRIPT_MAX_CHARS": "100", "TWIN__RENDER__SCRIPT_NOTE": "More."}
    )
    body = "Here's the **short** version [1]. We ship in March, not February [2]. " + ANSWER
    answer = Answer(body, "quotes", "This answer comes from an AI twin.")
    script, shortened = spoken_script(answer, settings)
    assert shortened and script == (
        "Here's the short version. We ship in March, not February. Here's the short version. More."
    )
    assert spoken_script(body, settings) == (script, shortened)
    assert spoken_script("Short [3].", settings) == ("Short.", False)
