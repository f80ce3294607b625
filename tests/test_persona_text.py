"""Text helpers, follow-up condensing and the sensitivity policy: no models needed."""

from __future__ import annotations

from persona.conversation import Turn, condense, condense_lexical, is_follow_up
from persona.llm import LLMError, ScriptedChat
from persona.policy import Policy
from persona.text import key_terms
from twin.sections.persona import PolicySettings, Topic
from twin.text import sentences, speaker_lines, strip_citations


def test_sentences_split_prose_and_markdown_but_not_abbreviations() -> None:
    text = (
        "**Focus Wednesdays.** No internal meetings on Wednesdays. None.\n\n"
        "- Every team posts by 3 p.m. Pacific on Friday.\n- Keep it under 200 words.\n\n"
        'He said "Go now." Then we left.\n\n— Elena'
    )
    assert sentences(text) == [
        "Focus Wednesdays.",
        "No internal meetings on Wednesdays.",
        "None.",
        "Every team posts by 3 p.m. Pacific on Friday.",
        "Keep it under 200 words.",
        'He said "Go now."',
        "Then we left.",
    ]


def test_meeting_lines_keep_their_speakers() -> None:
    chunk = "Marcus Feld: Next question.\nElena Marsh: Yes. We're remote.\ncontinued line"
    assert speaker_lines(chunk) == [
        ("Marcus Feld", "Next question."),
        ("Elena Marsh", "Yes. We're remote."),
        (None, "continued line"),
    ]


def test_key_terms_drop_question_words() -> None:
    assert key_terms("What did you say about the Bend gathering and its costs?") == [
        "bend",
        "gathering",
        "costs",
    ]
    assert strip_citations("We're remote [1]. Forever [2, 3].") == "We're remote. Forever."


def test_follow_ups_borrow_the_previous_questions_key_terms() -> None:
    history = [Turn("what's the per-job price?", "what's the per-job price?", "…", [])]
    assert is_follow_up("and is there a monthly minimum?")
    assert condense_lexical(history, "and is there a monthly minimum?") == (
        "and is there a monthly minimum? (per job price)"
    )
    standalone = "How many engineers will the UK office hire in 2027 for support tooling?"
    assert not is_follow_up(standalone)
    assert condense_lexical(history, standalone) == standalone
    assert condense_lexical([], "why?") == "why?"


def test_policy_flags_topics_in_the_question_or_the_answer() -> None:
    policy = Policy(
        PolicySettings(
            topics=[
                Topic(name="layoffs", keywords=["layoff", "lay off"]),
                Topic(name="people", patterns=[r"\bMarcus\b[^.]{0,40}\bfired\b"]),
            ]
        )
    )
    review = policy.review("Are there layoffs coming?", "I won't lay off anyone this year.")
    assert review.needs_approval
    assert review.reasons == [
        "layoffs: the question mentions 'layoffs'",
        "layoffs: the answer mentions 'lay off'",
    ]
    assert policy.review("Was Marcus fired?").reasons == [
        "people: the question mentions 'Marcus fired'"
    ]
    assert not policy.review("What's the Tide Report?", "Four short sections.").needs_approval
    flagged = policy.review("anything", flags=["restricted: 'board deck'"])
    assert flagged.needs_approval and flagged.reasons == ["restricted: 'board deck'"]


def test_the_optional_llm_classifier_adds_topics_and_fails_closed() -> None:
    settings = PolicySettings(
        topics=[Topic(name="layoffs", keywords=["layoff"])], llm_classifier=True
    )
    labelled = Policy(settings, ScriptedChat("layoffs")).review("Are we cutting the team?")
    assert labelled.reasons == ["layoffs: the classifier says so"]
    down = Policy(settings, ScriptedChat(LLMError("down"))).review("Are we cutting the team?")
    assert down.needs_approval
    assert down.reasons == ["policy: the sensitivity classifier is unavailable"]
    assert (
        not Policy(settings.model_copy(update={"llm_classifier": False}), ScriptedChat("layoffs"))
        .review("Are we cutting the team?")
        .needs_approval
    )


def test_an_llm_can_condense_a_follow_up_and_falls_back_to_key_terms() -> None:
    history = [Turn("what's the per-job price?", "what's the per-job price?", "$1.85", [])]
    rewrite = "What is the monthly minimum for per-job pricing?"
    llm = ScriptedChat(rewrite)
    assert condense(history, "and the minimum?", llm) == rewrite
    assert "Follow-up: and the minimum?" in llm.calls[0][-1].content
    failing = ScriptedChat(LLMError("down"))
    assert condense(history, "and the minimum?", failing) == "and the minimum? (per job price)"
