"""Retention: the sweep of a synthetic five-year clinic removes exactly what the policy
says and nothing else; holds keep a patient; the dry run writes nothing; a swept name
is gone from the file's bytes."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import plainpages
import pytest
from factories import actor_ctx, downgrade, make_clinic
from sqlalchemy import event, select, text
from sqlalchemy.orm import Session
from templates import Template, make_template

from receptionist.clock import FixedClock
from receptionist.context import Ctx
from receptionist.demo.generate import Sizes, generate
from receptionist.errors import NotFound, PermissionDenied, ValidationError
from receptionist.journal import audit
from receptionist.models import Reminder, to_micros
from receptionist.ops import commlog, retention
from receptionist.ops import patients as patient_ops
from receptionist.patients import duplicates
from receptionist.retention import sweep as rules
from receptionist.retention.policy import months_before
from receptionist.store.migrate import upgrade
from receptionist.store.storage import SWEEP_CACHE_MB, Database
from receptionist.store.vault import Created, open_clinic, unlock

NOW = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
FIVE_YEARS = Sizes(
    providers=3, rooms=2, patients=300, appointments=3000, days_back=5 * 365, days_ahead=30,
    churn=0.08,
)  # fmt: skip
TABLES = (
    "patient", "appointment", "consent", "communication_entry", "patient_document",
    "waitlist_entry", "provider", "service", "room", "staff_user", "clinic_setting",
)  # fmt: skip


def _ctx() -> Ctx:
    return actor_ctx("admin", FixedClock(NOW), source="cli")


def _fill(db: Database) -> None:
    """Five years of a clinic whose patients come and go, with a communication log."""
    ctx = _ctx()
    with db.write() as s:
        make_clinic(s, ctx)
        generate(s.connection(), FIVE_YEARS, NOW, seed=11)
        for kind in ("provider", "room", "service", "patient", "appointment"):
            audit.record(s, ctx, "generate", kind, None)
        rows = s.execute(text("SELECT id, patient_id, start_utc FROM appointment")).all()
        for n, (appointment_id, patient_id, start) in enumerate(rows[::5]):
            s.execute(
                text(
                    "INSERT INTO communication_entry (id, created_at, updated_at, version,"
                    " patient_id, occurred_at, channel, direction, summary, appointment_id)"
                    " VALUES (:id, :at, :at, 1, :p, :at, 'phone', 'in', 'called', :a)"
                ),
                {"id": f"c{n}", "at": start, "p": patient_id, "a": appointment_id},
            )
            audit.record(s, ctx, "create", "communication_entry", f"c{n}")


@pytest.fixture(scope="module")
def five_years(
    tmp_path_factory: pytest.TempPathFactory, clinic_template: Template[Created]
) -> Template[None]:
    """A new clinic (the session's, copied) filled by :func:`_fill` once for the module:
    the same rows, ids and audit chain a test's own filling made (the generation is
    seeded, the clock fixed), a third of a second and more of CPU each time."""

    def build(root: Path) -> None:
        clinic_template.copy_to(root)
        db = open_clinic(root)
        try:
            _fill(db)
        finally:
            db.close()

    return make_template(tmp_path_factory.mktemp("five-years") / "clinic", build)


@pytest.fixture
def data_dir(
    request: pytest.FixtureRequest, tmp_path: Path, clinic_template: Template[Created]
) -> Path:
    """This test's own clinic: a copy of :func:`five_years` for a test that takes
    ``clinic``, else of the session's new clinic (as conftest's ``data_dir``)."""
    root = tmp_path / "clinic"
    if "clinic" in request.fixturenames:
        request.getfixturevalue("five_years").copy_to(root)
    else:
        clinic_template.copy_to(root)
    return root


@pytest.fixture
def clinic(db: Database) -> Ctx:
    """Five years of a clinic whose patients come and go, with a communication log
    (``db`` is a copy of :func:`five_years`)."""
    return _ctx()


def snapshot(db: Database) -> dict[str, set[str]]:
    with db.read() as s:
        return {t: {r[0] for r in s.execute(text(f"SELECT id FROM {t}"))} for t in TABLES}


def expected_after_sweep(db: Database, held: set[str]) -> dict[str, set[str]]:
    """The policy, computed here from the rows, without the sweep's SQL."""
    patients_before = to_micros(months_before(NOW, 24))
    log_before = to_micros(months_before(NOW, 12))
    with db.read() as s:
        last: dict[str, int] = defaultdict(int)
        appointments = s.execute(text("SELECT id, patient_id, start_utc FROM appointment")).all()
        for _, pid, start in appointments:
            last[pid] = max(last[pid], start)
        patients = s.execute(text("SELECT id, created_at FROM patient")).all()
        gone = {
            pid for pid, created in patients
            if pid not in held
            and (last[pid] < patients_before if pid in last else created < patients_before)
        }  # fmt: skip
        entries = s.execute(text("SELECT id, patient_id, occurred_at FROM communication_entry"))
        logs = {
            cid for cid, pid, at in entries
            if pid not in gone and (pid in held or at >= log_before)
        }  # fmt: skip
    after = snapshot(db)
    after["patient"] -= gone
    after["appointment"] = {a for a, pid, _ in appointments if pid not in gone}
    after["communication_entry"] = logs
    return after


