"""The status bar's "Google: …" field: connected, the last sync's time, needs
reconnect, paused (Google's daily quota), offline; on the other PCs, the same as the
Google station shared it ("Google (on PC B): synced 10:42, 3 changes", "Google: needs
reconnect on PC B"), or which PC the station is before it shared anything. Hidden
where Google sync was never set up.

It reads ``receptionist.google.status.brief`` on the database worker whenever the
core says Google's state changed (``GoogleChanged`` on the clinic's event hub: a
connect, a mapping, a round run through this window's database), when the
background jobs ran ``google.sync`` (on a database of their own), when a clinic
setting changed (the station, or its shared state brought by cloud sync), and once a
minute for rounds run by another process (``statusnote.StatusNote``, as the sweep's
note).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QLocale, QTime, Signal
from PySide6.QtWidgets import QWidget

from receptionist.google.events import GoogleChanged
from receptionist.google.shared import Shared
from receptionist.google.status import Brief, brief

from .desk import Desk
from .statusnote import StatusNote, add_to, unread
from .tasks import DbOp

if TYPE_CHECKING:
    from .mainwindow import MainWindow

REFRESH_MS = 60_000
JOB = "google.sync"


def _tr(text: str) -> str:
    return QCoreApplication.translate("GoogleStatus", text)


def words(found: Brief, tz: tzinfo) -> str:
    """The field's text ("" when Google sync was never set up here or elsewhere); the
    last sync's time on the clinic's clock (``tz``), as Settings → Google shows it."""
    if found.station.elsewhere:
        return _elsewhere(found.station.elsewhere, found.shared, tz)
    if not found.connected:
        return _tr("Google: not connected") if found.mapped else ""
    if not found.station.is_here:
        return _tr("Google: no station (Settings → Google)")
    when = _time(found, tz)
    return {
        "needs_reconnect": _tr("Google: needs reconnect"),
        "quota": _tr("Google: paused (daily quota)"),
        "offline": _tr("Google: offline, last sync {0}").format(when),
        "error": _tr("Google: last sync {0}, some failed").format(when),
        "ok": _tr("Google: last sync {0}").format(when),
    }.get(found.status, _tr("Google: connected"))


def _elsewhere(pc: str, found: Shared | None, tz: tzinfo) -> str:
    """How it stands on the station, PC ``pc``, as it shared it (cloud sync brings it)."""
    if found is None:
        return _tr("Google: on PC {0}").format(pc)
    if not found.connected:
        return _tr("Google: not connected on PC {0}").format(pc)
    when = _clock(found.last_round_at, tz)
    if found.status == "ok" and not found.errors:
        return _tr("Google (on PC {0}): synced {1}, {2} changes").format(pc, when, found.changes)
    if found.status in ("ok", "error"):
        text = _tr("Google (on PC {0}): synced {1}, {2} changes, some failed")
        return text.format(pc, when, found.changes)
    return {
        "needs_reconnect": _tr("Google: needs reconnect on PC {0}").format(pc),
        "quota": _tr("Google: paused on PC {0} (daily quota)").format(pc),
        "offline": _tr("Google (on PC {0}): offline, last sync {1}").format(pc, when),
    }.get(found.status, _tr("Google (on PC {0}): connected").format(pc))


def _time(found: Brief, tz: tzinfo) -> str:
    return _clock(found.last_round_at, tz)


def _clock(at: datetime | None, tz: tzinfo) -> str:
    """``at`` on the clinic's clock (``tz``), as Settings → Google shows it."""
    if at is None:
        return _tr("never")
    local = at.astimezone(tz)
    return QLocale().toString(QTime(local.hour, local.minute), QLocale.FormatType.ShortFormat)


class GoogleStatusField(StatusNote):
    shown = Signal(object)  # Brief: the field was redrawn from it

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(desk, parent, name="googleStatus", refresh_ms=REFRESH_MS, job=JOB)
        self.setAccessibleName(self.tr("Google Calendar sync"))
        self.setToolTip(self.tr("Google Calendar sync (Settings → Google)"))
        self.brief: Brief | None = None
        self._unsubscribe: Callable[[], None] | None = None

    def start(self) -> None:
        """Listen to the core's Google events (subscribed on the worker) and read once."""
        self.desk.tasks.run(self._subscribe, owner=self)
        super().start()

    def _subscribe(self) -> None:
        hub = self.desk.tasks.database().events
        post = self.desk.tasks.post
        self._unsubscribe = hub.subscribe(GoogleChanged, lambda _e: post(self.refresh, self))

    def stop(self) -> None:
        super().stop()
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def read(self) -> None:
        op = DbOp(self.desk.tasks, brief, self).success(self.show_brief)
        op.failure(_unread).run()  # the next event or minute tries again

    def show_brief(self, found: Brief) -> None:
        self.brief = found
        text = words(found, self.desk.clinic.tz)
        self.setText(text)
        alert = _alert(found)
        self.setProperty("state", "alert" if alert else "")
        self.style().unpolish(self)
        self.style().polish(self)
        self.setVisible(bool(text))
        self.shown.emit(found)


def _alert(found: Brief) -> bool:
    """Google sync is stopped (here, or on the station as it shared)."""
    shown = found.shared if found.station.elsewhere else found
    stopped = ("needs_reconnect", "quota", "offline")
    return shown is not None and shown.connected and shown.status in stopped


_unread = unread("Google status")


def install(window: MainWindow) -> GoogleStatusField:
    """The field, in ``window``'s status bar before the sync fields; started now."""
    field = GoogleStatusField(window.desk, window)
    add_to(window, field)
    return field
