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
the GUI thread instead, by the same rules Python uses (the pattern of pyqtgraph's
``GarbageCollector``), its long-lived-objects rule included: a full pass (the oldest
generation, every object alive that is not frozen) only once the objects moved there
since the last full pass are at least a quarter of those that survived it
(:class:`LongLived`, CPython's ``long_lived_pending`` and ``long_lived_total``, which
Python does not show, counted here). Without that rule every eleventh middle pass was
a full one, however little had moved (issue #14). Workers still allocate and free by
reference counting as before; only the cycle passes move. ``heap.paused`` leaves the
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


class LongLived:
    """What CPython keeps to space out full passes: how many objects survived the last
    full pass (``total``) and how many middle passes have moved to the oldest generation
    since (``pending``). Passes run elsewhere (a ``gc.collect()`` of someone else's) are
    not seen; a freeze or thaw (``heap``) has the oldest generation counted again."""

    def __init__(self) -> None:
        self.total = 0
        self.pending = 0
        self._moves = -1  # heap.moves() when last counted; -1: never counted

    def recount(self) -> None:
        """Take the oldest generation as it is now as the last full pass's survivors."""
        self.total, self.pending, self._moves = len(gc.get_objects(2)), 0, heap.moves()

    def forget(self) -> None:
        """Count again when next asked (Python's own passes ran meanwhile): counting
        walks the oldest generation, so not before a full pass is in question."""
        self._moves = -1

    def full_due(self) -> bool:
        """Whether a full pass may run: CPython's rule (``gc_collect_generations``)."""
        if self._moves != heap.moves():
            self.recount()
        return self.pending >= self.total // 4

    def moved(self, survivors: int) -> None:
        """A middle pass moved ``survivors`` objects to the oldest generation."""
        self.pending += max(survivors, 0)


def young() -> int:
    """How many objects the two younger generations hold (a middle pass's share)."""
    return len(gc.get_objects(0)) + len(gc.get_objects(1))


class GuiCollector(QObject):
    """The cycle collector, run by a timer on the thread that made this object."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self.setObjectName("guiCollector")
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.check)
        self._restore = False  # whether the automatic collector was on before start()
        self.long_lived = LongLived()
        self.passes = [0, 0, 0]  # passes run here, by generation

    def start(self) -> None:
        if not self.timer.isActive():
            self._restore = heap.automatic(False)  # a pause under way keeps it so
            self.long_lived.forget()
            self.timer.start()

    def stop(self) -> None:
        """Hand the collecting back to Python (as it was before :meth:`start`)."""
        if self.timer.isActive():
            self.timer.stop()
            if self._restore:
                heap.automatic(True)

    def check(self) -> int:
        """Collect as Python's own trigger would: once the youngest generation's count
        passed its threshold, the oldest generation whose count passed its own, a full
        pass only if the long-lived rule allows it (:class:`LongLived`); returns how
        many objects were found unreachable."""
        limits, counts = gc.get_threshold(), gc.get_count()
        if not limits[0] or counts[0] <= limits[0]:
            return 0
        if counts[2] > limits[2] and self.long_lived.full_due():
            return self.collect(2)
        return self.collect(1 if counts[1] > limits[1] else 0)

    def collect(self, generation: int) -> int:
        """One pass of ``generation``, noted for the long-lived rule."""
        share = young() if generation == 1 else 0
        found = gc.collect(generation)
        self.passes[generation] += 1
        if generation == 2:
            self.long_lived.recount()
        elif generation == 1:
            self.long_lived.moved(share - found)
        return found


def install(parent: QObject) -> GuiCollector:
    """Start collecting on the GUI thread for as long as ``parent`` lives."""
    collector = GuiCollector(parent)
    collector.start()
    return collector
