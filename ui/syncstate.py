"""What the status bar says about sync and reminders, fed by whoever knows.

This object knows nothing of the core or of sync: cloud sync and Google sync call
:meth:`SyncState.update`, the reminders' status feed (``ui/reminderstatus.py``)
:meth:`SyncState.update_reminders`; until they do every field is ``None``, which the
status bar shows as "not set up".
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
    # "here" (this PC sends), "standby" (this PC sends while ``reminders_station`` is
    # off), "elsewhere" (``reminders_station`` sends), "unnamed" (no PC is named to
    # send), "copy" (a copy restored to look at: it sends none), "" (not set up).
    reminders_mode: str = ""
    reminders_station: str = ""
    reminders_failed: int | None = None
    reminders_to_check: int = 0  # "Unknown: check", counted apart from the failed
    reminders_next: datetime | None = None
    # The channels whose provider refused the credentials, and what to do, in words.
    reminders_attention: tuple[str, ...] = ()
    reminders_attention_said: tuple[str, ...] = ()
    # The channels whose messages wait to be tried again (a try reached no provider: the
    # network down, greylisting), and what the last try met, in words.
    reminders_waiting: tuple[str, ...] = ()
    reminders_waiting_said: tuple[str, ...] = ()
    # What they wait for in a few words (translated: the network, the e-mail server, the
    # provider: ``reasons.waiting_for``), each with its channels.
    reminders_waiting_for: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # With a cloud: the name (and code) of the PC holding the reminders' lease ("":
    # unknown or nobody), and whether it is this PC (None: unknown).
    reminders_sender: str = ""
    reminders_sender_code: str = ""
    reminders_sender_here: bool | None = None
    # Cloud sync: the endpoint signs with another key than the one this PC pinned; what
    # to do, in words ("": nothing wrong, or not known yet).
    endpoint_warning: str = ""


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
        endpoint_warning: str | None = None,
    ) -> None:
        """Set the fields given; a sync field marks sync set up, a reminder field reminders."""
        given = {
            "online": online,
            "last_sync": last_sync,
            "pending_changes": pending_changes,
            "open_conflicts": open_conflicts,
            "reminders_queued": reminders_queued,
            "endpoint_warning": endpoint_warning,
        }
        changes: dict[str, Any] = {k: v for k, v in given.items() if v is not None}
        if not changes:
            return
        if set(changes) - {"reminders_queued"}:
            changes["sync_set_up"] = True
        if "reminders_queued" in changes:
            changes["reminders_set_up"] = True
            changes.setdefault("reminders_mode", "here")
        self._snapshot = replace(self._snapshot, **changes)
        self.changed.emit(self._snapshot)

    def update_reminders(
        self, mode: str, *, station: str = "", queued: int = 0, failed: int = 0,
        to_check: int = 0,
        next_due: datetime | None = None, attention: tuple[str, ...] = (),
        attention_said: tuple[str, ...] = (), sender: str = "", sender_code: str = "",
        sender_here: bool | None = None, waiting: tuple[str, ...] = (),
        waiting_said: tuple[str, ...] = (),
        waiting_for: tuple[tuple[str, tuple[str, ...]], ...] = (),
    ) -> None:  # fmt: skip
        """The reminders' fields at once (``mode`` as in :class:`SyncSnapshot`; "off"
        or "" is not set up); emits only when something changed."""
        set_up = mode not in ("", "off")
        snap = replace(
            self._snapshot, reminders_set_up=set_up, reminders_mode=mode if set_up else "",
            reminders_station=station, reminders_queued=queued if set_up else None,
            reminders_failed=failed if set_up else None, reminders_next=next_due,
            reminders_to_check=to_check if set_up else 0,
            reminders_attention=attention if set_up else (),
            reminders_attention_said=attention_said if set_up else (),
            reminders_sender=sender if set_up else "",
            reminders_sender_code=sender_code if set_up else "",
            reminders_sender_here=sender_here if set_up else None,
            reminders_waiting=waiting if set_up else (),
            reminders_waiting_said=waiting_said if set_up else (),
            reminders_waiting_for=waiting_for if set_up else (),
        )  # fmt: skip
        if snap != self._snapshot:
            self._snapshot = snap
            self.changed.emit(snap)
