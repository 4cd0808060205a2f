"""A closed clinic is freed once its test ends (leaks.py), not kept to the end of the run."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

import pytest
from factories import CLOCK_START, make_patient
from leaks import FrozenHeap, let_go_of_compiled_statements

from receptionist.store.vault import open_clinic


def test_a_closed_clinic_that_wrote_through_the_orm_is_freed_once_let_go(
    data_dir: Path,
) -> None:
    db = open_clinic(data_dir)
    with db.write() as session:
        make_patient(session, CLOCK_START, 1)  # compiles an INSERT in the mapper's cache
    db.close()
    gone = weakref.ref(db)
    del db, session
    let_go_of_compiled_statements()
    gc.collect()
    assert gone() is None, "nothing else keeps it"


def test_closed_clinics_are_freed_though_the_mappers_caches_keep_their_dialects(
    data_dir: Path,
) -> None:
    """A long-running process (the app, the scheduler) opens and closes clinics; the
    mappers' caches of compiled statements, keyed by each engine's dialect, must not
    keep the closed ones (and their engines and statement caches) alive."""
    gone = []
    for n in range(5):
        db = open_clinic(data_dir)
        with db.write() as session:
            make_patient(session, CLOCK_START, n + 1)
        db.close()
        gone.append(weakref.ref(db))
        del db, session
    gc.collect()
    alive = [ref for ref in gone if ref() is not None]
    assert not alive, f"{len(alive)} of 5 closed clinics still alive"


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def test_the_heap_is_frozen_once_its_garbage_is_gone_and_again_only_every_few_tests() -> None:
    heap = FrozenHeap(every=3)
    gc.unfreeze()  # as a sync round does at its end
    a, b = Node(), Node()
    a.other, b.other = b, a  # a cycle only the cycle collector frees
    gone = weakref.ref(a)
    del a, b
    heap.before_test()
    assert gone() is None, "garbage is collected, never frozen"
    assert gc.get_freeze_count() > 0 and heap.frozen == 1
    gc.unfreeze()
    heap.before_test()
    heap.before_test()
    assert gc.get_freeze_count() == 0, "not frozen again before three tests have run"
    heap.before_test()
    assert gc.get_freeze_count() > 0 and heap.frozen == 2
    heap.before_test()
    assert heap.frozen == 2, "a heap still frozen is left as it is"


def test_whether_the_heap_is_still_frozen_is_asked_only_every_few_tests(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``gc.get_freeze_count`` walks every frozen object (13 ms a call for a worker's
    heap): asked before each test, it cost more than the freeze saved."""
    heap = FrozenHeap(every=3)
    asked: list[int] = []
    count = gc.get_freeze_count

    def counting() -> int:
        asked.append(1)
        return count()

    heap.before_test()  # frozen, or left frozen as the session's heap already is
    monkeypatch.setattr(gc, "get_freeze_count", counting)
    for _ in range(9):
        heap.before_test()
    assert len(asked) == 3, "asked once every three tests"
    assert gc.get_freeze_count() > 0
