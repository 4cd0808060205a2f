"""The app on a copy restored to look at (#14): a banner says so, the jobs and the sync
loop do not start; a manager's "This copy replaces the clinic…" asks, adopts, and then
they start."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select
from uiseed import Seeded

from receptionist.clock import FixedClock
from receptionist.context import Actor, Ctx
from receptionist.models import Patient, Service
from receptionist.ops import backups, waitlist
from receptionist.patients.search import PatientRow
from receptionist.schedule import waitlist as wl_core
from receptionist.schedule.agenda import ClinicInfo
from receptionist.store import lookcopy, vault
from ui import messages, today, visitops
from ui.app import stylesheet
from ui.booking import BookingDialog
from ui.desk import Desk
from ui.launch import start_jobs
from ui.mainwindow import MainWindow
from ui.patients import Patients
from ui.patients.table import short_datetime
from ui.restoredcopy import CopyBanner
from ui.settings.jobspage import JobsPage
from ui.settings.retentionpage import RetentionPage
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
    # look at; it sends nothing": session 17 names the backup and the bookings; session
    # 18: every change is refused in a copy, not bookings alone, and the banner says so)
    copy = lookcopy.restored_copy(copy_window.desk.root)
    assert copy is not None and copy.backup_made_at is not None
    made = short_datetime(copy.backup_made_at, copy_window.desk.clinic.tz)
    assert banner.label.text() == (
        f"This is a copy restored to look at, from the backup of {made}; it sends nothing "
        "and takes no changes."
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
        with db.write(in_copy=True) as s:  # type: ignore[attr-defined]
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


def test_a_copy_opens_no_booking_dialog_whichever_way_it_is_asked(
    qtbot: QtBot,
    copy_window: MainWindow,
    seeded: Seeded,
    told: list[messages.Message],
    tmp_path: Path,
) -> None:
    """Return or a double-click on a free slot of a copy's schedule opened the booking
    dialog, which the core then refused with its sentence (so did a patient's Book, a
    visit's "Book the next visit" and the waitlist's Book). In a copy restored to look
    at no booking dialog opens; the person is told why, once each time, in the words of
    New appointment's tooltip."""
    window = copy_window
    said = "This is a copy restored to look at: it takes no bookings."
    opened: list[object] = []
    today.install(window)
    visits, front = visitops.install(window), window.findChild(today.FrontDesk)
    assert isinstance(front, today.FrontDesk)
    visits.bookingOpened.connect(opened.append)
    front.bookingOpened.connect(opened.append)

    def refused_once(since: int) -> bool:
        return [m.text for m in told[since:]] == [said]

    view = window.schedule
    view.setFocus()
    view.set_cursor(1, 15 * 4)  # Omar, 15:00: free
    assert view.card_at_cursor() is None
    qtbot.keyClick(view, Qt.Key.Key_Return)
    assert window.booking.dialog is None, "Return on a free slot opened the booking dialog"
    assert refused_once(0)
    view.verticalScrollBar().setValue(int(view.geo.y(12 * 60)))
    before = len(told)
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton,
                      pos=view.viewport_point(0, 14 * 4))  # fmt: skip
    assert window.booking.dialog is None, "a double-click on a free slot opened it"
    assert refused_once(before)
    # a visit's "Book the next visit" (its card's menu), after the worker's answer
    before = len(told)
    visits.book_next(seeded.ids["a3"])
    qtbot.waitUntil(lambda: len(told) > before, timeout=10_000)
    assert window.booking.dialog is None and refused_once(before)

    # a patient's Book (the search, quick find, the patient's window)
    def first_patient(db: Any) -> PatientRow:
        with db.read() as s:
            found = s.scalars(select(Patient).order_by(Patient.number)).first()
            return PatientRow(found.id, found.number, found.given_name, None, None)

    tasks = window.desk.tasks
    patient = tasks.run(lambda: first_patient(tasks.database())).result(timeout=30)
    patients = window.findChild(Patients)
    assert isinstance(patients, Patients)
    before = len(told)
    patients.book(patient)
    assert window.booking.dialog is None and refused_once(before)
    # the waitlist's Book (Enter or Ctrl+B on an entry)
    ctx = window.desk.ctx()

    def entry(db: Any) -> str:
        with db.read() as s:
            service = str(s.query(Service.id).filter_by(name="Check-up").scalar())
        wish = waitlist.Wishes(
            patient_id=patient.id, service_id=service, provider_id=None,
            earliest=None, latest=None, times_of_day=(), weekdays=(), note="", priority=0,
        )  # fmt: skip
        with db.write(in_copy=True) as s:  # set-up: planted in the copy
            return str(wl_core.add(s, ctx, **dataclasses.asdict(wish)).id)

    entry_id = tasks.run(lambda: entry(tasks.database())).result(timeout=30)
    before = len(told)
    front.book_candidate(entry_id)
    qtbot.waitUntil(lambda: len(told) > before, timeout=10_000)
    assert window.booking.dialog is None and refused_once(before)
    assert opened == [], "a booking dialog was opened"
    assert not window.findChildren(BookingDialog)
    folder = os.environ.get("RECEPTIONIST_SCREENSHOTS", str(tmp_path))
    window.grab().save(str(Path(folder) / "restored-copy-no-booking.png"))


