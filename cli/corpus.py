"""Corpus commands: ingest, search, docs."""

from __future__ import annotations

import getpass
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import click

from cli.context import App, pass_app
from cli.printing import shown

if TYPE_CHECKING:
    from retrieval.search import Hit
    from twin.models import Document


def _split(value: str | None) -> list[str] | None:
    return [part.strip() for part in value.split(",") if part.strip()] if value else None


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--audience", help="Groups that may read these files (default: all).")
@click.option("--kind", type=click.Choice(["memo", "meeting", "auto"]), default="auto")
@click.option(
    "--date",
    "date_text",
    help="Date of every file ingested (2024-03-01, March 2024, 2024), over their own dates.",
)
@click.option("--by", "ingested_by", default=getpass.getuser, help="Who is ingesting.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_app
def ingest(
    app: App,
    paths: tuple[Path, ...],
    audience: str | None,
    kind: str,
    date_text: str | None,
    ingested_by: str,
    as_json: bool,
) -> None:
    """Ingest files and folders of memos and meeting transcripts."""
    from tqdm import tqdm

    from retrieval.dates import parse_date
    from retrieval.ingest import FileResult, Ingestor, find_files

    dated = parse_date(date_text) if date_text else None
    if date_text and dated is None:
        raise click.BadParameter(
            f"'{date_text}' is not a date (e.g. 2024-03-01, March 2024, 2024)", param_hint="--date"
        )

    files = list(find_files(paths))
    with tqdm(total=len(files), unit="file", file=sys.stderr, disable=None) as bar:

        def progress(result: FileResult) -> None:
            bar.update(1)
            if result.error:
                tqdm.write(f"failed: {shown(result.path)}: {shown(result.error)}", file=sys.stderr)
            if result.warning:
                warning = f"warning: {shown(result.path)}: {shown(result.warning)}"
                tqdm.write(warning, file=sys.stderr)

        ingestor = Ingestor(
            app.corpus, ingested_by, _split(audience), kind, dated, on_result=progress
        )
        report = ingestor.run(files)
    if as_json:
        data = {"counts": report.counts, "files": [asdict(r) for r in report.results]}
        click.echo(json.dumps(data, indent=2))
    else:
        click.echo(", ".join(f"{status} {n}" for status, n in report.counts.items()))
    if not report.ok:
        sys.exit(1)


@click.command()
@click.argument("query", required=False)
@click.option("--k", "k", type=click.IntRange(1, 100), help="How many results.")
@click.option("--user", help="Search as this user (groups from config).")
@click.option("--groups", help="Search as a member of these groups (comma-separated).")
@click.option("--stdin", "from_stdin", is_flag=True, help="Read one query per line.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (one line per query).")
@pass_app
def search(
    app: App,
    query: str | None,
    k: int | None,
    user: str | None,
    groups: str | None,
    from_stdin: bool,
    as_json: bool,
) -> None:
    """Search the corpus as an employee would see it."""
    from retrieval.search import search as run_search

    if user and groups:
        raise click.UsageError("give --user or --groups, not both")
    if bool(query) == from_stdin:
        raise click.UsageError("give a QUERY or --stdin")
    member_of = _groups(app, user, groups)
    queries = (line.strip() for line in sys.stdin) if from_stdin else iter([query or ""])
    for text in queries:
        if not text:
            continue
        hits = run_search(app.corpus, text, member_of, k)
        if as_json:
            results = [hit.to_json() for hit in hits]
            click.echo(json.dumps({"query": text, "results": results}))
        else:
            _print_hits(text, hits)


def _groups(app: App, user: str | None, groups: str | None) -> list[str]:
    from retrieval.access import ConfigGroups, UnknownUser

    access = app.settings.access
    if not user:
        return sorted({*access.default_groups, *(_split(groups) or [])})
    try:
        return ConfigGroups(access.users, access.default_groups).groups_for(user)
    except UnknownUser as exc:
        raise click.ClickException(str(exc)) from None


def _print_hits(query: str, hits: list[Hit]) -> None:
    click.secho(f"? {shown(query)}", bold=True)
    if not hits:
        click.echo("  (nothing found)")
    for n, hit in enumerate(hits, 1):
        when = f", {hit.date}" if hit.date else ""
        speaker = f" — {hit.speaker}" if hit.speaker else ""
        click.echo(shown(f"{n}. [{hit.score:.3f}] {hit.title} ({hit.kind}{when}){speaker}"))
        click.echo(f"   {shown(hit.source)}")
        snippet = " ".join(hit.text.split())
        click.echo(f"   {shown(snippet[:240])}{'…' if len(snippet) > 240 else ''}")


@click.group()
def docs() -> None:
    """The document registry."""


@docs.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def list_docs(app: App, as_json: bool) -> None:
    """List ingested documents."""
    documents = app.corpus.documents()
    if as_json:
        click.echo(json.dumps([_doc_json(d) for d in documents], indent=2))
        return
    from retrieval.dates import describe

    for d in documents:
        state = "" if d.version else "  (pending)"
        when = describe(d.date, d.date_precision) or "-"
        source = f"({d.date_source})" if d.date_source else ""
        columns = f"{d.id:>5}  {when:<14}  {source:<14}  {d.kind:<7}  {d.audience:<12}"
        click.echo(shown(f"{columns}  {d.title}{state}"))
    click.echo(f"{len(documents)} documents")


@docs.command("show")
@click.argument("doc_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@pass_app
def show_doc(app: App, doc_id: int, as_json: bool) -> None:
    """Show one document's registry entry."""
    doc = app.corpus.document(doc_id)
    if doc is None:
        raise click.ClickException(f"no document with id {doc_id}")
    data = _doc_json(doc)
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    for key, value in data.items():
        click.echo(f"{key:>12}: {shown(value)}")


@docs.command("remove")
@click.argument("doc_id", type=int)
@pass_app
def remove_doc(app: App, doc_id: int) -> None:
    """Remove a document and its chunks."""
    doc = app.corpus.remove(doc_id)
    if doc is None:
        raise click.ClickException(f"no document with id {doc_id}")
    click.echo(f"removed {doc_id}: {shown(doc.title)}")


def _doc_json(doc: Document) -> dict[str, object]:
    return {
        "id": doc.id,
        "title": doc.title,
        "kind": doc.kind,
        "date": doc.date.isoformat() if doc.date else None,
        "date_precision": doc.date_precision,
        "date_source": doc.date_source,
        "audience": doc.audience,
        "source": doc.source,
        "sha256": doc.sha256,
        "version": doc.version,
        "chunks": doc.chunk_count,
        "ingested_by": doc.ingested_by,
        "ingested_at": doc.ingested_at.isoformat() if doc.ingested_at else None,
    }
