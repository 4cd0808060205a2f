"""Issue 3's desktop targets on the large generated clinic, through the real MainWindow.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_ui.py              # full size
    QT_QPA_PLATFORM=offscreen python benchmarks/bench_ui.py --scale 0.01 # a quick look

The window is built as the app builds it (a Desk over the one database worker), fixed
at 1366x768, in week view with the 20 providers as columns. Measured:

1. navigation: from the step to another week until the schedule has painted it
   (the model's ``loaded`` signal, then a synchronous repaint of the viewport);
2. scrolling: one scroll step plus the repaint it needs, per frame;
3. typeahead: from a keystroke in the booking dialog's patient field (and in the
   Patients window) until the results are in the list and painted;
4. a watchdog: a 10 ms timer on the GUI thread; the longest gap between its ticks is
   the longest the UI thread was blocked.

Targets: week shown <= 150 ms; a frame <= 16 ms; typeahead <= 100 ms; no block > 100 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import (
    QEvent,
    QEventLoop,
    QMessageLogContext,
    QObject,
    Qt,
    QTimer,
    QtMsgType,
    qInstallMessageHandler,
)
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget
from sqlalchemy import func, select

from benchmarks.common import (
    NOW,
    ROOT,
    Figures,
    cipher_clinic,
    fast_keys,
    machine_speed,
    smoke_options,
)
from receptionist.clock import FixedClock
from receptionist.context import Actor
from receptionist.models import Patient
from receptionist.schedule import agenda
from receptionist.store import heap
from receptionist.store.storage import Database
from ui import app as ui_app
from ui.booking import patientpicker
from ui.desk import Desk
from ui.mainwindow import MainWindow
from ui.patients import Patients
from ui.schedule import model as schedule_model
from ui.tasks import TaskManager

WIDTH, HEIGHT = 1366, 768


# --- the watchdog --------------------------------------------------------------------
class Watchdog(QObject):
    """A 10 ms timer on the GUI thread: every gap between ticks is time the thread
    spent on something else. A gap is filed under the phase it happened in: entering
    a phase closes the gap running so far under the phase before."""

    def __init__(self, interval_ms: int = 10) -> None:
        super().__init__()
        self.interval = interval_ms
        self.phase = "setup"
        self.gaps: dict[str, list[float]] = {}
        self._last = time.perf_counter()
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)

    def start(self, phase: str) -> None:
        self.phase = phase
        self._last = time.perf_counter()
        self._timer.start()

    def enter(self, phase: str) -> None:
        self._tick()
        self.phase = phase

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.setdefault(self.phase, []).append((now - self._last) * 1000)
        self._last = now

    def line(self, phase: str | None = None) -> str:
        if phase is None:
            gaps = [g for gs in self.gaps.values() for g in gs]
            name = "UI thread, all measured phases"
        else:
            gaps = self.gaps.get(phase, [])
            name = f"UI thread during {phase}"
        worst = max(gaps, default=0.0)
        over = sum(g > 100 for g in gaps)
        verdict = "ok" if worst <= 100 else "OVER"
        return (
            f"{name:<46} longest block {worst:7.1f} ms   gaps > 100 ms: {over:<4}"
            f" ticks={len(gaps):<6} target <= 100 ms  [{verdict}]"
        )


# --- helpers -------------------------------------------------------------------------
def _quiet(mode: QtMsgType, context: QMessageLogContext, message: str) -> None:
    """Drop the offscreen plugin's own complaints about what it cannot do."""
    if not message.startswith("This plugin does not support"):
        sys.stderr.write(message + "\n")


def spin_until(cond: Callable[[], bool], timeout_s: float = 30.0) -> None:
    """Run the event loop (so the watchdog ticks and callbacks land) until ``cond``."""
    deadline = time.perf_counter() + timeout_s
    # Sleeps until an event comes (the watchdog's tick at the latest), as the idle app
    # does in exec(); a busy loop here would fight the worker thread for the GIL.
    flags = QEventLoop.ProcessEventsFlag.AllEvents | QEventLoop.ProcessEventsFlag.WaitForMoreEvents
    while not cond():
        if time.perf_counter() > deadline:
            raise TimeoutError("the UI did not get there in time")
        QApplication.processEvents(flags)


def spin_for(ms: float) -> None:
    end = time.perf_counter() + ms / 1000
    spin_until(lambda: time.perf_counter() >= end)


def settle(tasks: TaskManager) -> None:
    spin_until(lambda: tasks.pending() == 0)
    spin_for(60)


