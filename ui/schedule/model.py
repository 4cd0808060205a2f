"""What the schedule shows: the day or week, providers or rooms, the filter - and its data.

The model loads only the window on screen (one day, or one week) through the
database worker. Navigation while a load is in flight does not queue a pile of
loads: the model marks itself dirty and loads once more when the first one lands,
dropping the stale result.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Literal

from PySide6.QtCore import QObject, Signal

from receptionist.context import Ctx
from receptionist.ops import agenda
from receptionist.ops.agenda import Agenda, Column, ColumnKind
from receptionist.store.storage import Database

from .. import messages
from ..desk import Desk
from ..tasks import DbOp
from .layout import DayColumn, Placed, build_columns

Mode = Literal["day", "week"]
Fetched = tuple[Agenda, list[Column]]


# The agenda, its columns laid out, and - for one day the clinic is closed on - the
# next day it opens (that day itself: none within four weeks).
LaidOut = tuple[Fetched, list[DayColumn], date | None]


def fetch_laid_out(
    db: Database,
    days: list[date],
    ctx: Ctx,
    window: tuple[datetime, datetime],
    kind: ColumnKind,
    ids: list[str] | None,
) -> LaidOut:
    """Runs on the worker: the agenda and its cards already placed in columns and lanes,
    so the GUI thread only swaps the result in and paints; for one day, in the same
    read, the next open day when the clinic is closed on it."""
    one_day = days[0] if len(days) == 1 else None
    loaded = agenda.load(db, ctx, *window, kind=kind, ids=ids, day=one_day)
    fetched = loaded.agenda, loaded.columns
    return fetched, build_columns(loaded.agenda, days, loaded.agenda.clinic.tz), loaded.reopens


class ScheduleModel(QObject):
    loaded = Signal()
    loadingChanged = Signal(bool)
    stateChanged = Signal()

    def __init__(self, desk: Desk, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.day: date = desk.today()
        self.mode: Mode = "day"
        self.kind: ColumnKind = "provider"
        # Per view and column kind: the day shows everyone; a week, by default, only the
        # provider (or room) the cursor was on - seven readable columns, not 7 × all.
        self._filters: dict[tuple[Mode, ColumnKind], frozenset[str] | None] = {
            ("day", "provider"): None,
            ("day", "room"): None,
        }
        self.focus: str | None = None  # the column the cursor is on (the view sets it)
        self.agenda: Agenda | None = None
        self.columns: list[DayColumn] = []
        self.available: list[Column] = []
        self.reopens: date | None = None  # the day shown is closed: when it opens next
        self.loading = False
        self._dirty = False

    # --- what is shown -------------------------------------------------------------
    def days(self) -> list[date]:
        if self.mode == "day":
            return [self.day]
        monday = self.day - timedelta(days=self.day.weekday())
        return [monday + timedelta(days=i) for i in range(7)]

    def window(self) -> tuple[datetime, datetime]:
        days = self.days()
        return agenda.day_window(days[0], self.desk.clinic.tz, len(days))

    def filter(self) -> frozenset[str] | None:
        key = (self.mode, self.kind)
        if key in self._filters:
            return self._filters[key]
        chosen = self._week_default()  # a first week: the focused column's
        if chosen is not None:
            self._filters[key] = chosen
        return chosen  # None: not known before this kind's columns load (see _apply)

    def _week_default(self) -> frozenset[str] | None:
        shown = [
            c.column.id for c in self.columns if c.column.kind == self.kind and c.column.id
        ]  # not the "No room" column: the filter does not offer it
        focus = self.focus if self.focus in shown else (shown[0] if shown else None)
        return frozenset({focus}) if focus is not None else None

    def _narrowed(self) -> bool:
        """A first week of a kind not on screen before (Rooms, chosen in the week)
        loaded every column: keep the first one's week and load again."""
        key = (self.mode, self.kind)
        if key in self._filters:
            return False
        chosen = self._week_default()
        self._filters[key] = chosen
        if chosen is None:
            return False
        self.reload()
        return True

    def provider_names(self) -> dict[str, str]:
        """Each provider's name by id, as the window's agenda has them."""
        return self.agenda.providers if self.agenda is not None else {}

    def alerts(self) -> dict[str, str]:
        """The front-desk alert of each card whose patient has one, by appointment id."""
        return self.agenda.alerts if self.agenda is not None else {}

    def items(self) -> list[Placed]:
        return [card for col in self.columns for card in col.cards]

    def find(self, appointment_id: str) -> tuple[int, Placed] | None:
        for index, col in enumerate(self.columns):
            for card in col.cards:
                if card.item.id == appointment_id:
                    return index, card
        return None

    # --- navigation ----------------------------------------------------------------
    def set_day(self, day: date) -> None:
        if day != self.day:
            self.day = day
            self._changed()

    def go_today(self) -> None:
        self.set_day(self.desk.today())

    def step(self, direction: int) -> None:
        self.set_day(self.day + timedelta(days=direction * (7 if self.mode == "week" else 1)))

    def set_mode(self, mode: Mode) -> None:
        if mode != self.mode:
            self.mode = mode
            self._changed()

    def set_kind(self, kind: ColumnKind) -> None:
        if kind != self.kind:
            self.kind = kind
            self.available = []
            self._changed()

    def set_filter(self, ids: frozenset[str] | None) -> None:
        key = (self.mode, self.kind)
        if key not in self._filters or ids != self._filters[key]:  # a choice, even "all"
            self._filters[key] = ids
            self._changed()

    def _changed(self) -> None:
        self.stateChanged.emit()
        self.reload()

    # --- loading -------------------------------------------------------------------
    def reload(self) -> None:
        if self.loading:
            self._dirty = True
            return
        self._set_loading(True)
        self._dirty = False
        ids = self.filter()
        args = (self.desk.ctx(), self.window(), self.kind, sorted(ids) if ids is not None else None)
        days = self.days()
        op = DbOp(self.desk.tasks, lambda db: fetch_laid_out(db, days, *args), owner=self)
        op.success(self._apply).failure(self._failed).run()

    def _apply(self, result: LaidOut) -> None:
        self._set_loading(False)
        if self._dirty:
            self.reload()
            return
        (self.agenda, self.available), self.columns, self.reopens = result
        if self._narrowed():
            return
        self.desk.clinic = self.agenda.clinic
        self.loaded.emit()

    def _failed(self, exc: BaseException) -> None:
        self._set_loading(False)
        if self._dirty:
            self.reload()
            return
        messages.report_exception(exc)

    def _set_loading(self, loading: bool) -> None:
        if loading != self.loading:
            self.loading = loading
            self.loadingChanged.emit(loading)
