"""conflicts list|resolve: what two PCs did differently while offline, settled by a person.

No network: the conflicts are the ones this PC pulled; a resolution is written here
and reaches the endpoint (and every PC) with the next ``receptionist sync``.
"""

from __future__ import annotations

import argparse
from typing import Any
from zoneinfo import ZoneInfo

from receptionist import zones
from receptionist.cli.common import App, examples
from receptionist.errors import ConflictError, ValidationError
from receptionist.ops import agenda, conflicts, lookup
from receptionist.ops.appointments import KEEP
from receptionist.ops.conflicts import ConflictView, Resolution
from receptionist.store.storage import Database
from receptionist.texts import QT_TRANSLATE_NOOP, Text

SIDE_HELP = "a side of the conflict as `conflicts list` labels it: A, B, ..."
KEEP_HELP = (
    "the booking that stays: a side as `conflicts list` labels it (A, B, ...), or its "
    "appointment's id (the first 6 characters or more)"
)
ID_HELP = "the conflict's id as `conflicts list` shows it, or its first 6 characters or more"
NOT_MOVED = QT_TRANSLATE_NOOP(
    "core", "Not moved. {reasons} Pick another time (`receptionist slots` lists free ones)."
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    top = sub.add_parser("conflicts", help="what two PCs did differently while offline")
    csub = top.add_subparsers(dest="conflicts_cmd", required=True)
    p = csub.add_parser(
        "list",
        help="the conflicts this PC knows, in plain words (open ones unless --all)",
        **examples("receptionist conflicts list", "receptionist conflicts list --all --json"),
    )
    p.add_argument("--all", action="store_true", help="resolved conflicts too, newest first")
    p.set_defaults(func=cmd_list)
    p = csub.add_parser(
        "resolve",
        help="settle a conflict; the next `receptionist sync` closes it on every PC",
        description=(
            "A double booking: keep one booking and move the other (--keep with --move-to, "
            "--provider, --room or --no-room), keep one and cancel all the others in one "
            "step (--keep with --cancel-others --reason; the reason stays on each cancelled "
            "booking), or keep both (--keep-both --reason, managers). --keep names a side "
            "(A, B) or the booking's appointment id. "
            "--called notes that the patient is being called; the conflict stays open. "
            "Two edits of one record: --choose the side whose values stay, or --field "
            "NAME=ours|theirs for each field they differ on (ours: the edit made on this "
            "PC; a side's label A, B works too), with --choose for the fields not named."
        ),
        **examples(
            "receptionist conflicts resolve 3f2a9c --keep A --move-to 2026-12-08T11:00",
            "receptionist conflicts resolve 3f2a9c --keep B --move-to 2026-12-08T10:00 "
            "--provider Demir",
            "receptionist conflicts resolve 3f2a9c --keep A --cancel-others --reason 'Patient "
            "asked to cancel'",
            "receptionist conflicts resolve 3f2a9c --keep 8d41e0c2 --cancel-others --reason "
            "'Booked twice while offline'",
            "receptionist conflicts resolve 3f2a9c --keep-both --reason 'Twins, one visit'",
            "receptionist conflicts resolve 3f2a9c --called",
            "receptionist conflicts resolve 7b1d04 --choose B",
            "receptionist conflicts resolve 7b1d04 --field phone=ours --field notes=theirs",
        ),
    )
    p.add_argument("id", help=ID_HELP)
    how = p.add_mutually_exclusive_group()
    how.add_argument("--keep", metavar="SIDE|APPOINTMENT", help=KEEP_HELP)
    how.add_argument(
        "--keep-both", action="store_true", help="accept the double booking (needs --reason)"
    )
    how.add_argument(
        "--called", action="store_true", help="the patient is being called (stays open)"
    )
    how.add_argument("--choose", metavar="SIDE", help="two edits: the side whose values stay")
    p.add_argument(
        "--field", metavar="NAME=SIDE", action="append", default=[],
        help="two edits: the value a field keeps, ours or theirs (repeatable)",
    )  # fmt: skip
    p.add_argument(
        "--move-to",
        metavar="ISO",
        help="with --keep: the other booking's new start, ISO 8601 in the clinic's time zone",
    )
    p.add_argument("--provider", help="with --keep: the other booking's new provider (id or name)")
    place = p.add_mutually_exclusive_group()
    place.add_argument("--room", help="with --keep: the other booking's new room (id or name)")
    place.add_argument(
        "--no-room", action="store_true", help="with --keep: the other booking has no room"
    )
    p.add_argument(
        "--cancel-others", "--cancel-other", dest="cancel_other", action="store_true",
        help="with --keep: cancel every other booking of the clash (needs --reason)",
    )  # fmt: skip
    p.add_argument("--reason", help="why: for --keep-both and --cancel-others")
    p.set_defaults(func=cmd_resolve)


# -- output ------------------------------------------------------------------------------


def described(c: ConflictView, tz: ZoneInfo) -> dict[str, Any]:
    state = "called" if c.called else ("open" if c.open else "resolved")
    return {
        "id": c.id, "kind": c.kind, "entity": c.entity, "row_id": c.row_id,
        "created_at": c.created_at.isoformat(), "state": state,
        "resolved_at": c.resolved_at.isoformat() if c.resolved_at else None,
        "resolution": c.resolution, "sent": not c.sending, "words": str(c.words),
        "sides": [
            {
                "label": s.label, "row_id": s.row_id, "device": str(s.device),
                "device_id": s.device_id, "refused": s.refused, "patient_id": s.patient_id,
                "patient": s.patient, "phone": s.phone, "provider_id": s.provider_id,
                "room_id": s.room_id, "here": s.here, "anonymised": s.anonymised,
                "start": s.start_utc.astimezone(tz).isoformat(timespec="minutes")
                if s.start_utc else None,
            }
            for s in c.sides
        ],
        "fields": [
            {"field": f.field, "values": list(f.values), "words": str(f.words)} for f in c.fields
        ],
    }  # fmt: skip


def _lines(d: dict[str, Any]) -> str:
    state = {"open": "", "called": "  [called]", "resolved": f"  [{d['resolution']}]"}[d["state"]]
    lines = [f"{d['id'][:8]}  {d['words']}{state}"]
    for side in d["sides"]:
        who = side["patient"] or "?"
        phone = f"  {side['phone']}" if side["phone"] else ""
        if d["kind"] != "overlap":
            lines.append(f"  {side['label']}: {who} on {side['device']}{phone}")
            continue
        when = f", {side['start'].replace('T', ' ')[:16]}" if side["start"] else ""
        # the appointment's id: what --keep takes besides the side's label
        where = "" if side["here"] else ", not on this PC"
        if side.get("anonymised"):  # nothing may move or cancel it (ops/conflicts.not_here)
            where += ", kept for statistics"
        lines.append(
            f"  {side['label']}: {who}{when} on {side['device']}{phone}"
            f"  [appointment {side['row_id'][:8]}{where}]"
        )
    lines += [f"  {f['words']}" for f in d["fields"]]
    return "\n".join(lines)


def cmd_list(app: App) -> int:
    with app.database() as db:
        ctx = app.ctx(db)
        tz = agenda.clinic(db, ctx).tz
        found = conflicts.listing(db, ctx, "all" if app.args.all else "open")
    data = [described(c, tz) for c in found]
    text = "\n".join(_lines(d) for d in data) if data else "No conflicts."
    app.emit(data, text)
    return 0


# -- resolving ---------------------------------------------------------------------------


def _checked(a: argparse.Namespace) -> None:
    """Options that only go with --keep, and the reasons that are required, before
    the file is opened: bad input writes nothing."""
    if not (a.keep or a.keep_both or a.called or a.choose or a.field):
        raise ValidationError("choose", _HOW)
    if a.field and (a.keep or a.keep_both or a.called):
        raise ValidationError("field", _FIELD_ONLY)
    _fields(a.field)
    moving = bool(a.move_to or a.provider or a.room or a.no_room)
    if not a.keep and (moving or a.cancel_other):
        option = "cancel-others" if a.cancel_other else "move-to"
        raise ValidationError(option, _ONLY_WITH_KEEP)
    if a.keep and moving == a.cancel_other:
        raise ValidationError("move-to", _MOVE_OR_CANCEL)
    if (a.keep_both or a.cancel_other) and not (a.reason or "").strip():
        raise ValidationError("reason", _REASON)
    if a.reason and not (a.keep_both or a.cancel_other):
        raise ValidationError("reason", _REASON_ONLY)


def _resolution(db: Database, a: argparse.Namespace, tz: ZoneInfo) -> Resolution:
    if a.called:
        return Resolution("call")
    if a.choose or a.field:
        return Resolution("choose", choose=a.choose or "", fields=_fields(a.field))
    if a.keep_both:
        return Resolution("keep_both", reason=a.reason)
    if a.cancel_other:
        return Resolution("cancel", keep=a.keep, reason=a.reason)
    return Resolution(
        "move", keep=a.keep,
        start=zones.local_to_utc(a.move_to, tz, field="move-to") if a.move_to else None,
        provider_id=lookup.provider(db, a.provider).id if a.provider else None,
        room_id=None if a.no_room else (lookup.room(db, a.room).id if a.room else KEEP),
    )  # fmt: skip


def _fields(given: list[str]) -> dict[str, str]:
    """``--field NAME=SIDE`` options as field name -> side, each named once."""
    found: dict[str, str] = {}
    for item in given:
        name, sep, side = item.partition("=")
        name, side = name.strip(), side.strip()
        if not sep or not name or not side:
            raise ValidationError("field", _FIELD_FORM)
        if name in found:
            raise ValidationError("field", Text(_TWICE, name=name))
        found[name] = side
    return found


def cmd_resolve(app: App) -> int:
    a = app.args
    _checked(a)
    with app.database() as db:
        ctx = app.ctx(db)
        tz = agenda.clinic(db, ctx).tz
        conflict_id = lookup.conflict(db, a.id)
        try:
            done = conflicts.resolve(db, ctx, conflict_id, _resolution(db, a, tz))
        except ConflictError as exc:
            reasons = " ".join(str(c.reason) for c in exc.conflicts)
            raise ConflictError(Text(NOT_MOVED, reasons=reasons), exc.conflicts) from None
        except ValidationError as exc:
            raise ValidationError(_OPTIONS.get(exc.field, exc.field), exc.args[0]) from None
    data = described(done, tz)
    said = "Noted: the patient is being called." if done.called else "Resolved"
    app.emit(data, f"{said}\n{_lines(data)}")
    return 0


_OPTIONS = {"start": "move-to", "override_reason": "reason", "room_id": "room"}
_ONLY_WITH_KEEP = Text(
    QT_TRANSLATE_NOOP(
        "core", "--move-to, --provider, --room, --no-room and --cancel-others go with --keep."
    )
)
_MOVE_OR_CANCEL = Text(
    QT_TRANSLATE_NOOP(
        "core",
        "With --keep, say what becomes of the other booking: --move-to (and/or --provider, "
        "--room, --no-room), or --cancel-others.",
    )
)
_REASON = Text(QT_TRANSLATE_NOOP("core", "Say why with --reason."))
_HOW = Text(
    QT_TRANSLATE_NOOP(
        "core", "Say how to settle it: --keep, --keep-both, --called, --choose or --field."
    )
)
_FIELD_ONLY = Text(
    QT_TRANSLATE_NOOP("core", "--field settles two edits; it does not go with --keep or --called.")
)
_FIELD_FORM = Text(
    QT_TRANSLATE_NOOP("core", "Write --field as NAME=ours or NAME=theirs, e.g. --field phone=ours.")
)
_TWICE = QT_TRANSLATE_NOOP("core", "--field names {name} twice; name each field once.")
_REASON_ONLY = Text(QT_TRANSLATE_NOOP("core", "--reason goes with --keep-both or --cancel-others."))
