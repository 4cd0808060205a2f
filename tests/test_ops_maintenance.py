"""The clinic file's upkeep as operations, called as any front end would, with no Qt
and no CLI: check and repair, compact, rekey, the admin passphrase, the audit log.
Each checks the acting user's permission itself, and a refusal changes nothing."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from factories import actor_ctx
from sqlalchemy import text
from tamper import PASSPHRASE, genuine_template
from templates import Template

from receptionist.clock import FixedClock
from receptionist.context import Ctx
from receptionist.demo.clinic import make_demo, open_demo
from receptionist.demo.generate import Sizes
from receptionist.errors import (
    InstanceLocked,
    NotOurFile,
    PermissionDenied,
    UnlockError,
    UserError,
    ValidationError,
)
from receptionist.journal import audit
from receptionist.ops import audit as audit_ops
from receptionist.ops import encryption, maintenance
from receptionist.ops.maintenance import Step
from receptionist.store.integrity import CheckReport
from receptionist.store.lock import InstanceLock
from receptionist.store.storage import Database
from receptionist.store.vault import DataDir, open_clinic, unlock
from receptionist.texts import Text


@pytest.fixture(scope="module")
def genuine(tmp_path_factory: pytest.TempPathFactory) -> Template[datetime]:
    """A clinic as ``init`` makes it, with a patient (``tamper.genuine_clinic``), made
    once for the module; the time its making left the clock at."""
    return genuine_template(tmp_path_factory)


@pytest.fixture
def root(tmp_path: Path, clock: FixedClock, genuine: Template[datetime]) -> Path:
    """This test's own copy of :func:`genuine`, closed; ``clock`` where the making left
    it."""
    clock.set(genuine.copy_to(tmp_path / "clinic"))
    return tmp_path / "clinic"


@pytest.fixture
def db(root: Path) -> Iterator[Database]:
    opened = open_clinic(root)
    yield opened
    opened.close()


def as_role(role: str, clock: FixedClock) -> Ctx:
    return actor_ctx(role, clock, user_id=f"{role}-1", source="cli")


def files(root: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.iterdir())
        if p.is_file() and not p.name.endswith((".inuse", "-shm", ".lock"))
    }


def last_events(root: Path, n: int) -> list[tuple[str, str | None]]:
    """The newest ``n`` audit events (action, actor), oldest first; the log verified."""
    db = open_clinic(root)
    try:
        with db.read() as s:
            rows = s.execute(
                text("SELECT action, actor_id FROM audit_event ORDER BY seq DESC LIMIT :n"),
                {"n": n},
            ).all()
            assert audit.verify(s).ok
        return [(row.action, row.actor_id) for row in reversed(rows)]
    finally:
        db.close()


def last_event(root: Path) -> tuple[str, str | None]:
    db = open_clinic(root)
    try:
        with db.read() as s:
            row = s.execute(
                text("SELECT action, actor_id FROM audit_event ORDER BY seq DESC LIMIT 1")
            ).one()
            assert audit.verify(s).ok
        return row.action, row.actor_id
    finally:
        db.close()


# -- check and repair ----------------------------------------------------------------------


def test_check_tells_each_step_as_a_text(db: Database) -> None:
    steps: list[Step] = []
    report = maintenance.check(db, progress=steps.append)
    assert report.ok and not report.damaged and report.integrity == ("ok",)
    assert [(s.number, s.steps, s.what) for s in steps] == [
        (1, 4, "checking page authentication"),
        (2, 4, "checking database structure"),
        (3, 4, "checking references"),
        (4, 4, "checking schedule copies"),
    ]
    assert all(isinstance(s.what, Text) and s.what.template == "checking {what}" for s in steps)


def stale_copy(db: Database) -> None:
    """One appointment's schedule copy changed with its trigger out of the way."""
    with db.write() as s:
        trigger = s.execute(
            text("SELECT sql FROM sqlite_master WHERE name = 'tr_appointment_card_update'")
        ).scalar_one()
        s.execute(text("DROP TRIGGER tr_appointment_card_update"))
        first = s.execute(text("SELECT min(id) FROM appointment")).scalar_one()
        s.execute(text("UPDATE appointment SET card_kind = 999 WHERE id = :i"), {"i": first})
        s.execute(text(trigger))