def test_a_five_year_clinic_loses_exactly_what_the_policy_says(db: Database, clinic: Ctx) -> None:
    data_dir = db.path.parent
    plan = retention.dry_run(db, clinic, data_dir)
    lapsed = sorted(p.number for p in plan.patients)
    assert 50 < len(lapsed) < 250, "the synthetic clinic has patients on both sides"
    held = {retention.hold(db, clinic, number, "court case 12/2026").patient_id
            for number in lapsed[:3]}  # fmt: skip
    before = snapshot(db)
    expected = expected_after_sweep(db, held)
    assert before["appointment"] - expected["appointment"], "something to sweep"
    assert before["communication_entry"] - expected["communication_entry"]

    swept = retention.sweep(db, clinic, data_dir)

    assert snapshot(db) == expected
    assert swept.counts["patient"] == len(before["patient"] - expected["patient"])
    assert swept.counts["appointment"] == len(before["appointment"] - expected["appointment"])
    gone_log = before["communication_entry"] - expected["communication_entry"]
    assert swept.counts["communication_entry"] == len(gone_log)
    recorded: dict[str, int] = defaultdict(int)
    for record in swept.records:
        recorded[record.kind] += record.count
        assert record.sweep_id == swept.sweep_id and record.at == NOW
    assert recorded["appointment"] == swept.counts["appointment"]
    assert recorded["communication_entry"] == len(gone_log)
    assert {r.policy for r in swept.records if r.kind == "patient"} == {
        "retention.appointment_months=24"
    }
    with db.read() as s:
        event = s.execute(
            text("SELECT action, entity_type, entity_id FROM audit_event ORDER BY seq DESC")
        ).first()
        purged = s.execute(
            text("SELECT count(*) FROM change_log WHERE entity = 'appointment' AND kind = 'purge'")
        ).scalar_one()
        offered = s.execute(text("SELECT count(*) FROM freed_slot")).scalar_one()
        assert audit.verify(s).ok, audit.verify(s).problem  # the chain is whole
    assert tuple(event) == ("sweep", "retention", swept.sweep_id)
    assert purged == swept.counts["appointment"]  # the deletions reach the change feed
    assert offered == 0  # the past slots are not offered to the waitlist
    # A second sweep finds nothing more, and records that as nothing.
    again = retention.sweep(db, clinic, data_dir)
    assert not any(again.counts.values()) and again.records == []


def test_a_dry_run_writes_nothing(db: Database, clinic: Ctx) -> None:
    with db.read() as s:
        changes = s.execute(text("SELECT count(*) FROM change_log")).scalar_one()
        events = s.execute(text("SELECT count(*) FROM audit_event")).scalar_one()
    before = snapshot(db)
    plan = retention.dry_run(db, clinic, db.path.parent)
    assert plan.counts["appointment"] > 0 and plan.counts["patient"] == len(plan.patients)
    assert snapshot(db) == before
    with db.read() as s:
        assert s.execute(text("SELECT count(*) FROM change_log")).scalar_one() == changes
        assert s.execute(text("SELECT count(*) FROM audit_event")).scalar_one() == events
        assert s.execute(text("SELECT count(*) FROM destruction_record")).scalar_one() == 0
    swept = retention.sweep(db, clinic, db.path.parent)
    for kind in ("patient", "appointment", "communication_entry", "consent"):
        assert swept.counts[kind] == plan.counts[kind], kind


