"""reminders rules list|set|reset: each service's reminder rules, or the clinic's
(``receptionist.ops.servicerules``). A service is named as everywhere (its name, a
unique part of it, or the short id ``service list`` prints) and stored by its id."""

from __future__ import annotations

import argparse
from typing import Any

from receptionist.cli.common import App, examples
from receptionist.errors import ValidationError
from receptionist.ops import servicerules
from receptionist.ops.servicerules import RulesView
from receptionist.texts import QT_TRANSLATE_NOOP, Text

ON_OFF = ("on", "off")
SWITCHES = {
    "confirmation": "a message when an appointment of this service is booked",
    "reschedule": "a message when one is moved",
    "cancellation": "a message when one is cancelled",
}


def register(rsub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``rules`` (list, set, reset) under ``reminders``."""
    top = rsub.add_parser(
        "rules",
        help="the reminder times and messages of each service: the clinic's, or its own",
        **examples(
            "receptionist reminders rules list",
            "receptionist reminders rules set --service Check-up --offsets 2h --confirmation off",
            "receptionist reminders rules reset --service Check-up",
        ),
    )
    tsub = top.add_subparsers(dest="rules_cmd", required=True, metavar="ACTION")
    p = tsub.add_parser(
        "list",
        help="each service's rules, and whether they are its own or the clinic's",
        **examples("receptionist reminders rules list", "receptionist reminders rules list --json"),
    )
    p.set_defaults(func=cmd_list)
    s = tsub.add_parser(
        "set",
        help="a service's own rules; what is not given stays as it was (its own, or the clinic's)",
        **examples(
            "receptionist reminders rules set --service Check-up --offsets 24h,2h",
            "receptionist reminders rules set --service implant --offsets 48h "
            "--confirmation off --reschedule on",
        ),
    )
    _service(s)
    s.add_argument(
        "--offsets",
        help="how long before an appointment each reminder goes, like 24h,2h (m, h, d; at "
        "most four); '' for no reminders for this service",
    )
    for name, what in SWITCHES.items():
        s.add_argument(f"--{name}", choices=ON_OFF, help=f"on or off: {what}")
    s.set_defaults(func=cmd_set)
    r = tsub.add_parser(
        "reset",
        help="a service follows the clinic's rules again",
        **examples("receptionist reminders rules reset --service Check-up"),
    )
    _service(r)
    r.set_defaults(func=cmd_reset)


def _service(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--service",
        required=True,
        help="the service: its name (or a unique part of it) or the short id "
        "`service list --all` prints",
    )


def data(found: RulesView) -> dict[str, Any]:
    return {
        "clinic": dict(found.clinic),
        "services": [
            {
                "id": row.service_id,
                "name": row.name,
                "active": row.active,
                "own": dict(row.own),
                "offsets": row.offsets,
                "confirmation": row.confirmation,
                "reschedule": row.reschedule,
                "cancellation": row.cancellation,
            }
            for row in found.services
        ],
        # Stored keys that name no service here (deleted, or saved before keys were
        # checked): ignored; dropped by the next change.
        "ignored": list(found.gone),
        "dropped": list(found.dropped),
        # Ids of services made on another PC and not synced here yet: their rules are
        # kept as they are, and apply once the service arrives.
        "not_here_yet": list(found.pending),
    }


def _flags(d: dict[str, Any], own: dict[str, Any] | None = None) -> str:
    words = []
    for name in SWITCHES:
        mark = "*" if own is not None and name in own else ""
        words.append(f"{name} {'on' if d[name] else 'off'}{mark}")
    return ", ".join(words)


def text(d: dict[str, Any]) -> str:
    clinic = d["clinic"]
    lines = [f"Clinic: {clinic['offsets'] or 'no reminders'}; {_flags(clinic)}"]
    for row in d["services"]:
        name = row["name"] if row["active"] else f"{row['name']} (inactive)"
        head = f"{row['id'][:8]}  {name}: "
        if not row["own"]:
            lines.append(head + "the clinic's rules")
            continue
        times = row["offsets"] or "no reminders"
        mark = "*" if "offsets" in row["own"] else ""
        lines.append(head + f"{times}{mark}; {_flags(row, row['own'])}")
    if any(row["own"] for row in d["services"]):
        lines.append("(* the service's own; the rest the clinic's)")
    if d["dropped"]:
        lines.append(
            "Dropped the rules kept for what is no service now: " + ", ".join(d["dropped"])
        )
    elif d["ignored"]:
        lines.append(
            "Ignored, naming no service now (deleted, or saved by name before names were "
            "checked): " + ", ".join(d["ignored"]) + ". Set that service's rules again with "
            "reminders rules set; the next change drops these."
        )
    if d["not_here_yet"]:
        lines.append(
            "Not on this PC yet (made on another PC, not synced here): "
            + ", ".join(key[:8] for key in d["not_here_yet"])
            + ". Their rules are kept and apply once the service arrives."
        )
    return "\n".join(lines)


def cmd_list(app: App) -> int:
    with app.database() as db:
        found = servicerules.view(db, app.ctx(db))
    d = data(found)
    app.emit(d, text(d))
    return 0


def cmd_set(app: App) -> int:
    a = app.args
    switches = {name: getattr(a, name) for name in SWITCHES}
    if a.offsets is None and all(v is None for v in switches.values()):
        raise ValidationError(
            "offsets",
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "Give what to change: --offsets, --confirmation, --reschedule or "
                    "--cancellation (reminders rules reset goes back to the clinic's).",
                )
            ),
        )
    on = {name: None if v is None else v == "on" for name, v in switches.items()}
    with app.database() as db:
        found = servicerules.set_rule(
            db,
            app.ctx(db),
            a.service,
            offsets=a.offsets,
            confirmation=on["confirmation"],
            reschedule=on["reschedule"],
            cancellation=on["cancellation"],
        )
    d = data(found)
    app.emit(d, text(d))
    return 0


def cmd_reset(app: App) -> int:
    with app.database() as db:
        found = servicerules.reset(db, app.ctx(db), app.args.service)
    d = data(found)
    app.emit(d, text(d))
    return 0
