"""The sweep's audit event carries what it destroyed (#14): its destruction records,
kind, count and policy, in events the audit log's hash chain covers, so ``audit
verify`` finds an edit of them, and the records can be held against the log."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from factories import actor_ctx, make_clinic
from sqlalchemy import text

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
