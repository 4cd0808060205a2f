"""sweep [--dry-run]; patient hold|unhold (added to ``patient`` by patientcmds)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from receptionist.cli.common import App, examples
from receptionist.jobs.core import sweep_now
from receptionist.ops import audit as audit_ops
from receptionist.ops import retention as ops


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "sweep",
        help="destroy what the retention policy says is past its time (or show it: --dry-run)",
        **examples(
            "receptionist sweep --dry-run --json",
            "receptionist sweep --json",
            "receptionist sweep --audit-anchor anchor-2026-12-06.json --json",
        ),
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="only say what would go (counts per kind, and which patients); write nothing",
    )
    p.add_argument(
        "--audit-anchor",
        metavar="FILE",
        help="an anchor kept off this PC (`audit anchor --json`) that vouches for the audit "
        "log: audit events past retention.audit_years go only behind one (or a backup's)",
    )
    p.set_defaults(func=cmd_sweep)


def register_holds(psub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    h = psub.add_parser(
        "hold",
        help="put a patient on legal or medical hold: no retention sweep removes their data",
        **examples('receptionist patient hold A-12 --reason "court case 2026/114"'),
    )
    h.add_argument("patient", help="the patient's number, or id (or its first characters)")
    h.add_argument("--reason", required=True, help="why the data must be kept (who asked)")
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
            plan = ops.dry_run(db, ctx, app.data_dir)
            app.emit(_plan(plan), _plan_text(plan))
            return 0
        swept = sweep_now(
            db, ctx, app.data_dir, tell=_tell if not app.as_json else None, audit_anchor=kept
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
    }


def _plan_text(plan: ops.Plan) -> str:
    lines = ["A sweep now would destroy (nothing has been changed):"]
    lines += [f"  {kind:<22} {n:>8}  ({plan.policies[kind]})" for kind, n in plan.counts.items()]
    if plan.patients:
        lines.append("Patients whose record would go:")
        lines += [f"  {p.number:<12} {p.name}" for p in plan.patients]
    return "\n".join(lines)


def cmd_hold(app: App) -> int:
    with app.database() as db:
        hold = ops.hold(db, app.ctx(db), app.args.patient, app.args.reason)
    data = {"patient_id": hold.patient_id, "reason": hold.reason, "placed_at": hold.placed_at}
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
