"""google connect|map|swap|unmap|status|decide|sync, and ``sync --google``: Google Calendar sync.

``sync`` itself is the cloud's command (``cloudcmds``); registered after it, this
module adds its ``--google`` flag, which runs a Google round instead of a cloud one
(``google sync`` is the same round). Exit codes as the rest of the CLI, and 4 when a
round could not finish (Google unreachable, its quota spent, or the account needs
reconnecting): nothing is lost, what waits goes at the next round.
"""

from __future__ import annotations

import argparse
import logging
import sys
from contextlib import redirect_stdout
from functools import partial
from pathlib import Path
from typing import Any

from receptionist.cli.common import App, examples
from receptionist.context import Ctx
from receptionist.errors import ReceptionistError, ValidationError
from receptionist.google import account, calendars, decisions
from receptionist.google import status as google_status
from receptionist.google.shared import Shared
from receptionist.logs import FILE_ONLY
from receptionist.ops import settings as settings_ops
from receptionist.safelog import describe
from receptionist.store.storage import Database
from receptionist.texts import QT_TRANSLATE_NOOP, Text

from .google.worker import on_google_thread

# The Google client libraries (googleapiclient, google-auth, httplib2) are imported by
# the commands that call Google, not by every command line (as servercmds.py does).

log = logging.getLogger("receptionist.sync.google")  # under the CLI's log (cli.log)
NOT_FINISHED = {
    "needs_reconnect": QT_TRANSLATE_NOOP(
        "core",
        "Google refused the connected account (revoked or expired): run `receptionist google "
        "connect` again. Nothing was lost; what waits goes at the next round.",
    ),
    "quota": QT_TRANSLATE_NOOP(
        "core",
        "Google's daily quota for this account is spent; the round stopped and carries on "
        "tomorrow. Nothing was lost.",
    ),
    "offline": QT_TRANSLATE_NOOP(
        "core", "Google cannot be reached; nothing was lost: what waits goes at the next round."
    ),
    "error": QT_TRANSLATE_NOOP(
        "core", "Google refused part of the round; what failed is tried again at the next one."
    ),
}


ONE_OF_MAP = Text(
    QT_TRANSLATE_NOOP(
        "core",
        "Give either the calendar's id or --create (a new calendar for the provider), "
        "not both and not neither.",
    )
)


class RoundStopped(ReceptionistError):
    """A round could not finish: exit 4, nothing lost."""

    exit_code = 4


class GoogleUnavailable(ReceptionistError):
    """Google cannot do it now (the account refused, the quota spent, no network,
    Google busy): exit 3, as for a locked or busy file; nothing was changed."""

    exit_code = 3


class GoogleRefused(ReceptionistError):
    """Google refused the request itself (exit 1: not the input's fault; logged)."""