def test_holds_are_placed_lifted_and_refused_plainly(db: Database, clinic: Ctx) -> None:
    number = retention.dry_run(db, clinic, db.path.parent).patients[0].number
    hold = retention.hold(db, clinic, number, "medical board review")
    assert [h.patient_id for h in retention.held(db, clinic)] == [hold.patient_id]
    assert number not in {p.number for p in retention.dry_run(db, clinic, db.path.parent).patients}
    assert retention.unhold(db, clinic, number) == hold.patient_id
    with pytest.raises(NotFound, match="not on hold"):
        retention.unhold(db, clinic, number)
    with pytest.raises(ValidationError) as refused:
        retention.hold(db, clinic, number, "  ")
    assert refused.value.field == "reason"
    desk = actor_ctx("receptionist", clinic.clock, source="cli")
    with pytest.raises(PermissionDenied):
        retention.sweep(db, desk, db.path.parent)


def test_a_hold_s_kind_and_who_may_read_it(db: Database, clinic: Ctx) -> None:
    """Issue #14: the screens' reads. The kind travels with the reason; anyone who may
    read the patient sees the hold (not why); the dry run counts whom holds keep."""
    lapsed = retention.dry_run(db, clinic, db.path.parent).patients
    assert retention.dry_run(db, clinic, db.path.parent).held == 0
    first, second = lapsed[0], lapsed[1]
    retention.hold(db, clinic, first.number, "court letter 2026/114", "legal")
    retention.hold(db, clinic, second.number, "the CLI's reason")  # no kind
    manager = retention.hold_of(db, clinic, first.id)
    assert manager is not None
    assert (manager.kind, manager.reason, manager.number) == (
        "legal",
        "court letter 2026/114",
        first.number,
    )
    desk = actor_ctx("receptionist", clinic.clock)
    seen = retention.hold_of(db, desk, first.id)
    assert seen is not None and seen.kind == "legal" and seen.reason == ""
    assert retention.hold_of(db, desk, lapsed[2].id) is None
    with pytest.raises(PermissionDenied):
        retention.holds_listed(db, desk)
    listed = {h.patient_id: (h.kind, h.reason) for h in retention.holds_listed(db, clinic)}
    assert listed == {first.id: ("legal", "court letter 2026/114"),
                      second.id: (None, "the CLI's reason")}  # fmt: skip
    assert retention.dry_run(db, clinic, db.path.parent).held == 2
    with pytest.raises(ValidationError) as refused:
        retention.hold(db, clinic, first.number, "why", "whim")
    assert refused.value.field == "kind"


def test_expired_backups_and_old_destruction_records_go(db: Database, clinic: Ctx) -> None:
    from receptionist.ops import backups

    old = Ctx(clinic.actor, FixedClock(NOW - timedelta(days=200)))
    made = backups.create(db, old, db.path.parent)
    fresh = backups.create(db, clinic, db.path.parent)
    swept = retention.sweep(db, clinic, db.path.parent)
    assert not made.path.exists() and fresh.path.exists()
    assert swept.counts["backup"] == 1
    assert ("backup", 1, "retention.backup_days=180") in {
        (r.kind, r.count, r.policy) for r in swept.records
    }
    almost = Ctx(clinic.actor, FixedClock(NOW + timedelta(days=3 * 365)))
    assert retention.sweep(db, almost, db.path.parent).counts["destruction_record"] == 0
    later = Ctx(clinic.actor, FixedClock(NOW + timedelta(days=3 * 365 + 2)))
    assert retention.sweep(db, later, db.path.parent).counts["destruction_record"] == len(
        swept.records
    )


def unknown_sent_to(patient_id: str, to: str, at: datetime) -> Reminder:
    """A message the station sent to ``to`` that went "unknown" at ``at``."""
    return Reminder(
        appointment_id="zq", patient_id=patient_id, kind="reminder", rule="24h",
        scheduled_for=at, send_at=at, appointment_start=at, state="unknown", channel="sms",
        finished_at=at, sent_to=to, created_at=at, updated_at=at,
    )  # fmt: skip


