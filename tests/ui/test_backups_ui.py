"""Settings > Backups (#14): the backups ``ops`` lists, "Back up now", "Verify" of a
good and of a damaged backup, "Restore…" as a copy to look at (its banner) and in
place of the clinic (the clinic put back, through the app's own restart of it), and
the role the core refuses. Real SQLCipher backups in the test's folder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import text
from templates import Template
from uiseed import Seeded

from receptionist.clock import FixedClock
from receptionist.context import Actor, Ctx
from receptionist.jobs import core
from receptionist.jobs.core import BACKUP
from receptionist.jobs.runner import Problem, status
from receptionist.ops import backups, staff
from receptionist.schedule.agenda import ClinicInfo
from receptionist.store import lookcopy, vault
from receptionist.store.storage import Database, human_size
from receptionist.store.vault import Created
from ui import messages
from ui.app import stylesheet
from ui.desk import Desk
from ui.idle import IdleWatcher
from ui.mainwindow import MainWindow
from ui.patients.table import short_datetime
from ui.restoredcopy import CopyBanner
from ui.settings import Settings
from ui.settings.backupspage import BackupsPage
from ui.settings.dialog import SettingsDialog
from ui.settings.jobspage import JobsPage
from ui.signin import SignInDialog
from ui.startup import Startup
from ui.tasks import TaskManager
from ui.unlock import UnlockDialog

CLI = Actor(None, "admin", "cli")
MANAGER, MANAGER_PASSWORD = "mona", "manager-pass-1234"


def shots(tmp_path: Path) -> Path:
    return Path(os.environ.get("RECEPTIONIST_SCREENSHOTS", str(tmp_path)))


def made_by_hand(root: Path, clock: FixedClock) -> backups.Made:
    db = vault.open_clinic(root)
    try:
        return backups.create(db, Ctx(CLI, clock), root)
    finally:
        db.close()


def made_by_job(root: Path, clock: FixedClock) -> None:
    db = vault.open_clinic(root)
    try:
        core.backup(db, clock)
    except Problem:  # the seeded clinic's rows were written outside the log: made all the same
        pass
    finally:
        db.close()


def manager_desk(root: Path, tasks: TaskManager, clock: FixedClock, role: str) -> Desk:
    tasks.db = tasks.run(lambda: vault.open_clinic(root)).result(timeout=30)
    return Desk(root, tasks, ClinicInfo("Şifa Clinic", "Europe/Istanbul", 15),
                Actor("m1", role, "ui"), clock, username=MANAGER)  # fmt: skip


@pytest.fixture
def manager(seeded: Seeded, tasks: TaskManager, clock: FixedClock) -> Desk:
    return manager_desk(seeded.root, tasks, clock, "manager")


@pytest.fixture
def host(qtbot: QtBot) -> Iterator[QWidget]:
    """The page's parent, as the dialog is, held until the test ends: the page's worker
    may let go of its last reference to the page on the worker's thread, and a page of
    its own (Python-owned) would then be deleted there, its timers still live."""
    widget = QWidget()
    qtbot.addWidget(widget)
    yield widget


def shown_page(qtbot: QtBot, desk: Desk, host: QWidget, **kwargs: Any) -> BackupsPage:
    page = BackupsPage(desk, host, **kwargs)
    page.setWindowFlags(Qt.WindowType.Window)
    page.resize(1100, 480)
    with qtbot.waitSignal(page.loaded, timeout=20_000):
        page.show()
    return page


def cells(page: BackupsPage, row: int) -> list[str]:
    return [page.table.item(row, c).text() for c in range(page.table.columnCount())]


def listed(desk: Desk) -> list[backups.BackupInfo]:
    db = vault.open_clinic(desk.root)
    try:
        return backups.listing(db, Ctx(CLI, desk.clock), desk.root)
    finally:
        db.close()


def test_the_page_lists_the_backups_ops_lists_with_their_kind_size_and_folder(
    qtbot: QtBot, host: QWidget, seeded: Seeded, manager: Desk, clock: FixedClock,
    tmp_path: Path, app: QApplication,
) -> None:  # fmt: skip
    app.setStyleSheet(stylesheet())
    made_by_job(seeded.root, clock)
    clock.advance(minutes=90)
    made_by_hand(seeded.root, clock)
    page = shown_page(qtbot, manager, host)
    found = listed(manager)
    assert len(found) == 2
    rows = [cells(page, r) for r in range(page.table.rowCount())]
    tz = manager.clinic.tz
    assert rows == [
        [short_datetime(found[0].created_at, tz), "by hand", human_size(found[0].size),
         "not checked here", found[0].path.name],
        [short_datetime(found[1].created_at, tz), "daily", human_size(found[1].size),
         "not checked here", found[1].path.name],
    ]  # fmt: skip
    # the default folder is inside the data folder: the core's warning says so
    assert page.folder.text() == f"Backup folder: {seeded.root / 'backups'}"
    assert page.warning.isVisible()
    assert "on the disk that holds the clinic" in page.warning.text()
    assert page.table.currentRow() == 0 and page.verify_button.isEnabled()
    page.grab().save(str(shots(tmp_path) / "settings-backups.png"))


def test_back_up_now_runs_the_backup_job_off_the_desk_and_lists_the_new_backup(
    qtbot: QtBot, host: QWidget, tmp_path: Path, tasks: TaskManager, clock: FixedClock,
    clinic_template: Template[Created],
) -> None:  # fmt: skip
    root = tmp_path / "fresh"  # a clinic whose audit log verifies (the seeded one's does not)
    clinic_template.copy_to(root)
    manager = manager_desk(root, tasks, clock, "manager")
    page = shown_page(qtbot, manager, host)
    assert page.table.rowCount() == 0
    assert page.note.text() == "No backups in this folder yet: Back up now makes one."
    with qtbot.waitSignal(page.backedUp, timeout=30_000):
        page.backup_button.click()
        assert page.progress.isVisible() and not page.backup_button.isEnabled()
    qtbot.waitUntil(lambda: page.table.rowCount() == 1, timeout=20_000)
    assert not page.progress.isVisible() and page.backup_button.isEnabled()
    assert page.note.text().startswith("The backup was made (")
    assert [b.path.name for b in listed(manager)] == [cells(page, 0)[4]]
    assert cells(page, 0)[1] == "by hand", "a backup a person asked for, not the job's daily"
    assert listed(manager)[0].made_by == "person"
    # recorded as the backup job's run, as Settings > Jobs shows it
    db = manager.tasks.db
    assert db is not None
    runs = manager.tasks.run(lambda: status(db, clock, (BACKUP,))).result(timeout=30)
    assert runs[0].outcome == "ok"


def test_the_empty_folder_s_sentence_goes_once_a_backup_is_listed(
    qtbot: QtBot, host: QWidget, tmp_path: Path, tasks: TaskManager, clock: FixedClock,
    clinic_template: Template[Created],
) -> None:  # fmt: skip
    """A reviewer's finding: "No backups in this folder yet" stayed beside the backup a
    refresh then listed (one the scheduled job made while the page was open)."""
    root = tmp_path / "fresh"
    clinic_template.copy_to(root)
    manager = manager_desk(root, tasks, clock, "manager")
    page = shown_page(qtbot, manager, host)
    assert page.note.text().startswith("No backups in this folder yet")
    made_by_job(root, clock)
    with qtbot.waitSignal(page.loaded, timeout=20_000):
        page.refresh()
    assert page.table.rowCount() == 1
    assert "No backups" not in page.note.text(), page.note.text()


def test_back_up_now_ends_as_the_app_s_jobs_stop(
    tmp_path: Path, clock: FixedClock, clinic_template: Template[Created]
) -> None:
    """A reviewer's finding: Back up now ran under a runner of its own, which nothing
    stopped as the app closed (the process waited for the whole backup, no note). It
    now follows the app's jobs' stop: set, no backup is made or left behind."""
    import threading

    from ui.settings import backupswork

    root = tmp_path / "fresh"
    clinic_template.copy_to(root)
    db = vault.open_clinic(root)
    try:
        stopping = threading.Event()
        stopping.set()  # the app closing
        ctx = Ctx(Actor(None, "manager", "ui"), clock)
        assert backupswork.back_up_now(db, ctx, clock, stopping) is None
        assert backups.listing(db, ctx, root) == []
    finally:
        db.close()


def test_verify_says_a_good_backup_is_whole_and_a_damaged_one_is_not(
    qtbot: QtBot, host: QWidget, tmp_path: Path, tasks: TaskManager, clock: FixedClock,
    clinic_template: Template[Created],
) -> None:  # fmt: skip
    root = tmp_path / "fresh"  # a clinic whose audit log verifies (the seeded one's does not)
    clinic_template.copy_to(root)
    good = made_by_hand(root, clock).path
    clock.advance(days=1)  # the rotation keeps a day's newest only
    bad = made_by_hand(root, clock).path
    data = bytearray(bad.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(b ^ 0xFF for b in data[middle : middle + 64])
    bad.write_bytes(bytes(data))
    page = shown_page(qtbot, manager_desk(root, tasks, clock, "manager"), host)
    names = [cells(page, r)[4] for r in range(page.table.rowCount())]
    assert names == [bad.name, good.name]

    page.table.selectRow(1)
    with qtbot.waitSignal(page.verified, timeout=30_000) as got:
        page.verify_button.click()
    assert got.args[0].checked.ok
    assert page.note.text().startswith(f"The backup {good.name} is whole and can be restored")
    assert cells(page, 1)[3] == "whole" and page.table.currentRow() == 1

    page.table.selectRow(0)
    with qtbot.waitSignal(page.verified, timeout=30_000) as got:
        page.verify_button.click()
    checked = got.args[0].checked
    assert not checked.ok
    assert page.note.text() == checked.problem and bad.name in checked.problem
    assert cells(page, 0)[3] == "damaged"
    qtbot.wait(50)  # the layout takes the sentence's height at its next pass, as the app's
    page.grab().save(str(shots(tmp_path) / "settings-backups-verified.png"))


def test_a_role_the_core_refuses_has_no_backups_tab_and_the_page_says_the_refusal(
    qtbot: QtBot, host: QWidget, seeded: Seeded, tasks: TaskManager, clock: FixedClock
) -> None:
    made_by_hand(seeded.root, clock)
    desk = manager_desk(seeded.root, tasks, clock, "receptionist")
    dialog = SettingsDialog(desk)
    qtbot.addWidget(dialog)
    titles = [dialog.tabs.tabText(i).replace("&", "") for i in range(dialog.tabs.count())]
    assert "Backups" not in titles and dialog.backups is None
    page = shown_page(qtbot, desk, host)
    refusal = "Only a manager or an administrator can manage backups."
    assert page.note.text() == refusal, "the core's own sentence"
    assert page.table.rowCount() == 0
    assert not page.backup_button.isEnabled() and not page.restore_button.isEnabled()
    # a manager's dialog has it
    boss = Desk(seeded.root, tasks, desk.clinic, Actor("m1", "manager", "ui"), clock)
    managers = SettingsDialog(boss)
    qtbot.addWidget(managers)
    assert managers.backups is not None
    assert managers.tabs.indexOf(managers.backups) >= 0


def test_restore_as_a_copy_asks_then_makes_a_copy_that_shows_its_banner(
    qtbot: QtBot, host: QWidget, seeded: Seeded, manager: Desk, clock: FixedClock,
    tmp_path: Path, app: QApplication,
) -> None:  # fmt: skip
    made_by_hand(seeded.root, clock)
    clinic_before = vault.DataDir(seeded.root).db.read_bytes()
    opened: list[Path] = []
    page = shown_page(qtbot, manager, host, open_copy=lambda folder: opened.append(folder) or True)
    box = page.restore()
    assert box is not None and box.isVisible()
    when = short_datetime(listed(manager)[0].created_at, manager.clinic.tz)
    assert box.text() == f"Restore the backup of {when}?"
    assert box.defaultButton() is box.escapeButton(), "Cancel by default"
    replace = box.findChild(QWidget, "restoreReplace")
    assert replace is not None and not replace.isEnabled(), "no app around it to reopen"
    box.grab().save(str(shots(tmp_path) / "settings-backups-restore-question.png"))
    # Cancel: nothing moves
    box.escapeButton().click()
    assert not any(seeded.root.parent.glob("clinic-copy-*"))

    box = page.restore()
    assert box is not None
    with qtbot.waitSignal(page.restoredCopy, timeout=30_000) as got:
        box.findChild(QWidget, "restoreAsCopy").click()  # type: ignore[union-attr]
    done = got.args[0]
    assert done.look_only and done.root.parent == seeded.root.parent
    assert done.root.name.startswith("clinic-copy-")
    assert lookcopy.restored_copy(done.root) is not None, "marked: it sends nothing"
    assert vault.DataDir(seeded.root).db.read_bytes() == clinic_before, "the clinic untouched"
    assert str(done.root) in page.note.text() and "copy to look at" in page.note.text()
    assert page.open_button.isVisible()
    page.open_button.click()
    assert opened == [done.root]
    # opened in the app, the copy says what it is (the banner of ui/restoredcopy.py)
    tasks = TaskManager()
    try:
        tasks.db = tasks.run(lambda: vault.open_clinic(done.root)).result(timeout=30)
        desk = Desk(done.root, tasks, manager.clinic, Actor(None, "admin", "ui"), clock)
        win = MainWindow(desk)
        qtbot.addWidget(win)
        win.show()
        with qtbot.waitSignal(win.model.loaded, timeout=10_000):
            win.start()
        banner = win.findChild(CopyBanner, "restoredCopyBanner")
        assert banner is not None and banner.isVisible()
        win.close()
    finally:
        tasks.shutdown()


def staff_count(db: Database) -> int:
    with db.read() as s:
        return int(s.execute(text("SELECT count(*) FROM staff_user")).scalar_one())


def test_replacing_the_clinic_asks_twice_then_puts_the_backup_in_place_and_reopens(
    qtbot: QtBot, seeded: Seeded, tasks: TaskManager, clock: FixedClock,
    told: list[messages.Message],
) -> None:  # fmt: skip
    db = vault.open_clinic(seeded.root)
    try:
        admin = Ctx(CLI, clock)
        staff.add_user(db, admin, username=MANAGER, password=MANAGER_PASSWORD, role="manager")
        made = backups.create(db, admin, seeded.root)
        clock.advance(minutes=10)
        staff.add_user(db, admin, username="later", password="later-pass-1234", role="manager")
        before = staff_count(db)
    finally:
        db.close()
    sign_ins: list[SignInDialog] = []

    def sign_in(parent: QWidget | None, name: str, **kwargs: Any) -> SignInDialog:
        sign_ins.append(SignInDialog(parent, name, **kwargs))
        return sign_ins[-1]

    opening = Startup(
        seeded.root, tasks, IdleWatcher(300, poll_ms=60_000), clock=clock, env={},
        unlock_factory=UnlockDialog, sign_in_factory=sign_in,
    )  # fmt: skip
    try:  # the first window is deleted by the app itself: not pytest-qt's to close
        opening.start()
        qtbot.waitUntil(lambda: bool(sign_ins), timeout=20_000)
        with qtbot.waitSignal(opening.windowReady, timeout=20_000):
            opening._sign_in(MANAGER, MANAGER_PASSWORD)
        first = opening.window
        assert first is not None and first.desk.replace_clinic is not None
        controller = first.findChild(Settings)
        assert controller is not None
        dialog = controller.show_dialog()
        page = dialog.backups
        assert page is not None
        dialog.tabs.setCurrentWidget(page)
        qtbot.waitUntil(lambda: page.table.rowCount() == 1, timeout=20_000)
        box = page.restore()
        assert box is not None
        asked: list[QMessageBox] = []
        page.question.connect(asked.append)
        box.findChild(QWidget, "restoreReplace").click()  # type: ignore[union-attr]
        assert [b.objectName() for b in asked] == ["replaceClinicQuestion"]
        last = asked[0]
        assert last.defaultButton() is last.button(QMessageBox.StandardButton.Cancel)
        assert "Everything entered after" in last.informativeText()
        last.button(QMessageBox.StandardButton.Cancel).click()
        assert opening.window is first and first.isVisible(), "Cancel: nothing moved"
        assert not list(seeded.root.glob("clinic.db.before-restore-*"))

        box = page.restore()
        assert box is not None
        box.findChild(QWidget, "restoreReplace").click()  # type: ignore[union-attr]
        asked[-1].button(QMessageBox.StandardButton.Yes).click()
        qtbot.waitUntil(lambda: len(sign_ins) == 2, timeout=30_000)
        assert opening.window is None
        kept = sorted(p.name for p in seeded.root.glob("clinic.db.before-restore-*"))
        assert kept, "the clinic's own file is kept beside it"
        assert any("The backup is in place of the clinic" in m.text for m in told)
        with qtbot.waitSignal(opening.windowReady, timeout=20_000):
            opening._sign_in(MANAGER, MANAGER_PASSWORD)
        second = opening.window
        assert second is not None and second is not first
        qtbot.addWidget(second)
        reopened = opening.tasks.db
        assert reopened is not None
        after = opening.tasks.run(lambda: staff_count(reopened)).result(timeout=30)
        assert after == before - 1, "the account made after the backup is gone with it"
        assert lookcopy.restored_copy(seeded.root) is None, "the clinic, not a copy"
        assert made.path.exists()
    finally:
        opening.quit()


def test_a_failed_backups_tooltip_points_at_the_backups_page(qtbot: QtBot, manager: Desk) -> None:
    page = JobsPage(manager)
    qtbot.addWidget(page)
    said = page._failed("The backup could not be written in /mnt/nas: gone.", BACKUP.name)
    assert "Backups tab" in said and "receptionist backup" not in said
    assert "Verify the backups (in the app, Settings > Backups" in core.LOG_PROBLEM


def test_a_refused_replace_changes_nothing_and_the_clinic_opens_as_it_was(
    qtbot: QtBot, seeded: Seeded, tasks: TaskManager, clock: FixedClock,
    told: list[messages.Message],
) -> None:  # fmt: skip
    db = vault.open_clinic(seeded.root)
    try:
        admin = Ctx(CLI, clock)
        staff.add_user(db, admin, username=MANAGER, password=MANAGER_PASSWORD, role="manager")
        made = backups.create(db, admin, seeded.root)
    finally:
        db.close()
    sign_ins: list[SignInDialog] = []

    def sign_in(parent: QWidget | None, name: str, **kwargs: Any) -> SignInDialog:
        sign_ins.append(SignInDialog(parent, name, **kwargs))
        return sign_ins[-1]

    opening = Startup(
        seeded.root, tasks, IdleWatcher(300, poll_ms=60_000), clock=clock, env={},
        unlock_factory=UnlockDialog, sign_in_factory=sign_in,
    )  # fmt: skip
    try:
        opening.start()
        qtbot.waitUntil(lambda: bool(sign_ins), timeout=20_000)
        with qtbot.waitSignal(opening.windowReady, timeout=20_000):
            opening._sign_in(MANAGER, MANAGER_PASSWORD)
        first = opening.window
        assert first is not None
        clinic_file = vault.DataDir(seeded.root).db
        # the backup goes bad after it was listed: the restore's own check refuses it
        data = bytearray(made.path.read_bytes())
        middle = len(data) // 2
        data[middle : middle + 64] = bytes(b ^ 0xFF for b in data[middle : middle + 64])
        made.path.write_bytes(bytes(data))
        first.desk.replace_clinic(made.path)  # type: ignore[misc]  # as the page's Yes does
        qtbot.waitUntil(lambda: len(sign_ins) == 2, timeout=30_000)
        errors = [m.text for m in told if m.level == messages.Level.ERROR]
        assert errors and made.path.name in errors[-1], errors
        assert not list(seeded.root.glob("*.before-restore-*")), "nothing moved"
        with qtbot.waitSignal(opening.windowReady, timeout=20_000):
            opening._sign_in(MANAGER, MANAGER_PASSWORD)
        second = opening.window
        assert second is not None
        qtbot.addWidget(second)
        assert clinic_file.exists() and lookcopy.restored_copy(seeded.root) is None
    finally:
        opening.quit()
