"""cloud connect|invite|devices|revoke|anchor|rotate, join, sync [status], conflicts list|resolve.

Exit codes as the rest of the CLI, and 4 when the cloud endpoint cannot be reached
(nothing is lost: what waits is sent next time).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from receptionist.cli.common import App, examples, read_secret
from receptionist.context import SYSTEM, Ctx
from receptionist.errors import PermissionDenied, ReceptionistError, ValidationError
from receptionist.ops import replica
from receptionist.ops.setup import initialise_empty
from receptionist.store.storage import Database
from receptionist.store.vault import Created, DataDir
from receptionist.texts import QT_TRANSLATE_NOOP, Text

from .round import Unreachable

SERVER_HELP = "the endpoint's address, https://... (http:// only for one on this PC)"


class Offline(ReceptionistError):
    """The endpoint cannot be reached: exit 4, nothing lost."""

    exit_code = 4


def _offline(exc: Unreachable) -> Offline:
    return Offline(
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "The cloud endpoint cannot be reached ({why}); nothing was lost: what waits "
                "is sent at the next sync.",
            ),
            why=str(exc),
        )
    )


def _revoked_not_rotated(done: dict[str, Any], exc: Unreachable) -> Offline:
    """The revoke went through; the rotation that must follow did not (no later sync
    does it by itself)."""
    return Offline(
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "Revoked {name} (device {code}), but the clinic key was not rotated: the "
                "cloud endpoint stopped answering ({why}). Run receptionist cloud rotate "
                "once it answers, so the revoked PC cannot read what is written next.",
            ),
            name=done["name"],
            code=done["code"],
            why=str(exc),
        )
    )


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("cloud", help="this PC and the clinic's cloud endpoint")
    csub = p.add_subparsers(dest="cloud_cmd", required=True, metavar="ACTION")
    c = csub.add_parser(
        "connect",
        help="the clinic's first PC: register with the operator's connect code, upload",
        **examples(
            "receptionist cloud connect --server https://cloud.example.com --code K7M2Q-..."
        ),
    )
    c.add_argument("--server", required=True, help=SERVER_HELP)
    c.add_argument("--code", required=True, help="the one-time code `server add-clinic` printed")
    c.add_argument("--name", help="this PC's name in the device list (default: its host name)")
    c.set_defaults(func=cmd_connect)
    i = csub.add_parser(
        "invite",
        help="a one-time code for another PC to join this clinic (administrators)",
        **examples("receptionist cloud invite", "receptionist cloud invite --hours 2"),
    )
    i.add_argument("--hours", type=int, default=24, help="how long the code works, 1 to 168")
    i.set_defaults(func=cmd_invite)
    d = csub.add_parser(
        "devices", help="the clinic's PCs", **examples("receptionist cloud devices --json")
    )
    d.set_defaults(func=cmd_devices)
    r = csub.add_parser(
        "revoke",
        help="revoke a PC at once (its code in the device list, or its id)",
        **examples("receptionist cloud revoke B"),
    )
    r.add_argument("device", help="the device's code (A, B, ...) or id")
    r.set_defaults(func=cmd_revoke)
    a = csub.add_parser(
        "anchor",
        help="check this PC's audit log against the anchor the endpoint keeps of it",
        **examples("receptionist cloud anchor", "receptionist cloud anchor --accept"),
    )
    a.add_argument(
        "--accept",
        action="store_true",
        help="after a restore from a backup: accept that the log no longer holds the "
        "endpoint's anchor (administrators; the break stays on record)",
    )
    a.set_defaults(func=cmd_anchor)

    k = csub.add_parser(
        "rotate",
        help="a new clinic key for every PC not revoked; every record sealed again under it "
        "(administrators; `cloud revoke` does it too)",
        **examples("receptionist cloud rotate --json"),
    )
    k.set_defaults(func=cmd_rotate)

    j = sub.add_parser(
        "join",
        help="make this PC's clinic file and join a clinic with an invitation",
        **examples(
            "receptionist join --server https://cloud.example.com --code 3F9A2C.p1b-Xy...",
            "receptionist --data-dir D:/Clinic join --server https://cloud.example.com --code ...",
        ),
    )
    j.add_argument("--server", required=True, help=SERVER_HELP)
    j.add_argument("--code", required=True, help="the code `cloud invite` printed on another PC")
    j.add_argument("--name", help="this PC's name in the device list (default: its host name)")
    j.set_defaults(func=cmd_join)

    s = sub.add_parser(
        "sync",
        help="one sync round now: push what waits, pull what others did",
        **examples("receptionist sync", "receptionist sync --json"),
    )
    s.add_argument("what", nargs="?", choices=["status"], help="status: how sync stands")
    s.set_defaults(func=cmd_sync)


def cmd_connect(app: App) -> int:
    from . import cloud  # httpx and the sync client: only to reach the endpoint

    a = app.args
    with app.database() as db:
        ctx = app.ctx(db)
        try:
            joined = cloud.connect(db, ctx, a.server, a.code, a.name or cloud.default_name())
            done = cloud.sync_once(db, app.clock)
        except Unreachable as exc:
            raise _offline(exc) from None
    app.emit(
        {"device_id": joined.device_id, "device_code": joined.device_code,
         "uploaded": done.uploaded, "pulled": done.pulled},
        f"Connected as {joined.device_name} (device {joined.device_code}); "
        f"{done.uploaded:,} records uploaded.",
    )  # fmt: skip
    return 0


def cmd_invite(app: App) -> int:
    from . import cloud  # httpx and the sync client: only to reach the endpoint

    hours = app.args.hours
    if not 1 <= hours <= 168:
        raise _bad("hours", "--hours is 1 to 168.")
    with app.database() as db:
        try:
            made = cloud.invite(db, app.ctx(db), hours)
        except Unreachable as exc:
            raise _offline(exc) from None
    app.emit(
        {"code": made.code, "expires_at": made.expires_at},
        f"Invitation code (one use, until {made.expires_at}):\n\n    {made.code}\n\n"
        "On the new PC: receptionist join --server URL --code CODE",
    )
    return 0


def _bad(field: str, message: str) -> ReceptionistError:
    return ValidationError(field, message)


def cmd_devices(app: App) -> int:
    from . import cloud  # httpx and the sync client: only to reach the endpoint

    with app.database() as db:
        try:
            with cloud.client_for(db) as client:
                found = client.devices()
        except Unreachable as exc:
            raise _offline(exc) from None
    lines = [
        f"{d['code']:<4} {d['name']:<24} {'revoked' if d['revoked_at'] else 'active'}"
        f"  last seen {d['last_seen_at'] or 'never'}"
        for d in found
    ]
    app.emit(found, "\n".join(lines))
    return 0


def cmd_revoke(app: App) -> int:
    from . import cloud  # httpx and the sync client: only to reach the endpoint

    wanted = app.args.device.strip()
    with app.database() as db:
        ctx = app.ctx(db)
        if not ctx.actor.may("keys.manage"):
            raise PermissionDenied(replica.CANNOT)
        try:
            with cloud.client_for(db) as client:
                match = [d for d in client.devices() if wanted in (d["code"], d["id"])]
                if len(match) != 1:
                    raise _bad("device", f"No device has the code or id {wanted!r}.")
                done = client.revoke(match[0]["id"])
        except Unreachable as exc:
            raise _offline(exc) from None
        try:  # what is written from now on must be out of the revoked PC's reach
            rotated = cloud.rotate(db, ctx)
        except Unreachable as exc:
            raise _revoked_not_rotated(done, exc) from None
    app.emit(
        {**done, "generation": rotated.generation},
        f"Revoked {done['name']} (device {done['code']}); the clinic key was rotated to "
        f"generation {rotated.generation}.",
    )
    return 0


def cmd_rotate(app: App) -> int:
    from . import cloud  # httpx and the sync client: only to reach the endpoint

    with app.database() as db:
        ctx = app.ctx(db)
        try:
            done = cloud.rotate(db, ctx)
        except Unreachable as exc:
            raise _offline(exc) from None
    app.emit(
        {"generation": done.generation, "devices": done.devices, "resealed": done.resealed,
         "skipped": done.skipped, "chunks": done.chunks},
        f"The clinic key is now generation {done.generation}, held by {done.devices} PC(s); "
        f"{done.resealed:,} records sealed again under it.",
    )  # fmt: skip
    return 0


def cmd_join(app: App) -> int:
    from . import cloud  # httpx and the sync client: only to reach the endpoint

    a = app.args
    passphrase = read_secret("RECEPTIONIST_PASSPHRASE", "Admin passphrase for this PC's file")
    said: dict[str, Any] = {}

    def join_and_show(created: Created) -> None:
        db = Database(DataDir(app.data_dir).db, created.key)
        try:
            ctx = Ctx(SYSTEM, app.clock)
            joined = cloud.join(db, ctx, a.server, a.code, a.name or cloud.default_name())
            done = cloud.sync_once(db, app.clock)
        except Unreachable as exc:
            raise _offline(exc) from None
        finally:
            db.close()
        said.update(device_code=joined.device_code, pulled=done.pulled)
        print(
            f"Joined as {joined.device_name} (device {joined.device_code}); {done.pulled:,} "
            f"records downloaded into {app.data_dir}.\n\nThis PC's recovery code (write it "
            f"down, it is shown once):\n\n    {created.recovery_code}\n",
            file=sys.stderr if app.as_json else sys.stdout,
        )

    initialise_empty(app.data_dir, app.clock, passphrase=passphrase, last_step=join_and_show)
    if app.as_json:
        app.emit(said, "")
    return 0


def cmd_anchor(app: App) -> int:
    from . import cloud  # httpx and the sync client: only to reach the endpoint

    with app.database() as db:
        ctx = app.ctx(db)
        try:
            if app.args.accept:
                taken = cloud.accept_anchor_break(db, ctx)
                app.emit(
                    {"accepted": True, "head_seq": taken.head_seq, "events": taken.events},
                    f"The endpoint now keeps the log's head (event {taken.head_seq}); the "
                    "break is on record there.",
                )
                return 0
            found = cloud.check_anchor(db, ctx)
        except Unreachable as exc:
            raise _offline(exc) from None
    kept = found.kept
    app.emit(
        {"ok": found.verdict.ok, "events": found.verdict.events,
         "anchor_seq": kept.head_seq if kept else None,
         "anchor_taken_at": kept.taken_at if kept else None,
         "problem": str(found.verdict.message) if not found.verdict.ok else None},
        str(found.verdict.message)
        if kept or not found.verdict.ok
        else f"{found.verdict.message} The endpoint keeps no anchor of it yet.",
    )  # fmt: skip
    return 0 if found.verdict.ok else 1


def cmd_sync(app: App) -> int:
    from . import cloud  # httpx and the sync client: only to reach the endpoint

    with app.database() as db:
        if app.args.what == "status":
            return _status(app, replica.status(db))
        try:
            done = cloud.sync_once(db, app.clock)
        except Unreachable as exc:
            raise _offline(exc) from None
        status = replica.status(db)
    app.emit(
        {"pushed": done.pushed, "uploaded": done.uploaded, "pulled": done.pulled,
         "merged": done.merged, "conflicts": status.open_conflicts, "cursor": done.cursor,
         "audit_problem": str(done.audit_problem) if done.audit_problem else None,
         "notary_problem": str(done.notary_problem) if done.notary_problem else None,
         "swept": done.swept, "erased": done.erased},
        f"Synced: {done.pushed + done.uploaded} pushed, {done.pulled} pulled, "
        f"{done.merged} merged; {status.open_conflicts} open conflict(s)."
        + (f"\nWarning: {done.audit_problem}" if done.audit_problem else "")
        + (f"\nWarning: {done.notary_problem}" if done.notary_problem else ""),
    )  # fmt: skip
    return 0


def _status(app: App, status: replica.SyncStatus) -> int:
    data = {
        "connected": status.connected,
        "server": status.server_url or None,
        "device": status.device_code or None,
        "last_sync_at": status.last_sync_at,
        "online": status.connected and not status.last_error,
        "waiting": status.waiting,
        "open_conflicts": status.open_conflicts,
        "last_error": status.last_error or None,
    }
    if not status.connected:
        app.emit(data, "Not connected to a cloud endpoint.")
        return 0
    when = f"{status.last_sync_at:%Y-%m-%d %H:%M} UTC" if status.last_sync_at else "never"
    state = "offline: " + status.last_error if status.last_error else "online"
    app.emit(
        data,
        f"{state}; last sync {when}; {status.waiting} change(s) waiting; "
        f"{status.open_conflicts} open conflict(s).",
    )
    return 0
