"""init, check, compact, rekey, passphrase, audit verify|anchor."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from receptionist.cli.common import (
    App,
    examples,
    read_secret,
    show_progress,
    stdout_to_devnull,
    whole_number,
)
from receptionist.context import Ctx
from receptionist.errors import ReceptionistError, UserError
from receptionist.ops import audit as audit_ops
from receptionist.ops import auditwait, encryption, maintenance
from receptionist.ops.setup import ClinicSpec, initialise
from receptionist.store.storage import human_size
from receptionist.store.vault import Created

RECOVERY_NOTICE = """\
Clinic created in {root}

RECOVERY CODE (shown once; print it or write it down and keep it somewhere safe):

    {code}

It unlocks this clinic's data if this computer's keychain is lost.{keychain}"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    _register_init(sub)
    _register_upkeep(sub)
    _register_audit(sub)


REWRITE_NOTE = """

The desktop app must be closed: the clinic file is written afresh beside the old one
and swapped in, so a crash leaves one whole file. Needs free disk space the size of
clinic.db plus 64 MB."""

# What each command does, at the top of its help (the one-line help is in the list).
ABOUT = {
    "init": """\
Create the clinic's encrypted database, its key file and its first administrator, all
or nothing, and print the recovery code once (keep it: it unlocks the clinic if this
computer's keychain is lost). Only a new or empty folder takes a clinic.

The administrator's password comes from RECEPTIONIST_ADMIN_PASSWORD (or the file
RECEPTIONIST_ADMIN_PASSWORD_FILE names), or is asked for twice. An optional admin
passphrase, which also unlocks the clinic, comes from RECEPTIONIST_PASSPHRASE (or
RECEPTIONIST_PASSPHRASE_FILE), or is asked for (Enter skips it).""",
    "check": """\
Read every page of the clinic file and check its encryption, its structure, its
references and the schedule's copies; exit 1 if anything is wrong. Progress goes to
stderr (about a minute on a large clinic).""",
    "compact": """\
Rewrite the clinic file without its free pages (`check` says how much there is).
An administrator or manager; audited."""
    + REWRITE_NOTE,
    "rekey": """\
Encrypt the clinic under a new data key, print its NEW recovery code once, and write
a backup under the new key. The old code no longer opens the clinic but still opens
the backups made before: keep it until retention.backup_days after the rekey (the
day is printed). An administrator; audited. A clinic with an admin passphrase
needs the new one: RECEPTIONIST_NEW_PASSPHRASE (or RECEPTIONIST_NEW_PASSPHRASE_FILE),
or typed when asked."""
    + REWRITE_NOTE,
    "passphrase": """\
Set or replace the admin passphrase, which unlocks the clinic where the keychain does
not; the recovery code stays as it is. An administrator; audited. The new passphrase
(10 characters or more) comes from RECEPTIONIST_NEW_PASSPHRASE (or
RECEPTIONIST_NEW_PASSPHRASE_FILE), or is asked for twice.""",
    "verify": """\
Check the audit log: its hash chain, its newest event, that it begins with the
clinic's creation and holds a creation event for every record; exit 1 with one
sentence if it was tampered with. A manager or an administrator.""",
    "anchor": """\
Print the audit log's head (its newest event's number and hash; no patient data).
Kept off this PC, it lets `audit verify --anchor FILE` find a log rewritten since,
even by someone who holds the key. A log that does not verify gets no anchor. A
manager or an administrator.""",
}


def _register_init(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "init",
        help="create a new clinic in the data folder",
        description=ABOUT["init"],
        **examples(
            'receptionist init --clinic-name "Moda Dental" --timezone Europe/Istanbul '
            "--region TR --admin-user admin",
            "receptionist --data-dir ~/clinic init --clinic-name Moda --timezone "
            "Europe/Istanbul --region TR --admin-user admin --locale tr --slot-minutes 10",
        ),
    )
    p.add_argument(
        "--clinic-name", required=True, help="the clinic's name, as staff see it (1-200 characters)"
    )
    p.add_argument("--timezone", required=True, help="IANA name, e.g. Europe/Istanbul")
    p.add_argument("--region", required=True, help="phone region, e.g. TR")
    p.add_argument(
        "--admin-user",
        required=True,
        help="user name of the first administrator (password: RECEPTIONIST_ADMIN_PASSWORD)",
    )
    p.add_argument("--locale", default="en", help="the clinic's language, e.g. en or tr")
    p.add_argument(
        "--slot-minutes",
        type=whole_number(5, 60),
        default=15,
        help="the schedule's grid: 5, 10, 15, 20, 30 or 60 minutes (default 15)",
    )
    p.set_defaults(func=cmd_init)


