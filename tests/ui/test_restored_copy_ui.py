"""The app on a copy restored to look at (#14): a banner says so, the jobs and the sync
loop do not start; a manager's "This copy replaces the clinic…" asks, adopts, and then
they start."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from uiseed import Seeded

from receptionist.clock import FixedClock
from receptionist.context import Actor, Ctx
from receptionist.ops import backups, lookcopy
from receptionist.schedule.agenda import ClinicInfo
from receptionist.store import vault
from ui.app import stylesheet
from ui.desk import Desk
from ui.launch import start_jobs
from ui.mainwindow import MainWindow
from ui.patients.table import short_datetime
from ui.restoredcopy import CopyBanner
from ui.settings.jobspage import JobsPage
from ui.syncstate import SyncState
from ui.syncstatus import SyncStatus
from ui.tasks import TaskManager


@pytest.fixture
def copy_root(seeded: Seeded, clock: FixedClock, tmp_path: Path) -> Path:
    """The seeded clinic's backup, restored into an empty folder."""
    db = vault.open_clinic(seeded.root)
    try:
        made = backups.create(db, Ctx(Actor(None, "admin", "cli"), clock), seeded.root,
                              to=tmp_path / "nas")  # fmt: skip
    finally:
        db.close()
    look = tmp_path / "look"
    assert backups.restore(look, made.path, clock).look_only
    return look


@pytest.fixture
def copy_window(
    qtbot: QtBot, copy_root: Path, tasks: TaskManager, clock: FixedClock, app: QApplication
) -> Iterator[MainWindow]:
    app.setStyleSheet(stylesheet())  # as the app shows it (the fixture ``app`` puts it back)
    tasks.db = tasks.run(lambda: vault.open_clinic(copy_root)).result(timeout=30)
    desk = Desk(copy_root, tasks, ClinicInfo("Şifa Clinic", "Europe/Istanbul", 15),
                Actor(None, "admin", "ui"), clock, username="admin")  # fmt: skip
    win = MainWindow(desk)
    qtbot.addWidget(win)
    win.show()
    with qtbot.waitSignal(win.model.loaded, timeout=10_000):
        win.start()
    yield win


def test_a_copy_shows_its_banner_and_starts_no_jobs(
    qtbot: QtBot, copy_window: MainWindow, tmp_path: Path
) -> None:
    banner = copy_window.findChild(CopyBanner, "restoredCopyBanner")
    assert banner is not None and banner.isVisible()
    # which backup it holds, on the clinic's clock (it said only "a copy restored to
    # look at; it sends nothing": session 17 names the backup and the bookings)
    copy = lookcopy.restored_copy(copy_window.desk.root)
    assert copy is not None and copy.backup_made_at is not None
    made = short_datetime(copy.backup_made_at, copy_window.desk.clinic.tz)
    assert banner.label.text() == (
        f"This is a copy restored to look at, from the backup of {made}; it sends nothing "
        "and takes no bookings."
    )
    # no new appointment: the core refuses it in a copy (``ops.appointments.book``)
    book = copy_window.booking.action
    assert not book.isEnabled() and "copy restored to look at" in book.toolTip()
    sync_now = copy_window.named_action("syncNow")
    assert sync_now is not None and not sync_now.isEnabled()
    desk = copy_window.desk
    startup = SimpleNamespace(desk=desk, window=copy_window, tasks=desk.tasks, clock=desk.clock)
    start_jobs(startup, ())  # type: ignore[arg-type]
    assert copy_window.desk.jobs is None, "a copy restored to look at started its jobs"
    page = JobsPage(copy_window.desk)
    qtbot.addWidget(page)
    assert page.note.text() == "This is a copy restored to look at: its background jobs do not run."
    folder = os.environ.get("RECEPTIONIST_SCREENSHOTS", str(tmp_path))
    copy_window.grab().save(str(Path(folder) / "restored-copy-banner.png"))
    # the question says what follows; yes adopts, and the jobs start
    banner.ask()
    assert banner.box is not None and "sends the reminders still queued" in banner.box.text()
    banner.box.reject()
    assert lookcopy.restored_copy(copy_window.desk.root) is not None
    with qtbot.waitSignal(banner.adopted, timeout=10_000):
        banner.adopt()
    assert lookcopy.restored_copy(copy_window.desk.root) is None
    assert not banner.isVisible() and sync_now.isEnabled()
    assert book.isEnabled(), "the adopted copy is the clinic: it takes bookings"
    assert copy_window.desk.jobs is not None, "the adopted copy's jobs did not start"


def test_the_clinic_itself_has_no_banner(window: MainWindow) -> None:
    assert window.copy_banner is None
    assert window.booking.action.isEnabled()
    assert window.findChild(CopyBanner, "restoredCopyBanner") is None


def test_the_status_bar_of_a_copy_says_it_sends_no_reminders(qtbot: QtBot) -> None:
    state = SyncState()
    widget = SyncStatus(state)
    qtbot.addWidget(widget)
    state.update_reminders("copy", queued=0)
    assert widget.reminders.text() == "Reminders: none from this copy"
    assert "restored to look at" in widget.reminders.toolTip()


def test_a_copy_offers_no_resend(qtbot: QtBot, copy_window: MainWindow, clock: FixedClock) -> None:
    """Resend in a copy queued a failed message that went once the copy was adopted
    (the core refuses it too: ``ops.reminders.resend``)."""
    from receptionist.models import Reminder
    from ui.reminders import Reminders

    desk = copy_window.desk
    now = clock.now()

    def plant(db: object) -> str:
        with db.write() as s:  # type: ignore[attr-defined]
            r = Reminder(
                appointment_id="a1", patient_id="p1", kind="confirmation", rule="confirmation",
                scheduled_for=now, send_at=now, appointment_start=now, state="failed",
                channel="sms", reason="permanent:invalid_number", created_at=now, updated_at=now,
            )  # fmt: skip
            s.add(r)
            s.flush()
            return str(r.id)

    made = desk.tasks.run(lambda: plant(desk.tasks.database())).result(timeout=30)
    controller = copy_window.findChild(Reminders)
    assert controller is not None
    view = controller.show()
    view.filter.setCurrentIndex(view.filter.findData("failed"))
    qtbot.waitUntil(lambda: [r.id for r in view.model.rows()] == [made], timeout=10_000)
    view.table.setCurrentIndex(view.model.index(0, 0))
    assert not view.resend.isEnabled()
    assert "copy restored to look at" in view.resend.toolTip()
    assert not view.context_menu().findChild(QAction, "remindersMenuResend").isEnabled()
