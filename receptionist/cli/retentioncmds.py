"""sweep [--dry-run] [--yes], sweep status, sweep records; patient hold|unhold (added to
``patient`` by patientcmds).

A sweep destroys for good, so it follows the core's rule (``ops.retention.need_dry_run``):
a person's dry run under the policy as it is comes first. At a terminal ``sweep`` makes
that dry run itself, shows its counts and asks for "yes" typed back; without one it
needs ``--yes`` and an earlier ``sweep --dry-run`` (exit 2 otherwise, saying what to run).
A sweep with ``--yes`` shows no date to anyone (a cron job or Task Scheduler runs it),
so it meets the nightly sweep's clock check (``retention.clockcheck``): while the clock
looks wrong it sweeps nothing and exits 2, naming ``--clock-checked`` (a person's word
that the date is right), as a refused dry run names what to run: a scheduler retrying
it (exit 3 is for busy) would meet the same doubt until a person acts.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from receptionist import zones
from receptionist.cli.common import App, examples
from receptionist.cli.jobcmds import clinic_time, next_run
from receptionist.context import Ctx
from receptionist.errors import UserError, ValidationError
from receptionist.jobs.core import SWEEP, sweep_now
from receptionist.jobs.runner import status as job_status
from receptionist.ops import audit as audit_ops
from receptionist.ops import patients, sweepstatus
from receptionist.ops import retention as ops
from receptionist.retention import records
from receptionist.store.storage import Database
from receptionist.texts import QT_TRANSLATE_NOOP, Text


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "sweep",
        help="destroy what the retention policy says is past its time (or show it: --dry-run)",
        description="Times are the clinic's (--json: ISO 8601 in UTC).",
        **examples(
            "receptionist sweep --dry-run --json",
            "receptionist sweep                # shows the dry run's counts, asks for yes",
            "receptionist sweep --yes --json   # no terminal: after sweep --dry-run",
            "receptionist sweep --yes --clock-checked   # the date was checked: a clock doubt",
            "receptionist sweep --audit-anchor anchor-2026-12-06.json --json",
            "receptionist sweep status --json",
            "receptionist sweep records --since 2026-06-01 --json",
        ),
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="only say what would go (counts per kind, and which patients); changes nothing "
        "but the audit event that lets a sweep follow under the policy as it is",
    )
    p.add_argument(
        "--yes",
        action="store_true",
        help="do not ask (needed without a terminal); still only after a `sweep --dry-run` "
        "under the policy as it is",
    )
    p.add_argument(
        "--clock-checked",
        action="store_true",
        help="with --yes: I checked the PC's date and time; sweep even though the clock "
        "looks wrong (a long gap since the last sweep, or work recorded later than now), "
        "which stops a --yes sweep as it stops the nightly one",
    )
    p.add_argument(
        "--audit-anchor",
        metavar="FILE",
        help="an anchor kept off this PC (`audit anchor --json`) that vouches for the audit "
        "log: audit events past retention.audit_years go only behind one (or a backup's)",
    )
    p.set_defaults(func=cmd_sweep)
    more = p.add_subparsers(dest="sweep_cmd", metavar="[status|records]")
    st = more.add_parser(
        "status",
        help="the last sweep, and whether the nightly sweep waits for a person or none ran "
        "in six months (KVKK)",
        **examples("receptionist sweep status", "receptionist sweep status --json"),
    )
    st.set_defaults(func=cmd_status)
    rec = more.add_parser(
        "records",
        help="the destruction records (KVKK): what each sweep destroyed, how many, when, "
        "under which policy; no patient data",
        description="Times are the clinic's (--json and --csv: ISO 8601 in UTC).",
        **examples(
            "receptionist sweep records --json",
            "receptionist sweep records --since 2026-06-01 --csv > destruction-records.csv",
        ),
    )
    rec.add_argument(
        "--since", metavar="DAY", help="only from this day (the clinic's) on, like 2026-06-01"
    )
    rec.add_argument(
        "--csv", action="store_true", help="print CSV (for an inspector) instead of lines"
    )
    rec.set_defaults(func=cmd_records)


def register_holds(psub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    h = psub.add_parser(
        "hold",
        help="put a patient on legal or medical hold: no retention sweep removes their data",
        **examples('receptionist patient hold A-12 --reason "court case 2026/114"'),
    )
    h.add_argument("patient", help="the patient's number, or id (or its first characters)")
    h.add_argument("--reason", required=True, help="why the data must be kept (who asked)")
    h.add_argument(
        "--kind",
        choices=("legal", "medical"),
        help="legal (a court, a lawyer, an authority) or medical; kept with the reason",
    )
    h.set_defaults(func=cmd_hold)
    u = psub.add_parser(
        "unhold",
        help="lift a patient's hold: the sweep follows the policy for them again",
        **examples("receptionist patient unhold A-12"),
    )
    u.add_argument("patient", help="the patient's number, or id (or its first characters)")
    u.set_defaults(func=cmd_unhold)


def cmd_sweep(app: App) -> int:
    given = app.args.audit_anchor
    kept = audit_ops.read_anchor(Path(given)) if given and not app.args.dry_run else None
    with app.database() as db:
        ctx = app.ctx(db)
        if app.args.dry_run:
            plan = ops.review(db, ctx, app.data_dir)
            app.emit(_plan(plan), _plan_text(plan, _zone(db)))
            return 0
        if not app.args.yes:
            _confirm(db, ctx, app.data_dir)
        swept = sweep_now(
            db,
            ctx,
            app.data_dir,
            tell=_tell if not app.as_json else None,
            audit_anchor=kept,
            # No person saw the date (--yes): the nightly sweep's clock check applies.
            check_clock=app.args.yes and not app.args.clock_checked,
        )
    why = swept.waiting_why  # said only when audit events do wait (text and JSON alike)
    data = {
        "sweep_id": swept.sweep_id,
        "at": swept.at,
        "counts": swept.counts,
        "seconds": round(swept.seconds, 2),
        "batches": swept.batches,
        "vacuumed": swept.vacuumed,
        "audit_waiting": swept.audit_waiting,
        "audit_waiting_why": why.as_json() if why is not None else None,
        "records": [
            {"kind": r.kind, "count": r.count, "policy": r.policy, "at": r.at}
            for r in swept.records
        ],
    }
    lines = [f"Sweep {swept.sweep_id} ({swept.seconds:.1f} s):"] + [
        f"  {r.kind:<22} {r.count:>8}  ({r.policy})" for r in swept.records
    ]
    if not swept.records:
        lines = ["Nothing was past its time; nothing was destroyed."]
    if why is not None:
        lines.append(str(why.message))
    elif swept.audit_waiting and swept.audit_by_endpoint:
        lines.append(
            f"{swept.audit_waiting} audit events past their time were kept: the cloud"
            " endpoint has not signed a checkpoint for them (it was out of reach, or does"
            " not hold this PC's newest audit anchor yet); they go at a sweep after the"
            " next sync."
        )
    elif swept.audit_waiting:
        lines.append(
            f"{swept.audit_waiting} audit events past their time were kept: no anchor kept"
            " outside this PC vouches for the log past them (make a backup, or give one"
            " with --audit-anchor FILE)."
        )
    app.emit(data, "\n".join(lines))
    return 0


def _confirm(db: Database, ctx: Ctx, root: Path) -> None:
    """At a terminal: a person's dry run (audited, so the sweep may follow), its counts
    on stderr, and "yes" typed back; without one, refused (exit 2)."""
    if not sys.stdin.isatty():
        raise UserError(NO_TERMINAL)
    plan = ops.review(db, ctx, root)
    print(_plan_text(plan, _zone(db), most=PROMPT_PATIENTS), file=sys.stderr)
    print("This cannot be undone. Type yes to sweep now: ", end="", file=sys.stderr, flush=True)
    try:
        answer = sys.stdin.readline()
    except UnicodeDecodeError:  # a terminal not set to UTF-8
        answer = ""
    if answer.strip().lower() != "yes":
        raise UserError(NOT_YES)


PROMPT_PATIENTS = 20  # the patients the prompt names; the counts above say how many in all
NO_TERMINAL = Text(
    QT_TRANSLATE_NOOP(
        "core",
        "A sweep destroys for good and there is no terminal to ask on: run `receptionist "
        "sweep --dry-run`, read what would go, then `receptionist sweep --yes`.",
    )
)
NOT_YES = Text(QT_TRANSLATE_NOOP("core", "The answer was not yes; nothing was swept."))
BAD_DAY = Text(QT_TRANSLATE_NOOP("core", "The --since day must look like 2026-06-01."))


def cmd_status(app: App) -> int:
    with app.database() as db:
        found = sweepstatus.sweep_status(db, app.clock)
        nightly = job_status(db, app.clock, (SWEEP,))[0]
        tz = zones.zone(patients.clinic_zone(db))
    warnings = found.warnings(cli=True)
    data = {
        "last_sweep": found.last_sweep,
        "overdue": found.overdue,
        "waiting_for_person": found.waiting_for_person,
        "could_be_due": found.could_be_due,  # false: nothing can be past its time yet
        "dry_run_current": found.dry_run_current,
        "clock_doubt": (  # the nightly sweep destroys nothing: the clock looks wrong
            {"key": doubt.key, "days": doubt.days} if (doubt := found.clock_doubt) else None
        ),
        "warnings": [str(w) for w in warnings],
        "nightly": {
            "last_started": nightly.last_started,
            "outcome": nightly.outcome,
            "counts": nightly.counts,
            "next_due": nightly.next_due,  # UTC; ``now`` when owed, never in the past
            "owed": nightly.owed,
        },
    }
    last = clinic_time(found.last_sweep, tz) if found.last_sweep else "never"
    lines = [
        f"Last sweep: {last}",
        f"Nightly sweep next due: {next_run(nightly, tz)}",
    ]
    lines += [f"Warning: {w}" for w in warnings] or ["The periodic destruction is on time."]
    if found.waiting_for_person and not found.could_be_due:
        lines.append(
            "Nothing can be past its time yet; the nightly sweep starts after a person's"
            " first sweep (Settings > Retention, or `receptionist sweep`)."
        )
    app.emit(data, "\n".join(lines))
    return 0


def cmd_records(app: App) -> int:
    day = _since(app.args.since) if app.args.since else None
    with app.database() as db:
        tz = _zone(db)
        # The clinic's day, as the lines show the records' times (not the UTC day).
        since = zones.wall_to_utc(datetime.combine(day, time()), tz) if day else None
        found = ops.destruction_records(db, app.ctx(db), since=since)
        ids = [r.sweep_id for r in found]
        logged = ops.records_in_log(db, app.ctx(db), ids)
        unlogged = ops.records_unlogged(db, app.ctx(db), ids)
        gone = ops.records_gone(db, app.ctx(db), since)
    if app.args.csv:
        sys.stdout.write(records.as_csv(found))
        return 0
    warnings = [DIFFERS] if False in logged.values() else []
    if gone:
        warnings.append(GONE.format(count=len(gone), ids=", ".join(g[:8] for g in gone)))
    data = {
        "records": [
            {"at": r.at, "sweep_id": r.sweep_id, "kind": r.kind, "count": r.count,
             "policy": r.policy, "in_log": logged[r.sweep_id],
             "not_in_log": unlogged[r.sweep_id]}
            for r in found
        ],
        "gone": gone,  # sweeps whose counts the log holds, their records all deleted
        "warnings": warnings,
    }  # fmt: skip
    lines = [
        f"{clinic_time(r.at, tz)}  {r.sweep_id[:8]}  "
        + ("nothing past its time" if r.kind == records.NOTHING else f"{r.kind}: {r.count}")
        + f"  ({r.policy})"
        + _tag(logged[r.sweep_id], unlogged[r.sweep_id])
        for r in found
    ] or ["No destruction records."]
    told = dict.fromkeys(why for why in unlogged.values() if why is not None)
    lines += [_NOT_LOGGED[why][1] for why in told]
    lines += [f"Warning: {w}" for w in warnings]
    app.emit(data, "\n".join(lines))
    return 0


def _tag(logged: bool | None, why: str | None) -> str:
    """How a record's line says whether the audit log holds it (``ops.records_in_log``)
    and, when it holds none, why (``ops.records_unlogged``)."""
    if logged is False:
        return "  [DIFFERS FROM THE AUDIT LOG]"
    if logged is None and why is not None:
        return f"  [{_NOT_LOGGED[why][0]}]"
    return ""


# Why the audit log holds none of a sweep's records (``records.unlogged``): the tag on
# its lines, and the sentence said once after them. Not "missing": the table holds them.
_NOT_LOGGED = {
    records.EARLIER: (
        "from before the audit log kept a copy",
        "Records marked [from before the audit log kept a copy] were written by an earlier "
        "version of Receptionist: they were recorded in this table when they were made, "
        "as every sweep's are. The audit log has also kept a copy of each sweep's records "
        "since session 16, and of each erasure's since session 17, so there is no copy to "
        "check these against; nothing needs doing.",
    ),
    records.CUT_SHORT_YET: (
        "sweep cut short: the next sweep logs it",
        "Records marked [sweep cut short] are of a sweep that stopped before its end (the "
        "PC switched off, a full disk) or is still running: what it destroyed is recorded "
        "here, and the next sweep copies it into the audit log.",
    ),
    records.OLDER_THAN_LOG: (
        "older than the audit log",
        "Records marked [older than the audit log] are older than the audit log's oldest "
        "event: the log keeps its events only for the years set (retention.audit_years), "
        "and those of their time, with any copy of these records, have been removed.",
    ),
}
DIFFERS = (
    "Some destruction records differ from what the audit log holds for their "
    "sweep: a record was edited after the sweep. Run `receptionist audit verify`, and keep "
    "a copy of this file and its backups for whoever investigates."
)


GONE = (
    "The audit log holds the counts of {count} sweep(s) whose destruction records "
    "are gone ({ids}): they were deleted after the sweep. Run `receptionist audit verify`, "
    "and keep a copy of this file and its backups for whoever investigates."
)


def _since(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError("since", BAD_DAY) from None


def _zone(db: Database) -> ZoneInfo:
    """The clinic's time zone, which the lines' times are in (as `jobs list`'s)."""
    return zones.zone(patients.clinic_zone(db))


def _tell(kind: str, done: int) -> None:
    print(f"removed {done} {kind} rows...", file=sys.stderr, flush=True)


def _plan(plan: ops.Plan) -> dict[str, Any]:
    return {
        "dry_run": True,
        "at": plan.at,
        "counts": plan.counts,
        "policies": plan.policies,
        "patients": [{"id": p.id, "number": p.number, "name": p.name} for p in plan.patients],
        "backups": [str(path) for path in plan.backups],
        "held": plan.held,  # patients past their time whom a hold keeps
    }


def _plan_text(plan: ops.Plan, tz: ZoneInfo, most: int | None = None) -> str:
    """The dry run in lines: the counts per kind, then the patients (the first ``most``
    of them, None: all; the prompt before a sweep must not scroll 10,000 names by)."""
    # The date the policy is counted from, in the clinic's time as the person reads
    # the wall clock: the person is the check of the PC's clock (``retention.clockcheck``:
    # a person's sweep is not stopped by its doubt).
    when = f"{clinic_time(plan.at, tz)} by this PC's clock"
    lines = [f"A sweep now ({when}) would destroy (nothing has been changed):"]
    lines += [f"  {kind:<22} {n:>8}  ({plan.policies[kind]})" for kind, n in plan.counts.items()]
    shown = plan.patients if most is None else plan.patients[:most]
    if shown:
        lines.append("Patients whose record would go:")
        lines += [f"  {p.number:<12} {p.name}" for p in shown]
    if len(shown) < len(plan.patients):
        more = len(plan.patients) - len(shown)
        lines.append(f"  ... and {more} more: `receptionist sweep --dry-run` lists them all.")
    if plan.held:
        lines.append(f"{plan.held} patient(s) past their time are kept: on legal or medical hold.")
    return "\n".join(lines)


def cmd_hold(app: App) -> int:
    with app.database() as db:
        hold = ops.hold(db, app.ctx(db), app.args.patient, app.args.reason, app.args.kind)
    data = {
        "patient_id": hold.patient_id,
        "kind": hold.kind,
        "reason": hold.reason,
        "placed_at": hold.placed_at,
    }
    app.emit(data, f"Patient {app.args.patient} is on hold: no sweep removes their data.")
    return 0


def cmd_unhold(app: App) -> int:
    with app.database() as db:
        patient_id = ops.unhold(db, app.ctx(db), app.args.patient)
    app.emit(
        {"patient_id": patient_id, "held": False},
        f"Patient {app.args.patient}'s hold is lifted; the retention policy applies again.",
    )
    return 0
