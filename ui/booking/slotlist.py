"""The slot finder's next free times, as a list to pick from with the arrow keys.

The time picked on the schedule is offered too: first, and marked when it is not
free (booking it then shows why, and lets a manager override).
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QDate, QLocale, Qt
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from receptionist.schedule.agenda import ClinicInfo
from receptionist.schedule.slots import Slot

SLOT_ROLE = Qt.ItemDataRole.UserRole
PICKED_ROLE = Qt.ItemDataRole.UserRole + 1  # the time picked on the schedule, not free
ROWS_SHOWN = 6


class SlotList(QListWidget):
    def __init__(self, clinic: ClinicInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("slotList")
        self.setAccessibleName(self.tr("Free times"))
        self.clinic = clinic
        self.names: dict[str, str] = {}
        line = self.fontMetrics().height() + 4
        self.setMinimumHeight(line * ROWS_SHOWN + 2 * self.frameWidth())
        # A long line wraps; the list never scrolls sideways (why a time is not free is
        # said under the list, not at the end of a line).
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWordWrap(True)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)

    def when(self, start: datetime, end: datetime | None = None, gap: str = "  ") -> str:
        """ "Tue 9 Dec  10:00" on the clinic's clock (``gap`` between day and time: two
        spaces line the list up; a sentence takes one)."""
        local = start.astimezone(self.clinic.tz)
        day = QLocale().toString(QDate(local.year, local.month, local.day), "ddd d MMM")
        if end is None or end <= start:
            return f"{day}{gap}{local:%H:%M}"
        return f"{day}{gap}{local:%H:%M}–{end.astimezone(self.clinic.tz):%H:%M}"

    def show_slots(self, free: list[Slot], picked: Slot | None) -> None:
        """Fill the list; select the picked time if free, else the first free time."""
        self.clear()
        wanted = (picked.start, picked.provider_id) if picked is not None else None
        if picked is not None and wanted not in {(s.start, s.provider_id) for s in free}:
            label = self.tr("{0}  ·  {1}  ·  picked on the schedule")
            item = self._add(picked, label.format(self.when(picked.start), self._name(picked)))
            item.setData(PICKED_ROLE, True)
        offset = self.count()
        for slot in free:
            self._add(
                slot,
                self.tr("{0}  ·  {1}").format(self.when(slot.start, slot.end), self._name(slot)),
            )
        same = [i for i, s in enumerate(free) if (s.start, s.provider_id) == wanted]
        if same:
            self.setCurrentRow(offset + same[0])
        elif self.count():
            self.setCurrentRow(offset if free else 0)

    def _add(self, slot: Slot, text: str) -> QListWidgetItem:
        item = QListWidgetItem(text, self)
        item.setData(SLOT_ROLE, slot)
        return item

    def _name(self, slot: Slot) -> str:
        return self.names.get(slot.provider_id, "")

    def slots(self) -> list[Slot]:
        return [self.item(i).data(SLOT_ROLE) for i in range(self.count())]

    def mark_picked(self, free: bool) -> None:
        """Say whether the picked time is free (a dry run of booking it answered)."""
        item = self.item(0) if self.picked_row() is not None else None
        if item is None:
            return
        slot = item.data(SLOT_ROLE)
        label = self.tr("{0}  ·  {1}") if free else self.tr("{0}  ·  {1}  ·  not free")
        item.setText(label.format(self.when(slot.start), self._name(slot)))
        font = item.font()
        font.setItalic(not free)
        item.setFont(font)

    def picked_row(self) -> int | None:
        """The row of the time picked on the schedule that is not free, if listed."""
        item = self.item(0)
        return 0 if item is not None and item.data(PICKED_ROLE) else None

    def current_slot(self) -> Slot | None:
        item = self.currentItem()
        slot = item.data(SLOT_ROLE) if item is not None else None
        return slot if isinstance(slot, Slot) else None
