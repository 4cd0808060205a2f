"""waitlist add|list|remove: patients who want an earlier slot.

The same list the app's Waitlist window shows, through ``receptionist.ops.waitlist``;
a slot freed anywhere (this CLI too) is offered to it by the core's reaction.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from receptionist.cli.common import App, examples
from receptionist.errors import ValidationError
from receptionist.ops import lookup, waitlist
from receptionist.ops.waitlist import WaitlistRow, Wishes
from receptionist.texts import QT_TRANSLATE_NOOP, Text, message

PRIORITY = {"normal": 0, "soon": 1, "urgent": 2}
PRIORITY_NAMES = {number: name for name, number in PRIORITY.items()}
# The core's names of the fields that this command spells otherwise.
OPTIONS = {"times_of_day": "times", "weekdays": "days", "latest_date": "latest"}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    wait = sub.add_parser("waitlist", help="patients who want an earlier slot: add, list, remove")
    wsub = wait.add_subparsers(dest="waitlist_cmd", required=True)
    _add(wsub)
    _list(wsub)
    _remove(wsub)


def _add(wsub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = wsub.add_parser(
        "add",
        help="put a patient on the waitlist",
        **examples(
            "receptionist waitlist add --patient A-12 --service Check-up",
            "receptionist waitlist add --patient A-12 --service Check-up --provider Aksoy "
            "--latest 2026-12-31 --times morning --days mon,wed --priority soon",
        ),
    )
    p.add_argument("--patient", required=True, help="patient number (A-12) or id")
    p.add_argument("--service", required=True, help="id or an unambiguous name")
    p.add_argument("--provider", help="only with this provider: id or name (default: any)")
    p.add_argument("--earliest", metavar="DATE", help="not before this day, YYYY-MM-DD")
    p.add_argument("--latest", metavar="DATE", help="not after this day, YYYY-MM-DD")
    p.add_argument(
        "--times",
        metavar="LIST",
        default="",
        help="times of day that suit, comma-separated: "
        + ",".join(waitlist.TIMES_OF_DAY)
        + " (default: any)",
    )
    p.add_argument(
        "--days",
        metavar="LIST",
        default="",
        help="weekdays that suit, comma-separated: "
        + ",".join(waitlist.WEEKDAYS)
        + " (default: any)",
    )
    p.add_argument(
        "--priority", choices=PRIORITY, default="normal", help="%(choices)s (default: normal)"
    )
    p.add_argument("--note", default="", help="a short note for the desk")
    p.set_defaults(func=cmd_add)


def _list(wsub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = wsub.add_parser(
        "list",
        help="the waitlist, most urgent first, then longest waiting",
        **examples("receptionist waitlist list", "receptionist waitlist list --all --json"),
    )
    p.add_argument("--all", action="store_true", help="also the entries already booked or removed")
    p.set_defaults(func=cmd_list)


def _remove(wsub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = wsub.add_parser(
        "remove",
        help="take an entry off the waitlist",
        **examples(
            "receptionist waitlist remove 7c01de", "receptionist waitlist remove 7c01de --booked"
        ),
    )
    p.add_argument("entry", metavar="ID", help="the entry's id, or its first 6 characters or more")
    p.add_argument(
        "--booked", action="store_true", help="the patient got a slot (default: just removed)"
    )
    p.set_defaults(func=cmd_remove)


# -- output ------------------------------------------------------------------------------


def described(r: WaitlistRow) -> dict[str, Any]:
    return {
        "id": r.id,
        "patient_id": r.patient_id,
        "patient": r.patient_name,
        "service_id": r.service_id,
        "service": r.service_name,
        "provider_id": r.provider_id,
        "provider": r.provider_name or None,
        "earliest": r.earliest_date,
        "latest": r.latest_date,
        "times": list(r.times_of_day),
        "days": list(r.weekdays),
        "priority": PRIORITY_NAMES.get(r.priority, str(r.priority)),
        "note": r.note,
        "status": r.status,
        "added": r.created_at,
    }


def _line(d: dict[str, Any]) -> str:
    between = ""
    if d["earliest"] or d["latest"]:
        between = f"{d['earliest'] or '…'}..{d['latest'] or '…'}"
    wishes = " ".join(x for x in (between, ",".join(d["times"]), ",".join(d["days"])) if x)
    return (
        f"{d['id'][:8]}  {d['priority']:<7} {d['status']:<8} {d['service']:<18} "
        f"{d['provider'] or 'any provider':<22} {wishes or 'any time':<28} {d['patient']}"
    )


# -- handlers ----------------------------------------------------------------------------


def _date(text: str | None, field: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(
            field, Text(QT_TRANSLATE_NOOP("core", "The date must look like 2026-12-01."))
        ) from None


def _listed(text: str) -> tuple[str, ...]:
    return tuple(word.strip().lower() for word in text.split(",") if word.strip())


@contextmanager
def _named_as_options() -> Iterator[None]:
    """A refusal of the core names this command's option (``--times``), not its field."""
    try:
        yield
    except ValidationError as exc:
        if exc.field not in OPTIONS:
            raise
        raise ValidationError(OPTIONS[exc.field], message(exc)) from None


def cmd_add(app: App) -> int:
    a = app.args
    earliest, latest = _date(a.earliest, "earliest"), _date(a.latest, "latest")
    with app.database() as db, _named_as_options():
        ctx = app.ctx(db)
        wishes = Wishes(
            patient_id=lookup.patient(db, a.patient).id,
            service_id=lookup.service(db, a.service).id,
            provider_id=lookup.provider(db, a.provider).id if a.provider else None,
            earliest=earliest,
            latest=latest,
            times_of_day=_listed(a.times),
            weekdays=_listed(a.days),
            note=a.note,
            priority=PRIORITY[a.priority],
        )
        data = described(waitlist.add(db, ctx, wishes))
    app.emit(data, "On the waitlist: " + _line(data))
    return 0


def cmd_list(app: App) -> int:
    with app.database() as db:
        rows = waitlist.listing(db, app.ctx(db), active_only=not app.args.all)
    data = [described(r) for r in rows]
    app.emit(data, "\n".join(_line(d) for d in data) or "Nobody is on the waitlist.")
    return 0


def cmd_remove(app: App) -> int:
    with app.database() as db:
        ctx = app.ctx(db)
        entry_id = waitlist.find(db, app.args.entry)
        data = described(waitlist.remove(db, ctx, entry_id, booked=app.args.booked))
    said = "Booked, off the waitlist: " if app.args.booked else "Off the waitlist: "
    app.emit(data, said + _line(data))
    return 0
