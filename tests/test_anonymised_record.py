"""A patient the retention sweep anonymised (issue #14), as the core treats her record
afterwards: it is found by its neutral number and shown as anonymised; it takes no new
data (an edit, a booking, a consent, a restriction, a log entry, a document or a
waiting-list entry would tie a person to her kept visits again); it has nothing to
export or erase, and says so; a hold may still keep it from a deleting sweep."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from factories import actor_ctx
from sqlalchemy import text
from test_retention_anonymise import NOW, _clinic

from receptionist.clock import FixedClock
from receptionist.context import Ctx
from receptionist.errors import UserError
from receptionist.ops import commlog, documents, lookup, retention
from receptionist.ops import export as exporting
from receptionist.ops import patients as patient_ops
from receptionist.ops import settings as settings_ops
from receptionist.ops import waitlist as waitlist_ops
from receptionist.schedule import booking
from receptionist.store.storage import Database

# Every table a write to her record would add a row to, or change her row in.
TABLES = ("patient", "appointment", "consent", "communication_entry", "patient_document",
          "waitlist_entry")  # fmt: skip


def _anonymised(db: Database) -> tuple[Ctx, str, str]:
    """The clinic of test_retention_anonymise, Zebulonia anonymised: (ctx, her id, her
    neutral number)."""
    ctx = actor_ctx("admin", FixedClock(NOW), source="cli")
    her, _ = _clinic(db, ctx)
    settings_ops.set_value(db, ctx, "retention.lapsed_patients", "anonymise")
    retention.review(db, ctx, db.path.parent)
    assert retention.sweep(db, ctx, db.path.parent).counts[retention.ANONYMISED] == 1
    with db.read() as s:
        number = s.execute(text("SELECT number FROM patient WHERE id = :p"), {"p": her})
        return ctx, her, str(number.scalar_one())


def _state(db: Database) -> dict[str, object]:
    """Every row of the tables a write to her record touches, as it is."""
    with db.read() as s:
        return {t: s.execute(text(f"SELECT * FROM {t} ORDER BY id")).all() for t in TABLES}


def test_she_is_found_by_her_neutral_number_and_shown_as_anonymised(db: Database) -> None:
    """``patient show ANON-…`` (any front end that turns typed text into a patient)
    finds her; before, an ``ANON-`` number was read as an id prefix and refused with
    "Give the patient's id, or at least its first 6 characters"."""
    ctx, her, number = _anonymised(db)
    assert lookup.patient(db, number).id == her
    assert lookup.patient(db, f"  {number.lower()} ").id == her, "as typed, any case"
    shown = patient_ops.show(db, ctx, her)
    assert shown.anonymised and shown.anonymised_at == NOW
    assert shown.display_name == "anonymised"
    assert {v.service for v in shown.visits} == {"Cleaning", "Filling"}, "her kept visits"


def _book(db: Database, ctx: Ctx, her: str) -> None:
    with db.read() as s:
        provider, service = s.execute(
            text("SELECT provider_id, service_id FROM appointment WHERE patient_id = :p"),
            {"p": her},
        ).first()  # type: ignore[misc]
    with db.write() as s:
        booking.book(s, ctx, patient_id=her, provider_id=provider, service_id=service,
                     start=NOW + timedelta(days=2, hours=1))  # fmt: skip


def _wait(db: Database, ctx: Ctx, her: str) -> None:
    with db.read() as s:
        service = s.execute(text("SELECT id FROM service LIMIT 1")).scalar_one()
    waitlist_ops.add(db, ctx, waitlist_ops.Wishes(patient_id=her, service_id=service))


WRITES: dict[str, Callable[[Database, Ctx, str, Path], object]] = {
    "update": lambda db, ctx, her, _: patient_ops.update(
        db, ctx, her, {"given_name": "Zebulonia", "family_name": "Quixoteson"}
    ),
    "consent": lambda db, ctx, her, _: patient_ops.consent(db, ctx, her, "reminder_sms", True),
    "restrict": lambda db, ctx, her, _: patient_ops.restrict(db, ctx, her, "Quixoteson asked"),
    "book": lambda db, ctx, her, _: _book(db, ctx, her),
    "log": lambda db, ctx, her, _: commlog.add(
        db, ctx, her, channel="phone", direction="in", summary="Quixoteson rang"
    ),
    "document": lambda db, ctx, her, tmp: documents.attach(db, ctx, her, tmp / "x-ray.txt"),
    "waitlist": lambda db, ctx, her, _: _wait(db, ctx, her),
}


@pytest.mark.parametrize("write", sorted(WRITES))
def test_her_record_takes_no_new_data(db: Database, tmp_path: Path, write: str) -> None:
    """Each way of writing to a patient's record is refused for her, saying why, and
    writes nothing; before, each one went through (an edit put a name back on her
    kept visits)."""
    ctx, her, number = _anonymised(db)
    (tmp_path / "x-ray.txt").write_text("Quixoteson's x-ray")
    before = _state(db)
    with pytest.raises(UserError) as refused:
        WRITES[write](db, ctx, her, tmp_path)
    said = str(refused.value)
    assert f"Patient {number} was anonymised" in said and "no personal data" in said
    assert _state(db) == before


def test_she_has_nothing_to_export_or_erase_and_each_says_why(db: Database, tmp_path: Path) -> None:
    """An export is a copy of a person's data for that person: hers holds none, and no
    one could be handed it as theirs (before, a "patient record" of an empty row went
    out, saying "hand it to the patient"). An erasure is a person's request: nothing
    here is anyone's data, and it would only destroy the statistics (the clinic that
    stops keeping them sets ``delete``, and the next sweep deletes the rows)."""
    ctx, her, number = _anonymised(db)
    before = _state(db)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(UserError) as refused:
        exporting.export_patient(db, ctx, her, out / "copy.zip")
    assert f"Patient {number} was anonymised" in str(refused.value)
    assert "nothing to export" in str(refused.value)
    assert not list(out.iterdir()), "no file, not even a partial one"
    for erasing in (patient_ops.erasure_plan, patient_ops.delete):
        with pytest.raises(UserError) as refused:
            erasing(db, ctx, her)
        assert "retention.lapsed_patients" in str(refused.value) and "delete" in str(refused.value)
    assert _state(db) == before


def test_a_hold_still_keeps_her_from_a_deleting_sweep(db: Database) -> None:
    """A hold is about the clinic's rows, not her data: placed on her anonymised record,
    it keeps the record and its visits when the clinic switches back to deleting."""
    ctx, her, number = _anonymised(db)
    retention.hold(db, ctx, number, "inspection of 2024's statistics")
    settings_ops.set_value(db, ctx, "retention.lapsed_patients", "delete")
    retention.review(db, ctx, db.path.parent)
    swept = retention.sweep(db, ctx, db.path.parent)
    assert not swept.counts.get("patient")
    with db.read() as s:
        kept = s.execute(text("SELECT count(*) FROM appointment WHERE patient_id = :p"),
                         {"p": her}).scalar_one()  # fmt: skip
    assert kept == 3
    retention.unhold(db, ctx, number)
    assert retention.sweep(db, ctx, db.path.parent).counts["patient"] == 1
