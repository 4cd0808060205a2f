"""receptionist.heap: collect once, then keep the long-lived heap out of the collector."""

from __future__ import annotations

import gc
import weakref

from receptionist import heap


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
    finally:
        gc.unfreeze()
