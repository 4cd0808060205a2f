"""commlog add|list: the calls, messages and visits logged for a patient, through
``receptionist.ops.commlog``."""

from __future__ import annotations

import argparse
from typing import Any
from zoneinfo import ZoneInfo

from receptionist import zones
from receptionist.cli.common import App, examples, whole_number
from receptionist.cli.patientcmds import PATIENT_HELP, options_named, read_stdin
from receptionist.errors import ValidationError
from receptionist.ops import commlog, lookup, patients
from receptionist.ops.commlog import CHANNELS, DIRECTIONS, LIST_LIMIT, LogRow
from receptionist.texts import QT_TRANSLATE_NOOP, Text

# What the core calls two inputs, and the options that give them.
_FIELDS = {"occurred_at": "at", "appointment_id": "appointment"}
# Read from standard input at most: far more than a summary may hold (2,000 characters).
MAX_SUMMARY_BYTES = 64 * 1024


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    log = sub.add_parser("commlog", help="the communication log: calls and messages with patients")
    csub = log.add_subparsers(dest="commlog_cmd", required=True)
    p = csub.add_parser(
        "add",
        help="log a call, message or visit with a patient",
        **examples(
            'receptionist commlog add A-12 --channel phone --direction in --summary "Asked to '
            'move Friday"',
            "receptionist commlog add A-12 --channel sms --direction out --at 2026-12-01T09:30 "
            "--summary - < note.txt",
        ),
    )
    p.add_argument("patient", help=PATIENT_HELP)
    p.add_argument("--channel", required=True, choices=CHANNELS, help="how: " + ", ".join(CHANNELS))
    p.add_argument(
        "--direction", required=True, choices=DIRECTIONS, help="in: from the patient; out: to them"
    )
    p.add_argument(
        "--summary",
        required=True,
        help="what was said or sent (up to 2000 characters); '-' reads it from standard "
        "input, so it stays out of shell history",
    )
    p.add_argument(
        "--at",
        help="when, in the clinic's time zone (ISO 8601 such as 2026-12-01T09:30; default: now)",
    )
    p.add_argument(
        "--appointment",
        metavar="ID",
        help="the patient's appointment it was about: its id or first 6 characters",
    )
    p.set_defaults(func=cmd_add)

    p = csub.add_parser(
        "list",
        help="a patient's log, newest first",
        **examples("receptionist commlog list A-12", "receptionist commlog list A-12 --limit 10"),
    )
    p.add_argument("patient", help=PATIENT_HELP)
    p.add_argument(
        "--limit",
        type=whole_number(1, LIST_LIMIT),
        default=LIST_LIMIT,
        help=f"at most this many, 1 to {LIST_LIMIT} (default {LIST_LIMIT})",
    )
    p.set_defaults(func=cmd_list)


def _data(row: LogRow, tz: ZoneInfo) -> dict[str, Any]:
    e = row.entry
    return {
        "id": e.id,
        "patient_id": e.patient_id,
        "occurred_at": e.occurred_at.astimezone(tz).isoformat(timespec="minutes"),
        "channel": e.channel,
        "direction": e.direction,
        "summary": e.summary,
        "recorded_by": e.recorded_by,
        "by": row.by,
        "appointment_id": e.appointment_id,
        # A failed message's reason code, as the dispatcher logged it (None: none, or an
        # entry logged before 0036, whose summary names it), and in words: what
        # happened, what to do (None: none).
        "reason": e.reason or None,
        "explained": str(row.explained) if row.explained else None,
    }


def _line(d: dict[str, Any]) -> str:
    when = d["occurred_at"][:16].replace("T", " ")
    lines = d["summary"].splitlines() or [""]
    more = " …" if len(lines) > 1 else ""
    line = f"{when}  {d['channel']:<9} {d['direction']:<3} {d['by']:<12} {lines[0]}{more}"
    if not d["explained"]:
        return line
    code = f" ({d['reason']})" if d["reason"] else ""  # the code the operators' guide lists
    return f"{line}\n    {d['explained']}{code}"


def _summary(given: str) -> str:
    if given != "-":
        return given
    raw = read_stdin(MAX_SUMMARY_BYTES)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(
            "summary",
            Text(
                QT_TRANSLATE_NOOP("core", "The summary given is not UTF-8 text; save it as UTF-8.")
            ),
        ) from None


def cmd_add(app: App) -> int:
    a = app.args
    summary = _summary(a.summary)
    with app.database() as db:
        ctx = app.ctx(db)
        found = lookup.patient(db, a.patient)
        appointment = lookup.appointment(db, a.appointment) if a.appointment else None
        with options_named(_FIELDS):
            row = commlog.add(
                db,
                ctx,
                found.id,
                channel=a.channel,
                direction=a.direction,
                summary=summary,
                occurred_at=a.at,
                appointment_id=appointment,
            )
        data = _data(row, zones.zone(patients.clinic_zone(db)))
    app.emit(data, "Logged: " + _line(data))
    return 0


def cmd_list(app: App) -> int:
    with app.database() as db:
        ctx = app.ctx(db)
        found = lookup.patient(db, app.args.patient)
        tz = zones.zone(patients.clinic_zone(db))
        data = [_data(r, tz) for r in commlog.listing(db, ctx, found.id, limit=app.args.limit)]
    app.emit(data, "\n".join(_line(d) for d in data) or "Nothing logged yet.")
    return 0
