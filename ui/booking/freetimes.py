"""Asking the slot finder again whenever the service, provider or patient changes."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel, QWidget

from receptionist.ops import slots
from receptionist.ops.slots import Slot, SlotQuery

from .. import messages
from ..desk import Desk
from .latest import Latest
from .slotlist import SlotList

SLOT_COUNT = 12


class FreeTimes(QObject):
    """The free-times list and its status line; only the newest search is shown.

    ``start`` and ``provider_id`` are what was clicked on the schedule: the search
    starts there, and that time is offered first even when it is not free. Without a
    click, ``search_from`` (a waitlist entry's first date) is where the search starts.
    """

    shown = Signal()  # a search's free times are in the list

    def __init__(
        self,
        desk: Desk,
        start: datetime | None,
        provider_id: str | None,
        room_id: str | None,
        parent: QWidget,
        search_from: datetime | None = None,
    ) -> None:
        super().__init__(parent)
        self.desk, self.start, self.provider_id, self.room_id = desk, start, provider_id, room_id
        self.search_from = search_from
        self.list = SlotList(desk.clinic, parent)
        self.status = QLabel(parent)
        self.status.setObjectName("slotStatus")
        self._latest: Latest[list[Slot]] = Latest(desk.tasks, self, self._show, self._failed)
        self._provider: str | None = None
        self._say_pick_a_service()

    def wanted(self) -> datetime:
        """Where the search starts: the time asked for, or now."""
        return self.start or self.search_from or self.desk.clock.now()

    def ask_from(self, start: datetime) -> None:
        """The receptionist asked for another day or time: search from there, and drop
        the time picked on the schedule."""
        self.start, self.search_from = None, start

    def busy(self) -> bool:
        return self._latest.busy()

    def refresh(
        self, service_id: str | None, provider_id: str | None, patient_id: str | None
    ) -> None:
        self._provider = provider_id
        if service_id is None:
            self._latest.forget()
            self.list.clear()
            self._say_pick_a_service()
            return
        start_from = max(self.wanted(), self.desk.clock.now())
        query = SlotQuery(service_id, provider_id, patient_id, self.room_id, start_from, SLOT_COUNT)
        ctx = self.desk.ctx()
        self.status.setText(self.tr("Looking for free times…"))
        self._latest.ask(lambda db: slots.free(db, ctx, query))

    def picked(self) -> Slot | None:
        """The time clicked on the schedule, while the provider choice still allows it."""
        if self.start is None or self.provider_id is None:
            return None
        if self._provider not in (None, self.provider_id):
            return None
        return Slot(self.start, self.start, self.provider_id, self.room_id)

    def _show(self, free: list[Slot]) -> None:
        self.list.show_slots(free, self.picked())
        if free:
            self.status.setText(self.tr("↑ ↓ to choose a time, Enter to book."))
        else:
            self.status.setText(self.tr("No free time in the next two months."))
        self.shown.emit()

    def _failed(self, exc: BaseException) -> None:
        self.list.clear()
        self.status.setText(messages.user_text(exc))

    def _say_pick_a_service(self) -> None:
        self.status.setText(self.tr("Pick a service to see the free times."))
