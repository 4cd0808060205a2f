"""backup create|list|verify|restore."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from receptionist import zones
from receptionist.cli.common import App, examples, terminal_ask
from receptionist.cli.jobcmds import clinic_time
from receptionist.errors import UserError
from receptionist.ops import backups, patients, restorecarry
from receptionist.store.storage import human_size
from receptionist.texts import QT_TRANSLATE_NOOP, Text

FOLDER_HELP = "the backup folder (default: the backup.folder setting, else <data dir>/backups)"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("backup", help="encrypted backups: make, list, check, restore")
    bsub = p.add_subparsers(dest="backup_cmd", required=True, metavar="ACTION")

    c = bsub.add_parser(
        "create",
        help="make a backup now (checked after writing; old ones rotated away)",
        **examples("receptionist backup create", "receptionist backup create --to /mnt/nas/clinic"),
    )
    c.add_argument("--to", metavar="DIR", help=FOLDER_HELP)
    c.set_defaults(func=cmd_create)

    ls = bsub.add_parser(
        "list",
        help="the backups in the folder, newest first",
        **examples("receptionist backup list", "receptionist backup list --json"),
    )
    ls.add_argument("--folder", metavar="DIR", help=FOLDER_HELP)
    ls.set_defaults(func=cmd_list)

    v = bsub.add_parser(
        "verify",
        help="check a backup (the newest by default) and the clinic's log against it",
        **examples(
            "receptionist backup verify",
            "receptionist backup verify /mnt/nas/clinic/clinic-1a2b3c4d-20261206-020000.rcbackup",
        ),
    )
    v.add_argument("file", nargs="?", help="the backup file (default: the newest one)")
    v.add_argument("--folder", metavar="DIR", help=FOLDER_HELP)
    v.set_defaults(func=cmd_verify)

    pl = bsub.add_parser(
        "places",
        help="the folders this PC wrote backups in: where the retention sweep deletes old ones",
        **examples("receptionist backup places", "receptionist backup places --forget /mnt/usb"),
    )
    pl.add_argument(
        "--forget", metavar="DIR", help="stop sweeping a folder gone for good (a lost disk)"
    )
    pl.set_defaults(func=cmd_places)

    r = bsub.add_parser(
        "restore",
        help="put a backup in place of the clinic (the app must be closed); into an empty "
        "folder: a copy to look at, which sends nothing",
        **examples(
            "receptionist backup restore clinic-1a2b3c4d-20261206-020000.rcbackup --yes",
            "receptionist --data-dir /tmp/look backup restore FILE --yes   # a copy to look at",
        ),
    )
    r.add_argument("file", help="the backup file")
    r.add_argument(
        "--yes", action="store_true", help="do not ask; the current files are kept aside anyway"
    )
    r.add_argument(
        "--without-carry",
        action="store_true",
        help="restore even when the clinic replaced cannot be opened to carry over its "
        "erasures and destruction records made since (they must then be made again)",
    )
    r.set_defaults(func=cmd_restore)

    a = bsub.add_parser(
        "adopt",
        help="make a copy restored to look at the clinic itself: its reminders, sync, "
        "backups and sweep start (only when the clinic's own PC is lost)",
        **examples("receptionist --data-dir /srv/clinic-new backup adopt --yes"),
    )
    a.add_argument("--yes", action="store_true", help="do not ask")
    a.set_defaults(func=cmd_adopt)


def _folder(value: str | None) -> Path | None:
    return Path(value) if value else None


def cmd_create(app: App) -> int:
    with app.database() as db:
        made = backups.create(db, app.ctx(db), app.data_dir, to=_folder(app.args.to))
    text = (
        f"Backup written: {made.path} ({human_size(made.size)}, {made.seconds:.1f} s); "
        f"{len(made.removed)} older backup(s) rotated away."
    )
    if made.same_disk:
        text += f"\nNote: {backups.same_disk_warning(made.path.parent)}"
    data = {
        "path": str(made.path),
        "bytes": made.size,
        "seconds": round(made.seconds, 2),
        "removed": [str(p) for p in made.removed],
        "same_disk": made.same_disk,
        "audit_problem": made.log_problem or None,
    }
    app.emit(data, text)
    if made.log_problem:
        print(f"warning: {made.log_problem}", file=sys.stderr)
        return 1
    return 0


def cmd_list(app: App) -> int:
    with app.database() as db:
        found = backups.listing(db, app.ctx(db), app.data_dir, folder=_folder(app.args.folder))
        tz = zones.zone(patients.clinic_zone(db))
    rows = [
        {
            "path": str(b.path),
            "created_at": b.created_at,
            "bytes": b.size,
            "revision": b.revision,
            "this_clinic": b.this_clinic,
        }
        for b in found
    ]
    lines = [
        f"{clinic_time(b.created_at, tz)}  {human_size(b.size):>9}  {b.path.name}"
        + ("" if b.this_clinic else "  (another clinic)")
        for b in found
    ]
    app.emit(rows, "\n".join(lines) or "No backups yet; `receptionist backup create` makes one.")
    return 0


def cmd_verify(app: App) -> int:
    with app.database() as db:
        ctx = app.ctx(db)
        found = backups.listing(db, ctx, app.data_dir, folder=_folder(app.args.folder))
        ours = [b for b in found if b.this_clinic]
        if app.args.file:
            path = Path(app.args.file)
        elif ours:
            path = ours[0].path
        else:
            raise UserError("There is no backup of this clinic to check; make one first.")
        # The listing read each archive's anchor: the checks open none again.
        live = backups.log_against(db, ours, ctx.clock.now())
        lost = backups.unchecked_anchors(db, ours)
        current = db.key_id()  # a backup made under an earlier key is told as such
        zone = patients.clinic_zone(db)
    checked = backups.verify(path, ask=terminal_ask(), current_key=current, zone=zone)
    text = (  # a problem names the backup and what is wrong with it
        f"The backup {path.name} is whole; its audit log ({checked.events} events) verifies."
        if checked.ok
        else checked.problem
    )
    if live:
        text += f"\nThe clinic's own log: {live}"
    if lost:
        text += "\n" + str(
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "The anchors of {count} older backups ({taken}) can no longer be "
                    "checked against the clinic's log: the retention sweep removed the "
                    "events they recorded without keeping their hashes.",
                ),
                count=len(lost),
                taken=", ".join(zones.told(a.taken_at, zone) for a in lost),  # the clinic's
            )
        )
    data = {
        "path": str(path),
        "ok": checked.ok,
        "problem": checked.problem or None,
        "events": checked.events,
        "log_problem": live or None,
        "unchecked_backups": [a.taken_at for a in lost],
    }
    app.emit(data, text)
    if not checked.ok:
        return checked.exit_code  # 2 not a backup; 3 damaged, incomplete, its log rewritten
    return 3 if live else 0  # the clinic's log no longer holds a backup's anchor


def cmd_places(app: App) -> int:
    with app.database() as db:
        ctx = app.ctx(db)
        if app.args.forget:
            backups.forget_place(db, ctx, app.data_dir, Path(app.args.forget))
        found = backups.known_places(db, ctx, app.data_dir)
    rows = [
        {"folder": str(p.folder), "reachable": p.reachable, "current": p.current} for p in found
    ]
    lines = [
        f"{p.folder}"
        + (" (current)" if p.current else "")
        + ("" if p.reachable else "  NOT REACHABLE")
        for p in found
    ]
    if not any(p.written for p in found):  # the current folder alone, none written there
        lines.append("No backup written on this PC yet.")
    app.emit(rows, "\n".join(lines))
    return 0


class _Declined(Exception):
    """The person did not confirm the restore: nothing was changed."""


def cmd_restore(app: App) -> int:
    path = Path(app.args.file)

    def confirm(replacing: bool) -> None:
        """Asked once the restore knows what it makes (the check it acts on: a copy's
        files copied by hand stay a copy, ``copymark.in_file_at``), before anything moves."""
        if app.args.yes:
            return
        if not sys.stdin.isatty():
            raise UserError(
                "Restoring replaces the clinic's files; confirm it with --yes."
                if replacing
                else "Restoring makes a copy to look at in this folder; confirm it with --yes."
            )
        question = (
            f"Replace the clinic in {app.data_dir} with {path.name}? Type RESTORE: "
            if replacing
            else f"Restore {path.name} into {app.data_dir} as a copy to look at? Type RESTORE: "
        )
        if input(question).strip() != "RESTORE":
            raise _Declined

    try:
        done = backups.restore(
            app.data_dir,
            path,
            app.clock,
            ask=terminal_ask(),
            confirm=confirm,
            without_carry=app.args.without_carry,
        )
    except _Declined:
        print("Nothing was changed.")
        return 1
    tz = zones.zone(done.zone)
    lines = [f"Restored the backup of {clinic_time(done.created_at, tz)} into {done.root}."]
    if done.kept_aside:
        lines.append(
            f"The files it replaced are kept beside them ({len(done.kept_aside)}) until the"
            " retention sweep deletes them (retention.backup_days)."
        )
    lines += _moved(done.superseded, "the restored clinic")
    lines += [str(said) for said in restorecarry.told(done.carried)]
    if done.look_only:
        lines.append(
            "This is a copy to look at: it sends nothing. It sends no reminders, does not "
            "sync, makes no backups and runs no sweep, and the app shows it as a copy; the "
            "clinic's backups were left as they are. If this copy is to replace the clinic "
            "(the clinic's PC is lost), run "
            f"`receptionist --data-dir {done.root} backup adopt`."
        )
    app.emit(
        {
            "data_dir": str(done.root),
            "backup_made_at": done.created_at,
            "kept_aside": [str(p) for p in done.kept_aside],
            "superseded": [str(p) for p in done.superseded],
            "look_only": done.look_only,
            "not_superseded": done.not_superseded or None,
            "carried": _carried(done.carried),
        },
        "\n".join(lines),
    )
    if done.not_superseded:  # done all the same: exit 0, as a rekey whose backup failed
        print(f"warning: {done.not_superseded}", file=sys.stderr)
    return 0


def _carried(carried: restorecarry.Carried | None) -> dict[str, object] | None:
    """What a restore carried over from the clinic it replaced, for --json (None: it
    replaced no clinic)."""
    if carried is None:
        return None
    return {
        "erasures_reapplied": carried.erasures_reapplied,
        "records_kept": carried.records_kept,
        "review_kept": carried.review_kept,
        "review_lost": carried.review_lost,
        "lapsed_back": carried.lapsed_back,
        "holds_placed": carried.holds_placed,
        "unread": carried.unread or None,
    }


def _moved(superseded: list[Path], what: str) -> list[str]:
    """What a restore over the clinic (or an adoption) moved aside, and where."""
    if not superseded:
        return []
    folders = sorted({str(p.parent) for p in superseded})
    return [
        f"{len(superseded)} newer backup(s) of the clinic hold a history {what} does not "
        f"have: moved to {', '.join(folders)} (kept, out of the checks and the "
        "rotation; the retention sweep deletes them when they expire):",
        *(f"  {p}" for p in superseded),
    ]


def cmd_adopt(app: App) -> int:
    if not app.args.yes:
        if not sys.stdin.isatty():
            raise UserError(
                "Adopting makes this copy the clinic: it then sends the reminders, syncs, "
                "makes backups and sweeps. Confirm it with --yes."
            )
        answer = input(
            f"The copy in {app.data_dir} replaces the clinic: it sends the reminders, "
            "syncs, makes backups and sweeps from now on, and the clinic's own PC must "
            "not be used again. Type ADOPT: "
        )
        if answer.strip() != "ADOPT":
            print("Nothing was changed.")
            return 1
    with app.database() as db:
        done = backups.adopt(db, app.ctx(db), app.data_dir)
    lines = [
        f"The copy in {done.root} is the clinic now: its reminders, sync, backups and "
        "sweep run from now on. Do not open the clinic on its former PC again."
    ]
    app.emit(
        {"data_dir": str(done.root), "superseded": [str(p) for p in done.superseded]},
        "\n".join(lines + _moved(done.superseded, "this copy")),
    )
    return 0
