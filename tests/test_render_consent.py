"""The consent gate: no render in a persona's voice and likeness without a record in force."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from cli.main import main
from render.consent import (
    ConsentError,
    ConsentRegistry,
    ConsentRequired,
    parse_scope,
)
from render.jobs import Job, RenderQueue
from render.pipeline import Renderer, RenderResult
from render.publish import RecordingPublisher
from render.worker import Worker
from twin.db import session_factory
from twin.models import Consent
from twin.settings import Settings

PERSONA = "Elena Marsh"


@pytest.fixture
def settings(make_settings: Callable[..., Settings], database_url: str) -> Settings:
    return make_settings(database_url, RENDER__BACKEND="fake", RENDER__SIZE="128")


@pytest.fixture
def registry(settings: Settings) -> ConsentRegistry:
    return ConsentRegistry(settings.db_url)


def test_scopes_are_parsed_and_checked() -> None:
    assert parse_scope("likeness, Voice") == ("voice", "likeness")
    assert parse_scope(["voice"]) == ("voice",)
    with pytest.raises(ConsentError, match="'smell' is not known"):
        parse_scope("voice,smell")
    with pytest.raises(ConsentError, match="empty"):
        parse_scope(" , ")


def test_a_render_needs_both_scopes_in_force(registry: ConsentRegistry) -> None:
    with pytest.raises(ConsentRequired) as refused:
        registry.require(PERSONA)
    message = str(refused.value)
    assert "Elena Marsh's voice and likeness" in message
    assert "twin consent add --scope voice,likeness --by NAME" in message

    voice = registry.add(PERSONA, "voice", "Elena Marsh", consented_on=date(2026, 3, 1))
    assert registry.missing(PERSONA) == ["likeness"]
    likeness = registry.add(PERSONA, "likeness", "Elena Marsh", note="release form")
    registry.require(PERSONA)  # two records together cover both
    assert registry.missing("Someone Else") == ["voice", "likeness"]

    revoked = registry.revoke(voice.id, revoked_by="legal")
    assert not revoked.active and revoked.revoked_by == "legal"
    assert registry.missing(PERSONA) == ["voice"]
    with pytest.raises(ConsentRequired, match="Elena Marsh's voice:"):
        registry.require(PERSONA)

    records = registry.records(PERSONA)
    assert [(r.id, r.scope, r.active) for r in records] == [
        (voice.id, ("voice",), False),
        (likeness.id, ("likeness",), True),
    ]
    assert records[0].consented_on == date(2026, 3, 1)
    assert records[1].note == "release form"


def test_revoking_twice_or_an_unknown_record_is_a_clear_error(registry: ConsentRegistry) -> None:
    record = registry.add(PERSONA, "voice,likeness", "Elena Marsh")
    registry.revoke(record.id)
    with pytest.raises(ConsentError, match=f"consent {record.id}: already revoked"):
        registry.revoke(record.id)
    with pytest.raises(ConsentError, match="consent 999: no such record"):
        registry.revoke(999)
    with pytest.raises(ConsentError, match="--by is empty"):
        registry.add(PERSONA, "voice", "  ")


def test_queuing_a_video_without_consent_is_refused(settings: Settings) -> None:
    queue = RenderQueue(settings.db_url)
    with pytest.raises(ConsentRequired, match="no consent in force for Elena Marsh"):
        queue.enqueue("Hello.", persona=PERSONA)
    assert queue.jobs() == []


def test_revoking_before_a_job_starts_stops_its_render(
    settings: Settings, registry: ConsentRegistry
) -> None:
    record = registry.add(PERSONA, "voice,likeness", "Elena Marsh")
    queue = RenderQueue(settings.db_url, settings.render.jobs)
    job = queue.enqueue("Hello there.", persona=PERSONA, target={"channel": "C1"})
    registry.revoke(record.id)

    publisher = RecordingPublisher()
    worker = Worker(queue, publisher, settings.render, home=settings.home)
    ended = worker.run_once()

    assert ended is not None and ended.id == job.id
    assert ended.status == "failed" and ended.attempts == 1
    assert "no consent in force for Elena Marsh's voice and likeness" in ended.error
    assert worker.rendered == 0 and publisher.published == []
    assert publisher.failures == [(job.id, ended.error)]
    assert not (settings.home / "clips").exists()


class RevokingRenderer(Renderer):
    """Renders like the real one; consent is revoked while it works."""

    def __init__(self, settings: Settings, revoke: Callable[[], object]) -> None:
        super().__init__(settings.render, home=settings.home)
        self.revoke = revoke

    def render(self, *args: Any, **kw: Any) -> RenderResult:
        result = super().render(*args, **kw)
        self.revoke()
        return result


def test_a_job_in_flight_when_consent_is_revoked_is_not_published(
    settings: Settings, registry: ConsentRegistry
) -> None:
    record = registry.add(PERSONA, "voice,likeness", "Elena Marsh")
    queue = RenderQueue(settings.db_url, settings.render.jobs)
    job = queue.enqueue("We ship in March.", persona=PERSONA)
    publisher = RecordingPublisher()
    renderer = RevokingRenderer(settings, lambda: registry.revoke(record.id))
    worker = Worker(queue, publisher, settings.render, home=settings.home, renderer=renderer)

    ended = worker.run_once()

    assert ended is not None and ended.status == "failed"
    assert ended.error.startswith("not published: no consent in force")
    assert ended.publishing_at is None and ended.posted_at is None
    assert publisher.published == []
    assert [job_id for job_id, _ in publisher.failures] == [job.id]


def test_consent_is_rechecked_inside_the_publish_claim(
    settings: Settings, registry: ConsentRegistry
) -> None:
    """begin_publish checks consent in its own UPDATE: no window after a separate check."""
    record = registry.add(PERSONA, "voice,likeness", "Elena Marsh")
    queue = RenderQueue(settings.db_url)
    job = queue.enqueue("Hello.", persona=PERSONA)
    assert queue.claim("w1") is not None
    registry.revoke(record.id)
    assert not queue.begin_publish(job.id, "w1")
    registry.add(PERSONA, "voice,likeness", "Elena Marsh")
    assert queue.begin_publish(job.id, "w1")


# -- the CLI ----------------------------------------------------------------------------------


@pytest.fixture
def twin(tmp_path: Path, database_url: str) -> Callable[..., object]:
    config = tmp_path / "config.yaml"
    config.write_text(f"database_url: '{database_url}'\nrender:\n  backend: fake\n  size: 128\n")
    env = {"TWIN_HOME": str(tmp_path / "home"), "TWIN_CONFIG": None}

    def invoke(*args: str):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(main, ["--config", str(config), *args], env=env)

    return invoke


def test_consent_commands_add_list_and_revoke(twin, database_url: str) -> None:  # type: ignore[no-untyped-def]
    empty = twin("consent", "list")
    assert empty.exit_code == 0 and "no consent records" in empty.output

    added = twin(
        "consent", "add", "--scope", "voice,likeness", "--by", "Elena Marsh",
        "--date", "2026-01-15", "--note", "signed release, HR-112",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert added.output.startswith("consent 1: Elena Marsh's voice and likeness, given by")
    with session_factory(database_url)() as session:
        row = session.scalars(select(Consent)).one()
    assert (row.persona, row.scope) == ("Elena Marsh", "voice,likeness")
    assert row.consented_by == "Elena Marsh"
    assert row.consented_on == date(2026, 1, 15) and row.note == "signed release, HR-112"
    assert row.revoked_at is None

    listed = twin("consent", "list")
    assert "Elena Marsh  voice,likeness" in listed.output and "[active]" in listed.output
    kept = twin("consent", "add", "--scope", "voice", "--by", "Elena Marsh", "--if-missing")
    assert kept.exit_code == 0 and "consent already on record" in kept.output
    assert twin("consent", "list").output.count("[active]") == 1

    revoked = twin("consent", "revoke", "1")
    assert revoked.exit_code == 0, revoked.output
    assert "consent 1 revoked" in revoked.output
    assert "voice and likeness can no longer be rendered" in revoked.output
    as_json = twin("consent", "list", "--json")
    assert '"active": false' in as_json.output

    again = twin("consent", "revoke", "1")
    assert again.exit_code == 1 and "already revoked" in again.output
    bad = twin("consent", "add", "--scope", "voice,face", "--by", "X")
    assert bad.exit_code == 1 and "scope 'face' is not known" in bad.output


def test_twin_render_respects_the_consent_gate(twin, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "clip.mp4"
    refused = twin("render", "Hello.", "--out", str(out))
    assert refused.exit_code == 1
    assert "no consent in force for Elena Marsh's voice and likeness" in refused.output
    assert "twin consent add --scope voice,likeness --by NAME" in refused.output
    assert "Traceback" not in refused.output and not out.exists()

    assert twin("consent", "add", "--scope", "voice,likeness", "--by", "Elena Marsh").exit_code == 0
    allowed = twin("render", "Hello.", "--out", str(out))
    assert allowed.exit_code == 0, allowed.output
    assert out.stat().st_size > 0

    assert twin("consent", "revoke", "1").exit_code == 0
    out.unlink()
    again = twin("render", "Hello.", "--out", str(out))
    assert again.exit_code == 1 and "no consent in force" in again.output
    assert not out.exists()


class RevokingPublisher(RecordingPublisher):
    """Consent is revoked right after the first clip is posted."""

    def __init__(self, revoke: Callable[[], object]) -> None:
        super().__init__()
        self.revoke = revoke

    def publish(self, job: Job, clip_path: Path) -> None:
        super().publish(job, clip_path)
        if len(self.published) == 1:
            self.revoke()


def test_after_a_revocation_no_later_job_is_posted(
    settings: Settings, registry: ConsentRegistry
) -> None:
    record = registry.add(PERSONA, "voice,likeness", "Elena Marsh")
    queue = RenderQueue(settings.db_url, settings.render.jobs)
    for n in range(3):
        queue.enqueue(f"Answer {n}.", persona=PERSONA)
    publisher = RevokingPublisher(lambda: registry.revoke(record.id))
    worker = Worker(queue, publisher, settings.render, home=settings.home)

    ended = worker.run_until_idle()

    assert [job.status for job in ended] == ["done", "failed", "failed"]
    assert len(publisher.published) == 1 and len(publisher.failures) == 2
    assert worker.rendered == 1  # the later jobs stopped before rendering
