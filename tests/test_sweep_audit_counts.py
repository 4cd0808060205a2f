"""The sweep's audit event carries what it destroyed (#14): its destruction records,
kind, count and policy, in events the audit log's hash chain covers, so ``audit
verify`` finds an edit of them, and the records can be held against the log."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from factories import actor_ctx, make_clinic, make_patients
from sqlalchemy import text
from sqlalchemy.orm import Session

from receptionist.clock import FixedClock
from receptionist.context import Ctx
from receptionist.journal import audit
from receptionist.ops import backups, retention
from receptionist.retention import records
from receptionist.store.storage import Database

NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)


@pytest.fixture
def ctx(db: Database) -> Ctx:
    made = actor_ctx("admin", FixedClock(NOW), source="cli")
    with db.write() as s:
        make_clinic(s, made)
    return made


def _logged(db: Database, sweep_id: str) -> Counter[tuple[str, int, str]] | None:
    with db.read() as s:
        return records.logged(s, sweep_id)


def _recorded(db: Database, sweep_id: str) -> Counter[tuple[str, int, str]]:
    with db.read() as s:
        return Counter((r.kind, r.count, r.policy) for r in records.of_sweep(s, sweep_id))


def test_the_sweeps_audit_events_hold_its_counts_and_policy(db: Database, ctx: Ctx) -> None:
    old = Ctx(ctx.actor, FixedClock(NOW - timedelta(days=200)))
    backups.create(db, old, db.path.parent)
    swept = retention.sweep(db, ctx, db.path.parent)
    assert swept.counts["backup"] == 1
    logged = _logged(db, swept.sweep_id)
    assert logged == _recorded(db, swept.sweep_id)
    assert ("backup", 1, "retention.backup_days=180") in logged
    with db.read() as s:
        rows = s.execute(
            text("SELECT action, entity_type, entity_id FROM audit_event ORDER BY seq DESC")
        ).all()
        assert audit.verify(s).ok
        assert records.in_log(s, swept.sweep_id) is True
    assert tuple(rows[0]) == ("sweep", "retention", swept.sweep_id)  # the sweep's own, last
    lines = [r for r in rows[1:] if r.action in (records.SWEPT, records.POLICY)]
    assert ("sweep_count", "retention", "backup=1") in [tuple(r) for r in lines]
    assert all(len(r.entity_id) <= 36 for r in lines)  # the column's width


def test_a_sweep_that_destroyed_nothing_logs_the_whole_policy(db: Database, ctx: Ctx) -> None:
    swept = retention.sweep(db, ctx, db.path.parent)
    assert not any(swept.counts.values())
    logged = _logged(db, swept.sweep_id)
    assert logged is not None and list(logged) == [
        (records.NOTHING, 0, next(iter(_recorded(db, swept.sweep_id)))[2])
    ]
    ((_, _, whole),) = logged
    assert "retention.appointment_months=24" in whole and "retention.audit_years=10" in whole


def test_an_edited_record_no_longer_matches_and_an_edited_event_breaks_the_chain(
    db: Database, ctx: Ctx
) -> None:
    old = Ctx(ctx.actor, FixedClock(NOW - timedelta(days=200)))
    backups.create(db, old, db.path.parent)
    swept = retention.sweep(db, ctx, db.path.parent)
    with db.write() as s:
        s.execute(text("UPDATE destruction_record SET count = 7 WHERE kind = 'backup'"))
    with db.read() as s:
        assert records.in_log(s, swept.sweep_id) is False
        assert audit.verify(s).ok  # the log itself is whole
    with db.write() as s:
        s.execute(
            text("UPDATE audit_event SET entity_id = 'backup=7' WHERE entity_id = 'backup=1'")
        )
    with db.read() as s:
        assert not audit.verify(s).ok  # the counts are under the chain's hashes


def test_records_of_a_sweep_with_no_event_are_not_vouched_for(db: Database, ctx: Ctx) -> None:
    with db.write() as s:  # a sweep cut short: its batches' records, no sweep event
        records.add(s, "cut-short", NOW, "appointment", 4, "retention.appointment_months=24")
    with db.read() as s:
        assert records.in_log(s, "cut-short") is None
        assert records.logged(s, "cut-short") is None


def test_the_log_form_of_every_kind_and_setting_fits_the_column(tmp_path: Path) -> None:
    from receptionist.retention import policy

    long = policy.Policy(NOW, 1200, 1200, 1200, 3650, 100, 100, policy.ANONYMISE)
    plan_kinds = [*retention.PATIENT_KINDS, retention.ANONYMISED, "communication_entry",
                  "backup", "delivery_log", "reminder", "audit_event", "auth_token",
                  "google_disclosure", "destruction_record", records.NOTHING]  # fmt: skip
    found = [
        records.Record("s", NOW, kind, 10**9, why)
        for kind in plan_kinds
        for why in {*retention._policies(long).values(), retention._whole(long)}
    ]
    events = records.as_events(found)
    assert all(len(entity_id or "") <= 36 for _, _, entity_id in events)
    assert records.from_events([(a, e or "") for a, _, e in events]) == Counter(
        (r.kind, r.count, r.policy) for r in found
    )


def test_a_sweep_cut_short_before_its_last_write_is_written_into_the_log_by_the_next(
    db: Database, ctx: Ctx, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sweep killed after its batches, before its last write (its records' audit
    events and its own event), leaves records the log holds nothing of: ``sweep
    records`` says "not in the audit log" for good. The next sweep writes them into
    the log first (the records as they are, then ``sweep_cut_short`` for that sweep,
    not a ``sweep`` event: it never ended), so they match; before, they never did."""
    then = NOW - timedelta(days=3 * 365)
    with db.write() as s:
        make_patients(s, then, range(1, 4))  # lapsed: 3 years, never seen
    real = audit.record_many

    def killed(session: Session, ctx: Ctx, events: list[tuple[str, str, str | None]]) -> None:
        if any(action == records.SWEPT for action, _, _ in events):
            raise RuntimeError("the process was killed here")
        real(session, ctx, events)

    monkeypatch.setattr(audit, "record_many", killed)
    with pytest.raises(RuntimeError):
        retention.sweep(db, ctx, db.path.parent)
    monkeypatch.undo()
    with db.read() as s:
        [cut] = {r.sweep_id for r in records.recent(s)}
        assert ("patient", 3) in {(r.kind, r.count) for r in records.of_sweep(s, cut)}
        assert records.in_log(s, cut) is None, "the batches' records: no events"

    swept = retention.sweep(db, ctx, db.path.parent)

    assert retention.records_in_log(db, ctx, [cut, swept.sweep_id]) == {
        cut: True, swept.sweep_id: True
    }  # fmt: skip
    assert _logged(db, cut) == _recorded(db, cut)
    with db.read() as s:
        assert audit.verify(s).ok
        actions = s.execute(
            text("SELECT action FROM audit_event WHERE entity_type = 'retention'"
                 " AND entity_id = :c"), {"c": cut},
        ).scalars().all()  # fmt: skip
        last = s.execute(text("SELECT max(at) FROM audit_event WHERE action = 'sweep'")).scalar()
    assert actions == [records.CUT_SHORT], "not taken for a sweep that ended"
    assert last is not None
    again = retention.sweep(db, ctx, db.path.parent)
    with db.read() as s:
        cut_events = s.execute(
            text("SELECT count(*) FROM audit_event WHERE entity_id = :c"), {"c": cut}
        ).scalar_one()
        assert cut_events == 1 and records.in_log(s, again.sweep_id) is True, "once"


