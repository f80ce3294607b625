"""The Corpus page's document history: every version with who ingested it and what changed
(escaped), restricted versions hidden from admins outside their audience, a forced re-ingest,
and Reindex; every action in the admin audit."""

from __future__ import annotations

import time
from pathlib import Path

import bot_fixtures
from console_fixtures import console_client, csrf
from helpers import memo, write
from test_console_reviews import actions

from retrieval.ingest import Ingestor
from retrieval.search import search
from twin.models import DocumentVersion
from web.console import versions_page
from web.console.auth import Viewer
from web.console.diffs import Piece, changes

bot_factory = bot_fixtures.bot_factory
workspace = bot_fixtures.workspace  # fixtures

V1 = "Lunch is served at noon.\nThe kitchen closes at three.\nBring your own mug."
V2 = (
    "Lunch is served at one.\nThe kitchen closes at three.\nBring your own mug.\n"
    "Snacks: <script>alert('x')</script> & cookies."
)


def ingest(harness, path: Path, text: str, by: str = "tests") -> int:  # type: ignore[no-untyped-def]
    write(path, text)
    report = Ingestor(harness.corpus, by).run([path])
    assert report.ok, report.results
    return report.results[0].doc_id or 0


def wait_until(read, done, timeout: float = 90):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not done(page := read()):
        assert time.monotonic() < deadline, page
        time.sleep(0.2)
    return page


def test_changes_mark_words_within_a_line_and_skip_unchanged_stretches():
    old = "\n".join(f"Point {n} of the plan." for n in range(10))
    new = old.replace("Point 5 of", "Point five of").replace("Point 9 of the plan.", "")
    lines = changes(old, new)
    assert [line.kind for line in lines] == [
        "skip",
        "same",
        "change",
        "same",
        "skip",
        "same",
        "del",
    ]
    assert lines[2].pieces == (Piece("same", "Point "), Piece("del", "5"), Piece("ins", "five"),
                               Piece("same", " of the plan."))  # fmt: skip
    assert changes(old, old) == []


def test_versions_too_long_to_compare_on_a_page_are_not_compared(monkeypatch):
    monkeypatch.setattr(versions_page, "LARGEST", 12)
    v3, v2, v1 = (
        DocumentVersion(version=n, audience="all", title="Plans", text=text)
        for n, text in ((3, "Plans grew long."), (2, "Plans, v2."), (1, "Plans."))
    )
    shown = versions_page.compare([v3, v2, v1], Viewer("U1", "Una", "token"))
    assert [(s.too_large, s.lines is None) for s in shown] == [
        (True, True),  # 16 characters: not compared
        (False, False),
        (False, True),  # the first version: nothing to compare with
    ]


def test_a_documents_versions_show_who_ingested_them_and_what_changed(
    workspace, bot_factory, tmp_path
):
    _, people = workspace
    harness = bot_factory()
    path = tmp_path / "lunch.md"
    ingest(harness, path, memo("Lunch", "2025-10-01", V1), by="tests")
    doc_id = ingest(harness, path, memo("Lunch", "2025-10-01", V2), by=f"slack:{people.adam.id}")
    adam = console_client(harness, people.adam)
    corpus = adam.get("/corpus").text
    assert f'href="/corpus/{doc_id}#v2"' in corpus
    page = adam.get(f"/corpus/{doc_id}").text
    assert "v2" in page and "v1" in page and "Adam Admin (slack)" in page
    assert "<del>noon</del><ins>one</ins>" in page  # the word that changed, in its line
    assert "The kitchen closes at three." in page  # context around the change
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; cookies." in page
    assert "<script>alert" not in page  # escaped, never run


def test_restricted_versions_are_shown_only_to_admins_who_may_read_them(
    workspace, bot_factory, tmp_path
):
    _, people = workspace
    harness = bot_factory(admins=[people.adam.id, people.erin.id])
    secret = f"The code word was {bot_fixtures.CANARY}."
    path = tmp_path / "plans.md"
    ingest(harness, path, memo("Plans", "2025-10-01", secret, audience="exec"))
    doc_id = ingest(harness, path, memo("Plans", "2025-10-01", "Plans are public now."))
    adam, erin = console_client(harness, people.adam), console_client(harness, people.erin)
    shown = adam.get(f"/corpus/{doc_id}").text  # the document is for everyone now
    assert "Plans are public now." in shown and bot_fixtures.CANARY not in shown
    assert "v1 was for exec, outside your groups: no comparison" in shown
    assert "This version was for exec, outside your groups" in shown
    assert bot_fixtures.CANARY in erin.get(f"/corpus/{doc_id}").text  # Erin is in @exec
    heron = next(d for d in harness.corpus.documents() if d.title == "Project Heron")
    refused = adam.get(f"/corpus/{heron.id}")  # exec-only now: not listed, not shown
    assert f"No document has ID {heron.id}" in refused.text
    assert bot_fixtures.CANARY in erin.get(f"/corpus/{heron.id}").text


def test_a_forced_re_ingest_makes_a_new_version_of_an_unchanged_file(workspace, bot_factory):
    _, people = workspace
    harness = bot_factory()
    remote = next(d for d in harness.corpus.documents() if d.title == "Remote work")
    adam = console_client(harness, people.adam)
    token = csrf(adam.get(f"/corpus/{remote.id}").text)
    for form in ({"csrf": token}, {"csrf": token, "force": "1"}):
        started = adam.post(f"/corpus/{remote.id}/reread", data=form)
        url = "/corpus/jobs/" + str(started.url).split("job=")[1]
        progress = wait_until(lambda u=url: adam.get(u).text, lambda t: "Done:" in t)
        assert ("updated" if "force" in form else "unchanged") in progress
    page = adam.get(f"/corpus/{remote.id}").text
    assert "The same text as v1." in page and "Adam Admin (console)" in page
    assert harness.corpus.document(remote.id).version == 2  # type: ignore[union-attr]
    done = actions(harness)
    assert (people.adam.id, "re-read", f"doc {remote.id}") in done
    assert (people.adam.id, "re-ingest", f"doc {remote.id}") in done


def test_reindex_rebuilds_the_index_from_the_console(workspace, bot_factory):
    _, people = workspace
    harness = bot_factory()
    adam = console_client(harness, people.adam)
    started = adam.post("/corpus/reindex", data={"csrf": csrf(adam.get("/corpus").text)})
    assert "Reindex started." in started.text
    page = wait_until(lambda: adam.get("/corpus").text, lambda t: "Reindex running" not in t)
    assert "Last reindex, by Adam Admin" in page, page
    assert (people.adam.id, "reindex", "corpus") in actions(harness)
    hits = search(harness.corpus, "How long is parental leave?", groups=[])
    assert hits and hits[0].title == "Parental leave"
