"""Closing the app (or stopping ``receptionist service``) while the retention sweep or
the backup runs (#14): the job ends at its next safe step instead of running to its
end while the app waits. The sweep ends after the batch under way: what went is
recorded (its destruction records, and in the audit log as a sweep cut short, so the
counts are held against the log's hash chain), the run reads "stopped", not "failed",
and the next sweep takes the rest. The backup, stopped before its copy is in place,
leaves no file behind, no backup on the list and the rotation untouched. Before, both
ran to their end. Real parts: the runner and the core's jobs, an encrypted clinic."""

from __future__ import annotations

import itertools
import signal
import threading
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import pytest
from factories import make_patients
from sqlalchemy import text
from sqlalchemy.orm import Session

from receptionist.clock import FixedClock
from receptionist.context import Ctx
from receptionist.jobs import due
from receptionist.jobs.core import BACKUP, SWEEP, sweep_now
from receptionist.jobs.runner import Runner, history, status
from receptionist.models import Patient
from receptionist.ops import backups, retention
from receptionist.retention import records
from receptionist.retention import sweep as rules
from receptionist.store import backup as files
from receptionist.store.storage import Database


def _patients(db: Database) -> int:
    with db.read() as s:
        return int(s.execute(text("SELECT count(*) FROM patient")).scalar_one())


def _actions(db: Database, sweep_id: str) -> list[str]:
    with db.read() as s:
        return list(
            s.execute(
                text("SELECT action FROM audit_event WHERE entity_id = :i ORDER BY seq"),
                {"i": sweep_id},
            ).scalars()
        )


