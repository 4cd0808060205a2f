"""``--screenshots DIR``: each main screen rendered offscreen into a PNG, then exit.

Steps run one after another on a timer: set a screen up, wait until the schedule
has loaded and the worker is idle, grab it, go on. Popups and dialogs are painted
onto the window's picture where they would appear.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, QPoint, QTimer, Signal
from PySide6.QtGui import QColor, QPainter, QPixmap
from PySide6.QtWidgets import QMenu, QWidget

from . import messages
from .cancel import CancelDialog
from .mainwindow import MainWindow
from .signin import SignInDialog
from .unlock import UnlockDialog

Prepare = Callable[[], object]
Shoot = Callable[[], "QPixmap | None"]
POLL_MS = 25
TIMEOUT_MS = 60_000


def composite(window: QWidget, *popups: QWidget) -> QPixmap:
    """The window's picture with ``popups`` painted where they sit (or centred)."""
    QCoreApplication.sendPostedEvents()  # pending layouts first, or a toolbar shows stale
    picture = window.grab()
    painter = QPainter(picture)
    try:
        for popup in popups:
            shot = popup.grab()
            if isinstance(popup, QMenu):
                at = window.mapFromGlobal(popup.mapToGlobal(QPoint(0, 0)))
            else:
                at = QPoint(
                    (picture.width() - shot.width()) // 2, (picture.height() - shot.height()) // 3
                )
            painter.drawPixmap(at, shot)
            painter.setPen(QColor("#8a94a6"))
            painter.drawRect(at.x() - 1, at.y() - 1, shot.width() + 1, shot.height() + 1)
    finally:
        painter.end()
    return picture


class Screenshots(QObject):
    """Walks the screens once the main window is ready; ``done(exit_code)`` at the end."""

    done = Signal(int)

    def __init__(self, out_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.out_dir = Path(out_dir)
        self.saved: list[Path] = []
        self.window: MainWindow | None = None
        self._steps: list[tuple[str, Prepare | None, Shoot]] = []
        self._pending: tuple[str, Shoot] | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._poll)
        self._waited = 0
        self._idle_polls = 0
        self._search_left = 7

    def run(self, window: MainWindow) -> None:
        self.window = window
        self.out_dir.mkdir(parents=True, exist_ok=True)
        m = window.model
        self._steps = [
            ("01-schedule-day", None, self._plain),
            ("02-schedule-week", lambda: m.set_mode("week"), self._plain),
            ("03-schedule-rooms", self._rooms, self._plain),
            ("04-card-menu", lambda: m.set_kind("provider"), self._card_menu),
            ("05-cancel-dialog", None, self._cancel_dialog),
            ("06-error-message", None, self._error_message),
            ("07-locked-sign-in", None, self._locked),
            ("08-unlock-dialog", None, self._unlock_dialog),
        ]
        self._timer.start()

    def _busy(self) -> bool:
        w = self.window
        return w is None or w.model.loading or w.desk.tasks.pending() > 0

    def _poll(self) -> None:
        self._waited += POLL_MS
        if self._waited > TIMEOUT_MS:
            self._finish(1)
            return
        if self._busy():
            self._idle_polls = 0
            return
        self._idle_polls += 1
        if self._idle_polls < 2:  # one more turn of the event loop: layouts settle
            return
        if self._find_busy_day():
            return
        if self._pending is not None:
            name, shoot = self._pending
            self._pending = None
            self._save(name, shoot() or self._plain())
        if not self._steps:
            self._finish(0)
            return
        name, prepare, shoot = self._steps.pop(0)
        if prepare is not None:
            prepare()
        self._pending = (name, shoot)

    def _rooms(self) -> None:
        assert self.window is not None
        self.window.model.set_mode("day")
        self.window.model.set_kind("room")

    def _find_busy_day(self) -> bool:
        """Step forward (at most a week) from an empty day, so the pictures show bookings."""
        w = self.window
        if w is None or self._search_left <= 0 or w.model.items():
            self._search_left = 0
            return False
        self._search_left -= 1
        w.model.step(+1)
        return True

    def _plain(self) -> QPixmap:
        assert self.window is not None
        return self.window.grab()

    def _save(self, name: str, picture: QPixmap) -> None:
        path = self.out_dir / f"{name}.png"
        picture.save(str(path))
        self.saved.append(path)

    def _finish(self, code: int) -> None:
        self._timer.stop()
        self.done.emit(code)

    # --- the screens that need more than the schedule ----------------------------------
    def _card_menu(self) -> QPixmap | None:
        w = self.window
        assert w is not None
        cards = w.model.items()
        if not cards:
            return None
        index, card = next((i, c) for i, col in enumerate(w.model.columns) for c in col.cards)
        w.schedule.set_cursor(index, card.top // w.schedule.geo.slot_minutes)
        w.schedule.menu_at_cursor()
        menu = w.schedule.menu
        picture = composite(w, menu) if menu is not None else None
        if menu is not None:
            menu.close()
        return picture

    def _cancel_dialog(self) -> QPixmap:
        w = self.window
        assert w is not None
        card = w.schedule.card_at_cursor()
        who = card.item.patient_name if card else w.tr("the patient")
        dialog = CancelDialog(card.item.id if card else "", who, w)
        dialog.show()
        picture = composite(w, dialog)
        dialog.close()
        return picture

    def _error_message(self) -> QPixmap:
        w = self.window
        assert w is not None
        messages.error(messages.calm_sentence())
        box = w.dialogs.current
        picture = composite(w, box) if box is not None else w.grab()
        if box is not None:
            box.close()
        return picture

    def _locked(self) -> QPixmap:
        w = self.window
        assert w is not None
        w.lock()
        dialog = SignInDialog(w, w.desk.clinic.name, locked=True, username=w.desk.username)
        dialog.show()
        picture = composite(w, dialog)
        dialog.close()
        w.unlock()
        return picture

    def _unlock_dialog(self) -> QPixmap:
        dialog = UnlockDialog(None, str(self.window.desk.root) if self.window else "")
        dialog.show()
        dialog.show_error(
            dialog.tr("That passphrase or recovery code does not unlock this clinic.")
        )
        picture = dialog.grab()
        dialog.close()
        return picture
