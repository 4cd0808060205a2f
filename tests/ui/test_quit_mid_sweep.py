"""Closing the app while the nightly retention sweep runs (#14): the window goes at
once, the note says "Finishing the retention sweep…" and that it waits for the batch
under way, the GUI thread stays free, and the app closes after that batch: the rest
of the lapsed patients stay for the next sweep, and the run reads "stopped". Before,
the app waited for the whole sweep (a minute or more at 2M appointments) and the note
named the job by its key. Real parts: the app's start-up and scheduler, the sweep
job; the first batch is held until the app is closed, standing for a long one."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from datetime import timedelta

import pytest
from factories import actor_ctx, make_patients
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import text
from sqlalchemy.orm import Session
from test_quit_mid_round import Made, signed_in
from uiseed import Seeded

from receptionist.clock import FixedClock
from receptionist.jobs.core import SWEEP, sweep_now
from receptionist.jobs.runner import history
from receptionist.ops import retention
from receptionist.retention import sweep as rules
from receptionist.store import vault
from ui.finishing import FinishingNote
from ui.idle import IdleWatcher
from ui.scheduler import JobScheduler
from ui.startup import Startup
from ui.tasks import TaskManager

LAPSED = range(901, 907)  # six patients never seen in three years: three batches of two


def _lapsed_left(seeded: Seeded) -> int:
    db = vault.open_clinic(seeded.root)
    try:
        with db.read() as s:
            ids = [f"p{n}" for n in LAPSED]
            found = s.execute(text("SELECT id FROM patient")).scalars()
            return len([i for i in found if i in ids])
    finally:
        db.close()


def test_quitting_mid_sweep_says_so_and_closes_after_the_batch_under_way(
    qtbot: QtBot,
    seeded: Seeded,
    tasks: TaskManager,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db = vault.open_clinic(seeded.root)
    try:  # a person's dry run and sweep (the nightly may run), then patients lapse
        admin = actor_ctx("admin", clock)
        retention.review(db, admin, seeded.root)
        sweep_now(db, admin, seeded.root)
        with db.write() as s:
            make_patients(s, clock.now() - timedelta(days=3 * 365), LAPSED)
    finally:
        db.close()
    monkeypatch.setattr(retention, "PATIENT_BATCH", (2, 2, 2))
    inside, closed = threading.Event(), threading.Event()
    real = rules.remove_patients

    def remove(session: Session, ids: Sequence[str]) -> object:
        if not inside.is_set():
            inside.set()
            closed.wait(timeout=20)  # a long batch: the app is closed meanwhile
        return real(session, ids)

    monkeypatch.setattr(rules, "remove_patients", remove)
    made = Made()
    idle = IdleWatcher(300, monotonic=lambda: 1000.0, poll_ms=60_000)
    startup = Startup(seeded.root, tasks, idle, clock=clock, env={},
                      unlock_factory=made.unlock, sign_in_factory=made.sign_in)  # fmt: skip
    startup.windowReady.connect(qtbot.addWidget)
    window = signed_in(qtbot, startup, made)
    assert startup.desk is not None
    jobs = JobScheduler(tasks, clock, [SWEEP], tasks)
    startup.desk.jobs = jobs
    jobs.start()
    jobs.run_now(SWEEP.name)
    qtbot.waitUntil(inside.is_set, timeout=10_000)  # the first batch is under way

    began = time.monotonic()
    startup.quit()
    assert time.monotonic() - began < 1.0, "quit returned at once"
    assert startup.quitting and not startup.shut_down and not window.isVisible()
    note = startup.finishing_note
    assert isinstance(note, FinishingNote)
    assert note.label.text().startswith(
        "Finishing the retention sweep…\nReceptionist closes once the batch under way is written"
    ), note.label.text()
    beats: list[float] = []
    beat = QTimer()
    beat.timeout.connect(lambda: beats.append(time.monotonic()))
    beat.start(50)
    qtbot.waitUntil(note.isVisible, timeout=5_000)
    note.grab().save(str(seeded.root.parent / "finishing-sweep.png"))
    qtbot.wait(400)  # the batch goes on a while: the GUI thread answers meanwhile
    closed.set()
    with qtbot.waitSignal(startup.finished, timeout=20_000):
        pass
    beat.stop()
    assert startup.shut_down and tasks.closed()
    assert len(beats) >= 5, "the GUI thread handled events while the sweep finished"
    QApplication.processEvents()
    assert _lapsed_left(seeded) == 4, "the batch under way went; no other"
    db = vault.open_clinic(seeded.root)
    try:
        last = history(db, clock, SWEEP, limit=1)[0]
    finally:
        db.close()
    assert last.outcome == "stopped" and last.counts.get("patient") == 2