@pytest.mark.parametrize("step", [None, 1], ids=["purged in one step", "in many short writes"])
def test_a_swept_name_is_gone_from_the_file(
    db: Database, clinic: Ctx, monkeypatch: pytest.MonkeyPatch, step: int | None
) -> None:
    """Also when the search index is rewritten in steps of one page, each its own
    write (the desk waits a moment each, not seconds for one): its last step leaves
    no deleted entry in the index."""
    if step is not None:
        monkeypatch.setattr(rules, "PURGE_PAGES", step)
    merges: list[str] = []

    def seen(conn: object, cursor: object, sql: str, *rest: object) -> None:
        if "'merge'" in sql:
            merges.append(sql)

    event.listen(db.engine, "before_cursor_execute", seen)
    then = Ctx(clinic.actor, FixedClock(NOW - timedelta(days=3 * 365)))
    added = patient_ops.add(
        db, then, patient_ops.NewPatient("Zebulonia", "Quixoteson", "+905321234567")
    )
    patient_id = added.id  # type: ignore[union-attr]
    with db.write() as s:
        provider, service = s.execute(
            text("SELECT provider_id, service_id FROM appointment LIMIT 1")
        ).one()
        start = to_micros(NOW - timedelta(days=3 * 365 - 1))
        s.execute(
            text(
                "INSERT INTO appointment (id, created_at, updated_at, version, patient_id,"
                " provider_id, service_id, start_utc, end_utc, status, notes,"
                " cancellation_reason, override_reason)"
                " VALUES ('zq', :t, :t, 1, :p, :pr, :sv, :t, :t + 1800000000, 'completed',"
                " 'Zebulonia asked for mornings', '', '')"
            ),
            {"t": start, "p": patient_id, "pr": provider, "sv": service},
        )
    commlog.add(db, then, patient_id, channel="phone", direction="in", summary="Quixoteson rang")
    with db.write() as s:  # a message the station sent her lately, its address kept
        s.add(unknown_sent_to(patient_id, "+905329876543", NOW - timedelta(days=1)))
    db.checkpoint()
    key = unlock(db.path.parent)
    for needle in (b"Zebulonia", b"Quixoteson", b"905329876543"):
        assert plainpages.holds(db.path, key, needle), "the decryption finds what is there"

    retention.sweep(db, clinic, db.path.parent)

    event.remove(db.engine, "before_cursor_execute", seen)
    assert len(merges) >= (2 if step is None else 5)  # the last one finds nothing to do
    index = "SELECT id, block FROM patient_search_data ORDER BY id"
    with db.read() as s:
        merged = s.execute(text(index)).all()
    with db.write() as s:  # the steps left what one optimize leaves: it finds nothing to do
        s.execute(text("INSERT INTO patient_search(patient_search) VALUES ('optimize')"))
    with db.read() as s:
        assert s.execute(text(index)).all() == merged
    for needle in (b"Zebulonia", b"Quixoteson", b"zebulonia", b"quixoteson", b"905329876543"):
        assert not plainpages.holds(db.path, key, needle), needle
    with db.read() as s:  # the row is the delivery log's, by its own time: kept, emptied
        assert [r.sent_to for r in s.scalars(select(Reminder))] == [""]
    assert not Path(f"{db.path}-wal").exists() or Path(f"{db.path}-wal").stat().st_size == 0