NOT_MADE = {
    "needs_reconnect": QT_TRANSLATE_NOOP(
        "core",
        "No calendar was made for {provider}: Google refused the connected account (revoked "
        "or expired). Run `receptionist google connect` again, then this command.",
    ),
    "quota": QT_TRANSLATE_NOOP(
        "core",
        "No calendar was made for {provider}: Google's daily quota for this account is "
        "spent. Try again tomorrow, or map a calendar the account has: receptionist google "
        "map PROVIDER CALENDAR_ID.",
    ),
    "offline": QT_TRANSLATE_NOOP(
        "core",
        "No calendar was made for {provider}: Google cannot be reached. Check the network "
        "and run this command again.",
    ),
    "busy": QT_TRANSLATE_NOOP(
        "core",
        "No calendar was made for {provider}: Google was busy ({detail}) and still is after "
        "retries. Run this command again later.",
    ),
    "refused": QT_TRANSLATE_NOOP(
        "core",
        "No calendar was made for {provider}: Google refused to make it ({detail}). Check "
        "that the connected account may create calendars, or map a calendar it has: "
        "receptionist google map PROVIDER CALENDAR_ID.",
    ),
}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("google", help="providers' Google Calendars: connect, map, sync")
    gsub = p.add_subparsers(dest="google_cmd", required=True, metavar="ACTION")
    c = gsub.add_parser(
        "connect",
        help="connect the clinic's Google account (kept encrypted, never in a plain file)",
        **examples(
            "receptionist google connect --authorized-user-file ~/authorized_user.json",
            "receptionist google connect --client-secrets ~/client_secret.json",
        ),
    )
    how = c.add_mutually_exclusive_group(required=True)
    how.add_argument(
        "--authorized-user-file",
        metavar="FILE",
        help="an authorized-user JSON made elsewhere (client_id, client_secret, "
        "refresh_token), for a PC with no browser; delete the file afterwards",
    )
    how.add_argument(
        "--client-secrets",
        metavar="FILE",
        help="the clinic's own OAuth client file (desktop app): opens the browser to "
        "sign in, answered on 127.0.0.1",
    )
    c.set_defaults(func=cmd_connect)
    m = gsub.add_parser(
        "map",
        help="send a provider's appointments to a calendar of the connected account",
        **examples(
            "receptionist google map 'Dr Ayşe' abc123@group.calendar.google.com",
            "receptionist google map ayse primary",
            "receptionist google map ayse --create",
        ),
    )
    m.add_argument("provider", help="the provider, by name (or part of it) or id")
    m.add_argument(
        "calendar_id",
        metavar="CALENDAR_ID",
        nargs="?",
        help="the calendar's id (its settings in Google show it), or primary",
    )
    m.add_argument(
        "--create",
        action="store_true",
        help='make a calendar "Receptionist – <provider>" in the account and map to it',
    )
    m.set_defaults(func=cmd_map)
    w = gsub.add_parser(
        "swap",
        help="swap two providers' calendars in one step (each one's appointments move to "
        "the other's calendar at the next round)",
        **examples("receptionist google swap 'Dr Ayşe' 'Dr Omar'", "receptionist google swap "
                   "ayse omar --json"),
    )  # fmt: skip
    w.add_argument("provider", help="a mapped provider, by name (or part of it) or id")
    w.add_argument("other", metavar="OTHER_PROVIDER", help="the other mapped provider")
    w.set_defaults(func=cmd_swap)
    u = gsub.add_parser(
        "unmap",
        help="stop sending a provider's appointments to Google (the events sent stay there)",
        description="Stop sending a provider's appointments to Google.\n\n"
        "The events already in the calendar are left there (remove them in Google if\n"
        "they should go); the blocked time read from the calendar's own events is\n"
        "removed. Mapping the provider again later pushes afresh, with no duplicates\n"
        "in the same calendar.",
        **examples(
            "receptionist google unmap 'Dr Ayşe'",
            "receptionist google unmap ayse --json",
        ),
    )
    u.add_argument("provider", help="the provider, by name (or part of it) or id")
    u.set_defaults(func=cmd_unmap)
    s = gsub.add_parser(
        "status",
        help="how Google sync stands: account, calendars, last round, what the desk decides",
        **examples("receptionist google status", "receptionist google status --json"),
    )
    s.set_defaults(func=cmd_status)
    d = gsub.add_parser(
        "decide",
        help="answer an appointment deleted or moved in Google (`google status` lists them)",
        **examples(
            "receptionist google decide 3f2a9c put_back",
            "receptionist google decide 3f2a9c move --override 'the provider moved it'",
            "receptionist google decide 3f2a9c keep",
        ),
    )
    d.add_argument("appointment", help="the appointment's id (its first 6 characters or more)")
    d.add_argument(
        "choice",
        choices=["put_back", "move", "keep"],
        help="deleted in Google: put_back (make the event again; or cancel the appointment "
        "as usual); moved in Google: move (the appointment to Google's time) or keep",
    )
    d.add_argument("--override", metavar="REASON", help="move despite conflicts, saying why")
    d.set_defaults(func=cmd_decide)
    r = gsub.add_parser(
        "sync",
        help="one Google round now (the same as `sync --google`)",
        **examples("receptionist google sync", "receptionist google sync --json"),
    )
    r.set_defaults(func=cmd_sync)
    _extend_sync(sub)


