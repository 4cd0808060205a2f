"""The status bar's "Reminders: …" field, fed from the core (``reminders.status``).

It reloads (through the database worker: one read, counts only) when the clinic's
events say appointments, patients, consents, messages or settings changed (from this
window or another process), when the background jobs ran (the dispatch job plans and
sends: reminder rows are local and not in the change feed), when the Reminders view
resent a message, and once a minute (the "next" time moves on). With a cloud, it also
shows which PC holds the reminders' lease (by its name), as the dispatch job last heard
from the endpoint. What it reads goes
to ``desk.sync.update_reminders``; ``ui/syncstatus.py`` shows it. The channels that
wait are said by their names ("SMS", not ``sms``: :func:`named`).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer, Signal

from receptionist.ops import reminders
from receptionist.ops.reminders import ReminderStatus
from receptionist.reminders import reasons
from receptionist.safelog import describe
from receptionist.store.storage import Database
from sync import reminderlease
from sync.reminderlease import Seen

from .coretext import translated
from .desk import Desk
from .events import Refresh
from .patients.commlog import channel_names
from .tasks import DbOp

log = logging.getLogger("receptionist.ui")
ENTITIES = ("appointment", "patient", "consent", "communication_entry", "clinic_setting")
EVERY_MS = 60_000


def read(db: Database) -> tuple[ReminderStatus, Seen | None]:
    """The core's counts, and who holds the cloud's reminders lease as this process last
    heard it (the dispatch job asks the endpoint: no network here)."""
    heard = reminderlease.seen(db)
    return reminders.status(db, reminderlease.sending(heard)), heard


def named(channel: str) -> str:
    """A channel as people name it ("SMS", "E-mail", "WhatsApp"), not its key."""
    return channel_names().get(channel, channel)


class ReminderStatusFeed(QObject):
    loaded = Signal(object)  # ReminderStatus

    def __init__(self, desk: Desk, parent: QObject) -> None:
        super().__init__(parent)
        self.setObjectName("reminderStatusFeed")
        self.desk = desk
        self._loading = False
        self._again = False
        self._jobs: object | None = None
        Refresh(desk.events, ENTITIES, self.load, self)
        self.timer = QTimer(self)
        self.timer.setInterval(EVERY_MS)
        self.timer.timeout.connect(self.load)
        self.timer.start()

    def load(self) -> None:
        """Read the reminders' state (one read at a time; a call during one reads again
        after it)."""
        self._follow_jobs()
        if self.desk.tasks.closed():
            return
        if self._loading:
            self._again = True
            return
        self._loading = True
        op = DbOp(self.desk.tasks, read, self)
        op.success(self._show).failure(self._failed).run()

    def _follow_jobs(self) -> None:
        """The jobs start after the window is up: follow them once they exist."""
        jobs = self.desk.jobs
        if jobs is not None and jobs is not self._jobs:
            self._jobs = jobs
            jobs.ran.connect(lambda _ran: self.load())

    def _show(self, read: tuple[ReminderStatus, Seen | None]) -> None:
        found, lease = read
        holder = lease if lease is not None and lease.code else None
        self.desk.sync.update_reminders(
            found.mode, station=found.station, queued=found.queued, failed=found.failed,
            to_check=found.to_check,
            next_due=found.next_due, attention=found.attention,
            attention_said=tuple(translated(t) for t in found.attention_texts()),
            sender=holder.name if holder else "", sender_code=holder.code if holder else "",
            sender_here=holder.here if holder else None,
            waiting=tuple(channel for channel, _ in found.waiting),
            waiting_said=tuple(
                translated(reasons.waiting(named(channel), code)) for channel, code in found.waiting
            ),
            waiting_for=tuple(
                (translated(t), tuple(named(c) for c in chs if c)) for t, chs in found.waiting_for()
            ),
        )  # fmt: skip
        self.loaded.emit(found)
        self._done()

    def _failed(self, exc: BaseException) -> None:
        log.error("reading the reminders' state failed: %s", describe(exc))
        self._done()

    def _done(self) -> None:
        self._loading = False
        if self._again:
            self._again = False
            self.load()