def test_a_sweep_whose_events_the_audit_retention_removed_is_not_written_again(
    db: Database, ctx: Ctx
) -> None:
    """Records older than the log's first event (their sweep's events went with the
    log's oldest, under ``retention.audit_years``) are left as they are: "not in the
    audit log" says so truly, and writing them now would date them wrongly."""
    with db.write() as s:
        audit.record(s, ctx, "login", "staff_user", None)  # the log's first event, now
        records.add(s, "older", NOW - timedelta(days=1), "appointment", 4,
                    "retention.appointment_months=24")  # fmt: skip
    swept = retention.sweep(db, ctx, db.path.parent)
    with db.read() as s:
        assert records.in_log(s, "older") is None and records.in_log(s, swept.sweep_id)


def test_why_the_log_holds_none_of_a_sweep_s_records(db: Database, ctx: Ctx) -> None:
    """#14, session 18: "[not in the audit log]" was said alike of a sweep cut short
    (the next sweep writes it in), of records older than the log (their events went
    with the log's oldest), and of a sweep or an erasure of a version before the log
    kept a copy of the records (sessions 16 and 17). Each is told apart."""
    with db.write() as s:
        audit.record(s, ctx, "login", "staff_user", None)  # the log's first event, now
        records.add(s, "older", NOW - timedelta(days=1), "appointment", 4,
                    "retention.appointment_months=24")  # fmt: skip
        records.add(s, "cut-short", NOW, "appointment", 2, "retention.appointment_months=24")
        # an erasure of a version before session 17: its records, no event
        records.add(s, "erased-before", NOW, "patient", 1, records.ERASURE_POLICY)
        # a sweep of a version before session 16: its own event, no records before it
        records.add(s, "swept-before", NOW, "commlog", 3, "retention.commlog_months=12")
        audit.record(s, ctx, "sweep", "retention", "swept-before")
    swept = retention.sweep(db, ctx, db.path.parent)  # writes "cut-short" in
    with db.write() as s:
        records.add(s, "running", NOW, "appointment", 1, "retention.appointment_months=24")
    with db.read() as s:
        assert records.unlogged(s, swept.sweep_id) is None
        assert records.unlogged(s, "cut-short") is None  # written in by the sweep
        assert records.unlogged(s, "running") == records.CUT_SHORT_YET
        assert records.unlogged(s, "older") == records.OLDER_THAN_LOG
        assert records.unlogged(s, "erased-before") == records.EARLIER
        assert records.unlogged(s, "swept-before") == records.EARLIER
    assert retention.records_unlogged(
        db, ctx, [swept.sweep_id, "running", "older", "erased-before", "swept-before"]
    ) == {
        swept.sweep_id: None, "running": records.CUT_SHORT_YET,
        "older": records.OLDER_THAN_LOG, "erased-before": records.EARLIER,
        "swept-before": records.EARLIER,
    }  # fmt: skip
