"""The persona adapter's training data, base model and LoRA training, on the real corpus."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from helpers import memo, write
from persona_fixtures import converted_base

from cli import main
from cli.persona import _up_to_date
from persona.answer import Answerer
from persona.llm import ScriptedChat
from persona.training.dataset import (
    Pair,
    build_dataset,
    meeting_pairs,
    memo_pairs,
    read_examples,
    spread,
)
from persona.training.train import RECORD, TrainConfig, data_hash, read_record, train_adapter
from retrieval.corpus import Corpus

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples" / "corpus"
SPEAKERS = ["Elena Marsh", "Elena"]
MARKER = re.compile(r" \[(\d+)\]")
LIMIT = 12  # documents: enough for both splits and both kinds, quick on 2 cores

MEETING = """\
Marcus Feld: Next one. "Can I use the stipend for a standing desk?"
Elena Marsh: Standing desk, chair, monitor, lighting, headset. The $1,500 is yours to spend.
Sam Okonkwo: The lab has about 300 test phones.
Elena Marsh: And if you need a device at home, ask Sam's team.
Marcus Feld: Any thoughts on the weather?
Elena Marsh: Short.
"""
MEMO = """\
Happy new year, everyone. Here's the short version of where we're headed this year and why.

An untitled paragraph past the opening, before any heading: no question could name it.

**Hiring.** We plan to end the year at around 395 people. About half the new roles are in sales.

## Pay

We move to one national band. Same job, same level, same band, wherever you live.
"""

# A letter converted from PDF: plain headings on lines of their own (one after a page number),
# rules of asterisks, no Markdown.
LETTER = """\
BERKSHIRE HATHAWAY INC.
To the Shareholders of Berkshire Hathaway Inc.:

     Our gain in net worth during the year was $8.3 billion, a fine year for all of us here.

Textile Operations

     The textile business lost money again this year, and we have finally decided to close it.

************

3
Insurance

************
     Float is money we hold but do not own, and it has cost us less than nothing this year.