def _register_upkeep(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "check",
        help="verify the database file (integrity and encryption)",
        description=ABOUT["check"],
        **examples("receptionist check", "receptionist --json check --repair"),
    )
    p.add_argument(
        "--repair",
        action="store_true",
        help="rebuild the schedule's local copies (patient names, card kinds) that disagree "
        "(an administrator or manager)",
    )
    p.set_defaults(func=cmd_check)
    p = sub.add_parser(
        "compact",
        help="give the file's free space back to the disk (close the desktop app first)",
        description=ABOUT["compact"],
        **examples("receptionist compact", "receptionist --json compact"),
    )
    p.set_defaults(func=cmd_compact)
    p = sub.add_parser(
        "rekey",
        help="re-encrypt under a new key; prints a new recovery code",
        description=ABOUT["rekey"],
        **examples(
            "receptionist rekey",
            "RECEPTIONIST_NEW_PASSPHRASE_FILE=new.txt receptionist --json rekey > code.json",
        ),
    )
    p.set_defaults(func=cmd_rekey)
    p = sub.add_parser(
        "passphrase",
        help="set or change the admin passphrase",
        description=ABOUT["passphrase"],
        **examples(
            "receptionist passphrase",
            "RECEPTIONIST_NEW_PASSPHRASE_FILE=new.txt receptionist passphrase",
        ),
    )
    p.set_defaults(func=cmd_passphrase)


