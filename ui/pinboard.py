"""The pinboard: appointments being carried to another day.

"Move…" (Ctrl+M) or "Reschedule…" on a card pins it here; the card stays where it is
(outlined dashed) until it is placed. Go to another day, then drag it from the board
onto a slot, or - keyboard only - press Enter on a free slot: the board's current
appointment goes there, through ``booking.reschedule`` on the worker
(:mod:`ui.schedule.moves`), and leaves the board once saved.

``install(window)`` adds the board as a dock and wires drags, drops and the Move
action; calling it twice returns the first board.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QAbstractListModel,
    QDate,
    QLocale,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QAction, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QLabel,
    QListView,
    QMainWindow,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from receptionist.freetext import printable
from receptionist.schedule.cards import AgendaItem

from . import icons, messages
from .schedule.cardtext import patient_name
from .schedule.dragger import MIME, mime_for
from .schedule.frame import hhmm
from .schedule.layout import local_minutes
from .schedule.look import column_name
from .schedule.moves import MoveOps, OverrideFactory
from .schedule.override import OverrideDialog
from .schedule.view import ScheduleView

if TYPE_CHECKING:
    from .mainwindow import MainWindow

Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Pinned:
    item: AgendaItem
    when: str  # its old day and time, as the clinic reads it
    where: str  # its old column's name


class PinModel(QAbstractListModel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[Pinned] = []

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        pin = self.rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            item = pin.item
            first = f"{patient_name(item)} · {printable(item.service_name, lines=False)}"
            return f"{first}\n{printable(pin.when)} · {printable(pin.where, lines=False)}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tr("Drag onto a slot, or press Enter on a free slot of the schedule")
        if role == Qt.ItemDataRole.UserRole:
            return pin.item.id
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsDragEnabled if index.isValid() else base

    def mimeTypes(self) -> list[str]:
        return [MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        rows = [i.row() for i in indexes if i.isValid()]
        return mime_for(self.rows[rows[0]].item.id) if rows else QMimeData()

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction  # a drop must not remove the row before it is saved

    def ids(self) -> list[str]:
        return [p.item.id for p in self.rows]

    def pin(self, pinned: Pinned) -> int:
        if pinned.item.id in self.ids():
            return self.ids().index(pinned.item.id)
        row = len(self.rows)
        self.beginInsertRows(QModelIndex(), row, row)
        self.rows.append(pinned)
        self.endInsertRows()
        return row

    def unpin(self, appointment_id: str) -> None:
        if appointment_id in self.ids():
            row = self.ids().index(appointment_id)
            self.beginRemoveRows(QModelIndex(), row, row)
            del self.rows[row]
            self.endRemoveRows()


PIN_WIDTH = 220  # the board opens this narrow, so the schedule keeps room for names


class Pinboard(QDockWidget):
    def __init__(self, view: ScheduleView, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Pinboard"), parent)
        self._sized = False
        self.setObjectName("pinboard")
        self.setAccessibleName(self.tr("Pinboard: appointments being moved"))
        self.view = view
        self.model = PinModel(self)
        self.ops: MoveOps | None = None
        self.list = QListView(self)
        self.list.setObjectName("pinboardList")
        self.list.setAccessibleName(self.tr("Pinned appointments"))
        self.list.setModel(self.model)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setDragEnabled(True)
        self.list.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.list.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.list.setWordWrap(True)
        self.list.setSpacing(3)
        self.hint = QLabel(self)
        self.hint.setObjectName("pinboardHint")
        self.hint.setWordWrap(True)
        self.unpin_button = QPushButton(self.tr("&Unpin"), self)
        self.unpin_button.setObjectName("unpin")
        self.unpin_button.setToolTip(self.tr("Take it off the board; it stays where it was"))
        icons.set_icon(self.unpin_button, "unpin")
        toggle = self.toggleViewAction()
        toggle.setObjectName("action_pinboard")
        icons.set_icon(toggle, "pinboard")
        body = QWidget(self)
        layout = QVBoxLayout(body)
        for widget in (self.hint, self.list, self.unpin_button):
            layout.addWidget(widget)
        self.setWidget(body)
        self.list.selectionModel().currentChanged.connect(self._sync)
        self.list.activated.connect(lambda _: self.view.setFocus())
        self.model.rowsInserted.connect(self._sync)
        self.model.rowsRemoved.connect(self._sync)
        self.unpin_button.clicked.connect(self.unpin_current)
        unpin_key = QAction(self.list)
        unpin_key.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        unpin_key.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        unpin_key.triggered.connect(self.unpin_current)
        self.list.addAction(unpin_key)
        self._sync()

    def showEvent(self, event: QShowEvent) -> None:
        """The first opening takes :data:`PIN_WIDTH`, not the width of its hint's one
        long line; a width the user drags it to afterwards stays."""
        super().showEvent(event)
        window = self.parentWidget()
        if not self._sized and isinstance(window, QMainWindow) and not self.isFloating():
            self._sized = True
            window.resizeDocks([self], [PIN_WIDTH], Qt.Orientation.Horizontal)

    def current_id(self) -> str | None:
        index = self.list.currentIndex()
        return str(index.data(Qt.ItemDataRole.UserRole)) if index.isValid() else None

    def pin_id(self, appointment_id: str) -> None:
        """Pin a card of the schedule (it must be on screen) and make it the carried one."""
        found = self.view.model.find(appointment_id)
        if found is None:
            return
        col, card = found
        column = self.view.model.columns[col]
        day = QDate(column.day.year, column.day.month, column.day.day)
        tz = self.view.model.desk.clinic.tz
        when = "{} {}".format(
            QLocale().toString(day, "ddd d MMM"),
            hhmm(local_minutes(card.item.start_utc, column.day, tz)),
        )
        row = self.model.pin(Pinned(card.item, when, column_name(column.column)))
        self.list.setCurrentIndex(self.model.index(row))
        self.show()
        messages.info(
            self.tr("Pinned: go to the new day and press Enter on a free slot, or drag it there.")
        )

    def unpin(self, appointment_id: str) -> None:
        self.model.unpin(appointment_id)

    def unpin_current(self) -> None:
        current = self.current_id()
        if current is not None:
            self.model.unpin(current)

    def _sync(self) -> None:
        if self.model.rows and not self.list.currentIndex().isValid():
            self.list.setCurrentIndex(self.model.index(0))
        self.view.set_pinned([p.item for p in self.model.rows], self.current_id())
        self.unpin_button.setEnabled(bool(self.model.rows))
        if self.model.rows:
            self.hint.setText(
                self.tr(
                    "Go to the new day, then drag one onto a slot or press Enter on a free slot."
                )
            )
        else:
            self.hint.setText(
                self.tr(
                    "Nothing pinned. To move an appointment to another day, use Move… (Ctrl+M)."
                )
            )


def install(window: MainWindow, override_factory: OverrideFactory | None = None) -> Pinboard:
    """The pinboard dock, the saving of moves, and the Move action, added to ``window``.

    Installed already: the same board, with ``override_factory`` (when given) in use."""
    existing = window.findChild(Pinboard, "pinboard")
    if isinstance(existing, Pinboard):
        if existing.ops is not None and override_factory is not None:
            existing.ops.override_factory = override_factory
        return existing
    view = window.schedule
    board = Pinboard(view, window)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, board)
    ops = MoveOps(window.desk, view, window, override_factory or OverrideDialog)
    ops.setObjectName("moveOps")
    ops.moved.connect(board.unpin)
    board.ops = ops
    board.hide()  # until something is pinned, or View > Pinboard
    view.pinRequested.connect(board.pin_id)
    move = QAction(window.tr("&Move… (to the pinboard)"), view)
    move.setObjectName("action_move")
    icons.set_icon(move, "move")
    move.setShortcut(QKeySequence("Ctrl+M"))
    move.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    native = move.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
    move.setToolTip(window.tr("Pin the selected appointment to move it ({0})").format(native))
    move.triggered.connect(view.pin_selected)
    view.addAction(move)
    for menu in window.actions_.book.associatedObjects():
        if isinstance(menu, QMenu):
            menu.addAction(move)
            menu.addAction(board.toggleViewAction())
    return board