def test_a_sweep_stopped_inside_its_index_purge_has_the_next_one_finish_it(
    db: Database, clinic: Ctx, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The purge's steps are writes of their own: a sweep stopped between two (killed,
    a full disk) has removed its patients but left their entries in the index's pages.
    The next sweep finishes the purge, though it has no patient left to remove."""
    monkeypatch.setattr(rules, "PURGE_PAGES", 1)
    real = rules.purge_index
    steps: list[bool] = []

    def stopped(session: object, pages: int) -> bool:
        if len(steps) == 2:
            raise RuntimeError("the sweep stops here")  # its write is rolled back, as at a kill
        steps.append(real(session, pages))  # type: ignore[arg-type]
        return steps[-1]

    monkeypatch.setattr(rules, "purge_index", stopped)
    with pytest.raises(RuntimeError):
        retention.sweep(db, clinic, db.path.parent)
    assert steps == [True, True]
    monkeypatch.setattr(rules, "purge_index", real)
    again = retention.sweep(db, clinic, db.path.parent)
    assert not again.counts.get("patient")
    index = "SELECT id, block FROM patient_search_data ORDER BY id"
    with db.read() as s:
        merged = s.execute(text(index)).all()
    with db.write() as s:  # nothing left for one optimize to do: no deleted entry is left
        s.execute(text("INSERT INTO patient_search(patient_search) VALUES ('optimize')"))
    with db.read() as s:
        assert s.execute(text(index)).all() == merged


def test_the_scheduled_sweep_waits_for_a_person_after_each_policy_change(
    db: Database, clinic: Ctx
) -> None:
    from receptionist.jobs.core import sweep as scheduled
    from receptionist.ops import settings as settings_ops

    count = "SELECT count(*) FROM appointment"
    with db.read() as s:
        before = s.execute(text(count)).scalar_one()
    assert scheduled(db, clinic.clock) == {"awaiting_person": 1}  # never swept by a person
    retention.sweep(db, clinic, db.path.parent)  # a person's (source "cli")
    with db.read() as s:
        swept = s.execute(text(count)).scalar_one()
    assert swept < before
    assert "awaiting_person" not in scheduled(db, clinic.clock)
    settings_ops.set_value(db, clinic, "retention.appointment_months", 12)
    assert scheduled(db, clinic.clock) == {"awaiting_person": 1}  # shortened: a person first
    with db.read() as s:
        assert s.execute(text(count)).scalar_one() == swept


def test_deleting_an_appointment_seeks_its_log_entries_instead_of_scanning_the_log(
    db: Database,
) -> None:
    """With foreign keys on, each appointment deleted looks for log entries pointing
    at it; without an index that was a scan of the whole log per appointment (two
    minutes a batch at two million appointments)."""
    with db.read() as s:
        plan = s.execute(
            text("EXPLAIN QUERY PLAN SELECT 1 FROM communication_entry WHERE appointment_id = 'x'")
        ).all()
    assert "USING COVERING INDEX ix_communication_entry_appointment" in plan[0][-1]


def test_holds_of_an_older_file_become_synced_rows_with_their_creation_audited(
    db: Database, clinic: Ctx
) -> None:
    """Migration 0020: each hold of ``retention_hold`` is copied into ``patient_hold``,
    sent by the next sync (a feed row), and its creation is in the log, which still
    verifies whole."""
    number = retention.dry_run(db, clinic, db.path.parent).patients[0].number
    held = retention.hold(db, clinic, number, "court case 12/2026").patient_id
    downgrade(db, "0016")
    with db.read() as s:
        assert s.execute(text("SELECT patient_id FROM retention_hold")).scalars().all() == [held]
    upgrade(db)
    with db.read() as s:
        rows = s.execute(text("SELECT id, patient_id FROM patient_hold")).all()
        assert [r[1] for r in rows] == [held]
        sent = s.execute(
            text("SELECT count(*) FROM change_log WHERE entity = 'patient_hold' AND row_id = :i"),
            {"i": rows[0][0]},
        ).scalar_one()
        assert sent == 1
        assert audit.verify(s).ok, audit.verify(s).message
    assert number not in {p.number for p in retention.dry_run(db, clinic, db.path.parent).patients}


def _batch_sizes(
    db: Database, clinic: Ctx, monkeypatch: pytest.MonkeyPatch, seconds: float
) -> tuple[list[int], dict[str, int]]:
    """The appointment batches' sizes of a sweep whose every batch takes ``seconds``."""
    ticks = iter(range(10**6))
    monkeypatch.setattr(retention, "batch_clock", lambda: next(ticks) * seconds)
    monkeypatch.setattr(retention, "BATCH_ROWS", (40, 10, 160))
    done: list[int] = []

    def tell(kind: str, so_far: int) -> None:
        if kind == "appointment":
            done.append(so_far - sum(done))

    swept = retention.sweep(db, clinic, db.path.parent, tell=tell)
    return done, swept.counts


@pytest.mark.parametrize(
    ("seconds", "sizes"),
    [(0.01, [40, 80, 160, 160]), (5.0, [40, 20, 10, 10])],
    ids=["quick: doubled up to the most", "slow: halved down to the least"],
)
def test_batches_grow_while_quick_and_shrink_when_slow(
    db: Database, clinic: Ctx, monkeypatch: pytest.MonkeyPatch, seconds: float, sizes: list[int]
) -> None:
    expected = retention.dry_run(db, clinic, db.path.parent).counts["appointment"]
    assert expected > 600, "enough appointments for several batches"
    done, counts = _batch_sizes(db, clinic, monkeypatch, seconds)
    assert done[:4] == sizes
    assert counts["appointment"] == sum(done) == expected


