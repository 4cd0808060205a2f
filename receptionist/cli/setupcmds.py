"""init, check, compact, rekey, passphrase, audit verify|anchor."""

from __future__ import annotations

import argparse
import sys

from receptionist.cli.common import (
    App,
    read_secret,
    stdout_to_devnull,
    terminal_ask,
    whole_number,
)
from receptionist.context import Actor, Ctx
from receptionist.errors import PermissionDenied, ReceptionistError, UserError, ValidationError
from receptionist.journal import anchor as anchors
from receptionist.journal import audit
from receptionist.journal.anchor import Anchor
from receptionist.ops.setup import ClinicSpec, initialise
from receptionist.store.compact import compact
from receptionist.store.integrity import PHASES, CheckReport, check, repair_cards
from receptionist.store.rekey import rekey
from receptionist.store.storage import Database, human_size
from receptionist.store.vault import Created, DataDir, set_passphrase, unlock

RECOVERY_NOTICE = """\
Clinic created in {root}

RECOVERY CODE (shown once; print it or write it down and keep it somewhere safe):

    {code}

It unlocks this clinic's data if this computer's keychain is lost.{keychain}"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("init", help="create a new clinic in the data folder")
    p.add_argument("--clinic-name", required=True)
    p.add_argument("--timezone", required=True, help="IANA name, e.g. Europe/Istanbul")
    p.add_argument("--region", required=True, help="phone region, e.g. TR")
    p.add_argument("--admin-user", required=True)
    p.add_argument("--locale", default="en")
    p.add_argument(
        "--slot-minutes", type=whole_number(5, 60), default=15, help="5, 10, 15, 20, 30 or 60"
    )
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("check", help="verify the database file (integrity and encryption)")
    p.add_argument(
        "--repair",
        action="store_true",
        help="rebuild the schedule's local copies (patient names, card kinds) that disagree",
    )
    p.set_defaults(func=cmd_check)

    p = sub.add_parser(
        "compact",
        help="give the file's free space back to the disk (close the desktop app first)",
    )
    p.set_defaults(func=cmd_compact)

    p = sub.add_parser("rekey", help="re-encrypt under a new key; prints a new recovery code")
    p.set_defaults(func=cmd_rekey)

    p = sub.add_parser("passphrase", help="set or change the admin passphrase")
    p.set_defaults(func=cmd_passphrase)

    audit_p = sub.add_parser("audit", help="the audit log")
    audit_sub = audit_p.add_subparsers(dest="audit_cmd", required=True)
    p = audit_sub.add_parser(
        "verify", help="check the audit log's hash chain, its start and its length"
    )
    p.add_argument(
        "--anchor",
        metavar="FILE",
        help="an anchor kept from `audit anchor --json`: the log must still hold its event",
    )
    p.set_defaults(func=cmd_audit_verify)
    p = audit_sub.add_parser(
        "anchor", help="the log's newest event, to keep outside this PC (with --json)"
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
        report = check(db, _announce)
        if app.args.repair and report.stale_cards and not (report.cipher or report.foreign_keys):
            print("rebuilding the schedule copies...", file=sys.stderr, flush=True)
            repaired = repair_cards(db)
            report = check(db, _announce)
    app.emit(
        {
            "ok": report.ok,
            "integrity": report.integrity,
            "cipher": report.cipher,
            "foreign_key_problems": report.foreign_keys,
            "stale_schedule_cards": report.stale_cards,
            "repaired_schedule_cards": repaired,
            "file_bytes": report.file_bytes,
            "free_bytes": report.free_bytes,
        },
        _check_text(report, repaired),
    )
    return 0 if report.ok else 1


def _announce(step: int, name: str) -> None:
    """Progress on stderr (stdout stays the result, JSON or text): a large clinic
    file takes a minute to check."""
    print(f"checking {name} ({step + 1}/{len(PHASES)})...", file=sys.stderr, flush=True)


def _check_text(report: CheckReport, repaired: int) -> str:
    done = f"Rebuilt the schedule copies of {repaired} appointments. " if repaired else ""
    if report.ok:
        spare = (
            f" {human_size(report.free_bytes)} of its {human_size(report.file_bytes)} are"
            " free space; `receptionist compact` gives it back to the disk."
            if report.worth_compacting
            else ""
        )
        return done + "The database is sound." + spare
    damage = report.integrity != ["ok"] or report.cipher or report.foreign_keys
    if not damage:
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


def _rewriter(app: App, permission: str, refusal: str) -> tuple[bytes, Actor]:
    """The key and the acting user of a whole-file rewrite (compact, rekey)."""
    key = unlock(app.data_dir, ask=terminal_ask())
    with app.database() as db:
        actor = app.ctx(db).actor
    if not actor.may(permission):
        raise UserError(refusal)
    return key, actor


def _audit_rewrite(app: App, key: bytes, actor: Actor, action: str) -> None:
    """The rewrite's audit event, in the file as it is now (the app is closed). The
    rewrite is done by then: if the event cannot be written, say exactly that."""
    try:
        db = Database(DataDir(app.data_dir).db, key)
        try:
            with db.write() as session:
                audit.record(session, Ctx(actor, app.clock), action, "clinic", None)
        finally:
            db.close()
    except ReceptionistError as exc:
        print(
            f"warning: the {action} is done, but its audit event could not be written: {exc}",
            file=sys.stderr,
        )


def cmd_compact(app: App) -> int:
    key, actor = _rewriter(
        app, "clinic.configure", "Only an administrator or manager can compact the clinic file."
    )
    print("writing a compact copy of the clinic...", file=sys.stderr, flush=True)
    done = compact(app.data_dir, key)
    _audit_rewrite(app, key, actor, "compact")
    saved = max(0, done.before - done.after)
    app.emit(
        {"before_bytes": done.before, "after_bytes": done.after, "seconds": done.seconds},
        f"The clinic file went from {human_size(done.before)} to {human_size(done.after)}"
        f" ({human_size(saved)} given back to the disk) in {done.seconds:.0f} s.",
    )
    return 0


def cmd_rekey(app: App) -> int:
    key, actor = _rewriter(
        app, "keys.manage", "Only an administrator can change the encryption key."
    )
    passphrase = read_secret(
        "RECEPTIONIST_NEW_PASSPHRASE", "New admin passphrase (Enter to skip)", confirm=True
    )

    def show(code: str) -> None:
        # Printed before the old slots are dropped: the code is never lost in a crash.
        app.emit(
            {"recovery_code": code},
            "The data is now encrypted under a new key. The old recovery code no longer "
            f"works.\n\nNEW RECOVERY CODE (shown once):\n\n    {code}\n",
        )

    result = rekey(app.data_dir, key, passphrase=passphrase or None, show_code=show)
    _audit_rewrite(app, result.key, actor, "rekey")
    if not result.in_keychain:
        print(
            "This computer has no keychain: unlock with the admin passphrase or the code.",
            file=sys.stderr,
        )
    return 0


def cmd_passphrase(app: App) -> int:
    key = unlock(app.data_dir, ask=terminal_ask())
    new = read_secret("RECEPTIONIST_NEW_PASSPHRASE", "New admin passphrase", confirm=True)
    if not new:
        raise UserError("No passphrase given; nothing was changed.")
    with app.database() as db, db.write() as session:
        ctx = app.ctx(db)
        if not ctx.actor.may("keys.manage"):
            raise UserError("Only an administrator can change the admin passphrase.")
        # The audit event first: it takes the write lock, so a busy clinic is refused
        # before the key file changes; a failed key file write rolls the event back.
        audit.record(session, ctx, "set_passphrase", "clinic", None)
        set_passphrase(DataDir(app.data_dir).root, key, new)
    app.emit({"ok": True}, "The admin passphrase is set.")
    return 0


def cmd_audit_verify(app: App) -> int:
    kept = _read_anchor(app.args.anchor) if app.args.anchor else None
    with app.database() as db, db.read() as session:
        _may_read_audit(app, db)
        result = audit.verify(session, anchor=kept)
    app.emit(
        {
            "ok": result.ok,
            "events": result.events,
            "first_bad_seq": result.first_bad_seq,
            "problem": result.problem,
            "anchor": result.anchor.to_json() if result.anchor else None,
            "message": result.message,
        },
        result.message,
    )
    return 0 if result.ok else 1


def cmd_audit_anchor(app: App) -> int:
    """The anchor of a log that verifies; a tampered log gets no anchor to vouch for it."""
    with app.database() as db, db.read() as session:
        _may_read_audit(app, db)
        result = audit.verify(session)
        taken = audit.anchor(session, app.clock) if result.ok else None
    if taken is None:
        raise LogTampered(
            f"{result.message} No anchor was taken: it would vouch for a tampered log."
        )
    app.emit(
        taken.to_json(),
        f"Audit anchor: clinic {taken.clinic_id}, {taken.events} events, newest event "
        f"{taken.head_seq} with hash {taken.head_hash}, taken {taken.taken}.\n"
        "Keep it outside this PC (`receptionist audit anchor --json > FILE`); "
        "`receptionist audit verify --anchor FILE` then finds a log rewritten since.",
    )
    return 0


class LogTampered(ReceptionistError):
    """``audit anchor`` on a log that does not verify (exit 1, as ``audit verify``)."""


def _may_read_audit(app: App, db: Database) -> None:
    if not app.ctx(db).actor.may("audit.read"):
        raise PermissionDenied("Only a manager or an administrator can check the audit log.")


def _read_anchor(path: str) -> Anchor:
    """The anchor in the file ``--anchor`` names; a file that cannot be read, or is not
    an anchor, is bad input (exit 2) that names the option."""
    try:
        with open(path, "rb") as f:
            data = f.read(anchors.MAX_BYTES + 1)
    except OSError as exc:
        raise ValidationError(
            "anchor",
            f"The anchor file cannot be read ({exc.strerror or type(exc).__name__}); "
            "check the path.",
        ) from None
    return anchors.parse(data)


__all__ = ["ReceptionistError", "register"]
