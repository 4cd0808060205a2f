"""timeoff add|list|remove: a provider's time off, a room out of use, the clinic closed."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from receptionist.cli.common import App, examples
from receptionist.errors import UserError, ValidationError
from receptionist.ops import lookup, timeoff
from receptionist.ops.settings import clinic_info
from receptionist.ops.timeoff import Block
from receptionist.store.storage import Database
from receptionist.texts import QT_TRANSLATE_NOOP, Text, message

WHEN_HELP = (
    "YYYY-MM-DD or YYYY-MM-DDTHH:MM in the clinic's time zone; a date alone is the "
    "start of that day for --from and its end for --to"
)
LIST_DAYS = 366
# The core's fields as this command's options name them.
OPTIONS = {"start": "from", "end": "to"}
T = TypeVar("T")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    top = sub.add_parser("timeoff", help="time off and other blocked time")
    tsub = top.add_subparsers(dest="timeoff_cmd", required=True)
    p = tsub.add_parser(
        "add",
        help="block time: a provider's time off, a room, or the whole clinic",
        **examples(
            "receptionist timeoff add --provider aksoy --from 2026-12-24 --to 2026-12-31 "
            "--reason Holiday",
            "receptionist timeoff add --whole-clinic --from 2026-12-10T13:00 "
            "--to 2026-12-10T17:00 --reason Training",
        ),
    )
    whose = p.add_mutually_exclusive_group(required=True)
    whose.add_argument("--provider", help="the provider's id or name: their time off")
    whose.add_argument("--room", help="the room's id or name: the room is out of use")
    whose.add_argument("--whole-clinic", action="store_true", help="the whole clinic is closed")
    p.add_argument("--from", dest="start", metavar="WHEN", required=True, help=WHEN_HELP)
    p.add_argument("--to", dest="end", metavar="WHEN", required=True, help=WHEN_HELP)
    p.add_argument("--reason", default="", help="why, e.g. Conference (optional)")
    p.set_defaults(func=cmd_add)
    p = tsub.add_parser(
        "list",
        help=f"blocked time from a day on (default: today, for {LIST_DAYS} days)",
        **examples(
            "receptionist timeoff list --provider aksoy",
            "receptionist timeoff list --from 2026-12-01 --to 2026-12-31 --json",
        ),
    )
    p.add_argument("--provider", help="this provider's time off and the clinic's closures")
    p.add_argument("--room", help="this room's blocks and the clinic's closures")
    p.add_argument("--from", dest="start", metavar="WHEN", help=WHEN_HELP)
    p.add_argument("--to", dest="end", metavar="WHEN", help=WHEN_HELP)
    p.set_defaults(func=cmd_list)
    p = tsub.add_parser(
        "remove",
        help="remove blocked time",
        **examples("receptionist timeoff remove 3f2a9c1d"),
    )
    p.add_argument("id", help="the id `timeoff list` shows, or at least its first 6 characters")
    p.set_defaults(func=cmd_remove)


@contextmanager
def _options() -> Iterator[None]:
    """A refusal of the core's start or end names this command's --from or --to."""
    try:
        yield
    except ValidationError as exc:
        if exc.field in OPTIONS:
            raise ValidationError(OPTIONS[exc.field], message(exc)) from None
        raise


def _wall(text: str, *, end: bool) -> datetime | str:
    """A date alone is the start of that day (or, for an end, the start of the next);
    anything else goes to the core as typed, which reads it or says why not."""
    try:
        day = date.fromisoformat(text.strip())
        return datetime.combine(day + timedelta(days=1 if end else 0), time())
    except (ValueError, OverflowError):  # the core says what is wrong with it
        return text


def describe(block: Block, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "id": block.id,
        "kind": block.kind,
        "start": block.start_utc.astimezone(tz).isoformat(timespec="minutes"),
        "end": block.end_utc.astimezone(tz).isoformat(timespec="minutes"),
        "provider_id": block.provider_id,
        "provider": block.provider,
        "room_id": block.room_id,
        "room": block.room,
        "whole_clinic": block.provider_id is None and block.room_id is None,
        "reason": block.reason,
    }


def _line(d: dict[str, Any]) -> str:
    whose = d["provider"] or (f"room {d['room']}" if d["room"] else "whole clinic")
    when = f"{d['start'][:16].replace('T', ' ')} - {d['end'][:16].replace('T', ' ')}"
    reason = f"  {d['reason']}" if d["reason"] else ""
    return f"{d['id'][:8]}  {when}  {whose}{reason}"


def _found(db: Database, find: Callable[[Database, str], T], key: str | None) -> T | None:
    return find(db, key) if key is not None else None


def cmd_add(app: App) -> int:
    a = app.args
    with app.database() as db:
        ctx = app.ctx(db)
        provider = _found(db, lookup.provider, a.provider)
        room = _found(db, lookup.room, a.room)
        with _options():
            block = timeoff.add(
                db,
                ctx,
                start=_wall(a.start, end=False),
                end=_wall(a.end, end=True),
                provider_id=provider.id if provider else None,
                room_id=room.id if room else None,
                reason=a.reason,
            )
        data = describe(block, clinic_info(db).tz)
    app.emit(data, f"Blocked {_line(data)}.")
    return 0


def cmd_list(app: App) -> int:
    a = app.args
    if a.provider is not None and a.room is not None:
        raise UserError(Text(QT_TRANSLATE_NOOP("core", "Give --provider or --room, not both.")))
    with app.database() as db:
        ctx = app.ctx(db)
        tz = clinic_info(db).tz
        provider = _found(db, lookup.provider, a.provider)
        room = _found(db, lookup.room, a.room)
        today = datetime.combine(app.clock.now().astimezone(tz).date(), time())
        start = _wall(a.start, end=False) if a.start else today
        end = _wall(a.end, end=True) if a.end else _days_after(start, LIST_DAYS)
        with _options():
            blocks = timeoff.listing(
                db,
                ctx,
                start=start,
                end=end,
                provider_id=provider.id if provider else None,
                room_id=room.id if room else None,
            )
    rows = [describe(b, tz) for b in blocks]
    app.emit(rows, "\n".join(_line(r) for r in rows) or "No blocked time then.")
    return 0


def _days_after(start: datetime | str, days: int) -> datetime | str:
    """``days`` after ``start``; a start the core will refuse is left for it to name."""
    try:
        begin = start if isinstance(start, datetime) else datetime.fromisoformat(start.strip())
        return begin + timedelta(days=days)
    except (ValueError, OverflowError):
        return start


def cmd_remove(app: App) -> int:
    with app.database() as db:
        ctx = app.ctx(db)
        tz = clinic_info(db).tz
        block = timeoff.remove(db, ctx, app.args.id)
    data = describe(block, tz)
    app.emit(data, f"Removed {_line(data)}.")
    return 0
