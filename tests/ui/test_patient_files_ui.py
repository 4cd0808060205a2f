"""The patient window's Communication and Documents tabs, on a real encrypted clinic.

File and confirmation dialogs come from the tests' own factories (Qt's widget dialogs,
never a native one); tests type ASCII only (keyClicks of other characters crash Qt).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select
from uiseed import USER

from receptionist.context import Actor
from receptionist.models import CommunicationEntry, Patient, PatientDocument, StaffUser
from receptionist.ops import documents as ops_documents
from receptionist.patients import documents
from ui.app import stylesheet
from ui.desk import Desk
from ui.patients import PatientWindow
from ui.patients.documents import DocumentsPage
from ui.progress import ProgressDialog


class Dialogs:
    """Stand-ins for the file and confirmation dialogs: Qt's own, never native."""

    def __init__(self) -> None:
        self.opens: list[QFileDialog] = []
        self.saves: list[QFileDialog] = []
        self.confirms: list[QMessageBox] = []

    def open(self, parent: QWidget) -> QFileDialog:
        dialog = QFileDialog(parent, "Attach")
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        self.opens.append(dialog)
        return dialog

    def save(self, parent: QWidget, suggested: str) -> QFileDialog:
        dialog = QFileDialog(parent, "Save", suggested)
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        self.saves.append(dialog)
        return dialog

    def confirm(self, parent: QWidget, text: str) -> QMessageBox:
        answers = QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No
        box = QMessageBox(QMessageBox.Icon.Question, "Remove", text, answers, parent)
        self.confirms.append(box)
        return box


def shot(widget: QWidget, name: str) -> None:
    """Saved only when PATIENT_SHOTS names a folder (to look at by eye)."""
    folder = os.environ.get("PATIENT_SHOTS")
    if folder:
        window = widget.window()
        window.setStyleSheet(stylesheet())
        window.grab().save(str(Path(folder) / f"{name}.png"))
        window.setStyleSheet("")


def on_worker(desk: Desk, fn: Any) -> Any:
    return desk.tasks.run(lambda: fn(desk.tasks.database())).result(timeout=30)


def count(desk: Desk, model: type[Any]) -> int:
    def work(db: Any) -> int:
        with db.read() as s:
            return int(s.scalar(select(func.count()).select_from(model)) or 0)

    return int(on_worker(desk, work))


@pytest.fixture
def pid(desk: Desk) -> str:
    def first(db: Any) -> str:
        with db.read() as s:
            found = s.scalar(select(Patient.id).where(Patient.number == "A-1"))
            assert found is not None
            return str(found)

    return str(on_worker(desk, first))


@pytest.fixture
def dialogs() -> Dialogs:
    return Dialogs()


def open_window(qtbot: QtBot, desk: Desk, pid: str) -> PatientWindow:
    win = PatientWindow(desk, pid)
    qtbot.addWidget(win)
    win.show()
    with qtbot.waitSignal(win.loaded, timeout=10_000):
        win.load()
    return win


@pytest.fixture
def docs(qtbot: QtBot, desk: Desk, pid: str, dialogs: Dialogs) -> DocumentsPage:
    win = open_window(qtbot, desk, pid)
    page = win.documents
    page.open_factory, page.save_factory = dialogs.open, dialogs.save
    page.confirm_factory = dialogs.confirm
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        win.tabs.setCurrentWidget(page)  # the tab loads when first shown
    return page


def names(page: DocumentsPage) -> list[str]:
    return [page.model.index(r, 0).data() for r in range(page.model.rowCount())]


def choose(qtbot: QtBot, page: DocumentsPage, dialogs: Dialogs, path: Path) -> None:
    qtbot.mouseClick(page.attach_button, Qt.MouseButton.LeftButton)
    dialog = dialogs.opens[-1]
    assert dialog.isVisible()
    dialog.fileSelected.emit(str(path))
    dialog.done(QFileDialog.DialogCode.Accepted)