def test_repair_is_for_a_manager_audited_and_refuses_a_damaged_file(
    tmp_path: Path, clock: FixedClock
) -> None:
    make_demo(
        tmp_path / "demo",
        clock=clock,
        sizes=Sizes(providers=2, rooms=1, patients=10, appointments=20, days_back=5, days_ahead=5),
    )
    db = open_demo(tmp_path / "demo")
    try:
        stale_copy(db)
        found = maintenance.check(db)
        assert (found.ok, found.stale_cards) == (False, 1)
        with pytest.raises(PermissionDenied, match="administrator or manager can repair"):
            maintenance.repair(db, as_role("receptionist", clock), found)
        assert maintenance.check(db).stale_cards == 1, "refused: nothing rebuilt"
        with pytest.raises(NotOurFile, match="restore the latest backup"):
            maintenance.repair(db, as_role("admin", clock), CheckReport(("page 3 is bad",)))
        assert maintenance.check(db).stale_cards == 1

        steps: list[Step] = []
        done = maintenance.repair(db, as_role("manager", clock), found, progress=steps.append)
        assert (done.rebuilt, done.report.ok) == (1, True)
        assert [s.what for s in steps][:2] == [
            "rebuilding the schedule copies",
            "checking page authentication",
        ], "then the check again"
        assert maintenance.check(db).ok
    finally:
        db.close()
    assert last_event(tmp_path / "demo") == ("repair", "manager-1")


# -- compact -------------------------------------------------------------------------------


def test_compact_is_for_an_administrator_or_manager_and_audited(
    root: Path, clock: FixedClock
) -> None:
    key = unlock(root)
    before = files(root)
    steps: list[Step] = []
    with pytest.raises(PermissionDenied, match="administrator or manager can compact"):
        maintenance.compact(root, key, as_role("receptionist", clock), progress=steps.append)
    with InstanceLock(DataDir(root).lock), pytest.raises(InstanceLocked):
        maintenance.compact(root, key, as_role("manager", clock), progress=steps.append)
    assert (files(root), steps) == (before, []), "refused: nothing changed, nothing begun"

    done = maintenance.compact(root, key, as_role("manager", clock), progress=steps.append)
    assert steps == [Step(1, 1, Text("writing a compact copy of the clinic"))]
    assert done.audit_warning is None and done.after > 0
    assert last_event(root) == ("compact", "manager-1")