def test_a_copy_s_jobs_page_flags_nothing(qtbot: QtBot, copy_window: MainWindow) -> None:
    """A copy makes no backups and sweeps nothing: Settings > Jobs says neither where
    its backups would go nor a sweep's waiting audit log (its note says why)."""
    page = JobsPage(copy_window.desk)
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.refresh()
    assert page.flags.isHidden() and page.flags.text() == ""


def test_a_copy_offers_a_dry_run_but_no_sweep(qtbot: QtBot, copy_window: MainWindow) -> None:
    """In a copy a manager's dry run found what would go, Sweep now asked "deletes for
    good ... Sweep now?", and then the core refused (a copy runs no retention sweep).
    The dry run stays (it changes nothing); Sweep now is off, its tooltip says why."""
    asked: list[str] = []
    page = RetentionPage(copy_window.desk, ask=lambda _p, q: bool(asked.append(q)) or True)
    qtbot.addWidget(page)
    page.show()
    page.dry_button.click()
    qtbot.waitUntil(lambda: page.plan is not None or not page.busy, timeout=20_000)
    assert page.plan is not None, page.note.text()
    assert not page.sweep_button.isEnabled(), "Sweep now offered in a copy restored to look at"
    assert page.sweep_button.toolTip() == (
        "This is a copy restored to look at: it runs no retention sweep."
    )
    page.sweep()
    assert asked == [], "the sweep's question was asked in a copy"


def test_each_write_in_a_copy_is_refused_with_the_core_s_sentence(
    qtbot: QtBot,
    copy_window: MainWindow,
    seeded: Seeded,
    told: list[messages.Message],
    clock: FixedClock,
    tmp_path: Path,
) -> None:
    """A drag's move, Mark arrived, Cancel, a patient's edit, a waitlist entry: each is
    refused in a copy restored to look at, the status bar saying the core's sentence
    ("… it takes no changes …"), and nothing is written; Cancel and the waitlist open
    no form that would only be refused when saved (#14, session 18)."""
    from datetime import timedelta

    from ui import pinboard
    from ui.patients.window import PatientWindow
    from ui.schedule.drag import Move
    from ui.schedule.moves import MoveOps

    window = copy_window
    said = "takes no changes"

    def refused(since: int) -> bool:
        return any(said in m.text for m in told[since:])

    aid = seeded.ids["a3"]
    item = next(c.item for c in window.model.items() if c.item.id == aid)
    tasks = window.desk.tasks

    def start_of(db: Any) -> str:
        from receptionist.models import Appointment

        with db.read() as s:
            appt = s.get(Appointment, aid)
            assert appt is not None
            return appt.start_utc.isoformat()

    first_start = tasks.run(lambda: start_of(tasks.database())).result(timeout=30)
    pinboard.install(window)
    moves = window.findChild(MoveOps, "moveOps")
    assert moves is not None
    before = len(told)
    later = item.start_utc + timedelta(hours=2)
    moves.move(Move(item, "provider", item.provider_id, later, later + timedelta(minutes=30)))
    qtbot.waitUntil(lambda: refused(before), timeout=10_000)
    before = len(told)
    window.schedule.statusRequested.emit(aid, "arrived")
    qtbot.waitUntil(lambda: refused(before), timeout=10_000)
    before = len(told)
    window.schedule.cancelRequested.emit(aid)
    assert refused(before) and window.status_ops.dialog is None, "Cancel asked a reason"
    # a patient's edit

    def first_patient(db: Any) -> str:
        with db.read() as s:
            return str(s.scalars(select(Patient.id).order_by(Patient.number)).first())

    pid = tasks.run(lambda: first_patient(tasks.database())).result(timeout=30)
    patient = PatientWindow(window.desk, pid)
    qtbot.addWidget(patient)
    patient.show()
    with qtbot.waitSignal(patient.loaded, timeout=10_000):
        patient.load()
    patient.form.editors["given_name"].setText("Changed")
    assert patient.save_button.isEnabled()
    before = len(told)
    patient.save()
    qtbot.waitUntil(lambda: refused(before), timeout=10_000)
    # a waitlist entry: no dialog opens
    front = window.findChild(today.FrontDesk)
    if front is None:
        today.install(window)
        front = window.findChild(today.FrontDesk)
    assert isinstance(front, today.FrontDesk)
    before = len(told)
    front.ask_entry()
    assert refused(before) and front.entry is None, "the waitlist's entry dialog opened"

    def unchanged(db: Any) -> tuple[str, str, str]:
        from receptionist.models import Appointment

        with db.read() as s:
            appt = s.get(Appointment, aid)
            person = s.get(Patient, pid)
            assert appt is not None and person is not None
            return appt.status, appt.start_utc.isoformat(), person.given_name

    status, start, name = tasks.run(lambda: unchanged(tasks.database())).result(timeout=30)
    assert (status, name) == (item.status, patient.record.fields["given_name"])
    assert start == first_start, "the move was written"
    folder = os.environ.get("RECEPTIONIST_SCREENSHOTS", str(tmp_path))
    window.grab().save(str(Path(folder) / "restored-copy-no-changes.png"))
