"""Searching as the user types: debounced, one search in flight, stale results dropped."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from receptionist.ops import patients
from receptionist.ops.patients import PatientRow

from .. import messages
from ..desk import Desk
from ..tasks import DbOp

DEBOUNCE_MS = 40  # typeahead results must be on screen within 100 ms of a keystroke
LIMIT = 100


class PatientFinder(QObject):
    """``set_query`` on every keystroke; ``found`` once per settled query.

    While a search runs, newer text only marks the finder dirty; when the search
    lands its result is dropped and the latest text is searched once more.
    """

    found = Signal(str, list)  # the query, its PatientRows
    busyChanged = Signal(bool)

    def __init__(self, desk: Desk, parent: QObject | None = None, limit: int = LIMIT) -> None:
        super().__init__(parent)
        self.desk = desk
        self.limit = limit
        self.query = ""
        self._running = False
        self._dirty = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.search_now)

    def set_query(self, text: str) -> None:
        self.query = text.strip()
        self._timer.start()

    def search_now(self) -> None:
        self._timer.stop()
        if self._running:
            self._dirty = True
            return
        query = self.query
        if not query:
            self.found.emit("", [])
            return
        self._running, self._dirty = True, False
        self.busyChanged.emit(True)
        ctx, limit = self.desk.ctx(), self.limit
        op = DbOp(self.desk.tasks, lambda db: patients.find(db, ctx, query, limit=limit), self)
        op.success(lambda rows: self._landed(query, rows)).failure(self._failed).run()

    def _landed(self, query: str, rows: list[PatientRow]) -> None:
        self._done()
        if self._dirty or query != self.query:
            self.search_now()  # what was typed meanwhile; this result is stale
        else:
            self.found.emit(query, rows)

    def _failed(self, exc: BaseException) -> None:
        self._done()
        messages.report_exception(exc)

    def _done(self) -> None:
        self._running = False
        self.busyChanged.emit(False)
