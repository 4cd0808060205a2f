"""What would keep one test's objects alive into the next ones, let go of.

Each mapper keeps the INSERT and UPDATE statements it compiled in a cache keyed by the
engine's dialect, 100 entries deep (``Mapper._compiled_cache``). Through the dialect's
listeners, that key held the ``Database`` that wrote, its engine and the engine's own
cache of compiled statements (``Database.close`` now takes its listener off; the
dialects themselves stay in the caches). A program opens one clinic and keeps it; a test run opens
thousands, and after a few hundred tests a worker held ~100 closed clinics and millions
of objects, all walked by each full pass of the cycle collector (up to 4 s of CPU a
pass by the end of a run). The cache is only a cache: emptying it changes no result,
and a statement is compiled again on its next use.
"""

from __future__ import annotations

import gc

from receptionist.models.base import Base
from receptionist.store import heap


def let_go_of_compiled_statements() -> None:
    """Empty every mapper's cache of compiled statements (the ``orm_caches_let_go``
    fixture does it after each test)."""
    for mapper in Base.registry.mappers:
        compiled = mapper.__dict__.get("_compiled_cache")  # made on a mapper's first write
        if compiled is not None:
            compiled.clear()


class FrozenHeap:
    """What is alive when a test starts, set aside from the cycle collector
    (``gc.freeze``), as the app does once its window is up (``heap.settle``).

    Every full pass of the collector walks each object alive: the modules, SQLAlchemy's
    mappers and tables, Qt's wrappers, pytest's own items, some 170,000 objects a
    worker keeps all run long, walked again some 30 times in 180 tests (0.15 s a
    pass). Frozen, they are not walked; what a test makes is still collected as before.
    Objects that are garbage are collected first (a full pass), so none is frozen.

    Code under test may undo a freeze (``gc.unfreeze``: the tests of ``heap`` and of
    the sync round's own freeze); whether it did is asked once every ``every`` tests,
    and the heap frozen again then, so that a file of sync tests does not pay a full
    pass for each.
    """

    def __init__(self, every: int = 25) -> None:
        self.every = every
        self.since: int | None = None  # tests since the last freeze; None: none yet
        self.frozen = 0  # how many times the heap was frozen

    def before_test(self) -> None:
        if self.since is not None and self.since < self.every:
            self.since += 1
            return
        # Asked only when due: ``gc.get_freeze_count`` counts the frozen objects one by
        # one (13 ms for 130,000 of them), and asked before every test once the first
        # ``every`` had run, it cost more than the passes the freeze saves.
        self.since = 1
        if gc.get_freeze_count() == 0:
            gc.collect()
            heap.freeze()  # known frozen: a sync round leaves it so (heap.frozen)
            self.frozen += 1
