"""Python's cycle collector runs on the GUI thread only.

Left to itself, the collector runs in whichever thread happens to allocate when its
count passes the threshold: often the database worker, which builds thousands of
small objects per query. A pass there can free garbage that holds Qt objects (a
closed dialog's wrappers, a lambda connected to a signal), and Qt then runs their
destructors on the worker while it holds the GIL. Qt's destructors take its internal
locks (the mutex pool behind every object's connections); the GUI thread, deleting a
widget at the same moment, holds one of those locks and waits for the GIL to drop a
Python slot. Neither moves again: the desk freezes for good. (Seen once in the test
suite: the worker in a query's allocation, the GUI thread deleting the Settings
dialog.)

:class:`GuiCollector` turns the automatic collector off and collects from a timer on
the GUI thread instead, by the same thresholds Python uses (the pattern of
pyqtgraph's ``GarbageCollector``). Workers still allocate and free by reference
counting as before; only the cycle passes move. ``heap.paused`` leaves the
collector off when it was off, so its pauses do not switch it back on; the switch
goes through ``heap.automatic``, so a pause under way when the collector starts (a
worker's burst) does not switch Python's passes back on when it ends.
"""

from __future__ import annotations

import gc
from typing import Final

from PySide6.QtCore import QObject, QTimer

from receptionist.store import heap

INTERVAL_MS: Final = 500  # how often the GUI thread looks at the collector's counts


class GuiCollector(QObject):
    """The cycle collector, run by a timer on the thread that made this object."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self.setObjectName("guiCollector")
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.check)
        self._restore = False  # whether the automatic collector was on before start()

    def start(self) -> None:
        if not self.timer.isActive():
            self._restore = heap.automatic(False)  # a pause under way keeps it so
            self.timer.start()

    def stop(self) -> None:
        """Hand the collecting back to Python (as it was before :meth:`start`)."""
        if self.timer.isActive():
            self.timer.stop()
            if self._restore:
                heap.automatic(True)

    def check(self) -> int:
        """Collect the generations whose counts passed their thresholds, as Python's
        own trigger would have; returns how many objects were found unreachable."""
        limits, counts = gc.get_threshold(), gc.get_count()
        found = 0
        if limits[0] and counts[0] > limits[0]:
            generation = 0
            if counts[1] > limits[1]:
                generation = 2 if counts[2] > limits[2] else 1
            found = gc.collect(generation)
        return found


def install(parent: QObject) -> GuiCollector:
    """Start collecting on the GUI thread for as long as ``parent`` lives."""
    collector = GuiCollector(parent)
    collector.start()
    return collector