def test_a_rewrite_whose_audit_event_fails_says_so_and_stands(
    root: Path, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    def busy(*_args: object) -> None:
        raise UserError("The clinic's data is busy.")

    monkeypatch.setattr(maintenance.audit, "record", busy)
    done = maintenance.compact(root, unlock(root), as_role("admin", clock))
    monkeypatch.undo()
    assert isinstance(done.audit_warning, Text)
    assert done.audit_warning == (
        "The clinic file is compacted, but its audit event could not be written: "
        "The clinic's data is busy."
    )
    assert last_event(root)[0] != "compact"


# -- the key and the passphrase ------------------------------------------------------------


def test_rekey_asks_for_the_new_passphrase_only_once_allowed(
    root: Path, clock: FixedClock, memory_keyring: Any
) -> None:
    key = unlock(root)
    before = files(root)
    asked: list[str] = []
    shown: list[str] = []

    def new_passphrase() -> str:
        asked.append("asked")
        return "the next long passphrase"

    for role in ("receptionist", "manager"):
        with pytest.raises(PermissionDenied, match="Only an administrator can change the"):
            encryption.rekey(
                root,
                key,
                as_role(role, clock),
                new_passphrase=new_passphrase,
                show_code=shown.append,
            )
    assert (asked, shown, files(root)) == ([], [], before)

    steps: list[Step] = []
    done = encryption.rekey(
        root,
        key,
        as_role("admin", clock),
        new_passphrase=new_passphrase,
        show_code=shown.append,
        progress=steps.append,
    )
    assert (asked, len(shown), done.audit_warning) == (["asked"], 1, None)
    assert [s.what for s in steps] == ["writing a copy of the clinic under the new key"]
    # The rekey, then the backup it writes at once under the new key (session 16).
    assert last_events(root, 2) == [("rekey", "admin-1"), ("backup", "admin-1")]
    memory_keyring.store.clear()
    assert unlock(root, env={"RECEPTIONIST_PASSPHRASE": shown[0]}) != key
    assert unlock(root, env={"RECEPTIONIST_PASSPHRASE": "the next long passphrase"})


def test_the_admin_passphrase_changes_only_for_an_administrator(
    root: Path, clock: FixedClock, memory_keyring: Any
) -> None:
    key = unlock(root)
    keys_before = DataDir(root).keyfile.read_bytes()
    asked: list[str] = []

    def given(value: str) -> encryption.AskNew:
        return lambda: asked.append(value) or value

    with pytest.raises(PermissionDenied, match="Only an administrator can change the admin"):
        encryption.change_passphrase(root, key, as_role("manager", clock), given("a new one!!"))
    assert asked == []
    admin = as_role("admin", clock)
    with pytest.raises(UserError, match="No passphrase given; nothing was changed"):
        encryption.change_passphrase(root, key, admin, given(""))
    with pytest.raises(UserError, match="at least 10 characters"):
        encryption.change_passphrase(root, key, admin, given("short"))
    assert DataDir(root).keyfile.read_bytes() == keys_before

    encryption.change_passphrase(root, key, admin, given("a brand new passphrase"))
    assert last_event(root) == ("set_passphrase", "admin-1")
    memory_keyring.store.clear()
    assert unlock(root, env={"RECEPTIONIST_PASSPHRASE": "a brand new passphrase"}) == key
    memory_keyring.store.clear()
    with pytest.raises(UnlockError):
        unlock(root, env={"RECEPTIONIST_PASSPHRASE": PASSPHRASE})


# -- the audit log -------------------------------------------------------------------------


def test_the_audit_log_is_for_a_manager_and_a_tampered_one_gets_no_anchor(
    db: Database, clock: FixedClock, tmp_path: Path
) -> None:
    for call in (audit_ops.verify, audit_ops.take_anchor):
        with pytest.raises(PermissionDenied, match="manager or an administrator"):
            call(db, as_role("receptionist", clock))
    manager = as_role("manager", clock)
    kept = audit_ops.take_anchor(db, manager)
    saved = tmp_path / "anchor.json"
    saved.write_text(kept.dumps())
    assert audit_ops.verify(db, manager, audit_ops.read_anchor(saved)).ok

    with db.write() as s:
        s.execute(text("UPDATE audit_event SET actor_id = 'x' WHERE seq = 2"))
    assert audit_ops.verify(db, manager).first_bad_seq == 2
    with pytest.raises(audit_ops.LogTampered) as caught:
        audit_ops.take_anchor(db, manager)
    assert str(caught.value) == (
        "The audit log was tampered with at event 2: this event was altered. No anchor "
        "was taken: it would vouch for a tampered log."
    )
    with pytest.raises(ValidationError, match="cannot be read") as missing:
        audit_ops.read_anchor(tmp_path / "missing.json")
    assert missing.value.field == "anchor"


# -- messages --------------------------------------------------------------------------------

UPKEEP = ("ops/maintenance.py", "ops/encryption.py", "ops/audit.py", "store/compact.py")


@pytest.mark.parametrize("name", UPKEEP)
def test_no_plain_string_message_in_the_upkeep_operations(name: str) -> None:
    from test_texts_schedule import CORE, plain_messages

    assert plain_messages((CORE / name).read_text("utf-8")) == []