def test_the_search_index_entries_go_in_the_index_order(db: Database, clinic: Ctx) -> None:
    """The search index's rowids follow the names, not the order patients are swept
    in; deleting them in rowid order reads the index's content page after page
    (a third of the CPU of these deletions at 160,895 appointments)."""
    deleted: list[list[int]] = []

    def seen(conn: object, cursor: object, sql: str, params: object, *rest: object) -> None:
        if sql.startswith("DELETE FROM patient_search") and isinstance(params, list | tuple):
            deleted.append([int(p[0]) for p in params])  # each row's (rowid,)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        swept = retention.sweep(db, clinic, db.path.parent)
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert sum(len(run) for run in deleted) == swept.counts["patient"] > 50
    assert all(run == sorted(run) for run in deleted)


def test_a_sweep_offers_no_freed_time_and_leaves_no_mark(db: Database, clinic: Ctx) -> None:
    """Migration 0027: inside a sweep's batch the appointment delete trigger writes no
    ``freed_slot`` row (the times are past; they used to be written, then deleted):
    the table's counter does not move. Outside a sweep a deletion still frees its
    time for the waitlist, since the sweep's mark is gone after each batch."""
    counter = "SELECT coalesce(max(seq), 0) FROM sqlite_sequence WHERE name = 'freed_slot'"
    with db.read() as s:
        before = s.execute(text(counter)).scalar_one()
    swept = retention.sweep(db, clinic, db.path.parent)
    assert swept.counts["appointment"] > 500
    with db.read() as s:
        assert s.execute(text(counter)).scalar_one() == before
        assert s.execute(text("SELECT count(*) FROM sweep_mark")).scalar_one() == 0
    live = "status NOT IN ('cancelled', 'no_show') AND deleted_at IS NULL"
    with db.write() as s:
        last = f"SELECT max(rowid) FROM appointment WHERE {live}"
        s.execute(text(f"DELETE FROM appointment WHERE rowid = ({last})"))
    with db.read() as s:
        assert s.execute(text("SELECT count(*) FROM freed_slot")).scalar_one() == 1


def test_the_patient_indexes_are_those_a_query_reads(db: Database) -> None:
    """Every index on ``patient`` costs each removed patient a page (none shares a
    page with the others in a sweep's batch); each one left is read by a query:
    the id, number and search key (unique), phone and national ID (the digit search,
    the duplicate check), the name key (the search's order; the duplicate check's
    name and birth date), and the two partial ones of a few rows. E-mail and birth
    date went (migration 0027): no query seeks by them."""
    with db.read() as s:
        names = s.execute(
            text("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'patient'")
        ).scalars()
        made = {n for n in names if not n.startswith("sqlite_autoindex")}
        auto = s.execute(
            text("SELECT count(*) FROM pragma_index_list('patient') WHERE origin <> 'c'")
        ).scalar_one()
    assert made == {
        "ix_patient_phone", "ix_patient_national_id", "ix_patient_sort_key",
        "ix_patient_alert", "ix_patient_restricted",
    }  # fmt: skip
    assert auto == 3  # the id, the number, the search key


def test_the_duplicate_check_seeks_its_three_tests_by_index(db: Database) -> None:
    """Same phone, same national ID, or same folded name and birth date: each is an
    index search (the last by the name key, since no index is on the birth date)."""
    seen: list[tuple[str, object]] = []

    def keep(conn: object, cursor: object, sql: str, params: object, *rest: object) -> None:
        if "FROM patient" in sql:
            seen.append((sql, params))

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        with db.read() as s:
            duplicates.likely_duplicates(
                s, phone="+905321234567", national_id="12345678901",
                sort_key="yilmaz\x1fayse", birth_date=date(1980, 1, 2),
            )  # fmt: skip
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    sql, params = seen[0]
    with db.raw() as conn:
        plan = [row[-1] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params)]
    searches = [p for p in plan if p.startswith("SEARCH patient")]
    assert not [p for p in plan if p.startswith("SCAN patient")], plan
    assert len(searches) == 3 and "ix_patient_sort_key (sort_key=?)" in searches[2], plan


