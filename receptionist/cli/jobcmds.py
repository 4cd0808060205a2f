"""jobs list|run|history: the background jobs, their last run and next due time; run
one now; the runs kept of one (``runner.history``: start, end, outcome, counts, a
failed run's error type; no patient data).

The jobs are the core's (``receptionist.jobs.core``) and those the front end adds
(the ``receptionist`` command of ``sync/`` adds cloud sync): ``args.extra_jobs()``,
which imports them only when called.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from receptionist import zones
from receptionist.cli.common import App, examples, whole_number
from receptionist.context import require
from receptionist.errors import NotFound
from receptionist.jobs import runner
from receptionist.jobs.core import AWAITING_PERSON, CORE
from receptionist.jobs.registry import Job, named, registry
from receptionist.ops import patients
from receptionist.retention import clockcheck
from receptionist.texts import QT_TRANSLATE_NOOP, Text

CANNOT = Text(QT_TRANSLATE_NOOP("core", "Only a manager or an administrator can run jobs."))
WAITING = Text(
    QT_TRANSLATE_NOOP(
        "core",
        "waiting for a person's first sweep (`receptionist sweep`, or Settings > Retention)",
    )
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "jobs", help="the background jobs: last run, next due; run one now; a job's history"
    )
    jsub = p.add_subparsers(dest="jobs_cmd", required=True, metavar="ACTION")
    ls = jsub.add_parser(
        "list",
        help="each job: its trigger, last run (outcome, counts), next due time",
        description="Times are the clinic's (--json: ISO 8601 in UTC). A job shown "
        '"due now" runs at the next tick of the app or `receptionist service`.',
        **examples("receptionist jobs list", "receptionist jobs list --json"),
    )
    ls.set_defaults(func=cmd_list)
    run = jsub.add_parser(
        "run",
        help="run a job now, due or not (waits for nothing: refused while one runs)",
        **examples("receptionist jobs run backup", "receptionist jobs run retention.sweep"),
    )
    run.add_argument("name", help="the job's name, as `jobs list` shows it")
    run.set_defaults(func=cmd_run)
    past = jsub.add_parser(
        "history",
        help="a job's kept runs, newest first: start, end, outcome, counts, error type",
        description="Times are the clinic's (--json: ISO 8601 in UTC).",
        **examples(
            "receptionist jobs history reminders.dispatch",
            "receptionist jobs history backup --limit 10 --json",
        ),
    )
    past.add_argument("name", help="the job's name, as `jobs list` shows it")
    past.add_argument(
        "--limit",
        type=whole_number(1, HISTORY_MAX),
        default=None,
        help="the newest N runs only (default: all that are kept)",
    )
    past.set_defaults(func=cmd_history)


HISTORY_MAX = runner.KEEP_RUNS + runner.KEEP_WORK + runner.KEEP_FAILED  # all a job keeps


def jobs_of(app: App) -> tuple[Job, ...]:
    return registry(CORE, getattr(app.args, "extra_jobs", tuple)())


DUE_NOW = "due now (the next tick runs it)"


def clinic_time(value: datetime, tz: ZoneInfo, *, seconds: bool = False) -> str:
    """A time as the CLI shows times: the clinic's wall clock, to the minute (or the
    second: a run's start and end). --json keeps ISO 8601 in UTC."""
    return f"{value.astimezone(tz):%Y-%m-%d %H:%M{':%S' if seconds else ''}}"


def next_run(s: runner.JobStatus, tz: ZoneInfo) -> str:
    """When the job next runs: "due now" when it is owed, never a time gone by."""
    return DUE_NOW if s.owed else clinic_time(s.next_due, tz)


def cmd_list(app: App) -> int:
    with app.database() as db:
        found = runner.status(db, app.clock, jobs_of(app))
        tz = zones.zone(patients.clinic_zone(db))
    rows = [_row(s) for s in found]
    lines = [
        f"{s.name:<18} {s.trigger:<34} last: "
        + (f"{clinic_time(s.last_started, tz)} {_said(s)}" if s.last_started else "never")
        + f"; next: {next_run(s, tz)}"
        + (" (running)" if s.running else "")
        + (f"\n  {said}" if (said := clockcheck.reason(s.counts)) else "")
        for s in found
    ]
    app.emit(rows, "\n".join(lines))
    return 0


