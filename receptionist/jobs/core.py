"""The core's own jobs: the daily retention sweep and the daily backup.

Each runs as the system (``context.SYSTEM``: source "scheduler"), in the clinic's
data folder (the folder that holds the open file).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

from receptionist.clock import Clock
from receptionist.context import SYSTEM, Ctx
from receptionist.errors import Busy, UserError, ValidationError
from receptionist.jobs import lease, runner
from receptionist.jobs.registry import Daily, Job
from receptionist.jobs.runner import Problem, Stopped, new_holder
from receptionist.journal.anchor import Anchor
from receptionist.ops import backups, retention
from receptionist.retention import clockcheck
from receptionist.retention.policy import SWEEP_HOUR
from receptionist.safelog import describe
from receptionist.settings.backups import HOUR as BACKUP_HOUR
from receptionist.store import lookcopy
from receptionist.store.storage import Database
from receptionist.texts import QT_TRANSLATE_NOOP, Text, message

AWAITING_PERSON = "awaiting_person"  # the sweep's count while it waits for a person's sweep
BY_PERSON = "by_person"  # a person's sweep (``sweep_now``) recorded as the job's run
# What the nightly sweep logs each time it waits for a person: a headless station
# (``receptionist service``) shows nobody its warning, its log and ``jobs list`` do.
AWAITING_LOG = (
    "The retention sweep did not run: it waits for a person's dry run, then sweep, under "
    "the retention policy as it is, on any PC of the clinic (Settings > Retention, or "
    "`receptionist sweep --dry-run` then `receptionist sweep`). Until then nothing past "
    "its time is destroyed on this PC."
)
log = logging.getLogger(__name__)


def sweep(db: Database, clock: Clock) -> Mapping[str, int]:
    """The retention sweep: what the policy says is past its time goes; but only once
    a person has swept under the policy as it is (``retention.review``), and while the
    clock looks right (``retention.clockcheck``: else its doubt is the count). Asked to
    stop (the app closing), it ends after the batch under way (``runner.Stopped``, with
    what went before; the next sweep takes the rest)."""
    if not retention.reviewed(db):
        log.warning(AWAITING_LOG)
        return {AWAITING_PERSON: 1}
    with db.read() as s:
        wrong = clockcheck.doubt(s, clock.now())
    if wrong is not None:
        return {wrong.key: wrong.days}
    swept = retention.sweep(db, Ctx(SYSTEM, clock), db.path.parent, stop=runner.stop_asked)
    if swept.stopped:
        raise Stopped(swept_counts(swept))
    return swept_counts(swept)


def swept_counts(swept: retention.Swept) -> dict[str, int]:
    """A sweep's counts as the job's run records them (what went, what waits)."""
    counts = {kind: n for kind, n in swept.counts.items() if n}
    if swept.audit_waiting:
        counts["audit_waiting"] = swept.audit_waiting
    if swept.waiting_why is not None:  # e.g. audit_waiting_revoked: 1
        counts[f"audit_waiting_{swept.waiting_why.code}"] = 1
    unreachable = swept.backups_unreachable
    if unreachable:  # folders this PC wrote backups in, out of reach: swept when back
        counts["backup_unreachable"] = len(unreachable)
    return counts


LOG_PROBLEM = QT_TRANSLATE_NOOP(
    "core",
    "The backup was written, but the clinic's audit log does not verify against it or "
    "against an earlier backup: {problem} No older backup was rotated away (they are the "
    "evidence). Verify the backups (in the app, Settings > Backups; or `receptionist "
    "backup verify`) and tell whoever looks after the clinic's records.",
)


def backup(db: Database, clock: Clock) -> Mapping[str, int]:
    """A checked backup in the backup folder, then the rotation. A log found rewritten
    is not an "ok" run: the run is recorded failed, with the sentence (the backup is
    written all the same, and its counts kept). A backup that could not be made (its
    folder out of reach, not writable, full) is recorded failed with its sentence, not
    only its error's type: the backup's sentences name folders, never a patient.
    Asked to stop (the app closing) before its copy is checked and in place, it ends
    with nothing on the list (``backups.Stopped``; ``runner.Stopped``: made again at
    the next start); the rotation not run."""
    try:
        made = backups.create(
            db, Ctx(SYSTEM, clock), db.path.parent, stop=runner.stop_asked,
            by_person=runner.asked_by_person(),  # Back up now, `jobs run backup`: by hand
        )  # fmt: skip
    except backups.Stopped as exc:
        raise Stopped({}) from exc
    except UserError as exc:
        raise Problem(message(exc), {}) from exc
    counts = {
        "bytes": made.size,
        "rotated": len(made.removed),
        "log_problem": int(bool(made.log_problem)),
        "same_disk": int(made.same_disk),  # on the clinic's own disk: say so
    }
    if made.log_problem:
        raise Problem(Text(LOG_PROBLEM, problem=made.log_problem), counts)
    return counts


SWEEP = Job("retention.sweep", sweep, Daily(SWEEP_HOUR), lease_minutes=120)
BACKUP = Job("backup", backup, Daily(BACKUP_HOUR), lease_minutes=120)
CORE = (SWEEP, BACKUP)


class SweepRunning(Busy):
    """A sweep holds the sweep job's lease (the scheduler's, or another person's)."""


