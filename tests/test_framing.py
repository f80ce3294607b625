"""Request framing ("what did she say about", "summarise the discussion of") is not what a
question is about: lexical retrieval matches its topic, on the real model and real Chroma."""

from collections.abc import Callable
from pathlib import Path

from helpers import write

from retrieval.corpus import Corpus
from retrieval.framing import topic
from retrieval.ingest import Ingestor
from retrieval.search import search
from twin.settings import Settings


def test_request_words_are_taken_out_of_the_topic() -> None:
    assert topic("What did Priya say about the launch?") == "What did Priya about the launch?"
    assert topic("Summarise the discussion about pricing") == "the about pricing"
    assert (
        topic("What was the opinion of sales on discounts?")
        == "What was the of sales on discounts?"
    )
    assert topic("What did they discuss?") == "What did they ?"
    assert topic("Said?") == "Said?"  # nothing but framing: the question itself


TALKATIVE = """\
Marco Diaz: We said a lot and we discussed it all, we talked and talked, I think we said \
everything, and the discussion went on: what we think, what we said, what we discussed.
Priya Shah: Yes, we said so.
"""
PRICING = """\
Priya Shah: Our pricing for small utilities stays at forty dollars per job, with no monthly \
minimum, until the end of the year.
Marco Diaz: Agreed.
"""


def test_a_question_about_a_discussion_finds_the_topic_not_the_talk(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    # Lexical retrieval only, so that what BM25 matches decides the order.
    corpus = Corpus(make_settings(RETRIEVAL__LEXICAL_WEIGHT="1"))
    write(tmp_path / "m" / "2025-03-02-retro.txt", TALKATIVE)
    write(tmp_path / "m" / "2025-03-09-pricing.txt", PRICING)
    assert Ingestor(corpus, "t", kind="meeting").run([tmp_path / "m"]).ok
    question = "What did we say and think in the discussion about pricing?"
    assert "forty dollars" in search(corpus, question, [], k=2)[0].text