def test_attach_is_listed_and_a_copy_has_the_same_bytes(
    qtbot: QtBot, desk: Desk, docs: DocumentsPage, dialogs: Dialogs, tmp_path: Path
) -> None:
    assert names(docs) == [] and not docs.copy_button.isEnabled()
    source = tmp_path / "referral.pdf"
    source.write_bytes(os.urandom(300_000))
    with qtbot.waitSignal(docs.attached, timeout=10_000):
        choose(qtbot, docs, dialogs, source)
    assert names(docs) == ["referral.pdf"]
    assert docs.model.index(0, 1).data() == "PDF"
    assert docs.model.index(0, 2).data()  # a size, in the user's locale
    assert docs.current_id() is not None and docs.copy_button.isEnabled()
    assert "referral.pdf" in docs.note.text()
    shot(docs, "documents-attached")

    target = tmp_path / "out" / "copy.pdf"
    target.parent.mkdir()
    qtbot.mouseClick(docs.copy_button, Qt.MouseButton.LeftButton)
    save = dialogs.saves[-1]
    assert save.isVisible() and save.selectedFiles()[0].endswith("referral.pdf")
    with qtbot.waitSignal(docs.copied, timeout=10_000):
        save.fileSelected.emit(str(target))
        save.done(QFileDialog.DialogCode.Accepted)
    assert target.read_bytes() == source.read_bytes()
    assert "not encrypted" in docs.note.text()


def test_reopening_the_window_shows_what_is_stored(
    qtbot: QtBot, desk: Desk, pid: str, docs: DocumentsPage, dialogs: Dialogs, tmp_path: Path
) -> None:
    source = tmp_path / "scan.png"
    source.write_bytes(b"\x89PNG fake image")
    with qtbot.waitSignal(docs.attached, timeout=10_000):
        choose(qtbot, docs, dialogs, source)
    again = open_window(qtbot, desk, pid)
    assert not again.documents.is_loaded  # nothing read before the tab is shown
    with qtbot.waitSignal(again.documents.loaded, timeout=10_000):
        again.tabs.setCurrentWidget(again.documents)
    assert names(again.documents) == ["scan.png"]
    assert again.documents.model.index(0, 1).data() == "Image (PNG)"


