"""When the vector store goes away mid-service, the asker still gets a polite answer."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from helpers import free_port, memo, wait_for, write

from persona.answer import CANT_ANSWER, Answerer
from retrieval.corpus import Corpus
from retrieval.ingest import Ingestor
from twin.settings import Settings


def test_a_dead_chroma_server_gets_a_polite_answer_and_an_audit_record(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    port = free_port()
    chroma = Path(sys.executable).parent / "chroma"
    args = [str(chroma), "run", "--path", str(tmp_path / "chroma"), "--host", "127.0.0.1"]
    server = subprocess.Popen(
        [*args, "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/api/v2/heartbeat")
        corpus = Corpus(make_settings(RETRIEVAL__CHROMA_URL=f"http://127.0.0.1:{port}"))
        text = "Here's the short version: parental leave is 20 weeks, fully paid, for every parent."
        write(tmp_path / "d" / "2025-07-14-leave.md", memo("Leave", "2025-07-14", text))
        assert Ingestor(corpus, "t").run([tmp_path / "d"]).ok
        answerer = Answerer(corpus.settings, corpus)
        assert "20 weeks" in answerer.answer("How long is parental leave?", "U1", []).body
    finally:
        server.terminate()
        server.wait(timeout=30)
    tokens: list[str] = []
    answer = answerer.answer("How long is parental leave?", "U1", [], on_token=tokens.append)
    assert answer.body == CANT_ANSWER and answer.mode == "none"
    assert "".join(tokens) == answer.answer and answer.answer.endswith(answer.disclosure)
    record = answerer.audit.get(answer.answer_id or 0)
    assert record is not None and record.notes == "internal error; see the log"
