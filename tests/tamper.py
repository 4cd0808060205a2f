"""What someone who holds the clinic's key can do to its audit log with SQL and a
script: a genuine clinic to do it to, and the rewrites themselves."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session
from templates import Template, make_template

from receptionist.clock import FixedClock
from receptionist.context import Actor, Ctx
from receptionist.journal import audit
from receptionist.models import from_micros
from receptionist.ops.setup import ClinicSpec, initialise
from receptionist.patients import record
from receptionist.store.storage import Database
from receptionist.store.vault import open_clinic

PASSPHRASE = "a long enough passphrase"
# After the clinic row's creation was first audited (``coverage.CLINIC_AUDITED_SINCE``).
MADE_AT = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)


def genuine_clinic(root: Path, clock: FixedClock) -> Database:
    """A clinic as ``init`` makes it (at :data:`MADE_AT`: ``clock`` is set to then),
    with a patient added and opened at the desk."""
    clock.set(MADE_AT)
    spec = ClinicSpec("Moda Dental", "Europe/Istanbul", "TR", "boss", "admin-password-1")
    initialise(root, spec, clock, passphrase=PASSPHRASE)
    db = open_clinic(root)
    try:
        with db.write() as s:
            add_and_open_patient(s, Ctx(Actor("desk-1", "receptionist", "ui"), clock))
    except BaseException:
        db.close()
        raise
    return db


def genuine_template(tmp_path_factory: pytest.TempPathFactory) -> Template[datetime]:
    """A genuine clinic (:func:`genuine_clinic`) made once, for a module's fixture to
    copy for each test; the time its making left the clock at."""

    def build(root: Path) -> datetime:
        clock = FixedClock(MADE_AT)
        genuine_clinic(root, clock).close()
        return clock.now()

    return make_template(tmp_path_factory.mktemp("genuine") / "clinic", build)


def add_and_open_patient(s: Session, ctx: Ctx, given: str = "Ayse") -> str:
    """Three events: the patient's creation, the consent's, and an opening."""
    patient = record.create_patient(
        s, ctx, given_name=given, family_name="Yilmaz", consents={"reminder_sms": True}
    )
    ctx.clock.advance(minutes=1)  # type: ignore[attr-defined]
    record.open_patient(s, ctx, patient.id)
    ctx.clock.advance(minutes=1)  # type: ignore[attr-defined]
    return patient.id


def seq_of(s: Session, action: str, entity_type: str | None = None) -> int:
    """The number of the newest event of ``action`` (on ``entity_type``)."""
    query = "SELECT max(seq) FROM audit_event WHERE action = :action"
    if entity_type is not None:
        query += " AND entity_type = :kind"
    found = s.scalar(text(query), {"action": action, "kind": entity_type})
    assert found is not None, f"no {action} event"
    return int(found)


def count(s: Session) -> int:
    return int(s.scalar(text("SELECT count(*) FROM audit_event")) or 0)


def rechain(s: Session) -> None:
    """Number the events left 1, 2, ... and recompute every hash from the start, as a
    script would after deleting some: the chain and its head are whole again."""
    rows = s.execute(
        text(
            "SELECT at, actor_id, source, action, entity_type, entity_id"
            " FROM audit_event ORDER BY seq"
        )
    ).all()
    s.execute(text("DELETE FROM audit_event"))
    s.execute(text("DELETE FROM audit_head"))
    prev = audit.GENESIS
    for seq, (at, actor, source, action, kind, entity) in enumerate(rows, start=1):
        when = from_micros(at)
        digest = audit._digest(prev, seq, when, actor, source, action, kind, entity)
        s.execute(
            text(
                "INSERT INTO audit_event (seq, at, actor_id, source, action, entity_type,"
                " entity_id, prev_hash, hash) VALUES (:seq, :at, :actor, :source, :action,"
                " :kind, :entity, :prev, :hash)"
            ),
            dict(seq=seq, at=at, actor=actor, source=source, action=action, kind=kind,
                 entity=entity, prev=prev, hash=digest),
        )  # fmt: skip
        prev = digest


def cut_end(s: Session, keep: int) -> None:
    """Delete the events after ``keep`` and set the head back to match: SQL only,
    no hash computed."""
    s.execute(text("DELETE FROM audit_event WHERE seq > :keep"), {"keep": keep})
    s.execute(
        text(
            "UPDATE audit_head SET (seq, hash) ="
            " (SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1)"
        )
    )