def test_remove_asks_then_wipes(
    qtbot: QtBot, desk: Desk, docs: DocumentsPage, dialogs: Dialogs, tmp_path: Path
) -> None:
    source = tmp_path / "old.txt"
    source.write_bytes(b"remove me")
    with qtbot.waitSignal(docs.attached, timeout=10_000):
        choose(qtbot, docs, dialogs, source)
    docs.table.setFocus()
    qtbot.keyClick(docs.table, Qt.Key.Key_Delete)
    box = dialogs.confirms[-1]
    assert box.isVisible()
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.No), Qt.MouseButton.LeftButton)
    assert names(docs) == ["old.txt"]
    qtbot.mouseClick(docs.remove_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(docs.removed, timeout=10_000):
        qtbot.mouseClick(
            dialogs.confirms[-1].button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton
        )
    assert names(docs) == [] and not docs.remove_button.isEnabled()

    def stored(db: Any) -> tuple[bytes, bool]:
        with db.read() as s:
            row = s.scalars(select(PatientDocument)).one()
            return row.content, row.deleted_at is not None

    assert on_worker(desk, stored) == (b"", True)


def test_cancel_before_the_worker_starts_writes_nothing(
    qtbot: QtBot, desk: Desk, docs: DocumentsPage, tmp_path: Path
) -> None:
    source = tmp_path / "big.bin"
    source.write_bytes(os.urandom(3 * ops_documents.CHUNK_BYTES))
    docs.progress_delay_ms = 0
    gate = threading.Event()
    desk.tasks.run(lambda: gate.wait(10))  # the worker is busy with something else
    docs.attach_path(str(source))
    dialog = docs.findChild(ProgressDialog, "progressDialog")
    assert dialog is not None and dialog.isVisible()
    assert not docs.attach_button.isEnabled()  # one attach at a time
    shot(dialog, "attach-progress")
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert dialog.label.text() == "Cancelling…" and not dialog.cancel_button.isEnabled()
    with qtbot.waitSignal(docs.attachEnded, timeout=10_000):
        gate.set()
    assert "nothing was attached" in docs.note.text()
    assert names(docs) == [] and count(desk, PatientDocument) == 0
    assert docs.progress_dialog is None and docs.attach_button.isEnabled()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs a named pipe")
def test_cancel_while_reading_a_slow_file_writes_nothing(
    qtbot: QtBot, desk: Desk, docs: DocumentsPage, tmp_path: Path
) -> None:
    """A file arriving slowly (a pipe standing in for a network drive): Cancel mid-way."""
    pipe = tmp_path / "slow.pdf"
    os.mkfifo(pipe)
    chunk = b"x" * ops_documents.CHUNK_BYTES
    first_sent, go_on = threading.Event(), threading.Event()

    def feed() -> None:
        with pipe.open("wb") as out:
            out.write(chunk)
            out.flush()
            first_sent.set()
            go_on.wait(10)
            try:
                out.write(chunk)
                out.write(chunk)
            except BrokenPipeError:
                pass

    feeder = threading.Thread(target=feed)
    feeder.start()
    docs.progress_delay_ms = 0
    docs.attach_path(str(pipe))
    dialog = docs.progress_dialog
    assert dialog is not None
    qtbot.waitUntil(first_sent.is_set, timeout=10_000)  # the worker is reading the file
    assert dialog.bar.maximum() == 0  # a pipe has no size: the bar just shows it is busy
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(docs.attachEnded, timeout=10_000):
        go_on.set()
    feeder.join(10)
    assert "nothing was attached" in docs.note.text()
    assert count(desk, PatientDocument) == 0


def test_a_file_over_the_limit_is_refused_before_it_is_read(
    qtbot: QtBot, desk: Desk, docs: DocumentsPage, dialogs: Dialogs, tmp_path: Path
) -> None:
    source = tmp_path / "huge.iso"
    with source.open("wb") as out:
        out.truncate(documents.MAX_BYTES + 1)  # sparse: no need to write 25 MB
    with qtbot.waitSignal(docs.attachEnded, timeout=10_000):
        choose(qtbot, docs, dialogs, source)
    assert docs.note.text() == documents.too_big_message()
    assert count(desk, PatientDocument) == 0


def test_a_provider_cannot_attach_or_remove(
    qtbot: QtBot, desk: Desk, pid: str, docs: DocumentsPage
) -> None:
    desk.actor = Actor(user_id="u2", role="provider", source="ui")
    win = open_window(qtbot, desk, pid)
    with qtbot.waitSignal(win.documents.loaded, timeout=10_000):
        win.tabs.setCurrentWidget(win.documents)
    assert not win.documents.attach_button.isEnabled()
    assert not win.commlog.add_button.isEnabled()


# --- the communication log ---------------------------------------------------------------
def test_log_a_call_and_see_it_newest_first(qtbot: QtBot, desk: Desk, pid: str) -> None:
    def signed_in(db: Any) -> str:
        with db.read() as s:
            return str(s.scalar(select(StaffUser.id).where(StaffUser.username == USER)))

    desk.actor = Actor(user_id=on_worker(desk, signed_in), role="receptionist", source="ui")
    win = open_window(qtbot, desk, pid)
    page = win.commlog
    assert page.objectName() == "patientCommLog" and not page.is_loaded
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        win.tabs.setCurrentWidget(page)
    assert page.model.rowCount() == 0
    page.summary.setFocus()
    qtbot.keyClicks(page.summary, "Asked to move the Friday visit")
    with qtbot.waitSignal(page.added, timeout=10_000):
        qtbot.keyClick(page.summary, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert page.summary.toPlainText() == "" and page.note.text() == "Logged."

    page.channel.setCurrentIndex(page.channel.findData("sms"))
    page.direction.setCurrentIndex(page.direction.findData("out"))
    desk.clock.advance(minutes=3)  # type: ignore[attr-defined]
    qtbot.keyClicks(page.summary, "Sent the new time")
    with qtbot.waitSignal(page.added, timeout=10_000):
        qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    rows = [[page.model.index(r, c).data() for c in (1, 2, 3, 4)] for r in range(2)]
    assert rows == [
        ["SMS", "Out", "Sent the new time", USER],
        ["Phone call", "In", "Asked to move the Friday visit", USER],
    ]
    assert count(desk, CommunicationEntry) == 2
    shot(page, "commlog-two-entries")


def test_an_empty_summary_is_refused_under_the_box(qtbot: QtBot, desk: Desk, pid: str) -> None:
    win = open_window(qtbot, desk, pid)
    page = win.commlog
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        win.tabs.setCurrentWidget(page)
    qtbot.keyClicks(page.summary, "   ")
    page.add()
    qtbot.waitUntil(page.summary_error.isVisible, timeout=10_000)
    assert page.summary_error.text().startswith("Write a short summary")
    assert page.note.text() == "Not logged: check the summary."
    assert count(desk, CommunicationEntry) == 0
    qtbot.keyClicks(page.summary, "x")
    assert not page.summary_error.isVisible()


def test_closing_with_a_typed_summary_warns_once(qtbot: QtBot, desk: Desk, pid: str) -> None:
    win = open_window(qtbot, desk, pid)
    with qtbot.waitSignal(win.commlog.loaded, timeout=10_000):
        win.tabs.setCurrentWidget(win.commlog)
    qtbot.keyClicks(win.commlog.summary, "Half typed")
    assert win.unsaved()
    win.reject()
    assert win.isVisible() and win.note.text().startswith("Not logged yet")
    win.reject()
    assert not win.isVisible() and not win.unsaved()
    assert count(desk, CommunicationEntry) == 0


def test_models_pass_the_model_tester(qtmodeltester: Any) -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from receptionist.patients.commlog import CommEntry
    from receptionist.patients.documents import DocumentInfo
    from ui.patients.commlog import CommLogModel, LogRow
    from ui.patients.docparts import DocumentsModel, size_text

    tz, at = ZoneInfo("Europe/Istanbul"), datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
    docs = DocumentsModel(tz)
    qtmodeltester.check(docs)
    docs.set_rows([DocumentInfo("d1", "p1", "scan.jpg", "image/jpeg", 2_500_000, "0" * 64,
                                "", None, at)])  # fmt: skip
    qtmodeltester.check(docs)
    assert docs.index(0, 1).data() == "Image (JPEG)"
    assert size_text(25 * 1024 * 1024) == "25 MB" and size_text(1000) == "1000 bytes"
    log = CommLogModel(tz)
    qtmodeltester.check(log)
    entry = CommEntry("c1", "p1", at, "in_person", "in", "Came by\nsecond line", None, None)
    log.set_rows([LogRow(entry, "")])
    qtmodeltester.check(log)
    assert log.index(0, 3).data() == "Came by"
    assert log.index(0, 3).data(Qt.ItemDataRole.ToolTipRole) == "Came by\nsecond line"


def test_a_tab_shown_before_the_record_loads_is_filled_once_it_does(
    qtbot: QtBot, desk: Desk, pid: str
) -> None:
    win = PatientWindow(desk, pid)
    qtbot.addWidget(win)
    win.show()
    win.tabs.setCurrentWidget(win.documents)
    with qtbot.waitSignal(win.documents.loaded, timeout=10_000):
        win.load()
    assert win.documents.empty.isVisible() and not win.commlog.is_loaded