def _said(s: runner.JobStatus | runner.Run) -> str:
    """The outcome; the sweep that waits for a person's first sweep is not "ok" to read."""
    if s.outcome == "ok" and s.counts.get(AWAITING_PERSON):
        return WAITING
    return s.outcome or ""


def _row(s: runner.JobStatus) -> dict[str, Any]:
    return {
        "name": s.name,
        "trigger": s.trigger,
        "last_started": s.last_started,
        "last_ended": s.last_ended,
        "outcome": s.outcome,
        "counts": s.counts,
        "error": s.error or None,
        "next_due": s.next_due,  # UTC; ``now`` when owed, never in the past
        "owed": s.owed,
        "running": s.running,
        "reason": clockcheck.reason(s.counts),  # why a run did nothing, when one says
    }


def _named(app: App) -> tuple[tuple[Job, ...], Job]:
    """The jobs, and the one ``name`` on the command line names (NotFound else)."""
    jobs = jobs_of(app)
    job = named(jobs, app.args.name)
    if job is None:
        raise NotFound(
            Text(
                QT_TRANSLATE_NOOP("core", "There is no job called {name}; `jobs list` shows them."),
                name=app.args.name,
            ),
            "name",
        )
    return jobs, job


def cmd_history(app: App) -> int:
    _jobs, job = _named(app)
    with app.database() as db:
        runs = runner.history(db, app.clock, job, app.args.limit)
        tz = zones.zone(patients.clinic_zone(db))
    data = {"name": job.name, "trigger": job.trigger.describe(),
            "runs": [_run_row(r) for r in runs]}  # fmt: skip
    lines = [_run_line(r, tz) for r in runs] or [f"{job.name} has not run yet."]
    app.emit(data, "\n".join(lines))
    return 0


def _run_row(r: runner.Run) -> dict[str, Any]:
    return {
        "started": r.started_at,
        "ended": r.ended_at,
        "outcome": r.outcome,
        "counts": r.counts,
        "error": r.error or None,
        "did_nothing": r.quiet,  # nothing due, not connected: kept for a shorter while
        "due": r.due_at,
        "after_pause": r.after_pause,  # began long after it was due: the PC off, asleep
        "reason": clockcheck.reason(r.counts),
    }


def _run_line(r: runner.Run, tz: ZoneInfo) -> str:
    """A run in the clinic's time, as `jobs list` says its last one (the end: its time
    of day, to the second)."""
    ended = f"{r.ended_at.astimezone(tz):%H:%M:%S}" if r.ended_at else "--:--:--"
    counts = ", ".join(f"{kind} {n}" for kind, n in sorted(r.counts.items()))
    return (
        f"{clinic_time(r.started_at, tz, seconds=True)}  to {ended}  {_said(r):<11} {counts}"
        + (f"  ({r.error})" if r.error else "")
        + (f"  [after a pause: due {clinic_time(r.due_at, tz)}]" if r.after_pause else "")
        + (f"\n  {said}" if (said := clockcheck.reason(r.counts)) else "")
    )


def cmd_run(app: App) -> int:
    jobs, _job = _named(app)
    with app.database() as db:
        require(app.ctx(db), "clinic.configure", CANNOT)
        ran = runner.Runner(jobs).run_now(db, app.clock, app.args.name, by_person=True)
    if ran is None:
        app.emit({"name": app.args.name, "ran": False}, f"{app.args.name} is running elsewhere.")
        return 3
    data = {"name": ran.job, "ran": True, "outcome": ran.outcome, "counts": ran.counts,
            "error": ran.error or None}  # fmt: skip
    app.emit(
        data, f"{ran.job}: {ran.outcome} {ran.counts}" + (f" ({ran.error})" if ran.error else "")
    )
    return 0 if ran.outcome == "ok" else 1
