import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from helpers import memo, write

from cli import main

CONFIG = """
access:
  users:
    U_CEO: [exec]
    U_ANN: []
"""


@pytest.fixture
def twin(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TWIN__DATABASE_URL", database_url)
    write(tmp_path / "config.yaml", CONFIG)
    write(
        tmp_path / "docs" / "2026-01-05-pricing.md",
        memo("Pricing", "2026-01-05", "Per-technician pricing starts at 49 dollars a seat."),
    )
    write(
        tmp_path / "docs" / "2026-05-11-offer.md",
        memo("Offer", "2026-05-11", "Harborline offered to acquire us. Board only.", "exec"),
    )

    def run(*args: str, stdin: str | None = None) -> Result:
        return CliRunner().invoke(main, list(args), input=stdin)

    return run


def test_ingest_reports_counts_and_files(twin) -> None:  # type: ignore[no-untyped-def]
    result = twin("ingest", "docs", "--json", "--by", "ann")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["counts"] == {"added": 2, "updated": 0, "unchanged": 0, "failed": 0}
    assert {Path(f["path"]).name for f in report["files"]} == {
        "2026-01-05-pricing.md",
        "2026-05-11-offer.md",
    }
    again = twin("ingest", "docs")
    assert again.exit_code == 0 and "unchanged 2, failed 0" in again.stdout


def test_ingest_exit_code_is_non_zero_when_a_file_fails(twin, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write(tmp_path / "docs" / "bad.docx", b"not a zip")
    result = twin("ingest", "docs")
    assert result.exit_code == 1
    assert "failed: docs/bad.docx: not a valid .docx (not a zip archive)" in result.stderr
    assert "added 2, updated 0, unchanged 0, failed 1" in result.stdout


def test_search_stdin_json_one_line_per_query(twin) -> None:  # type: ignore[no-untyped-def]
    twin("ingest", "docs")
    result = twin("search", "--stdin", "--json", "--k", "3", stdin="pricing per seat\n\nacquire\n")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["query"] for line in lines] == ["pricing per seat", "acquire"]
    top = lines[0]["results"][0]
    assert top["title"] == "Pricing" and top["date"] == "2026-01-05" and top["kind"] == "memo"
    assert set(top) == {
        *("chunk_id", "doc_id", "title", "kind", "date", "source", "text", "score"),
        *("date_precision", "section", "table"),
    }
    assert all(r["title"] != "Offer" for line in lines for r in line["results"])


def test_search_as_a_user_uses_their_groups(twin) -> None:  # type: ignore[no-untyped-def]
    twin("ingest", "docs")
    as_ceo = json.loads(twin("search", "acquisition", "--user", "U_CEO", "--json").stdout)
    as_ann = json.loads(twin("search", "acquisition", "--user", "U_ANN", "--json").stdout)
    as_exec = json.loads(twin("search", "acquisition", "--groups", "exec", "--json").stdout)
    assert "Offer" in [r["title"] for r in as_ceo["results"]]
    assert "Offer" in [r["title"] for r in as_exec["results"]]
    assert "Offer" not in [r["title"] for r in as_ann["results"]]


def test_search_refuses_unknown_users_and_bad_arguments(twin) -> None:  # type: ignore[no-untyped-def]
    unknown = twin("search", "pricing", "--user", "U_NOBODY")
    assert unknown.exit_code == 1
    assert "unknown user 'U_NOBODY': not listed under access.users" in unknown.output
    assert twin("search", "x", "--user", "U_CEO", "--groups", "exec").exit_code == 2
    assert twin("search").exit_code == 2


def test_human_search_output_shows_sources(twin, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    twin("ingest", "docs")
    result = twin("search", "pricing")
    assert "Pricing (memo, 2026-01-05)" in result.stdout
    assert str(tmp_path / "docs" / "2026-01-05-pricing.md") in result.stdout


def test_docs_list_show_remove(twin) -> None:  # type: ignore[no-untyped-def]
    twin("ingest", "docs", "--by", "ann")
    listed = json.loads(twin("docs", "list", "--json").stdout)
    assert [(d["title"], d["audience"], d["version"]) for d in listed] == [
        ("Pricing", "all", 1),
        ("Offer", "exec", 1),
    ]
    doc_id = str(listed[0]["id"])
    shown = json.loads(twin("docs", "show", doc_id, "--json").stdout)
    assert shown["ingested_by"] == "ann" and shown["chunks"] == 1
    assert "Pricing" in twin("docs", "list").stdout
    assert twin("docs", "remove", doc_id).stdout.startswith(f"removed {doc_id}: Pricing")
    assert twin("docs", "show", doc_id).exit_code == 1
    assert f"no document with id {doc_id}" in twin("docs", "remove", doc_id).output
    found = json.loads(twin("search", "pricing per seat", "--json").stdout)
    assert all(r["title"] != "Pricing" for r in found["results"])


def test_db_upgrade(twin) -> None:  # type: ignore[no-untyped-def]
    result = twin("db", "upgrade")
    assert result.exit_code == 0 and "database is up to date" in result.stdout
    assert twin("db", "upgrade").exit_code == 0


def test_docs_list_shows_where_each_date_came_from(twin, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write(tmp_path / "letters" / "2005.md", "Our gain in net worth was large.\n")
    write(tmp_path / "letters" / "notes.md", "Omaha.\n\nFebruary 28, 2006      Warren\n")
    assert twin("ingest", "docs", "letters").exit_code == 0
    listed = {d["title"]: d for d in json.loads(twin("docs", "list", "--json").stdout)}
    assert (listed["Pricing"]["date"], listed["Pricing"]["date_source"]) == (
        "2026-01-05",
        "front matter",
    )
    assert listed["2005"]["date_precision"] == "year"
    assert (listed["Notes"]["date"], listed["Notes"]["date_source"]) == ("2006-02-28", "text")
    lines = twin("docs", "list").stdout.splitlines()
    assert any("2005" in line and "(file name)" in line for line in lines)
    assert any("2026-01-05" in line and "(front matter)" in line for line in lines)


def test_ingest_date_overrides_and_a_bad_one_is_refused(twin, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write(tmp_path / "undated" / "notes.md", "Nothing dated here.\n")
    assert twin("ingest", "undated", "--date", "March 2024").exit_code == 0
    (doc,) = json.loads(twin("docs", "list", "--json").stdout)
    assert (doc["date"], doc["date_precision"], doc["date_source"]) == (
        "2024-03-01",
        "month",
        "cli",
    )
    assert "(cli)" in twin("docs", "list").stdout
    bad = twin("ingest", "undated", "--date", "someday")
    assert bad.exit_code != 0 and "'someday' is not a date" in bad.output
