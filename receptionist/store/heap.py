"""Keep Python's cycle collector off the long-lived heap.

A week of the schedule builds thousands of small objects at once, which sets off the
cycle collector; its full passes walk every object alive, and a desktop app holds
hundreds of thousands of them (Qt wrappers, SQLAlchemy's mappers, the modules). On
the benchmark clinic those passes made one week in twenty take 90-130 ms instead of
~25. ``settle()`` collects the young generations and then freezes what survives
(``gc.freeze``): frozen objects are never walked again, so later collections only look
at what was made since. It skips the full collection first: on the app's heap that
alone blocked the window for ~95 ms, to free a few start-up cycles that may as well
stay. The app calls it once its main window is up; it is safe to call again.

Whether the heap is frozen is kept here (``frozen``): Python can only count the frozen
objects one by one (``gc.get_freeze_count``, 13-30 ms for a large heap), and a sync
round asks at each start whether the heap was frozen before it.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_frozen = False  # whether freeze() froze the heap, and thaw() has not let it go since
_moves = 0  # how many times freeze() or thaw() moved objects in or out of the collector's sight


def settle() -> int:
    """Collect the young generations, then move every surviving object out of the
    collector's sight. Returns how many objects are now frozen.
    """
    gc.collect(1)
    freeze()
    return gc.get_freeze_count()


def freeze() -> None:
    """Move every object alive out of the collector's sight (``gc.freeze``), for good:
    until :func:`thaw`."""
    global _frozen, _moves
    gc.freeze()
    _frozen, _moves = True, _moves + 1


def thaw() -> None:
    """Give every frozen object back to the collector (``gc.unfreeze``)."""
    global _frozen, _moves
    gc.unfreeze()
    _frozen, _moves = False, _moves + 1


def frozen() -> bool:
    """Whether the heap was frozen (:func:`freeze`, :func:`settle`) and not thawed since:
    known at once, without counting the frozen objects."""
    return _frozen


def moves() -> int:
    """How many times :func:`freeze` or :func:`thaw` ran: a count that changed says the
    oldest generation's size changed at a stroke (the GUI collector counts it again)."""
    return _moves


_pause_lock = threading.Lock()
_pause_depth = 0  # pauses under way, in any thread
_pause_restores = False  # whether the collector was on when the first one began


@contextmanager
def paused() -> Iterator[None]:
    """The cycle collector held off while a burst of acyclic objects is built.

    A week of the schedule makes ~4,000 row tuples in a few milliseconds; each 700
    of them would start a young-generation pass that can only find nothing (tuples
    of strings and numbers make no cycles). Pauses nest and overlap across threads:
    the collector comes back when the last one ends, and only if it was on when the
    first began (a caller that switched it off keeps it off).
    """
    global _pause_depth, _pause_restores
    with _pause_lock:
        if _pause_depth == 0:
            _pause_restores = gc.isenabled()
            gc.disable()
        _pause_depth += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pause_depth -= 1
            if _pause_depth == 0 and _pause_restores:
                gc.enable()


def automatic(on: bool) -> bool:
    """Switch Python's automatic collector on or off for good (the app's GUI-thread
    collector: ``ui/collector.py``); returns whether it was on. A pause under way keeps
    it off until its end, and then leaves it as set here, not as it was when the pause
    began (that would switch it back on under the GUI collector's feet)."""
    global _pause_restores
    with _pause_lock:
        if _pause_depth:
            was, _pause_restores = _pause_restores, on
            return was
        was = gc.isenabled()
        if on:
            gc.enable()
        else:
            gc.disable()
        return was
