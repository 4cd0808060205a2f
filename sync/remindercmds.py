"""reminders dispatch: one dispatch round now, through the channels the clinic set up
(SMTP, SMS, WhatsApp: network, so here and not in the core's command line); and
reminders status, the core's, with the PC holding the cloud's reminders lease."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from typing import Any

from receptionist import zones
from receptionist.cli.common import App, examples
from receptionist.cli.remindercmds import status_data, status_text
from receptionist.errors import UserError
from receptionist.ops import patients, reminders
from receptionist.ops.reminders import Item, Round
from receptionist.reminders.reasons import explain

from .jobs import reminder_lease
from .reminderlease import sending, take_over

SHOWN = ("sent", "skipped", "failed", "retrying", "unknown", "held", "looking_up")


def _reminders_actions(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    """The core's ``reminders`` group, to add the network's command to it."""
    group = sub.choices["reminders"]
    for action in group._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    raise LookupError("the core's reminders group has no subcommands")  # a bug


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = _reminders_actions(sub).add_parser(
        "dispatch",
        help="one dispatch round now: plan, then send what is due (the reminder station only)",
        **examples("receptionist reminders dispatch", "receptionist reminders dispatch --json"),
    )
    p.set_defaults(func=cmd_dispatch)
    _reminders_actions(sub).choices["status"].set_defaults(func=cmd_status)
    t = _reminders_actions(sub).add_parser(
        "take-over",
        help="the old reminder station is off: this PC (the named station) sends from now "
        "on, without waiting for the old one's lease to run out (an administrator)",
        **examples("receptionist reminders take-over", "receptionist reminders take-over --yes"),
    )
    t.add_argument(
        "--yes", action="store_true",
        help="do not ask (the old station must really be off, or messages may go twice)",
    )  # fmt: skip
    t.set_defaults(func=cmd_take_over)


def _data(done: Round) -> dict[str, Any]:
    data: dict[str, Any] = {
        "active": done.active,
        "reason": done.reason,
        "holder": done.holder,
        "planned": done.planned,
        "withdrawn": done.withdrawn,
        "needs_attention": {c: str(done.attention(c)) for c in sorted(done.causes)},
    }
    for state in SHOWN:
        data[state] = [_item(i, done.refused_senders) for i in done.of(state)]
    return data


def _item(item: Item, kept: dict[str, str]) -> dict[str, Any]:
    said = explain(item.reason, item.channel, kept.get(item.channel, ""))
    return {**asdict(item), "explained": str(said) if said else None}


def _text(data: dict[str, Any]) -> str:
    if not data["active"]:
        reasons = {
            "disabled": "reminders are off (settings set reminders.enabled true)",
            "not_station": "this PC is not the reminder station (reminders.station)",
            "lease_elsewhere": f"PC {data['holder']} holds the reminders' lease",
            "lease_unreachable": "the cloud endpoint cannot be reached to claim the lease",
            "no_lease": "this PC has no lease from the cloud endpoint",
        }
        return "Nothing sent: " + reasons.get(str(data["reason"]), str(data["reason"])) + "."
    lines = [f"planned {data['planned']}, withdrawn {data['withdrawn']}"]
    for state in SHOWN:
        for item in data[state]:
            why = f" ({item['reason']})" if item["reason"] else ""
            lines.append(
                f"{state:<9} {item['kind']:<12} {item['rule']:<12} {item['channel'] or '-'}{why}"
            )
            if item["explained"]:
                lines.append(f"    {item['explained']}")
    lines += list(data["needs_attention"].values())
    return "\n".join(lines)


def cmd_dispatch(app: App) -> int:
    from .channels.build import Senders  # httpx, smtplib: only to send

    with app.database() as db:
        ctx = app.ctx(db)
        made = Senders(db)
        done = reminders.run(db, ctx, app.clock, made, lease=reminder_lease(db, app.clock))
    data = _data(done)
    app.emit(data, _text(data))
    return 0


def cmd_status(app: App) -> int:
    """The core's ``reminders status``; with a cloud, also which PC holds the reminders'
    lease (asked of the endpoint, claiming nothing), by its name."""
    with app.database() as db:
        app.ctx(db)
        tz = zones.zone(patients.clinic_zone(db))
        lease = reminder_lease(db, app.clock)
        heard = lease.peek() if lease is not None else None
        found = reminders.status(db, sending(heard))
    data = status_data(found, tz)
    text = status_text(data)
    if heard is not None and heard.code:
        data["sender"] = {"code": heard.code, "name": heard.name, "this_pc": heard.here}
        said = "This PC sends reminders." if heard.here else f"Reminders sent by PC {heard.name}."
        text = "\n".join([said, *text.splitlines()[1:]])
    app.emit(data, text)
    return 0


def cmd_take_over(app: App) -> int:
    """An administrator's "the old reminder station is off: take over now", on the PC
    that should send (``reminderlease.take_over``); asks first unless ``--yes``."""
    with app.database() as db:
        ctx = app.ctx(db)
        reminders.may_take_over(db, ctx)  # refused before anything is asked
        tz = zones.zone(patients.clinic_zone(db))
        if not app.args.yes:
            if not sys.stdin.isatty():  # before asking the endpoint: nobody can answer
                raise UserError(
                    "Taking over ends the old reminder station's lease now; confirm it "
                    "with --yes once that PC is really off."
                )
            lease = reminder_lease(db, app.clock)
            heard = lease.peek() if lease is not None else None
            old = (
                f"PC {heard.name or heard.code}"
                if heard is not None and heard.code
                else "the old station"
            )
            if heard is not None and heard.here:
                old = "no other PC (this PC holds the lease)"
            answer = input(
                f"Take the reminders over from {old} now? That PC must really be off "
                "(or cut off from the internet): if it still runs, messages may go twice. "
                "Type TAKE OVER: "
            )
            if answer.strip().upper() != "TAKE OVER":
                print("Nothing was changed.")
                return 1
        taken = take_over(db, ctx)
    at = taken.at.astimezone(tz).strftime("%a %d %b %H:%M")
    if taken.from_code:
        text = (
            f"This PC sends the reminders from now on; PC {taken.from_name}'s lease ended "
            f"at {at}. Messages due before then are not sent from here: those due since "
            "that PC was last heard from, which it may or may not have sent, are marked "
            "unknown (reminders list --state unknown): check them and resend what never "
            "went."
        )
    else:
        text = f"This PC sends the reminders from now on (since {at}); no other PC held them."
    data = {
        "taken_from": {"code": taken.from_code, "name": taken.from_name} if taken.from_code
        else None,
        "at": taken.at,
    }  # fmt: skip
    app.emit(data, text)
    return 0
