"""The cycle collector runs on the GUI thread, never on a worker (ui/collector.py)."""

from __future__ import annotations

import gc
import threading

from pytestqt.qtbot import QtBot

from receptionist.store import heap
from ui.collector import GuiCollector


class Cycle:
    """An object in a reference cycle that notes which thread freed it."""

    def __init__(self, freed_on: list[str]) -> None:
        self.me = self
        self.freed_on = freed_on

    def __del__(self) -> None:
        self.freed_on.append(threading.current_thread().name)


def garbage_made_on_a_worker(freed_on: list[str], kept: list[object]) -> None:
    """A cycle dropped on a worker, then enough allocation there (kept alive in
    ``kept``: objects freed again take their count back) that Python's own trigger
    would run a pass on that thread many times over."""

    def work() -> None:
        Cycle(freed_on)
        kept.extend([] for _ in range(gc.get_threshold()[0] * 20))

    worker = threading.Thread(target=work, name="db-worker")
    worker.start()
    worker.join()


def test_a_cycle_dropped_on_a_worker_is_freed_on_the_gui_thread(
    qtbot: QtBot, gui_collector: GuiCollector
) -> None:
    assert not gc.isenabled()
    freed_on: list[str] = []
    kept: list[object] = []
    garbage_made_on_a_worker(freed_on, kept)
    assert freed_on == []  # no pass ran on the worker
    qtbot.waitUntil(lambda: freed_on != [], timeout=5_000)  # the timer's pass
    assert freed_on == [threading.main_thread().name]


def test_without_it_python_runs_the_pass_on_the_worker(gui_collector: GuiCollector) -> None:
    """What the collector prevents (the control of the test above)."""
    gui_collector.stop()
    try:
        assert gc.isenabled()
        freed_on: list[str] = []
        garbage_made_on_a_worker(freed_on, [])
        assert freed_on == ["db-worker"]
    finally:
        gui_collector.start()


def test_a_pass_takes_the_generations_python_would() -> None:
    collector = GuiCollector()
    gc.collect()
    assert collector.check() == 0  # counts under the threshold: no pass
    before = gc.get_count()
    assert before[0] <= gc.get_threshold()[0]
    freed_on: list[str] = []
    collector.start()
    try:
        Cycle(freed_on)
        keep: list[list[int]] = [[] for _ in range(gc.get_threshold()[0] * 2)]
        assert collector.check() >= 1 and freed_on == [threading.current_thread().name]
        assert gc.get_count()[0] < len(keep)  # the young generation was emptied
    finally:
        collector.stop()


def test_stop_hands_collecting_back_as_it_was(gui_collector: GuiCollector) -> None:
    gui_collector.stop()
    gc.disable()
    try:
        gui_collector.start()
        gui_collector.stop()
        assert not gc.isenabled()  # it was off before: it stays off
    finally:
        gc.enable()
        gui_collector.start()


def test_a_pause_under_way_does_not_switch_python_s_passes_back_on(
    gui_collector: GuiCollector,
) -> None:
    """The collector starting while a burst is built under ``heap.paused`` (a database
    worker's week, in the app or a test left running): when the pause ends, Python's
    automatic passes stay off, and stopping the collector later brings them back."""
    gui_collector.stop()
    try:
        assert gc.isenabled()
        with heap.paused():
            gui_collector.start()
        assert not gc.isenabled()  # the pause ended: still the GUI thread's alone
        gui_collector.stop()
        with heap.paused():
            gui_collector.start()
            gui_collector.stop()
        assert gc.isenabled()  # handed back as it was before the start
    finally:
        gc.enable()
        gui_collector.start()


def test_a_full_pass_waits_until_a_quarter_more_objects_are_long_lived(
    gui_collector: GuiCollector,
) -> None:
    """CPython's long-lived rule (#14): the counts call for a full pass, yet a middle
    pass runs instead until the middle passes have moved at least a quarter as many
    objects to the oldest generation as survived the last full one. The rest of the
    heap is frozen meanwhile: only this test's objects are counted."""
    assert not gc.isenabled()  # the session's collector is on: no pass runs by itself
    was_frozen = heap.frozen()
    heap.freeze()
    try:
        old = [[] for _ in range(8_000)]  # what "survived the last full pass"
        gc.collect(1)
        collector = GuiCollector()
        collector.long_lived.recount()
        total = collector.long_lived.total
        assert len(old) <= total < len(old) + 400
        full_pass_counts()
        kept = [[[] for _ in range(1_200)]]  # past the young generation's 700
        assert passes_run(collector) == [1]  # a middle pass, not the full one
        assert len(kept[0]) <= collector.long_lived.pending < total // 4
        full_pass_counts()  # the middle one's again
        kept.append([[] for _ in range(1_200)])
        assert passes_run(collector) == [1]
        kept.append([[] for _ in range(1_200)])  # the middle ones moved a quarter now
        assert collector.long_lived.pending >= total // 4
        assert passes_run(collector) == [2]
        assert collector.passes == [0, 2, 1] and collector.long_lived.pending == 0
        assert collector.long_lived.total >= total + 2 * 1_200  # counted anew
        heap.thaw()  # the whole heap back in the oldest generation: counted again
        assert collector.long_lived.full_due() is False
        assert collector.long_lived.total > total + 20_000
    finally:
        if was_frozen:
            heap.freeze()
        elif heap.frozen():
            heap.thaw()


def full_pass_counts() -> None:
    """The oldest and the middle generations' counts past their thresholds, by passes
    of nothing that are not the collector's."""
    limits = gc.get_threshold()
    while gc.get_count()[2] <= limits[2]:
        gc.collect(1)
    while gc.get_count()[1] <= limits[1]:
        gc.collect(0)


def passes_run(collector: GuiCollector) -> list[int]:
    """The generations of the passes one ``check`` ran."""
    ran: list[int] = []

    def spy(phase: str, info: dict[str, int]) -> None:
        if phase == "stop":
            ran.append(info["generation"])

    gc.callbacks.append(spy)
    try:
        collector.check()
    finally:
        gc.callbacks.remove(spy)
    return ran