"""


@pytest.fixture(scope="module")
def dataset(sample_corpus: Corpus, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("persona-data")
    build_dataset(Answerer(sample_corpus.settings, sample_corpus), out, limit=LIMIT)
    return out


def test_meeting_pairs_are_a_question_and_her_next_turn() -> None:
    pairs = meeting_pairs(MEETING, SPEAKERS, max_sentences=5)
    # Sam's statement asks nothing; "Short." is too short to teach anything.
    assert [p.question for p in pairs] == ["Can I use the stipend for a standing desk?"]
    assert pairs[0].answer[0] == "Standing desk, chair, monitor, lighting, headset."


def test_memo_pairs_ask_about_headings_and_the_opening() -> None:
    pairs = memo_pairs(MEMO, "The plan for 2025", max_sentences=5, kind="memo")
    questions = [p.question for p in pairs]
    assert questions[0] == 'What did you write in "The plan for 2025"?'
    assert "Hiring" in questions[1] and "Pay" in questions[2] and len(pairs) == 3
    assert pairs[1].answer == [
        "We plan to end the year at around 395 people.",
        "About half the new roles are in sales.",
    ]


def test_letter_pairs_ask_about_plain_headings() -> None:
    pairs = memo_pairs(LETTER, "1985", max_sentences=5, kind="letter")[1:]  # [0]: by its title
    assert [p.question for p in pairs] == [
        'In "1985", what was your point about Textile Operations?',
        'Can you explain "Insurance" from your letter "1985"?',
    ]
    assert pairs[1].answer == [
        "Float is money we hold but do not own, and it has cost us less than nothing this year."
    ]


def test_spread_keeps_at_most_so_many_pairs_across_the_document() -> None:
    pairs = [Pair(str(n), []) for n in range(10)]
    assert [p.question for p in spread(pairs, 4)] == ["0", "3", "6", "9"]
    assert spread(pairs, 24) == pairs and spread([], 4) == []


def test_only_public_documents_are_used_and_split_by_document(
    dataset: Path, sample_corpus: Corpus
) -> None:
    audience = {d.id: d.audience for d in sample_corpus.documents()}
    train, heldout = (
        read_examples(dataset / "train.jsonl"),
        read_examples(dataset / "heldout.jsonl"),
    )
    assert len(train) >= 20 and heldout
    assert {audience[e.doc_id] for e in train + heldout} == {"all"}
    assert not {e.doc_id for e in train} & {e.doc_id for e in heldout}
    assert {e.kind for e in train + heldout} == {"memo", "meeting"}
    report = json.loads((dataset / "dataset.json").read_text())
    assert report["generation"] == sample_corpus.generation()
    assert report["examples"] == {"train": len(train), "heldout": len(heldout)}


def test_every_target_sentence_is_shown_in_the_passage_it_cites(dataset: Path) -> None:
    for example in read_examples(dataset / "train.jsonl"):
        prompt, target = example.messages[-2]["content"], example.messages[-1]["content"]
        assert example.messages[-1]["role"] == "assistant"
        blocks = dict(re.findall(r"^\[(\d+)\] (.*?)(?=^\[\d+\] |</passages>)", prompt, re.M | re.S))
        cited = re.findall(r"\s*(.+?) \[(\d+)\](\S*)", target)
        assert cited and "".join(f"{a} [{n}]{b}" for a, n, b in cited).replace(" ", "") == (
            target.replace(" ", "")
        )
        for text, n, after in cited:
            assert f"{text}{after}" in blocks[n], (text, n)


def test_the_prompt_is_exactly_what_the_pipeline_sends(
    dataset: Path, sample_corpus: Corpus
) -> None:
    examples = read_examples(dataset / "train.jsonl")
    compared = 0
    for example in examples[:: max(len(examples) // 8, 1)]:
        llm = ScriptedChat("Here's the short version.")
        Answerer(sample_corpus.settings, sample_corpus, llm).answer(example.question, "U_T", [])
        if llm.calls:  # the pipeline asked the LLM (it does not when evidence is too weak)
            sent = [{"role": m.role, "content": m.content} for m in llm.calls[0]]
            assert sent == example.messages[:-1]
            compared += 1
    assert compared >= 4


@pytest.mark.slow
def test_training_resumes_and_records_what_it_was_trained_on(
    dataset: Path, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    base = converted_base(tmp_path_factory.getbasetemp())
    assert (base / "config.json").is_file() and list(base.glob("*.safetensors"))
    out = tmp_path / "adapter"
    config = TrainConfig(
        base,
        dataset / "train.jsonl",
        out,
        steps=4,
        max_length=384,
        checkpoint_every=2,
        heldout=dataset / "heldout.jsonl",
        heldout_examples=3,
    )

    def interrupt(step: int, loss: float) -> None:
        if step == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train_adapter(config, interrupt)
    assert read_record(out) is None and (out / "checkpoint" / "state.json").is_file()
    result = train_adapter(config)
    assert result.resumed_from == 2 and result.steps == 4 and result.last_loss > 0
    record = read_record(out)
    assert record is not None and record["base"] == str(base)
    held = record["heldout_loss"]  # the same pairs scored without and with the adapter
    assert held["examples"] == 3 and held["base"] > 0 and held["adapter"] > 0
    assert held["base"] != held["adapter"]
    adapter = json.loads((out / "adapter_config.json").read_text())
    assert adapter["r"] == 8 and set(adapter["target_modules"]) == {"q_proj", "v_proj"}
    assert (out / "adapter_model.safetensors").is_file() and not (out / "checkpoint").exists()


@pytest.mark.slow
def test_retraining_after_new_documents_is_one_command(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    base = converted_base(tmp_path_factory.getbasetemp())
    for name in ("memos/2025-01-06-plan-for-2025.md", "meetings/2025-03-13-employee-ama.txt"):
        write(tmp_path / "docs" / Path(name).name, (SAMPLES / name).read_text())

    def run(*args: str) -> Result:
        return CliRunner().invoke(main, list(args))

    train = ("persona", "train", "--base", str(base), "--steps", "2", "--max-length", "384")
    assert run("ingest", "docs").exit_code == 0
    first = run(*train)
    assert first.exit_code == 0, first.output
    adapter = tmp_path / "home" / "persona" / "adapter"
    generation = read_record(adapter)["corpus_generation"]  # type: ignore[index]
    assert "up to date" in run(*train).output
    assert read_record(adapter)["max_length"] == 384  # type: ignore[index]
    extra = "**Leave.** Every parent gets twenty weeks of paid leave, and I mean every parent."
    write(tmp_path / "docs" / "2025-07-14-leave.md", memo("Parental leave", "2025-07-14", extra))
    assert run("ingest", "docs").exit_code == 0
    again = run(*train)
    assert again.exit_code == 0 and "up to date" not in again.output
    assert read_record(adapter)["corpus_generation"] > generation  # type: ignore[index]


@pytest.mark.parametrize(
    "change",
    [
        {"max_length": 384},
        {"steps": 30},
        {"learning_rate": 1e-4},
        {"corpus_generation": 8},
        {"base": Path("other-base")},
    ],
)
def test_an_adapter_is_retrained_when_what_it_was_trained_with_changes(
    tmp_path: Path, change: dict[str, object]
) -> None:
    data = write(tmp_path / "train.jsonl", '{"messages": []}\n')
    config = TrainConfig(
        base=Path("base"), data=data, out=tmp_path / "adapter", corpus_generation=7
    )
    record = {
        "corpus_generation": 7,
        "data_sha256": data_hash(data),
        "base": "base",
        "steps": config.steps,
        "learning_rate": config.learning_rate,
        "max_length": config.max_length,
    }
    write(config.out / RECORD, json.dumps(record))
    assert _up_to_date(config)
    assert not _up_to_date(dataclasses.replace(config, **change))  # type: ignore[arg-type]


def test_train_names_a_bad_base(tmp_path: Path) -> None:
    write(tmp_path / "docs" / "2025-07-14-leave.md", memo("Leave", "2025-07-14", "We offer leave."))
    runner = CliRunner()
    assert runner.invoke(main, ["ingest", "docs"]).exit_code == 0
    result = runner.invoke(main, ["persona", "train", "--base", str(tmp_path / "nothing.bin")])
    assert result.exit_code == 1 and "nothing.bin: not an HF model folder" in result.output