def test_patient_batches_forget_what_was_sent_over_the_chosen_patients(
    db: Database, clinic: Ctx
) -> None:
    """Each patient batch empties the addresses its patients' messages went to and
    their ids in the Google disclosure register with one statement each over the
    batch's chosen patients (``temp.sweep_chosen``), not with the patients' ids as
    parameters: thousands a batch, rendered by SQLAlchemy and prepared anew each time
    (the register's a statement per 500), were a quarter of the patient batches' time
    (session 18: 0.62 of 2.29 s at 27,641 patients, on empty tables)."""
    seen: list[tuple[str, object]] = []

    def keep(conn: object, cursor: object, sql: str, params: object, *rest: object) -> None:
        words = sql.split()
        if words[0].upper() == "UPDATE" and words[1] in ("reminder", "google_disclosure"):
            seen.append((words[1], params))

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        swept = retention.sweep(db, clinic, db.path.parent)
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    assert swept.counts["patient"] > 50
    assert {table for table, _ in seen} == {"reminder", "google_disclosure"}
    sizes = [len(params) if isinstance(params, tuple | list | dict) else 0 for _, params in seen]
    assert max(sizes) <= 2, sizes


def test_patients_go_in_the_search_index_order(
    db: Database, clinic: Ctx, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each patient batch takes neighbours in the search index's order, so they share
    the pages of the index's content and name keys (their appointments went in the
    sweep's first phase)."""
    monkeypatch.setattr(retention, "PATIENT_BATCH", (20, 20, 20))
    batches: list[list[str]] = []

    def seen(conn: object, cursor: object, sql: str, params: object, *rest: object) -> None:
        if "SELECT rowid, id FROM patient WHERE id IN" in sql and isinstance(params, tuple):
            batches.append(json.loads(params[0]))

    with db.read() as s:
        place = {r[0]: r[1] for r in s.execute(text("SELECT id, search_rowid FROM patient"))}
    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        swept = retention.sweep(db, clinic, db.path.parent)
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert sum(len(b) for b in batches) == swept.counts["patient"] > 50 and len(batches) > 3
    spans = [(min(place[p] for p in b), max(place[p] for p in b)) for b in batches]
    assert all(spans[k][1] < spans[k + 1][0] for k in range(len(spans) - 1)), spans


def test_batches_wait_for_no_disk_and_the_sweep_ends_durable(
    db: Database, clinic: Ctx, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each batch is a relaxed write (``synchronous = NORMAL``: no wait for the disk at
    its commit, and its pages folded into the file between batches): a power cut may
    undo whole batches, which the next sweep simply takes again. The sweep's record
    and audit event are an ordinary write, which makes every batch before it durable,
    and the connections go back to the pool durable (``synchronous = FULL``: 2).
    The appointments' batches check no foreign keys (each deletes the rows referring
    to its appointments first); the patients' batches do, and so does every write
    after the sweep."""
    seen: list[tuple[str, int, int]] = []
    real, real_patients = rules.remove_appointments, rules.remove_patients

    def pragmas(s: Session, kind: str) -> None:
        on = [s.execute(text(f"PRAGMA {p}")).scalar_one() for p in ("synchronous", "foreign_keys")]
        seen.append((kind, *on))
        assert s.execute(text("PRAGMA cache_size")).scalar_one() == -SWEEP_CACHE_MB * 1024

    def remove(s: Session, *args: object) -> object:
        pragmas(s, "appointment")
        return real(s, *args)  # type: ignore[arg-type]

    def remove_patients(s: Session, *args: object) -> object:
        pragmas(s, "patient")
        return real_patients(s, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(rules, "remove_appointments", remove)
    monkeypatch.setattr(rules, "remove_patients", remove_patients)
    swept = retention.sweep(db, clinic, db.path.parent)

    assert swept.counts["appointment"] > 500 and swept.counts["patient"] > 50
    assert set(seen) == {("appointment", 1, 0), ("patient", 1, 1)}
    with db.write() as s:
        assert s.execute(text("PRAGMA synchronous")).scalar_one() == 2
        assert s.execute(text("PRAGMA foreign_keys")).scalar_one() == 1


def test_the_appointment_batches_delete_every_row_that_refers_to_one(db: Database) -> None:
    """Unchecked as they are, the appointments' batches delete first every row whose
    foreign key refers to an appointment: the schema's list is the sweep's."""
    with db.read() as s:
        tables = s.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'")).scalars()
        referring = {
            (table, str(fk[3]))
            for table in list(tables)
            for fk in s.execute(text(f"PRAGMA foreign_key_list('{table}')"))
            if fk[2] == "appointment"
        }
    assert referring == set(rules.REFERRING)


def test_the_batches_fold_nothing_and_the_sweep_folds_between_them(
    db: Database, clinic: Ctx, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch's commit folds no pages into the file (``wal_autocheckpoint = 0`` in it):
    folded there, the fold was that batch's wait for the desk and its pacing's time.
    The sweep folds between batches instead, with the write lock let go (another
    connection writes meanwhile), and not inside the batch's timed span."""
    ticks = iter(range(10**6))
    monkeypatch.setattr(retention, "batch_clock", lambda: next(ticks) * 0.25)
    monkeypatch.setattr(retention, "BATCH_ROWS", (40, 40, 40))
    steps: list[str] = []
    real_remove, real_fold = rules.remove_appointments, Database.fold

    def remove(s: Session, *args: object) -> object:
        steps.append(f"batch:{s.execute(text('PRAGMA wal_autocheckpoint')).scalar_one()}")
        return real_remove(s, *args)  # type: ignore[arg-type]

    def fold(self: Database) -> None:
        other = self.twin()
        try:  # the write lock is free: a desk's write goes through at once
            with other.write() as s:
                s.execute(text("PRAGMA busy_timeout = 0"))
                s.execute(text("UPDATE clinic_setting SET key = key WHERE 0"))
        finally:
            other.close()
        steps.append("fold")
        real_fold(self)

    def remove_log(s: Session, *args: object) -> int:
        steps.append(f"log:{s.execute(text('PRAGMA wal_autocheckpoint')).scalar_one()}")
        return real_log(s, *args)  # type: ignore[arg-type]

    real_log = rules.remove_commlog
    monkeypatch.setattr(rules, "remove_appointments", remove)
    monkeypatch.setattr(rules, "remove_commlog", remove_log)
    monkeypatch.setattr(Database, "fold", fold)
    swept = retention.sweep(db, clinic, db.path.parent)

    batches = [s for s in steps if s.startswith("batch")]
    assert swept.counts["appointment"] > 200 and set(batches) == {"batch:0"}
    assert {s for s in steps if s.startswith("log")} == {"log:0"}  # the log's batches too
    # Each batch's timed span is one tick (0.25 s): a fold after every second batch.
    assert steps[:6] == ["batch:0", "batch:0", "fold", "batch:0", "batch:0", "fold"]
    with db.write() as s:  # the pool's connections fold at their commits again
        assert s.execute(text("PRAGMA wal_autocheckpoint")).scalar_one() == 1_000


def test_a_batch_s_index_deletions_merge_no_older_segment(db: Database) -> None:
    """The search index's deletions of a batch are flushed as one new segment and
    merge nothing (``automerge`` off in the batch: the sweep's purge merges all once,
    at its end); the option is set back, and the rows are gone from the search."""
    segments = "SELECT id >> 37, id, block FROM patient_search_data WHERE id > 10"
    option = "INSERT INTO patient_search(patient_search, rank) VALUES"
    with db.write() as s:  # small pages: a few rows' deletions are many leaf pages
        s.execute(text(f"{option} ('pgsz', 64)"))
        s.execute(text(f"{option} ('automerge', 0)"))
    for first in range(1, 301, 50):  # six segments, one a write
        with db.write() as s:
            rows = [
                {"r": r, "t": f"zq{r:05d} patient {r * 7919 % 10007:05d}"}
                for r in range(first, first + 50)
            ]
            s.execute(text("INSERT INTO patient_search(rowid, terms) VALUES (:r, :t)"), rows)
    with db.write() as s:
        s.execute(text(f"{option} ('automerge', 4)"))
    with db.read() as s:
        before = s.execute(text(segments)).all()
    with db.write() as s:
        rules.unindex(s, list(range(1, 121)))
    with db.read() as s:
        after = s.execute(text(segments)).all()
        merge = s.execute(text("SELECT v FROM patient_search_config WHERE k = 'automerge'"))
        assert merge.scalar_one() == 4
        found = s.execute(text("SELECT rowid FROM patient_search WHERE terms MATCH 'zq001'"))
        assert sorted(found.scalars()) == list(range(121, 200))
    old = {r[0] for r in before}
    assert len(old) == 6 and {r for r in after if r[0] in old} == set(before)
    assert len({r[0] for r in after} - old) == 1  # the deletions' segment, nothing more
