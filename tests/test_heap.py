"""receptionist.store.heap: collect once, then keep the long-lived heap out of the collector."""

from __future__ import annotations

import gc
import weakref

from receptionist.store import heap


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def test_settle_collects_garbage_then_freezes_the_survivors() -> None:
    a, b = Node(), Node()
    a.other, b.other = b, a  # a cycle only the cycle collector frees
    gone = weakref.ref(a)
    kept = Node()
    del a, b
    try:
        frozen = heap.settle()
        assert gone() is None, "garbage is collected before the freeze, not frozen with it"
        assert frozen == gc.get_freeze_count() > 0
        assert gc.is_tracked(kept)
        assert not any(o is kept for o in gc.get_objects()), "survivors are out of sight"
        assert heap.frozen()
    finally:
        heap.thaw()
    assert not heap.frozen() and gc.get_freeze_count() == 0


def test_paused_holds_the_collector_off_and_restores_it() -> None:
    assert gc.isenabled()
    with heap.paused():
        assert not gc.isenabled()
        with heap.paused():  # nested: the inner one must not switch it back on
            pass
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with heap.paused():
            pass
        assert not gc.isenabled(), "a caller that switched it off keeps it off"
    finally:
        gc.enable()
    try:
        with heap.paused():
            raise KeyError("x")
    except KeyError:
        pass
    assert gc.isenabled()


def test_overlapping_pauses_in_two_threads_leave_the_collector_on() -> None:
    """A enters, B enters, A leaves, B leaves: on at the end (and off in between)."""
    import threading

    steps = [threading.Event() for _ in range(4)]
    seen: list[bool] = []

    def a() -> None:
        with heap.paused():
            steps[0].set()
            steps[1].wait(5)
        steps[2].set()

    def b() -> None:
        steps[0].wait(5)
        with heap.paused():
            steps[1].set()
            steps[2].wait(5)
            seen.append(gc.isenabled())  # A has left; B's pause still holds
        steps[3].set()

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert seen == [False]
    assert gc.isenabled()
