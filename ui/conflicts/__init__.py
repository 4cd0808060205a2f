"""Conflicts in the app: the panel, and settling each one from it.

``install(window)`` adds "Conflicts…" (Ctrl+Shift+K) to the Front desk menu (or a
Sync menu), and makes the status bar's conflicts count open the panel when clicked.
The panel lists the open conflicts in plain words (``receptionist.ops.conflicts``)
with their actions: keep one booking and cancel the others (one step; says whom and
when each is, and asks why), keep one and move the other (the booking dialog's slot
finder offers the free times), keep both (asks why), call the patient (shows each
patient's phone; noting the call leaves the conflict open), and for two edits keep
one side's values, or pick a side field by field (the picks outlive the panel's
reloads until applied or the conflict closes). It reloads when appointments or
patients change (a pull applies them) and when the status bar's count of open
conflicts changes (the sync loop feeds it); the settled conflict reaches the endpoint
with the next sync round.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import QDialog

from receptionist.context import Ctx
from receptionist.ops import conflicts
from receptionist.ops.conflicts import ConflictView, Resolution, Side
from receptionist.schedule.slots import Slot
from receptionist.store.storage import Database

from .. import messages
from ..actions import menu_holding, window_action
from ..events import Refresh
from ..syncstate import SyncSnapshot
from ..tasks import DbOp
from .dialogs import CallDialog, CancelOthersDialog, MoveDialog, ReasonDialog
from .panel import ConflictCard, ConflictsPanel

if TYPE_CHECKING:
    from ..mainwindow import MainWindow

__all__ = ["ConflictCard", "Conflicts", "ConflictsPanel", "install"]

CONFLICT_ENTITIES = ("appointment", "patient")


class Conflicts(QObject):
    """Opens the panel and carries its work to the worker."""

    loaded = Signal()
    settled = Signal(str, object)  # conflict id, the ConflictView as it reads now
    asked = Signal(object)  # the dialog a resolution opened

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window, self.desk = window, window.desk
        self.panel: ConflictsPanel | None = None
        self.asking: QDialog | None = None
        self._count: int | None = None
        Refresh(self.desk.events, CONFLICT_ENTITIES, self._changed, self)
        self.desk.sync.changed.connect(self._sync_changed)

    def forget(self) -> None:
        """Another user signed in: none of the previous user's windows stay."""
        for dialog in (self.panel, self.asking):
            if dialog is not None:
                dialog.deleteLater()
        self.panel = self.asking = None

    def show_panel(self) -> ConflictsPanel:
        panel = self._panel()
        panel.present()
        self.reload()
        return panel

    def _panel(self) -> ConflictsPanel:
        if self.panel is None:
            self.panel = ConflictsPanel(self.window, self.desk.clinic.tz)
            self.panel.moveRequested.connect(self.ask_move)
            self.panel.cancelOthersRequested.connect(self.ask_cancel_others)
            self.panel.keepBothRequested.connect(self.ask_keep_both)
            self.panel.callRequested.connect(self.ask_call)
            self.panel.chooseRequested.connect(self.choose)
            self.panel.fieldsChosen.connect(self.choose_fields)
            self.panel.refreshRequested.connect(self.reload)
        return self.panel

    def reload(self) -> None:
        ctx = self.desk.ctx()
        op = DbOp(self.desk.tasks, lambda db: _shown(db, ctx), self)
        op.success(self._show).failure(messages.report_exception).run()

    def _show(self, found: list[ConflictView]) -> None:
        self._panel().show_conflicts(found)
        self.loaded.emit()

    def _changed(self) -> None:
        if self.panel is not None and self.panel.isVisible():
            self.reload()

    def _sync_changed(self, snap: SyncSnapshot) -> None:
        if snap.open_conflicts != self._count:
            self._count = snap.open_conflicts
            self._changed()

    # --- the actions ---------------------------------------------------------------------
    def ask_move(self, conflict: ConflictView, kept: Side, moved: Side) -> None:
        dialog = MoveDialog(self.desk, kept, moved, self._panel())

        def chosen(slot: Slot) -> None:
            res = Resolution(
                "move", keep=kept.label, start=slot.start, provider_id=slot.provider_id,
                room_id=slot.room_id,
            )  # fmt: skip
            self._resolve(conflict.id, res, dialog)

        dialog.moveChosen.connect(chosen)
        self._open(dialog)

    def ask_cancel_others(self, conflict: ConflictView, kept: Side) -> None:
        """Keep ``kept``, cancel every other booking of the clash (one core operation)."""
        dialog = CancelOthersDialog(conflict, kept, self.desk.clinic.tz, self._panel())
        dialog.reasonGiven.connect(
            lambda reason: self._resolve(
                conflict.id, Resolution("cancel", keep=kept.label, reason=reason), dialog
            )
        )
        self._open(dialog)

    def ask_keep_both(self, conflict: ConflictView) -> None:
        dialog = ReasonDialog(conflict, self._panel())
        dialog.reasonGiven.connect(
            lambda reason: self._resolve(
                conflict.id, Resolution("keep_both", reason=reason), dialog
            )
        )
        self._open(dialog)

    def ask_call(self, conflict: ConflictView) -> None:
        dialog = CallDialog(conflict, self._panel(), self.desk.clinic.phone_region)
        dialog.accepted.connect(lambda: self._resolve(conflict.id, Resolution("call"), None))
        self._open(dialog)

    def choose(self, conflict: ConflictView, side: Side) -> None:
        """One side's values, as the card showed them (refused if pulled again since
        with others)."""
        shown = conflicts.seen(conflict, {f.field: side.label for f in conflict.fields})
        self._resolve(conflict.id, Resolution("choose", choose=side.label, seen=shown), None)

    def choose_fields(self, conflict: ConflictView, picked: dict[str, str]) -> None:
        """Two edits settled field by field: each field keeps the value picked, as the
        card showed it (refused if the conflict was pulled again since with others)."""
        shown = conflicts.seen(conflict, picked)
        self._resolve(conflict.id, Resolution("choose", fields=picked, seen=shown), None)

    def _open(self, dialog: QDialog) -> None:
        if self.asking is not None:
            self.asking.deleteLater()
        self.asking = dialog
        dialog.open()
        self.asked.emit(dialog)

    def _resolve(
        self,
        conflict_id: str,
        res: Resolution,
        dialog: MoveDialog | ReasonDialog | CancelOthersDialog | None,
    ) -> None:
        ctx = self.desk.ctx()
        op = DbOp(self.desk.tasks, lambda db: conflicts.resolve(db, ctx, conflict_id, res), self)
        op.success(lambda done: self._done(done, dialog))
        if dialog is not None:
            op.failure(lambda exc: dialog.show_error(messages.user_text(exc)))
        else:
            op.failure(messages.report_exception)
        op.run()

    def _done(self, done: ConflictView, dialog: QDialog | None) -> None:
        if dialog is not None:
            dialog.accept()
        if done.called:
            messages.info(self.tr("Call noted; the conflict stays open until it is settled."))
        else:
            messages.info(self.tr("Conflict settled; the next sync settles it on every PC."))
        self.reload()
        self.settled.emit(done.id, done)


