"""`twin reindex`: rebuild every Chroma partition from the registry (retrieval.reindex)."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from typing import TYPE_CHECKING

import click

from cli.context import App, pass_app
from cli.printing import shown

if TYPE_CHECKING:
    from retrieval.reindex import Progress


@click.command()
@click.option(
    "--json", "as_json", is_flag=True, help="Print a JSON line per step, then the summary."
)
@pass_app
def reindex(app: App, as_json: bool) -> None:
    """Rebuild every Chroma partition from the document registry.

    After a change of embedding model or a lost index. Search keeps using the old partitions
    until each new one is complete. Interrupted, run it again: it goes on where it stopped.
    """
    from tqdm import tqdm

    from retrieval.reindex import ReindexBusy
    from retrieval.reindex import reindex as run

    with tqdm(unit="doc", file=sys.stderr, disable=True if as_json else None) as bar:

        def progress(step: Progress) -> None:
            if as_json:
                click.echo(json.dumps({"step": asdict(step)}))
                return
            bar.total = step.total
            bar.n = step.done
            bar.set_description(shown(step.audience))
            if step.doc_id is None:
                tqdm.write(f"partition {shown(step.audience)}: rebuilt", file=sys.stderr)

        try:
            summary = run(app.corpus, on_progress=progress)
        except ReindexBusy as exc:
            raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps({"summary": summary.to_json()}))
    else:
        click.echo(
            f"rebuilt {len(summary.partitions)} partitions: {summary.documents} documents "
            f"embedded ({summary.chunks} chunks), {summary.resumed} already done, "
            f"{len(summary.failed)} failed, {summary.seconds:.1f} s"
        )
        for doc_id, reason in summary.failed.items():
            click.echo(f"failed: document {doc_id}: {shown(reason)}", err=True)
    if not summary.ok:
        sys.exit(1)