def _extend_sync(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``sync --google``: the cloud's ``sync`` command, given a flag for a Google round."""
    cloud_sync = sub.choices.get("sync")
    if cloud_sync is None:
        return
    cloud_sync.add_argument(
        "--google",
        action="store_true",
        help="a Google Calendar round instead (counts: created, updated, deleted, blocked, "
        "conflicts, errors)",
    )
    cloud_run = cloud_sync.get_default("func")

    def run(app: App) -> int:
        return cmd_sync(app) if app.args.google else int(cloud_run(app))

    cloud_sync.set_defaults(func=run)
    if cloud_sync.epilog and "--google" not in cloud_sync.epilog:
        cloud_sync.epilog += "\n  receptionist sync --google --json"


def cmd_connect(app: App) -> int:
    from .google import account as google_account
    from .google import service
    from .google.connect import browser_flow

    a = app.args
    if a.authorized_user_file:
        info = service.checked_info(
            service.read_file(Path(a.authorized_user_file), "authorized-user-file")
        )
    else:
        service.read_file(Path(a.client_secrets), "client-secrets")
        with redirect_stdout(sys.stderr):  # the sign-in address, never in --json output
            info = browser_flow(Path(a.client_secrets))  # not on the Google thread: no httplib2
    info = on_google_thread(partial(google_account.named, info))  # the account's address
    with app.database() as db:
        done = account.connect(db, app.ctx(db), info)
    data: dict[str, Any] = {"connected": True, "account": done.account or None}
    said = (
        f"Google account {done.account or ''} connected; its authorisation is kept "
        "encrypted. Map each provider next: receptionist google map PROVIDER CALENDAR_ID"
    )
    if done.switched:
        data |= {"previous_account": done.previous, "unmapped": done.unmapped}
        said = (
            f"Google account {done.account} connected, a different account than "
            f"{done.previous}: the mapping of {done.unmapped} providers to {done.previous}'s "
            "calendars was let go, with what this PC knew of their events; the appointments "
            "here are untouched. Map each provider again: receptionist google map PROVIDER "
            "CALENDAR_ID"
        )
    app.emit(data, said)
    return 0


def cmd_map(app: App) -> int:
    a = app.args
    if bool(a.create) == bool(a.calendar_id):
        raise ValidationError("calendar_id", ONE_OF_MAP)
    with app.database() as db:
        ctx = app.ctx(db)
        calendar_id = a.calendar_id or _created(db, ctx, a.provider)
        made = calendars.map_provider(db, ctx, a.provider, calendar_id)
    app.emit(
        {
            "provider_id": made.provider_id,
            "provider": made.provider,
            "calendar_id": made.calendar_id,
        },
        f"{made.provider}'s appointments go to {made.calendar_id} from the next round.",
    )
    return 0


def cmd_swap(app: App) -> int:
    with app.database() as db:
        made = calendars.swap(db, app.ctx(db), app.args.provider, app.args.other)
    app.emit(
        [{"provider_id": m.provider_id, "provider": m.provider, "calendar_id": m.calendar_id}
         for m in made],
        "\n".join(f"{m.provider}'s appointments go to {m.calendar_id} from the next round."
                   for m in made),
    )  # fmt: skip
    return 0


def cmd_unmap(app: App) -> int:
    with app.database() as db:
        done = calendars.unmap(db, app.ctx(db), app.args.provider)
    app.emit(
        {
            "provider_id": done.provider_id,
            "provider": done.provider,
            "calendar_id": done.calendar_id,
            "events_left": done.links,
            "blocks_removed": done.blocks,
        },
        f"{done.provider}'s appointments no longer go to {done.calendar_id}; the "
        f"{done.links} events sent stay in Google, {done.blocks} blocked times read from "
        "it were removed.",
    )
    return 0


def _created(db: Database, ctx: Ctx, provider_key: str) -> str:
    """A new "Receptionist – <provider>" calendar in the connected account: its id."""
    from .google import account as google_account
    from .google import round as google_round
    from .google.calls import Failed, Stop

    kept = account.kept(db)
    if not kept:
        raise ValidationError("google", google_round.NOT_CONNECTED)
    provider = calendars.provider_to_map(db, ctx, provider_key)
    zone = settings_ops.clinic_info(db).timezone
    try:
        return on_google_thread(lambda: google_account.create_calendar(kept, provider, zone))
    except Stop as exc:
        why = exc.status if exc.status in NOT_MADE else "offline"
        raise GoogleUnavailable(Text(NOT_MADE[why], provider=provider)) from None
    except Failed as exc:
        detail = f"HTTP {exc.status} {exc.reason}".strip()
        if exc.status >= 500 or exc.status == 429:
            busy = Text(NOT_MADE["busy"], provider=provider, detail=detail)
            raise GoogleUnavailable(busy) from None
        log.error("google map --create refused: %s", describe(exc), extra=FILE_ONLY)
        raise GoogleRefused(Text(NOT_MADE["refused"], provider=provider, detail=detail)) from None


def cmd_status(app: App) -> int:
    with app.database() as db:
        found = google_status.status(db)
    data = _status_data(found)
    when = f"{found.last_round_at:%Y-%m-%d %H:%M} UTC" if found.last_round_at else "never"
    where = found.station
    runs = "this PC" if where.is_here else (f"PC {where.named}" if where.named else "no PC")
    lines = [
        f"{'connected' if found.connected else 'not connected'}; {found.status}; last round "
        f"{when}; {found.waiting} waiting; {len(found.decisions)} for the desk to decide",
        f"Google station: {runs} (this PC is {where.here})",
        *_shared_line(found.shared),
        *(f"  {m.provider} -> {m.calendar_id}" for m in found.calendars),
        *(f"  {d.appointment_id[:8]} {d.kind}" for d in found.decisions),
    ]
    app.emit(data, "\n".join(lines))
    return 0


def _shared_line(found: Shared | None) -> list[str]:
    """How it stands on the station, as the station shared it (another PC only)."""
    if found is None:
        return []
    when = f"{found.last_round_at:%Y-%m-%d %H:%M} UTC" if found.last_round_at else "never"
    account = "connected" if found.connected else "not connected"
    return [
        f"  there: {account}; {found.status}; last round {when}; {found.changes} changes, "
        f"{found.errors} errors"
    ]


def _shared_data(found: Shared | None) -> dict[str, Any] | None:
    if found is None:
        return None
    return {
        "station": found.station,
        "connected": found.connected,
        "status": found.status,
        "last_round_at": found.last_round_at,
        "counts": found.counts,
    }


def _status_data(found: google_status.GoogleStatus) -> dict[str, Any]:
    return {
        "connected": found.connected,
        "account": found.account or None,
        "station": {
            "named": found.station.named or None,
            "this_pc": found.station.here,
            "runs_here": found.station.is_here,
            "shared": _shared_data(found.shared),
        },
        "status": found.status,
        "last_error": found.last_error or None,
        "last_round_at": found.last_round_at,
        "last_counts": found.last_counts,
        "waiting": found.waiting,
        "calendars": [
            {
                "provider_id": m.provider_id,
                "provider": m.provider,
                "calendar_id": m.calendar_id,
                "synced_once": m.synced_once,
            }
            for m in found.calendars
        ],
        "decisions": [
            {
                "appointment_id": d.appointment_id,
                "kind": d.kind,
                "proposed_start": d.proposed_start,
                "proposed_end": d.proposed_end,
            }
            for d in found.decisions
        ],
    }


def cmd_decide(app: App) -> int:
    a = app.args
    with app.database() as db:
        done = decisions.decide(db, app.ctx(db), a.appointment, a.choice, a.override)
    app.emit(
        {"appointment_id": done, "choice": a.choice},
        f"Appointment {done[:8]}: {a.choice.replace('_', ' ')}; Google follows at the next round.",
    )
    return 0


def cmd_sync(app: App) -> int:
    from .google import round as google_round

    with app.database() as db:
        done = on_google_thread(lambda: google_round.run(db, app.clock))
    counts = done.counts
    app.emit(
        {
            "status": done.status,
            "created": counts.created,
            "updated": counts.updated,
            "deleted": counts.deleted,
            "blocked": counts.blocked,
            "conflicts": counts.conflicts,
            "errors": counts.errors,
            "requests": counts.requests,
            "retries": counts.retries,
        },
        f"Google: {counts.created} created, {counts.updated} updated, {counts.deleted} "
        f"deleted, {counts.blocked} blocked, {counts.conflicts} for the desk, "
        f"{counts.errors} errors.",
    )
    if done.status != "ok":
        raise RoundStopped(Text(NOT_FINISHED.get(done.status, NOT_FINISHED["error"])))
    return 0