def _shown(db: Database, ctx: Ctx) -> list[ConflictView]:
    """The open conflicts, then those settled here that the endpoint has not been
    told of yet (the panel says so: the next sync closes them on every PC)."""
    return conflicts.listing(db, ctx) + conflicts.listing(db, ctx, "unsent")


class _CountClicks(QObject):
    """The status bar's conflicts count, clicked: the panel opens."""

    def __init__(self, owner: Conflicts) -> None:
        super().__init__(owner)
        self.owner = owner

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.MouseButtonRelease:
            self.owner.show_panel()
            return True
        return False


def install(window: MainWindow) -> None:
    """Add "Conflicts…" to ``window`` (find the controller with
    ``window.findChild(Conflicts)``). Installing twice changes nothing."""
    if window.findChild(Conflicts) is not None:
        return
    controller = Conflicts(window)
    window.userChanged.connect(controller.forget)
    tr = controller.tr
    action = window_action(window, "conflicts", tr("&Conflicts…"), "Ctrl+Shift+K",
                           tr("What two PCs did differently while offline"))  # fmt: skip
    action.triggered.connect(controller.show_panel)
    menu = menu_holding(window, "action_waitlist")
    if menu is None:
        menu = window.menuBar().addMenu(tr("&Sync"))
    menu.addAction(action)
    count = window.sync_status.conflicts
    count.setCursor(Qt.CursorShape.PointingHandCursor)
    count.installEventFilter(_CountClicks(controller))
