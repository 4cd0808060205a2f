"""Retention's anonymising option (``retention.lapsed_patients=anonymise``, issue #14):
a lapsed patient's row stays with nothing that identifies her, her appointments stay
for statistics without their free text, the rest of her record goes, and her name
leaves the file's bytes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import plainpages
from factories import actor_ctx, make_clinic, make_provider, make_service
from sqlalchemy import text

from receptionist.clock import FixedClock
from receptionist.context import Ctx
from receptionist.models import to_micros
from receptionist.ops import commlog, documents, retention
from receptionist.ops import patients as patient_ops
from receptionist.ops import settings as settings_ops
from receptionist.ops import waitlist as waitlist_ops
from receptionist.retention import anonymise
from receptionist.store.storage import Database
from receptionist.store.vault import unlock

NOW = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
NEEDLES = (b"Zebulonia", b"Quixoteson", b"zebulonia", b"quixoteson", b"905321234567",
           b"zq@example.org", b"mornings please")  # fmt: skip
PER_SERVICE = (
    "SELECT s.name, count(*) FROM appointment a JOIN service s ON s.id = a.service_id"
    " WHERE a.patient_id = :p GROUP BY s.name ORDER BY s.name"
)


def _clinic(db: Database, ctx: Ctx) -> tuple[str, str]:
    """The clinic; Zebulonia, last seen three years ago (two cleanings and a filling,
    a note on each, a log entry, a consent); Keepa, seen last month. Their ids."""
    with db.write() as s:
        make_clinic(s, ctx)
        provider = make_provider(s, ctx, "Dr Ayşe").id
        services = {n: make_service(s, ctx, n, 30).id for n in ("Cleaning", "Filling")}
    then = Ctx(ctx.actor, FixedClock(NOW - timedelta(days=3 * 365)))
    fields = {"email": "zq@example.org", "birth_date": date(1980, 5, 17), "gender": "female"}
    zeb = patient_ops.NewPatient("Zebulonia", "Quixoteson", "+905321234567", fields,
                                 {"reminder_sms": True, "optional_data": True})  # fmt: skip
    her = patient_ops.add(db, then, zeb).id  # type: ignore[union-attr]
    keepa = patient_ops.add(db, ctx, patient_ops.NewPatient("Keepa", "Recent")).id  # type: ignore[union-attr]
    visits = [(her, "Cleaning", 3 * 365 - 1), (her, "Cleaning", 3 * 365 - 30),
              (her, "Filling", 3 * 365 - 60), (keepa, "Filling", 30)]  # fmt: skip
    with db.write() as s:
        for n, (patient, service, days) in enumerate(visits):
            s.execute(
                text(
                    "INSERT INTO appointment (id, created_at, updated_at, version, patient_id,"
                    " provider_id, service_id, start_utc, end_utc, status, notes,"
                    " cancellation_reason, override_reason) VALUES (:id, :t, :t, 1, :p, :pr,"
                    " :sv, :t, :t + 1800000000, 'completed', :note, '', '')"
                ),
                {"id": f"a{n}", "t": to_micros(NOW - timedelta(days=days)), "p": patient,
                 "pr": provider, "sv": services[service],
                 "note": "mornings please" if patient == her else "afternoons"},
            )  # fmt: skip
    commlog.add(db, then, her, channel="phone", direction="in", summary="Quixoteson rang")
    return her, keepa


# What else of hers the first test puts in the file: a document (its name and bytes)
# and a waiting-list entry's note; each must leave the file's pages too.
MORE_NEEDLES = (b"quixoteson-xray.txt", b"Zebulonia's panoramic film", b"after the school run")


def test_a_lapsed_patient_is_anonymised_her_visits_kept_her_name_gone_from_the_file(
    db: Database, tmp_path: Path
) -> None:
    ctx = actor_ctx("admin", FixedClock(NOW), source="cli")
    root = db.path.parent
    her, keepa = _clinic(db, ctx)
    then = Ctx(ctx.actor, FixedClock(NOW - timedelta(days=3 * 365)))
    scan = tmp_path / "quixoteson-xray.txt"
    scan.write_bytes(b"Zebulonia's panoramic film")
    documents.attach(db, then, her, scan)
    with db.read() as s:
        service = s.execute(text("SELECT id FROM service WHERE name = 'Filling'")).scalar_one()
    waiting = waitlist_ops.Wishes(patient_id=her, service_id=service, note="after the school run")
    waitlist_ops.add(db, then, waiting)
    with db.read() as s:
        visits = s.execute(text(PER_SERVICE), {"p": her}).all()
        number = s.execute(text("SELECT number FROM patient WHERE id = :p"), {"p": her}).scalar()
    assert visits == [("Cleaning", 2), ("Filling", 1)]
    retention.review(db, ctx, root)
    assert retention.sweep_allowed(db)
    settings_ops.set_value(db, ctx, "retention.lapsed_patients", "anonymise")
    assert not retention.sweep_allowed(db), "a change of the option is a policy change"

    plan = retention.review(db, ctx, root)
    assert plan.counts[retention.ANONYMISED] == 1
    assert plan.counts["patient"] == plan.counts["appointment"] == 0
    assert (plan.counts["consent"], plan.counts["communication_entry"]) == (2, 1)
    assert [p.id for p in plan.patients] == [her]
    assert "retention.lapsed_patients=anonymise" in plan.policies[retention.ANONYMISED]
    db.checkpoint()
    key = unlock(root)
    assert all(plainpages.holds(db.path, key, needle) for needle in NEEDLES + MORE_NEEDLES)
    with db.read() as s:
        feed_before = s.execute(text("SELECT max(seq) FROM change_log")).scalar_one()

    swept = retention.sweep(db, ctx, root)

    assert swept.counts[retention.ANONYMISED] == 1 and not swept.counts.get("patient")
    # KVKK tells deletion, destruction and anonymisation apart: the record says which.
    whom = ("patient", retention.ANONYMISED)
    kinds = [(r.kind, r.count, r.policy) for r in swept.records if r.kind in whom]
    assert kinds == [
        (retention.ANONYMISED, 1,
         "retention.appointment_months=24; retention.lapsed_patients=anonymise"),
    ]  # fmt: skip
    with db.read() as s:
        row = s.execute(text("SELECT * FROM patient WHERE id = :p"), {"p": her}).mappings().one()
        assert row["anonymised_at"] == to_micros(NOW) and row["number"].startswith("ANON-")
        assert row["number"] != number and len(row["number"]) == 16
        assert (row["given_name"], row["family_name"], row["sort_key"]) == ("", "", "")
        assert (row["phone"], row["email"], row["birth_date"], row["gender"]) == (None,) * 4
        assert s.execute(text(PER_SERVICE), {"p": her}).all() == visits, "statistics kept"
        notes = s.execute(text("SELECT DISTINCT notes FROM appointment WHERE patient_id = :p"),
                          {"p": her}).scalars().all()  # fmt: skip
        assert notes == [""]
        for table in ("consent", "communication_entry"):
            left = s.execute(text(f"SELECT count(*) FROM {table} WHERE patient_id = :p"),
                             {"p": her}).scalar_one()  # fmt: skip
            assert left == 0, table
        kept = s.execute(text("SELECT given_name FROM patient WHERE id = :p"), {"p": keepa})
        assert kept.scalar_one() == "Keepa"
        feed = s.execute(
            text("SELECT entity, kind, count(*) FROM change_log WHERE seq > :n"
                 " AND entity IN ('patient', 'appointment') GROUP BY entity, kind"),
            {"n": feed_before},
        ).all()  # fmt: skip
        assert sorted(feed) == [("appointment", "update", 3), ("patient", "update", 1)]
        events = s.execute(text("SELECT count(*) FROM audit_event WHERE action = 'sweep'"))
        assert events.scalar_one() == 1
    for query in ("Zebulonia", "quixo", number, "5321234567", "0532 123 45 67"):
        assert patient_ops.find(db, ctx, query) == [], query  # by name, number or phone
    for needle in NEEDLES + MORE_NEEDLES:
        assert not plainpages.holds(db.path, key, needle), needle

    again = retention.sweep(db, ctx, root)  # she is not taken again
    assert not again.counts.get(retention.ANONYMISED) and not again.counts.get("patient")
    assert retention.dry_run(db, ctx, root).patients == []


def test_an_erased_patients_tombstone_is_deleted_not_anonymised(db: Database) -> None:
    """An erased patient's tombstone holds nothing of her: the anonymising sweep deletes
    it past its time, as the deleting sweep does, under the appointment rule (before,
    it took it for anonymising: a new number, a new version, and one more "anonymised"
    in the destruction record than patients anonymised)."""
    ctx = actor_ctx("admin", FixedClock(NOW), source="cli")
    root = db.path.parent
    her, _ = _clinic(db, ctx)
    then = Ctx(ctx.actor, FixedClock(NOW - timedelta(days=3 * 365)))
    gone = patient_ops.add(db, then, patient_ops.NewPatient("Erasa", "Former")).id  # type: ignore[union-attr]
    patient_ops.delete(db, then, gone)
    settings_ops.set_value(db, ctx, "retention.lapsed_patients", "anonymise")
    plan = retention.review(db, ctx, root)
    assert plan.counts[retention.ANONYMISED] == 1 and plan.counts["patient"] == 1
    assert [p.id for p in plan.patients] == [her], "the tombstone names nobody"
    swept = retention.sweep(db, ctx, root)
    assert swept.counts[retention.ANONYMISED] == 1 and swept.counts["patient"] == 1
    kinds = sorted((r.kind, r.count, r.policy) for r in swept.records
                   if r.kind in ("patient", retention.ANONYMISED))  # fmt: skip
    assert kinds == [
        ("patient", 1, "retention.appointment_months=24"),
        (retention.ANONYMISED, 1,
         "retention.appointment_months=24; retention.lapsed_patients=anonymise"),
    ]  # fmt: skip
    with db.read() as s:
        left = s.execute(text("SELECT count(*) FROM patient WHERE id = :p"), {"p": gone})
        assert left.scalar_one() == 0, "her tombstone is gone"
        kept = s.execute(text("SELECT anonymised_at FROM patient WHERE id = :p"), {"p": her})
        assert kept.scalar_one() == to_micros(NOW)


def test_a_patient_erased_during_the_sweep_is_not_anonymised(db: Database) -> None:
    """Each batch checks its patients again inside its write: one erased since the
    sweep's list was made is no longer to anonymise (before, her tombstone was
    renumbered and counted as anonymised)."""
    ctx = actor_ctx("admin", FixedClock(NOW), source="cli")
    root = db.path.parent
    her, _ = _clinic(db, ctx)
    then = Ctx(ctx.actor, FixedClock(NOW - timedelta(days=3 * 365)))
    gone = patient_ops.add(db, then, patient_ops.NewPatient("Erasa", "Former")).id  # type: ignore[union-attr]
    patient_ops.delete(db, then, gone)
    settings_ops.set_value(db, ctx, "retention.lapsed_patients", "anonymise")
    retention.review(db, ctx, root)
    told: list[str] = []

    def tell(kind: str, n: int) -> None:  # after the tombstones' batch, before hers
        if not told:
            patient_ops.delete(db, ctx, her)
        told.append(kind)

    swept = retention.sweep(db, ctx, root, tell=tell)
    assert told[0] == "patient", "the tombstones' batch came first"
    assert not swept.counts.get(retention.ANONYMISED)
    with db.read() as s:
        row = s.execute(text("SELECT number, anonymised_at, deleted_at FROM patient"
                             " WHERE id = :p"), {"p": her}).one()  # fmt: skip
    assert row.deleted_at is not None and row.anonymised_at is None
    assert not row.number.startswith(anonymise.PREFIX)


def test_her_refused_bookings_are_found_from_her_row_never_by_a_pass_over_the_bases(
    db: Database,
) -> None:
    """A pull looks for an anonymised patient's refused bookings at each page that brings
    a patient: SQLite's plan reads the patients given by key, then their bookings and
    each one's base by index, and never scans the bases (one for each row the endpoint
    holds: at first written, it searched every appointment's base)."""
    with db.read() as s:
        plan = s.connection().exec_driver_sql(
            "EXPLAIN QUERY PLAN " + anonymise.REFUSED, {"ids": '["x"]'}
        )
        steps = [str(row[-1]) for row in plan]
    assert [step.split()[1] for step in steps if step.startswith("SEARCH")] == ["p", "a", "b"]
    assert not [step for step in steps if step.startswith("SCAN") and " j " not in f" {step} "]