def test_a_sweep_asked_to_stop_ends_after_the_batch_under_way_and_the_next_goes_on(
    db: Database, ctx: Ctx, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = db.path.parent
    retention.review(db, ctx, root)  # a person's dry run and sweep: the nightly may run
    sweep_now(db, ctx, root)
    with db.write() as s:
        make_patients(s, clock.now() - timedelta(days=3 * 365), range(1, 7))  # lapsed
    assert _patients(db) == 6
    monkeypatch.setattr(retention, "PATIENT_BATCH", (2, 2, 2))  # three batches of two
    runner = Runner([SWEEP])
    real = rules.remove_patients
    batches: list[int] = []

    def remove(session: Session, ids: Sequence[str]) -> object:
        batches.append(len(ids))
        removed = real(session, ids)
        runner.stopping.set()  # the app closes while the first batch is written
        return removed

    monkeypatch.setattr(rules, "remove_patients", remove)
    clock.advance(days=1)

    ran = runner.run_now(db, clock, SWEEP.name)

    assert ran is not None and ran.outcome == "stopped", ran
    assert ran.error == "" and ran.counts.get("patient") == 2
    assert batches == [2], "no batch after the one under way"
    assert _patients(db) == 4
    with db.read() as s:
        [stopped] = [i for i in {r.sweep_id for r in records.recent(s)} if i != ran_id(s)]
        assert ("patient", 2) in {(r.kind, r.count) for r in records.of_sweep(s, stopped)}
        assert records.in_log(s, stopped) is True, "its counts are in the log now"
        assert records.cut_short(s) == []
    assert _actions(db, stopped) == [records.CUT_SHORT], "a sweep that did not end"
    (shown,) = status(db, clock, [SWEEP])
    assert shown.outcome == "stopped" and shown.counts.get("patient") == 2
    assert [r.outcome for r in history(db, clock, SWEEP)][:1] == ["stopped"]
    with db.read() as s:
        assert due.due(s, SWEEP, clock.now()) is not None, "owed again: the next start"

    again = Runner([SWEEP]).run_due(db, clock)  # the app's next start

    assert [(r.outcome, r.counts.get("patient")) for r in again] == [("ok", 4)]
    assert _patients(db) == 0
    assert _actions(db, stopped) == [records.CUT_SHORT], "not written in a second time"
    with db.read() as s:
        assert all(records.in_log(s, i) for i in {r.sweep_id for r in records.recent(s)})


def ran_id(session: Session) -> str:
    """The person's sweep's id: the one whose ``sweep`` event the log holds."""
    return str(
        session.execute(
            text("SELECT entity_id FROM audit_event WHERE action = 'sweep' ORDER BY seq LIMIT 1")
        ).scalar_one()
    )


def _left(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def test_a_backup_asked_to_stop_before_it_is_in_place_leaves_nothing(
    db: Database, ctx: Ctx, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stopped once its copy is written and checked, before the archive: the copy is
    removed, nothing is on the list, no ``backup`` audit event, the older backups kept
    (the rotation not run); the run reads "stopped" and the next start makes it."""
    folder = db.path.parent / "backups"
    older = backups.create(db, Ctx(ctx.actor, FixedClock(clock.now() - timedelta(days=40))),
                           db.path.parent).path  # fmt: skip
    before = _left(folder)
    runner = Runner([BACKUP])
    real = files.export_copy

    def exported(*args: object, **kwargs: object) -> str:
        digest = real(*args, **kwargs)  # type: ignore[arg-type]
        runner.stopping.set()  # the app closes while the copy is written
        return digest

    monkeypatch.setattr(files, "export_copy", exported)

    ran = runner.run_now(db, clock, BACKUP.name)

    assert ran is not None and ran.outcome == "stopped" and ran.error == "", ran
    assert _left(folder) == before, "no copy, no partial archive, no new backup"
    assert [b.path for b in backups.listing(db, ctx, db.path.parent)] == [older]
    with db.read() as s:
        made = s.execute(text("SELECT count(*) FROM audit_event WHERE action = 'backup'"))
        assert made.scalar_one() == 1, "only the older one's"
        assert due.due(s, BACKUP, clock.now()) is not None, "owed again"
    monkeypatch.undo()
    again = Runner([BACKUP]).run_due(db, clock)
    assert [r.outcome for r in again] == ["ok"]
    assert len(backups.listing(db, ctx, db.path.parent)) == 2


def test_a_backup_asked_to_stop_while_it_copies_interrupts_the_copy(
    db: Database, ctx: Ctx, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The copy itself (one SQLite statement, the backup's long part) is interrupted at
    the stop's word, not waited for: its file removed, ``backups.Stopped``."""
    with db.write() as s:  # pages enough for the copy to take many of SQLite's steps
        make_patients(s, ctx.clock.now(), range(1, 400))
    monkeypatch.setattr(files, "STOP_STEPS", 100)
    looks = itertools.count()
    asked: list[int] = []

    def stop() -> bool:
        asked.append(next(looks))
        return len(asked) > 3  # the checks before the copy, then a few steps into it

    folder = db.path.parent / "backups"
    with pytest.raises(backups.Stopped):
        backups.create(db, ctx, db.path.parent, stop=stop)
    # Asked once before the copy and once after it: more looks are the copy's own,
    # and it ended at the first that said so (its error then asks once more, why).
    assert len(asked) == 5, asked
    assert _left(folder) == []
    assert backups.listing(db, ctx, db.path.parent) == []
    with db.read() as s:
        assert s.query(Patient).count() == 399  # the clinic untouched


@pytest.mark.parametrize(
    ("job", "waits"),
    [
        ("retention.sweep", "the batch under way is written"),
        ("backup", "the copy under way is stopped and its unfinished file removed"),
        ("cloud.sync", "the batch or page of changes under way is sent or saved"),
        ("google.sync", "the request to Google under way has its answer"),
        ("reminders.dispatch", "the message being sent has its answer"),
    ],
)
def test_the_service_says_what_the_running_job_waits_for_on_ctrl_c(job: str, waits: str) -> None:
    """``receptionist service`` on Ctrl+C while a job runs: one line saying what the
    job waits for (before: "Stopping once retention.sweep finishes" of every job)."""
    from sync import service

    runner = Runner([])
    runner.current = (job, 1)
    lock = threading.Lock()
    lock.acquire()  # the job's tick holds it
    said: list[str] = []

    def say(line: str) -> None:
        said.append(line)
        if lock.locked():
            lock.release()  # the job reaches its safe step

    code = service._finish(None, runner, lock, [signal.SIGINT], threading.Event(), say)  # type: ignore[arg-type]
    assert code == service.INTERRUPTED
    assert said[0].startswith(f"Stopping once {waits}") and said[0].endswith(
        "(Ctrl+C again abandons it)."
    ), said
    assert said[1:] == ["Stopped."]