def _register_audit(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    audit_p = sub.add_parser(
        "audit", help="the audit log: verify it, or take an anchor of it to keep off this PC"
    )
    audit_sub = audit_p.add_subparsers(dest="audit_cmd", required=True, metavar="ACTION")
    p = audit_sub.add_parser(
        "verify",
        help="check the audit log's hash chain, its start and its length",
        description=ABOUT["verify"],
        **examples(
            "receptionist audit verify",
            "receptionist audit verify --anchor anchor-2026-12-06.json",
        ),
    )
    p.add_argument(
        "--anchor",
        metavar="FILE",
        help="an anchor kept from `audit anchor --json`: the log must still hold its event",
    )
    p.set_defaults(func=cmd_audit_verify)
    p = audit_sub.add_parser(
        "anchor",
        help="the log's newest event, to keep outside this PC (with --json)",
        description=ABOUT["anchor"],
        **examples("receptionist audit anchor --json > anchor-2026-12-06.json"),
    )
    p.set_defaults(func=cmd_audit_anchor)


def _password(env: str, what: str) -> str:
    value = read_secret(env, f"{what}", confirm=True)
    if not value:
        raise UserError(f"No {what.lower()} given; type it when asked or set {env}.")
    return value


def cmd_init(app: App) -> int:
    a = app.args
    password = _password("RECEPTIONIST_ADMIN_PASSWORD", "Password for the admin account")
    passphrase = read_secret(
        "RECEPTIONIST_PASSPHRASE", "Admin passphrase (Enter to skip)", confirm=True
    )
    spec = ClinicSpec(
        a.clinic_name, a.timezone, a.region, a.admin_user, password, a.locale, a.slot_minutes
    )

    def show(created: Created) -> None:
        note = (
            ""
            if created.in_keychain
            else "\nThis computer has no keychain: unlock with the admin passphrase or this code."
        )
        try:
            app.emit(
                {
                    "data_dir": str(app.data_dir),
                    "clinic_id": created.clinic_id,
                    "recovery_code": created.recovery_code,
                    "in_keychain": created.in_keychain,
                },
                RECOVERY_NOTICE.format(
                    root=app.data_dir, code=created.recovery_code, keychain=note
                ),
            )
            sys.stdout.flush()  # now, while a failure can still undo the set-up
        except OSError as exc:
            stdout_to_devnull()
            raise CodeNotShown(
                "The recovery code could not be written out ("
                + (exc.strerror or type(exc).__name__)
                + "), so nothing was set up. Run init again with its output going to a "
                "terminal or to a file that can be written."
            ) from None

    initialise(app.data_dir, spec, app.clock, passphrase=passphrase or None, last_step=show)
    return 0


class CodeNotShown(UserError):
    exit_code = 1  # not the input's fault


def cmd_check(app: App) -> int:
    repaired = 0
    with app.database() as db:
        report = maintenance.check(db, progress=show_progress)
        if app.args.repair and report.stale_cards and not report.damaged:
            done = maintenance.repair(db, app.ctx(db), report, progress=show_progress)
            repaired, report = done.rebuilt, done.report
    app.emit(
        {
            "ok": report.ok,
            "integrity": list(report.integrity),
            "cipher": list(report.cipher),
            "foreign_key_problems": report.foreign_keys,
            "stale_schedule_cards": report.stale_cards,
            "repaired_schedule_cards": repaired,
            "file_bytes": report.file_bytes,
            "free_bytes": report.free_bytes,
        },
        _check_text(report, repaired),
    )
    return 0 if report.ok else 1


def _check_text(report: maintenance.CheckReport, repaired: int) -> str:
    done = f"Rebuilt the schedule copies of {repaired} appointments. " if repaired else ""
    if report.ok:
        spare = (
            f" {human_size(report.free_bytes)} of its {human_size(report.file_bytes)} are"
            " free space; `receptionist compact` gives it back to the disk."
            if report.worth_compacting
            else ""
        )
        return done + "The database is sound." + spare
    if not report.damaged:
        return (
            f"{report.stale_cards} appointments disagree with their schedule copies (the "
            "patient's name or the card's kind); run `receptionist check --repair` to "
            "rebuild them from the appointments. No data is lost."
        )
    return (
        "PROBLEMS FOUND: "
        + "; ".join(report.integrity + report.cipher)
        + (f"; {report.foreign_keys} broken references" if report.foreign_keys else "")
        + ". Restore the latest backup."
    )


def _acting(app: App) -> Ctx:
    """Who runs a command on the whole file (compact, rekey, passphrase), read from
    the clinic before it is closed for the work."""
    with app.database() as db:
        return app.ctx(db)


def _warn(warning: str | None) -> None:
    if warning:
        print(f"warning: {warning}", file=sys.stderr)


def cmd_compact(app: App) -> int:
    done = maintenance.compact(app.data_dir, app.key(), _acting(app), progress=show_progress)
    _warn(done.audit_warning)
    saved = max(0, done.before - done.after)
    app.emit(
        {
            "before_bytes": done.before,
            "after_bytes": done.after,
            "seconds": done.seconds,
            "audit_warning": done.audit_warning,
        },
        f"The clinic file went from {human_size(done.before)} to {human_size(done.after)}"
        f" ({human_size(saved)} given back to the disk) in {done.seconds:.0f} s.",
    )
    return 0


def cmd_rekey(app: App) -> int:
    def new_passphrase() -> str | None:
        return read_secret(
            "RECEPTIONIST_NEW_PASSPHRASE", "New admin passphrase (Enter to skip)", confirm=True
        )

    with app.database() as db:  # who acts, and until when the old code is needed
        acting = app.ctx(db)
        keep = encryption.keep_old_code(db, acting.clock.now())

    def show(code: str) -> None:
        # Printed before the old slots are dropped: the code is never lost in a crash.
        app.emit(
            {"recovery_code": code, "keep_old_code": keep},
            "The data is now encrypted under a new key. The old recovery code no longer "
            "opens the clinic, but it still opens the backups made before now. "
            f"{keep}\n\nNEW RECOVERY CODE (shown once):\n\n    {code}\n",
        )

    done = encryption.rekey(
        app.data_dir,
        app.key(),
        acting,
        new_passphrase=new_passphrase,
        show_code=show,
        progress=show_progress,
    )
    _warn(done.audit_warning)
    _warn(done.backup_warning)
    if done.backup is not None and not app.as_json:  # --json: `backup list` shows it
        print(f"A backup under the new key was written: {done.backup}")
    if not done.in_keychain:
        print(
            "This computer has no keychain: unlock with the admin passphrase or the code.",
            file=sys.stderr,
        )
    return 0


def cmd_passphrase(app: App) -> int:
    def new_passphrase() -> str | None:
        return read_secret("RECEPTIONIST_NEW_PASSPHRASE", "New admin passphrase", confirm=True)

    encryption.change_passphrase(app.data_dir, app.key(), _acting(app), new_passphrase)
    app.emit({"ok": True}, "The admin passphrase is set.")
    return 0


def cmd_audit_verify(app: App) -> int:
    kept = audit_ops.read_anchor(Path(app.args.anchor)) if app.args.anchor else None
    with app.database() as db:
        result = audit_ops.verify(db, app.ctx(db), kept)
        waiting = auditwait.why(db)
    app.emit(
        {
            "ok": result.ok,
            "events": result.events,
            "first_bad_seq": result.first_bad_seq,
            "problem": result.problem,
            "anchor": result.anchor.to_json() if result.anchor else None,
            "anchor_unchecked": result.unchecked,
            "message": result.message,
            "audit_waiting_why": waiting.as_json() if waiting else None,
        },
        result.message + (f"\n{waiting.message}" if waiting else ""),
    )
    return 0 if result.ok else 1


def cmd_audit_anchor(app: App) -> int:
    with app.database() as db:
        taken = audit_ops.take_anchor(db, app.ctx(db))
    app.emit(
        taken.to_json(),
        f"Audit anchor: clinic {taken.clinic_id}, {taken.events} events, newest event "
        f"{taken.head_seq} with hash {taken.head_hash}, taken {taken.taken}.\n"
        "Keep it outside this PC (`receptionist audit anchor --json > FILE`); "
        "`receptionist audit verify --anchor FILE` then finds a log rewritten since.",
    )
    return 0


__all__ = ["ReceptionistError", "register"]
