"""A folder with a symlink loop is reported (exit 1), not silently skipped; an audience is
normalised to lower case, and a group no configured user is in gets a warning."""

from __future__ import annotations

import json
import os
from pathlib import Path

from click.testing import CliRunner
from helpers import memo, write

from cli import main

CONFIG = "access:\n  users:\n    U_CEO: [exec]\n    U_ANN: []\n"


def test_a_symlink_loop_is_reported_and_the_rest_ingested(tmp_path: Path) -> None:
    write(tmp_path / "docs" / "memos" / "2026-01-05-lunch.md", memo("Lunch", "2026-01-05", "Free."))
    os.symlink("../../docs", tmp_path / "docs" / "memos" / "back")
    result = CliRunner().invoke(main, ["ingest", "docs", "--json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert report["counts"] == {"added": 1, "updated": 0, "unchanged": 0, "failed": 1}
    [failed] = [f for f in report["files"] if f["status"] == "failed"]
    assert failed["path"].endswith("memos/back") and "symlink loop" in failed["error"]


def test_an_upper_case_audience_matches_its_group_and_unknown_groups_warn(tmp_path: Path) -> None:
    write(tmp_path / "config.yaml", CONFIG)
    offer = memo("Offer", "2026-05-11", "Harborline offered to acquire us.", "EXEC")
    write(tmp_path / "docs" / "2026-05-11-offer.md", offer)
    typo = memo("Pay bands", "2026-05-12", "Pay bands move in June.", "Exec, finanse")
    write(tmp_path / "docs" / "2026-05-12-pay.md", typo)
    result = CliRunner().invoke(main, ["ingest", "docs", "--json"])
    assert result.exit_code == 0, result.output
    files = {Path(f["path"]).name: f for f in json.loads(result.stdout)["files"]}
    assert files["2026-05-11-offer.md"]["warning"] is None
    assert "finanse" in files["2026-05-12-pay.md"]["warning"]
    assert "warning: docs/2026-05-12-pay.md: audience 'exec,finanse'" in result.stderr

    listing = CliRunner().invoke(main, ["docs", "list", "--json"])
    assert sorted(d["audience"] for d in json.loads(listing.stdout)) == ["exec", "exec,finanse"]
    as_ceo = CliRunner().invoke(main, ["search", "acquisition offer", "--user", "U_CEO", "--json"])
    assert "Offer" in {r["title"] for r in json.loads(as_ceo.stdout)["results"]}
    as_ann = CliRunner().invoke(main, ["search", "acquisition offer", "--user", "U_ANN", "--json"])
    assert json.loads(as_ann.stdout)["results"] == []
