"""The consent gate: no clip in a persona's voice and likeness without a consent record.

A record says who consented, to what (voice, likeness or both) and when. A render needs both
scopes covered by records that are not revoked; revoking one takes effect for the next check.
Render jobs check when they start and again, inside the same UPDATE that claims the delivery,
right before a clip is published (see render.jobs).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import ColumnElement, and_, exists, select
from sqlalchemy.orm import InstrumentedAttribute, Session, sessionmaker

from render.errors import RenderError
from twin.db import session_factory
from twin.models import Consent

__all__ = [
    "ADD_COMMAND",
    "SCOPES",
    "ConsentError",
    "ConsentRecord",
    "ConsentRegistry",
    "ConsentRequired",
    "consent_covers",
    "missing_message",
    "parse_scope",
]

SCOPES = ("voice", "likeness")
ADD_COMMAND = "twin consent add --scope voice,likeness --by NAME"


class ConsentRequired(RenderError):
    """The persona's voice or likeness has no consent record that is in force."""


class ConsentError(Exception):
    """A consent command cannot be carried out (bad scope, unknown or revoked record)."""


@dataclass(frozen=True)
class ConsentRecord:
    id: int
    persona: str
    scope: tuple[str, ...]
    consented_by: str
    consented_on: date
    note: str
    recorded_by: str
    recorded_at: datetime
    revoked_at: datetime | None
    revoked_by: str

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    @classmethod
    def of(cls, row: Consent) -> ConsentRecord:
        return cls(
            id=row.id,
            persona=row.persona,
            scope=tuple(row.scope.split(",")),
            consented_by=row.consented_by,
            consented_on=row.consented_on,
            note=row.note,
            recorded_by=row.recorded_by,
            recorded_at=_aware(row.recorded_at),
            revoked_at=_aware(row.revoked_at) if row.revoked_at else None,
            revoked_by=row.revoked_by or "",
        )


def parse_scope(text: str | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The known scopes in "voice,likeness" (or a list), in canonical order."""
    parts = text.split(",") if isinstance(text, str) else list(text)
    wanted = {part.strip().lower() for part in parts if part.strip()}
    unknown = sorted(wanted - set(SCOPES))
    if unknown:
        raise ConsentError(
            f"scope {', '.join(unknown)!r} is not known: use voice, likeness or voice,likeness"
        )
    if not wanted:
        raise ConsentError("scope is empty: use voice, likeness or voice,likeness")
    return tuple(s for s in SCOPES if s in wanted)


def consent_covers(
    persona: ColumnElement[str] | InstrumentedAttribute[str] | str,
) -> ColumnElement[bool]:
    """SQL: records in force cover every scope for `persona` (a value or a column)."""
    return and_(
        *(
            exists().where(
                Consent.persona == persona,
                Consent.revoked_at.is_(None),
                Consent.scope.contains(scope),
            )
            for scope in SCOPES
        )
    )


class ConsentRegistry:
    """Consent records in the database at `url`."""

    def __init__(self, url: str, sessions: sessionmaker[Session] | None = None) -> None:
        self.sessions = sessions or session_factory(url)

    def add(
        self,
        persona: str,
        scope: str | list[str] | tuple[str, ...],
        consented_by: str,
        *,
        consented_on: date | None = None,
        note: str = "",
        recorded_by: str = "",
    ) -> ConsentRecord:
        if not persona.strip():
            raise ConsentError("persona is empty: name whose voice and likeness this is")
        if not consented_by.strip():
            raise ConsentError("--by is empty: name the person who gave consent")
        row = Consent(
            persona=persona.strip(),
            scope=",".join(parse_scope(scope)),
            consented_by=consented_by.strip(),
            consented_on=consented_on or datetime.now(UTC).date(),
            note=note,
            recorded_by=recorded_by,
            recorded_at=datetime.now(UTC),
        )
        with self.sessions.begin() as session:
            session.add(row)
            session.flush()
            return ConsentRecord.of(row)

    def records(self, persona: str | None = None) -> list[ConsentRecord]:
        query = select(Consent).order_by(Consent.id)
        if persona is not None:
            query = query.where(Consent.persona == persona)
        with self.sessions() as session:
            return [ConsentRecord.of(row) for row in session.scalars(query)]

    def revoke(self, consent_id: int, revoked_by: str = "") -> ConsentRecord:
        with self.sessions.begin() as session:
            row = session.get(Consent, consent_id, with_for_update=True)
            if row is None:
                raise ConsentError(
                    f"consent {consent_id}: no such record (see `twin consent list`)"
                )
            if row.revoked_at is not None:
                raise ConsentError(
                    f"consent {consent_id}: already revoked on {row.revoked_at:%Y-%m-%d %H:%M}"
                )
            row.revoked_at = datetime.now(UTC)
            row.revoked_by = revoked_by
            session.flush()
            return ConsentRecord.of(row)

    def missing(self, persona: str) -> list[str]:
        """The scopes not covered by a record in force for `persona` (empty: allowed)."""
        with self.sessions() as session:
            scopes = session.scalars(
                select(Consent.scope).where(
                    Consent.persona == persona, Consent.revoked_at.is_(None)
                )
            ).all()
        covered = {part for scope in scopes for part in scope.split(",")}
        return [scope for scope in SCOPES if scope not in covered]

    def covering(self, persona: str, scope: str) -> ConsentRecord | None:
        """The newest record in force for `persona` that covers `scope`, if any."""
        with self.sessions() as session:
            rows = session.scalars(
                select(Consent)
                .where(Consent.persona == persona, Consent.revoked_at.is_(None))
                .order_by(Consent.id.desc())
            ).all()
        return next((ConsentRecord.of(r) for r in rows if scope in r.scope.split(",")), None)

    def covering_or_refuse(self, persona: str, scope: str, needed_by: str) -> ConsentRecord:
        """The record `covering` finds; ConsentRequired, saying how to record one, if none."""
        record = self.covering(persona, scope)
        if record is None:
            raise ConsentRequired(
                f"no consent in force for {persona}'s {scope}: {needed_by} needs one. "
                f"Record it with: twin consent add --scope {scope} --by NAME"
            )
        return record

    def require_record(self, consent_id: int, scope: str, what: str) -> ConsentRecord:
        """Raise ConsentRequired unless record `consent_id` is in force and covers `scope`;
        `what` names the thing built under it (an avatar pack, a voice)."""
        with self.sessions() as session:
            row = session.get(Consent, consent_id)
            record = ConsentRecord.of(row) if row is not None else None
        if record is None:
            raise ConsentRequired(
                f"{what} was built under consent {consent_id}, which no longer exists"
            )
        if not record.active:
            scope_text = " and ".join(record.scope)
            raise ConsentRequired(
                f"{what} was built under consent {consent_id} ({record.persona}'s {scope_text}), "
                f"revoked on {record.revoked_at:%Y-%m-%d %H:%M} UTC: it can no longer be rendered"
            )
        if scope not in record.scope:
            raise ConsentRequired(f"{what}: consent {consent_id} does not cover {scope}")
        return record

    def require(self, persona: str) -> None:
        """Raise ConsentRequired, naming what is missing and how to record it."""
        missing = self.missing(persona)
        if missing:
            raise ConsentRequired(missing_message(persona, missing))


def missing_message(persona: str, missing: list[str]) -> str:
    return (
        f"no consent in force for {persona}'s {' and '.join(missing)}: nothing is rendered in a "
        f"persona's voice and likeness without a consent record. Record it with: {ADD_COMMAND}"
    )


def _aware(moment: datetime) -> datetime:
    """SQLite returns naive datetimes; every time stored here is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