def verdict(fig: Figures, limit: float) -> str:
    return f"target <= {limit:g} ms  [{'ok' if fig.p95 <= limit else 'OVER'} at p95]"


class PaintCounter(QObject):
    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self.count = 0
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


def type_char(widget: QWidget, ch: str) -> None:
    """One keystroke, as the keyboard sends it (textEdited and textChanged both fire)."""
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, ch))


# --- building the window -------------------------------------------------------------
def build(scale: float, cache_mb: int) -> tuple[MainWindow, TaskManager, Database]:
    tasks = TaskManager()
    db = tasks.run(lambda: cipher_clinic(scale, cache_mb)).result()
    tasks.db = db
    clinic = tasks.run(lambda: _clinic(db)).result()
    desk = Desk(
        ROOT / f"cipher-{scale}",
        tasks,
        clinic,
        Actor(user_id=None, role="admin", source="ui"),
        FixedClock(NOW),
        username="bench",
    )
    win = MainWindow(desk)
    win.setFixedSize(WIDTH, HEIGHT)
    win.show()
    return win, tasks, db


def _clinic(db: Database) -> agenda.ClinicInfo:
    with db.read() as s:
        return agenda.clinic_info(s)


class Schedule:
    """Times each load: the worker's fetch, build_columns (on the worker since the
    layout moved there), and the paint on the GUI thread."""

    def __init__(self, win: MainWindow) -> None:
        self.win = win
        self.model = win.model
        self.view = win.schedule
        self.fetch_ms: list[float] = []
        self.build_ms: list[float] = []
        self.paint_ms: list[float] = []
        self.build_cpu: list[float] = []  # that thread's CPU time: what other load can't inflate
        self.paint_cpu: list[float] = []
        self.items: list[int] = []
        self.painted_at = 0.0
        self.loads = 0
        real_fetch = schedule_model.agenda.load  # the window's one read
        real_build = getattr(schedule_model, "build_columns")  # noqa: B009 (not exported)

        def fetch(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            out = real_fetch(*args, **kwargs)
            self.fetch_ms.append((time.perf_counter() - t0) * 1000)
            return out

        def build(*args: Any) -> Any:
            t0, c0 = time.perf_counter(), time.thread_time()
            out = real_build(*args)
            self.build_ms.append((time.perf_counter() - t0) * 1000)
            self.build_cpu.append((time.thread_time() - c0) * 1000)
            return out

        setattr(schedule_model.agenda, "load", fetch)  # noqa: B010 (wrapped to time it)
        setattr(schedule_model, "build_columns", build)  # noqa: B010
        self.model.loaded.connect(self._loaded)  # after the view's own slot

    def _loaded(self) -> None:
        t0, c0 = time.perf_counter(), time.thread_time()
        self.view.viewport().repaint()
        self.painted_at = time.perf_counter()
        self.paint_ms.append((self.painted_at - t0) * 1000)
        self.paint_cpu.append((time.thread_time() - c0) * 1000)
        self.items.append(len(self.model.agenda.items) if self.model.agenda else 0)
        self.loads += 1

    def navigate(self, go: Callable[[], object]) -> float:
        """Milliseconds from ``go()`` until the new window is loaded and painted."""
        before = self.loads
        t0 = time.perf_counter()
        go()
        spin_until(lambda: self.loads > before and not self.model.loading)
        return (self.painted_at - t0) * 1000


# --- the benchmarks --------------------------------------------------------------------
def bench_navigation(
    sched: Schedule, rng: random.Random, n: int
) -> tuple[list[Figures], list[Figures]]:
    model = sched.model
    today = NOW.date()
    jumps = [today - timedelta(weeks=rng.randint(-20, 400)) for _ in range(n)]
    mark = len(sched.fetch_ms)
    jump = [sched.navigate(lambda d=d: model.set_day(d)) for d in jumps]  # type: ignore[misc]
    jump_parts = _parts(sched, mark, "  (random week)")
    model.set_day(today - timedelta(weeks=rng.randint(0, 300)))
    spin_until(lambda: not model.loading)
    settle(sched.win.desk.tasks)
    mark = len(sched.fetch_ms)
    step = [sched.navigate(sched.win.actions_.next.trigger) for _ in range(n)]
    step_parts = _parts(sched, mark, "  (next week)")
    return [
        Figures("week shown: jump to a random week", jump),
        Figures("week shown: next week (toolbar action)", step),
    ], jump_parts + step_parts


def _parts(sched: Schedule, mark: int, label: str) -> list[Figures]:
    return [
        Figures("  worker: agenda fetch" + label, sched.fetch_ms[mark:]),
        Figures("  worker: build_columns" + label, sched.build_ms[mark:]),
        Figures("    the same, thread CPU time" + label[:0], sched.build_cpu[mark:]),
        Figures("  GUI: repaint after load" + label, sched.paint_ms[mark:]),
        Figures("    the same, GUI-thread CPU time" + label[:0], sched.paint_cpu[mark:]),
    ]


def bench_scroll(sched: Schedule, frames: int) -> tuple[list[Figures], float]:
    view = sched.view
    vp = view.viewport()
    paints = PaintCounter(vp)
    vbar, hbar = view.verticalScrollBar(), view.horizontalScrollBar()
    results: list[Figures] = []
    painted = 0
    for bar, name, step in (
        (vbar, "scroll + repaint: vertical (wheel step)", 3 * vbar.singleStep()),
        (hbar, "scroll + repaint: horizontal (half column)", hbar.singleStep()),
    ):
        samples: list[float] = []
        cpu: list[float] = []
        direction = 1
        for _ in range(frames // 2):
            target = bar.value() + direction * step
            if not bar.minimum() <= target <= bar.maximum():
                direction = -direction
                target = bar.value() + direction * step
            before = paints.count
            t0, c0 = time.perf_counter(), time.thread_time()
            bar.setValue(target)
            # Paint what the scroll left to paint, now (as the next frame would).
            QApplication.sendPostedEvents(None, QEvent.Type.UpdateRequest)
            samples.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.thread_time() - c0) * 1000)
            QApplication.processEvents()  # anything the scroll left pending (and the watchdog)
            painted += paints.count - before
        results.append(Figures(name, samples))
        results.append(Figures("    the same, GUI-thread CPU time", cpu))
    return results, painted / max(1, 2 * (frames // 2))


def pick_patients(tasks: TaskManager, n: int, rng: random.Random) -> list[str]:
    """What a receptionist types: names either way round, or a national phone number."""

    def run(db: Database) -> list[str]:
        with db.read() as s:
            total = s.scalar(select(func.count()).select_from(Patient)) or 0
            ids = [
                s.scalar(select(Patient.id).offset(rng.randrange(total)).limit(1)) for _ in range(n)
            ]
            people = [s.get(Patient, i) for i in ids]
        typed = []
        for i, p in enumerate(people):
            assert p is not None
            if i % 4 == 3 and p.phone:
                typed.append("0" + p.phone[3:])
            elif i % 2:
                typed.append(f"{p.given_name} {p.family_name}".lower())
            else:
                typed.append(f"{p.family_name} {p.given_name}".lower())
        return typed

    return tasks.run(lambda: run(tasks.database())).result()


def bench_booking_typeahead(win: MainWindow, typed: list[str], dog: Watchdog) -> Figures:
    """The booking dialog's patient field (ui/booking/patientpicker.py)."""
    shown: list[float] = []
    real = patientpicker.PatientPicker._show_results

    def show(picker: Any, rows: list[Any]) -> None:
        real(picker, rows)
        picker.results.viewport().repaint()
        shown.append(time.perf_counter())

    setattr(patientpicker.PatientPicker, "_show_results", show)  # noqa: B010
    try:
        dog.enter("opening/closing the dialogs")
        dialog = win.booking.open()
        settle(win.desk.tasks)
        field = dialog.picker.query
        dog.enter("typeahead")
        samples = _type_all(field, typed, shown, lambda: field.clear(), win.desk.tasks)
        dog.enter("opening/closing the dialogs")
        dialog.close()
        settle(win.desk.tasks)
    finally:
        setattr(patientpicker.PatientPicker, "_show_results", real)  # noqa: B010
    return Figures("typeahead: booking dialog (keystroke to list)", samples)


def bench_search_typeahead(win: MainWindow, typed: list[str], dog: Watchdog) -> Figures:
    """The Patients window's search field (ui/patients/picker.py, a table model)."""
    patients = win.findChild(Patients)
    assert patients is not None
    dog.enter("opening/closing the dialogs")
    search = patients.show_search()
    settle(win.desk.tasks)
    dog.enter("typeahead")
    picker = search.picker
    shown: list[float] = []

    def on_shown(query: str) -> None:
        if query:
            picker.table.viewport().repaint()
            shown.append(time.perf_counter())

    picker.shown.connect(on_shown)
    samples = _type_all(picker.field, typed, shown, picker.field.clear, win.desk.tasks)
    picker.shown.disconnect(on_shown)
    dog.enter("opening/closing the dialogs")
    search.close()
    return Figures("typeahead: Patients window (keystroke to table)", samples)


def _type_all(
    field: QWidget,
    typed: list[str],
    shown: list[float],
    clear: Callable[[], None],
    tasks: TaskManager,
) -> list[float]:
    samples: list[float] = []
    for text in typed:
        clear()
        settle(tasks)
        for ch in text:
            before = len(shown)
            t0 = time.perf_counter()
            type_char(field, ch)
            spin_until(lambda b=before: len(shown) > b, timeout_s=10)  # type: ignore[misc]
            samples.append((shown[-1] - t0) * 1000)
    clear()
    settle(tasks)
    return samples


# --- main ------------------------------------------------------------------------------
def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--cache-mb", type=int, default=256)
    ap.add_argument("--weeks", type=int, default=30)
    ap.add_argument("--frames", type=int, default=200)
    ap.add_argument("--patients-typed", type=int, default=16)
    smoke_options(ap)
    args = ap.parse_args()
    if args.fast_keys:
        fast_keys()
    rng = random.Random(7)

    qInstallMessageHandler(_quiet)
    qapp = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(qapp, QApplication)
    ui_app.style_application(qapp)
    dog = Watchdog()

    load0 = os.getloadavg()
    t0 = time.perf_counter()
    win, tasks, db = build(args.scale, args.cache_mb)
    sched = Schedule(win)
    dog.start("start-up")
    win.schedule.setFocus()

    # The week of every provider (the app opens a week on one provider's columns; this
    # measures the heaviest week a receptionist can choose).
    def every_providers_week() -> None:
        win.actions_.week_view.trigger()
        win.model.set_filter(None)

    sched.navigate(every_providers_week)
    startup_ms = (time.perf_counter() - t0) * 1000
    columns = len(sched.model.columns)
    settle(tasks)
    heap.settle()  # as ui.launch does once the window is up

    dog.enter("week navigation")
    nav, parts = bench_navigation(sched, rng, args.weeks)
    settle(tasks)

    sched.navigate(lambda: sched.model.set_day(NOW.date()))
    settle(tasks)
    dog.enter("scrolling")
    scroll, paints_per_frame = bench_scroll(sched, args.frames)
    settle(tasks)

    dog.enter("setup")  # the benchmark's own look-ups (random patients), not the app's
    typed = pick_patients(tasks, args.patients_typed, rng)
    booking = bench_booking_typeahead(win, typed, dog)
    search = bench_search_typeahead(win, typed, dog)
    settle(tasks)
    dog.enter("teardown")
    speed = machine_speed(args.speed_runs)

    appts = sched.items[1:] or [0]
    print(
        f"\n[ui]  scale {args.scale}, cache {args.cache_mb} MB, window {WIDTH}x{HEIGHT}, "
        f"week view: {columns} columns (7 days x providers), "
        f"{min(appts)}-{max(appts)} appointments a week (mean {sum(appts) / len(appts):.0f})"
    )
    print(
        f"  load average (1, 5 min) at start {load0[0]:.2f} {load0[1]:.2f}, at end "
        f"{os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} on {os.cpu_count()} CPUs"
    )
    print("  " + speed.line("(at the end)"))
    print(f"  window built + first week painted: {startup_ms:.0f} ms (opening the clinic included)")
    for fig in nav:
        print("  " + fig.line(verdict(fig, 150)))
    for fig in parts:
        print("  " + fig.line())
    for fig in scroll:
        print("  " + fig.line(verdict(fig, 16)))
    print(f"  (paint events per scroll frame: {paints_per_frame:.2f})")
    for fig in (booking, search):
        print("  " + fig.line(verdict(fig, 100)))
    print("\n[watchdog: a 10 ms timer on the GUI thread]")
    for phase in ("start-up", "week navigation", "scrolling", "typeahead",
                  "opening/closing the dialogs"):  # fmt: skip
        print("  " + dog.line(phase))
    print("  " + _whole(dog))

    win.close()
    win.deleteLater()
    tasks.shutdown()
    del db


def _whole(dog: Watchdog) -> str:
    saved = dict(dog.gaps)
    dog.gaps = {k: v for k, v in saved.items() if k not in ("setup", "start-up", "teardown")}
    try:
        return dog.line(None)
    finally:
        dog.gaps = saved


if __name__ == "__main__":
    main()