SWEEP_RUNNING = Text(
    QT_TRANSLATE_NOOP(
        "core",
        "A retention sweep is already running, on this PC or another. Wait for it to "
        "finish (Settings > Jobs shows it), then try again.",
    )
)


class ClockDoubted(ValidationError):
    """A sweep nobody was asked about (``sweep --yes``) met the clock's doubt."""


CLOCK_UNCHECKED = QT_TRANSLATE_NOOP(
    "core",
    "{doubt} A sweep run without its question (--yes, as a scheduled task runs it) "
    "follows the same check, so nothing was swept. Check the PC's date and time; if "
    "they are right, run it again with --clock-checked.",
)


def sweep_now(
    db: Database,
    ctx: Ctx,
    root: Path,
    *,
    tell: retention.Tell | None = None,
    audit_anchor: Anchor | None = None,
    check_clock: bool = False,
) -> retention.Swept:
    """A person's sweep (``receptionist sweep``, the app's "Sweep now") under the
    sweep job's lease, so it never runs beside the scheduled sweep or another
    person's: :class:`SweepRunning` if one holds it. The lease is let go at the end,
    whatever happened; a process that dies leaves it to lapse. The sweep is recorded
    as the job's run (counts ``by_person``: 1, standing for the day's slot, as "Run
    now"), so Settings > Jobs and ``jobs list`` agree with Settings > Retention and
    ``sweep status`` that it ran, and the nightly sweep's "waiting for a person" is no
    longer its last word. Only after a person's
    dry run under the policy as it is (``retention.DryRunNeeded`` else).

    ``check_clock``: no person saw the date before it (``sweep --yes``, maybe a
    scheduled task's), so the nightly sweep's clock check applies: while the clock
    looks wrong (``retention.clockcheck``) :class:`ClockDoubted`, nothing swept."""
    retention.may_sweep(ctx)
    lookcopy.refuse(root, lookcopy.NO_SWEEP)  # it would sweep the clinic's backups too
    retention.need_dry_run(db)
    if check_clock:
        _trust_clock(db, ctx.clock)
    holder = new_holder()
    with db.write() as s:
        if not lease.take(s, SWEEP.name, holder, ctx.clock.now(), SWEEP.lease_minutes):
            raise SweepRunning(SWEEP_RUNNING)
    started = ctx.clock.now()
    outcome, counts, error = "interrupted", {BY_PERSON: 1}, ""  # Ctrl+C: owed again
    try:
        swept = retention.sweep(db, ctx, root, tell=tell, audit_anchor=audit_anchor)
        outcome, counts = "ok", {**swept_counts(swept), BY_PERSON: 1}
        return swept
    except Exception as exc:
        outcome, error = "failed", describe(exc)
        raise
    finally:  # the job's run, so Settings > Jobs and `jobs list` say the sweep ran
        with db.write() as s:
            runner.record(s, SWEEP, started, ctx.clock.now(), outcome, counts, error)
            lease.release(s, SWEEP.name, holder)


def _trust_clock(db: Database, clock: Clock) -> None:
    """:class:`ClockDoubted` (on ``--clock-checked``) while the clock looks wrong."""
    with db.read() as s:
        wrong = clockcheck.doubt(s, clock.now())
    if wrong is not None:
        raise ClockDoubted("clock_checked", Text(CLOCK_UNCHECKED, doubt=wrong.text))


def sweep_running(db: Database, clock: Clock) -> bool:
    """Whether a sweep holds the sweep job's lease now."""
    with db.read() as s:
        return lease.holder_of(s, SWEEP.name, clock.now(), SWEEP.lease_minutes) is not None
