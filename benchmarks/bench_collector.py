"""The cycle collector's passes in a session of desk use on the demo clinic (issue #14).

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_collector.py                # a minute
    python benchmarks/bench_collector.py --seconds 300 --tick-ms 60     # five busy minutes
    python benchmarks/bench_collector.py --python     # Python's own trigger, for comparison
    python benchmarks/bench_collector.py --no-settle  # the heap left unfrozen (heap.settle)

The app starts as ``--demo --screenshots`` starts it (a throwaway demo clinic, its clock
stopped on a busy weekday morning), but instead of the screenshots a scripted session
runs once the window is up: every tick (when the worker is idle) one of the day view's
step to the next or previous day, the week view and back, a patient's window opened on
one of its tabs, the windows closed, a patient search typed, the windows let go (the
desk does not lock for idleness meanwhile: the script types nothing). A
callback on the collector (``gc.callbacks``) counts the passes of each generation, their
time and the thread they ran on.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QDialog
from sqlalchemy import select

import ui.launch as launch
import ui.screenshots as screenshots
from receptionist.models import Patient
from receptionist.store import heap
from ui import collector
from ui.mainwindow import MainWindow
from ui.patients import Patients


class Passes:
    """Every pass of the collector while ``on``: its generation, time and thread."""

    def __init__(self) -> None:
        self.on = False
        self.times: dict[int, list[float]] = {0: [], 1: [], 2: []}
        self.threads: dict[str, int] = {}
        self._began = 0.0
        gc.callbacks.append(self._seen)

    def _seen(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._began = time.perf_counter()
        elif self.on:
            self.times[info["generation"]].append(time.perf_counter() - self._began)
            name = threading.current_thread().name
            self.threads[name] = self.threads.get(name, 0) + 1

    def lines(self) -> list[str]:
        found = []
        for generation, spent in self.times.items():
            if not spent:
                found.append(f"generation {generation}: 0 passes")
                continue
            found.append(
                f"generation {generation}: {len(spent)} passes, {sum(spent) * 1000:.0f} ms in all,"
                f" mean {sum(spent) / len(spent) * 1000:.2f} ms, longest {max(spent) * 1000:.1f} ms"
            )
        return found


class Session(QObject):
    """Stands in for ``ui.screenshots.Screenshots``: the scripted use, then ``done``."""

    done = Signal(int)

    def __init__(self, seconds: float, tick_ms: int, passes: Passes) -> None:
        super().__init__()
        self.saved: list[Path] = []
        self.seconds, self.passes = seconds, passes
        self.timer = QTimer(self)
        self.timer.setInterval(tick_ms)
        self.timer.timeout.connect(self.tick)
        self.ticks = 0
        self.ids: list[str] = []
        self.summary: list[str] = []

    def run(self, window: MainWindow) -> None:
        self.window = window
        tasks = window.desk.tasks

        def read() -> list[str]:
            with tasks.database().read() as session:
                return list(session.scalars(select(Patient.id).limit(40)))

        self.ids = tasks.run(read).result(timeout=60)
        window.model.set_mode("day")
        self.started, self.cpu = time.perf_counter(), time.process_time()
        self.passes.on = True
        self.timer.start()

    def tick(self) -> None:
        w = self.window
        if time.perf_counter() - self.started > self.seconds:
            self.finish()
            return
        if w.model.loading or w.desk.tasks.pending():
            return
        self.ticks += 1
        patients = w.findChild(Patients)
        assert patients is not None
        self.act(self.ticks, patients)

    def act(self, n: int, patients: Patients) -> None:
        model, step = self.window.model, n % 10
        if step < 3:
            model.step(+1 if n % 40 < 20 else -1)
        elif step == 3:
            model.set_mode("week" if n % 20 == 3 else "day")
        elif step < 6:
            shown = patients.open_patient(self.ids[n % len(self.ids)])
            shown.tabs.setCurrentIndex(n % shown.tabs.count())
        elif step == 6:
            for shown in list(patients.windows.values()):
                shown.close()
        elif step == 7:
            search = patients.show_search()
            search.picker.field.setText("ab"[: 1 + n % 2])
            search.picker.finder.search_now()
        elif step == 8:
            if patients.search is not None:
                patients.search.close()
            if len(patients.windows) > 6:  # closed windows let go now and then
                patients.forget()
        else:
            model.set_mode("day")

    def finish(self) -> None:
        self.passes.on = False
        self.timer.stop()
        cpu = time.process_time() - self.cpu
        unfrozen = len(gc.get_objects(2))
        began = time.perf_counter()
        gc.collect(2)
        full_ms = (time.perf_counter() - began) * 1000
        self.summary = [
            f"{self.ticks} actions in {self.seconds:.0f} s, {cpu:.1f} s of CPU;"
            f" passes by thread {self.passes.threads}",
            *self.passes.lines(),
            f"at the end: {unfrozen} objects in the oldest generation,"
            f" {gc.get_freeze_count()} frozen; a full pass then took {full_ms:.1f} ms",
        ]
        for dialog in self.window.findChildren(QDialog):  # quitting asks of none of them
            if dialog.isVisible() and getattr(dialog, "unsaved", lambda: False)():
                self.summary.append(f"left open with unsaved changes: {dialog.objectName()}")
            dialog.hide()
        self.done.emit(0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--tick-ms", type=int, default=300, help="how often to act")
    parser.add_argument("--python", action="store_true", help="no GUI collector")
    parser.add_argument("--no-settle", action="store_true", help="the heap not frozen")
    args = parser.parse_args()
    os.environ["RECEPTIONIST_DATA_DIR"] = tempfile.mkdtemp(prefix="bench-collector-")
    os.environ["RECEPTIONIST_CONFIG_DIR"] = tempfile.mkdtemp(prefix="bench-collector-pc-")
    passes, made = Passes(), list[Session]()
    if args.python:
        collector.install = lambda parent: None  # type: ignore[assignment,return-value]
    if args.no_settle:
        heap.settle = lambda: 0

    def session(*_args: Any, **_kwargs: Any) -> Session:
        made.append(Session(args.seconds, args.tick_ms, passes))
        return made[0]

    screenshots.Screenshots = session  # type: ignore[assignment,misc]
    with tempfile.TemporaryDirectory() as out:
        code = launch.run(["--demo", "--screenshots", out, "--lock-after", "600"])
    mode = "Python's own trigger" if args.python else "GUI collector"
    print(f"{mode}{', heap not frozen' if args.no_settle else ''}: exit {code}")
    for line in made[0].summary if made else ["the window never came up"]:
        print(line)


if __name__ == "__main__":
    main()
