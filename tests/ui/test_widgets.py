"""The small widgets: dialogs, the sync status, the idle watcher, menus and names."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QToolButton, QWidget
from pytestqt.qtbot import QtBot

from ui.idle import IdleWatcher
from ui.mainwindow import MainWindow
from ui.signin import SignInDialog
from ui.syncstate import SyncState
from ui.syncstatus import SyncStatus
from ui.unlock import UnlockDialog


def test_sync_status_says_not_set_up_then_follows_the_feed(qtbot: QtBot) -> None:
    state = SyncState()
    widget = SyncStatus(state)
    qtbot.addWidget(widget)
    widget.show()
    assert widget.objectName() == "syncStatus"
    assert widget.network.text() == "Sync: not set up"
    assert widget.reminders.text() == "Reminders: not set up"
    assert not widget.pending.isVisible()
    state.update(
        online=False,
        pending_changes=3,
        open_conflicts=1,
        last_sync=datetime(2026, 3, 2, 7, 0, tzinfo=UTC),
    )
    assert widget.network.text() == "Offline"
    assert widget.pending.isVisible() and widget.pending.text() == "Waiting: 3"
    assert widget.conflicts.text() == "Conflicts: 1"
    assert widget.reminders.text() == "Reminders: not set up"
    state.update(reminders_queued=5)
    assert widget.reminders.text() == "This PC sends reminders: next none, queued 5, failed 0"
    # With a cloud: the PC holding the reminders' lease, by its name.
    state.update_reminders("elsewhere", station="A", sender="Front desk", sender_code="A",
                           sender_here=False)  # fmt: skip
    assert widget.reminders.text() == "Reminders sent by PC Front desk"
    assert "holds the reminders' lease" in widget.reminders.toolTip()
    state.update_reminders("here", station="A", sender="Back office", sender_code="C",
                           sender_here=False)  # fmt: skip
    assert widget.reminders.text() == "Reminders sent by PC Back office"
    state.update_reminders("standby", station="A", queued=2, sender="Desk 2", sender_here=True)
    assert widget.reminders.text() == "This PC sends reminders: next none, queued 2, failed 0"
    assert "stands by" in widget.reminders.toolTip()
    state.update_reminders("here", station="A", queued=1, failed=1, to_check=1)
    assert widget.reminders.text() == (
        "This PC sends reminders: next none, queued 1, failed 1, to check 1"
    )


def test_unlock_dialog_checks_empty_input_inline(qtbot: QtBot) -> None:
    dialog = UnlockDialog(None, "/data/clinic")
    qtbot.addWidget(dialog)
    dialog.show()
    sent: list[str] = []
    dialog.submitted.connect(sent.append)
    qtbot.keyClick(dialog.secret, Qt.Key.Key_Return)
    assert sent == [] and dialog.error.isVisible()
    qtbot.keyClicks(dialog.secret, "abcd-efgh")
    qtbot.keyClick(dialog.secret, Qt.Key.Key_Return)
    assert sent == ["abcd-efgh"] and dialog.is_busy() and not dialog.secret.isEnabled()
    assert not dialog.error.isVisible()
    dialog.show_error("Wrong.")
    assert not dialog.is_busy() and dialog.focusWidget() is dialog.secret


def test_sign_in_escape_quits_only_when_not_locked(qtbot: QtBot) -> None:
    first = SignInDialog(None, "Clinic")
    locked = SignInDialog(None, "Clinic", locked=True, username="ayse")
    for dialog in (first, locked):
        qtbot.addWidget(dialog)
        dialog.show()
    with qtbot.waitSignal(first.quitRequested, timeout=1000):
        qtbot.keyClick(first, Qt.Key.Key_Escape)
    with qtbot.assertNotEmitted(locked.quitRequested):
        qtbot.keyClick(locked, Qt.Key.Key_Escape)
    assert locked.isVisible() and locked.focusWidget() is locked.password
    with qtbot.waitSignal(locked.quitRequested, timeout=1000):
        locked.quit.click()


def test_idle_watcher_counts_from_the_last_input(qtbot: QtBot) -> None:
    now = [0.0]
    watcher = IdleWatcher(60, monotonic=lambda: now[0], poll_ms=60_000)
    target = QWidget()
    qtbot.addWidget(target)
    fired: list[int] = []
    watcher.idle.connect(lambda: fired.append(1))
    watcher.start()
    now[0] = 50
    press = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_A, Qt.KeyboardModifier.NoModifier, "a")
    QApplication.sendEvent(target, press)  # input resets the count
    now[0] = 100
    watcher.check()
    assert fired == []
    now[0] = 111
    watcher.check()
    watcher.check()
    assert fired == [1] and not watcher.armed
    watcher.start()
    assert watcher.armed and watcher.idle_for() == 0
    watcher.stop()


def test_menus_show_shortcuts_and_tooltips_name_them(window: MainWindow) -> None:
    a = window.actions_
    assert a.next.shortcut().toString() == "Alt+Right"
    assert "(Alt+Right)" in a.next.toolTip()
    assert a.book.shortcutContext() == Qt.ShortcutContext.WidgetWithChildrenShortcut
    titles = [m.title() for m in window.menuBar().findChildren(type(window.menuBar().addMenu("x")))]
    assert {"&File", "&View", "&Appointment", "&Help"} <= set(titles)


def test_controls_have_accessible_names(window: MainWindow) -> None:
    nav = window.navbar
    assert nav.date_edit.accessibleName() and nav.column_filter.accessibleName()
    assert window.schedule.accessibleName() == "Schedule"
    assert window.schedule.accessibleDescription()  # says where the cursor is
    for button in nav.findChildren(QToolButton):
        if button.isVisible():
            assert button.text() or button.accessibleName(), button.objectName()


def test_binding_keeps_references_to_none_and_true() -> None:
    """PySide6 6.12.0 drops a reference to None / True on every call on Python 3.11,
    until the interpreter aborts; pyproject pins it away. This catches a regression."""
    from PySide6.QtCore import QObject, Signal

    class Probe(QObject):
        ping = Signal()

    probe = Probe()
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(64):
        probe.setObjectName("probe")
        probe.ping.emit()
    assert none_before - sys.getrefcount(None) < 32
    assert true_before - sys.getrefcount(True) < 32


def test_nothing_is_said_on_the_lock_screen(window: MainWindow) -> None:
    from ui import messages

    window.lock()
    messages.info("Saved patient A-1.")
    assert window.statusBar().currentMessage() == ""
    window.unlock()
    messages.info("Saved patient A-1.")
    assert window.statusBar().currentMessage() == "Saved patient A-1."


def test_sync_status_times_are_the_clinics_not_the_pcs(qtbot: QtBot) -> None:
    """ "next HH:MM" and "Last sync" were in the PC's zone; every other time the app
    shows is the clinic's. 21:30 UTC is 00:30 the next day in Istanbul (and in no
    zone this test runs in other than +03:00 is it 00:30 then)."""
    from zoneinfo import ZoneInfo

    clinic = ZoneInfo("Europe/Istanbul")
    now = datetime(2026, 12, 7, 21, 10, tzinfo=UTC)  # 00:10 on 8 Dec in Istanbul
    state = SyncState()
    widget = SyncStatus(state, now=lambda: now, zone=lambda: clinic)
    qtbot.addWidget(widget)
    state.update(online=True, last_sync=datetime(2026, 12, 7, 20, 5, tzinfo=UTC))
    assert widget.last_sync.text() == "Last sync: 23:05"
    state.update_reminders("here", queued=1, next_due=datetime(2026, 12, 7, 21, 30, tzinfo=UTC))
    assert "next 00:30," in widget.reminders.text()  # the label's other words aside
    state.update_reminders("here", queued=1, next_due=datetime(2026, 12, 8, 21, 30, tzinfo=UTC))
    assert "next 9 Dec 00:30," in widget.reminders.text()
