"""What the status bar says about sync and reminders, fed by whoever knows.

This object knows nothing of the core or of sync: cloud sync, Google sync and the
reminder scheduler (later work) call :meth:`SyncState.update`; until they exist every
field is ``None``, which the status bar shows as "not set up".
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from PySide6.QtCore import QObject, Signal


@dataclass(frozen=True)
class SyncSnapshot:
    online: bool | None = None
    last_sync: datetime | None = None
    pending_changes: int | None = None
    open_conflicts: int | None = None
    reminders_queued: int | None = None
    sync_set_up: bool = False
    reminders_set_up: bool = False


class SyncState(QObject):
    changed = Signal(object)  # SyncSnapshot

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._snapshot = SyncSnapshot()

    @property
    def snapshot(self) -> SyncSnapshot:
        return self._snapshot

    def update(
        self,
        *,
        online: bool | None = None,
        last_sync: datetime | None = None,
        pending_changes: int | None = None,
        open_conflicts: int | None = None,
        reminders_queued: int | None = None,
    ) -> None:
        """Set the fields given; a sync field marks sync set up, a reminder field reminders."""
        given = {
            "online": online,
            "last_sync": last_sync,
            "pending_changes": pending_changes,
            "open_conflicts": open_conflicts,
            "reminders_queued": reminders_queued,
        }
        changes: dict[str, Any] = {k: v for k, v in given.items() if v is not None}
        if not changes:
            return
        if set(changes) - {"reminders_queued"}:
            changes["sync_set_up"] = True
        if "reminders_queued" in changes:
            changes["reminders_set_up"] = True
        self._snapshot = replace(self._snapshot, **changes)
        self.changed.emit(self._snapshot)
