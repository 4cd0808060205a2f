"""The status-bar widget for sync and reminders: online, last sync, waiting, conflicts."""

from __future__ import annotations

from PySide6.QtCore import QLocale, QTime, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from .syncstate import SyncSnapshot, SyncState


class SyncStatus(QWidget):
    """Five small labels; each says "not set up" until its feature feeds ``SyncState``."""

    def __init__(self, state: SyncState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("syncStatus")
        self.setAccessibleName(self.tr("Sync and reminders status"))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 6, 0)
        layout.setSpacing(14)
        self.network = self._label("syncNetwork", self.tr("Network and cloud sync"))
        self.last_sync = self._label("syncLast", self.tr("Last successful sync"))
        self.pending = self._label("syncPending", self.tr("Changes waiting to be sent"))
        self.conflicts = self._label("syncConflicts", self.tr("Conflicts waiting for a person"))
        self.reminders = self._label("syncReminders", self.tr("Reminders queued to send"))
        for label in self.labels():
            layout.addWidget(label)
        state.changed.connect(self.show_snapshot)
        self.show_snapshot(state.snapshot)

    def labels(self) -> list[QLabel]:
        return [self.network, self.last_sync, self.pending, self.conflicts, self.reminders]

    def _label(self, name: str, description: str) -> QLabel:
        label = QLabel(self)
        label.setObjectName(name)
        label.setAccessibleName(description)
        label.setToolTip(description)
        return label

    @Slot(object)
    def show_snapshot(self, snap: SyncSnapshot) -> None:
        """Until sync is set up, one "Sync: not set up" stands for its four fields."""
        not_set_up = self.tr("not set up")
        for label in (self.last_sync, self.pending, self.conflicts):
            label.setVisible(snap.sync_set_up)
        if not snap.sync_set_up:
            self.network.setText(self.tr("Sync: {0}").format(not_set_up))
            self.network.setToolTip(
                self.tr(
                    "Online or offline, last sync, changes waiting and conflicts show here "
                    "once cloud or Google sync is set up."
                )
            )
            self.network.setProperty("state", "")
        else:
            online = self.tr("Online") if snap.online else self.tr("Offline")
            self.network.setText(online)
            self.network.setToolTip(self.tr("Network and cloud sync"))
            self.network.setProperty("state", "online" if snap.online else "offline")
        self.last_sync.setText(self.tr("Last sync: {0}").format(self._when(snap)))
        self.pending.setText(self.tr("Waiting: {0}").format(snap.pending_changes or 0))
        self.conflicts.setText(self.tr("Conflicts: {0}").format(snap.open_conflicts or 0))
        self.conflicts.setProperty("state", "alert" if snap.open_conflicts else "")
        if snap.reminders_set_up:
            count = snap.reminders_queued or 0
            self.reminders.setText(self.tr("Reminders queued: {0}").format(count))
        else:
            self.reminders.setText(self.tr("Reminders: {0}").format(not_set_up))
        for label in self.labels():
            label.style().unpolish(label)
            label.style().polish(label)

    def _when(self, snap: SyncSnapshot) -> str:
        if snap.last_sync is None:
            return self.tr("never")
        local = snap.last_sync.astimezone()
        return QLocale().toString(QTime(local.hour, local.minute), QLocale.FormatType.ShortFormat)
