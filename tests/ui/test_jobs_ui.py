"""The app's background jobs: the QtScheduler's tick runs off the GUI thread on a
Database of its own, catches up at start, and Settings > Jobs shows and runs them."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from receptionist.clock import Clock, FixedClock
from receptionist.context import Actor
from receptionist.jobs.core import SWEEP
from receptionist.jobs.registry import Every, Job, counted_nothing
from receptionist.jobs.runner import JobStatus, Runner
from receptionist.jobs.scheduling import TICK_ID, Drift
from receptionist.retention import clockcheck
from receptionist.store.storage import Database
from receptionist.store.vault import open_clinic
from ui.desk import Desk
from ui.scheduler import JobScheduler
from ui.settings.dialog import SettingsDialog
from ui.settings.jobhistory import FELL_SHORT_COLOUR, QUIET_COLOUR
from ui.settings.jobspage import COLUMNS


def shot(widget: QWidget, name: str) -> None:
    """Saved only when SETTINGS_SHOTS names a folder (to look at by eye)."""
    folder = os.environ.get("SETTINGS_SHOTS")
    if folder:
        widget.resize(900, 300)
        widget.grab().save(str(Path(folder) / f"{name}.png"))


def recording(name: str, seen: list[tuple[str, bool, int]]) -> Job:
    def work(db: Database, clock: Clock) -> Mapping[str, int]:
        gui = threading.current_thread() is threading.main_thread()
        seen.append((name, gui, id(db)))
        return {"seen": len(seen)}

    return Job(name, work, Every(60))


@pytest.fixture
def jobs(qtbot: QtBot, desk: Desk, clock: FixedClock) -> JobScheduler:
    seen: list[tuple[str, bool, int]] = []
    scheduler = JobScheduler(desk.tasks, clock, [recording("first", seen)])
    scheduler.seen = seen  # type: ignore[attr-defined]
    desk.jobs = scheduler
    yield scheduler
    scheduler.stop()


def test_the_first_tick_runs_what_is_owed_off_the_gui_thread(
    qtbot: QtBot, desk: Desk, jobs: JobScheduler
) -> None:
    with qtbot.waitSignal(jobs.ran, timeout=10_000) as ran:
        jobs.start()
    assert [(r.job, r.outcome) for r in ran.args[0]] == [("first", "ok")]
    _name, on_gui, db_id = jobs.seen[0]  # type: ignore[attr-defined]
    assert not on_gui
    assert db_id != id(desk.tasks.db)  # its own Database, not the desk's worker's
    with qtbot.waitSignal(jobs.ran, timeout=10_000) as again:
        jobs.run_now("first")  # not due for an hour: "Run now" runs it anyway
    assert [r.counts for r in again.args[0]] == [{"seen": 2}]
    inner = jobs._scheduler
    assert inner is not None and inner._own_timer is not None  # the next wake-up
    jobs.stop()
    assert inner._own_timer is None and inner.get_jobs() == []  # no wake-up left behind


def test_settings_jobs_lists_the_jobs_and_runs_one(
    qtbot: QtBot, desk: Desk, jobs: JobScheduler
) -> None:
    desk.actor = Actor(user_id="u1", role="manager", source="ui")
    with qtbot.waitSignal(jobs.ran, timeout=10_000):
        jobs.start()
    dialog = SettingsDialog(desk)
    qtbot.addWidget(dialog)
    page = dialog.jobs
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.refresh()
    assert page.table.rowCount() == 1
    assert page.table.item(0, 0).text() == "first"
    assert page.table.item(0, 2).text() != ""  # when it ended
    assert page.table.item(0, COLUMNS.index("outcome")).text() == "done"
    assert page.table.item(0, COLUMNS.index("counts")).text() == "seen 1"
    assert page.run_button.isEnabled()
    with qtbot.waitSignal(jobs.ran, timeout=10_000):
        page.run_button.click()
    assert len(jobs.seen) == 2  # type: ignore[attr-defined]
    with qtbot.waitSignal(page.loaded, timeout=10_000):  # the page redraws after a run
        pass


def test_the_jobs_page_tells_a_waiting_sweep_and_a_failed_run_s_error(
    qtbot: QtBot, desk: Desk, clock: FixedClock
) -> None:
    """The nightly sweep that waits for a person's first sweep ran "ok" but destroyed
    nothing: it reads as waiting, not "done"; a failed run shows its error."""

    def broken(db: Database, clock: Clock) -> Mapping[str, int]:
        raise KeyError("no patient data here")

    scheduler = JobScheduler(desk.tasks, clock, [SWEEP, Job("broken", broken, Every(60))])
    desk.jobs = scheduler
    try:
        with qtbot.waitSignal(scheduler.ran, timeout=10_000):
            scheduler.start()
        page = SettingsDialog(desk).jobs
        qtbot.addWidget(page)
        with qtbot.waitSignal(page.loaded, timeout=10_000):
            page.refresh()
        cells = [[page.table.item(r, c).text() for c in range(6)] for r in range(2)]
        told = page.table.item(1, COLUMNS.index("outcome")).toolTip()
        shot(page, "settings-jobs")
    finally:
        scheduler.stop()
    sweep, failed = cells
    outcome, counts = COLUMNS.index("outcome"), COLUMNS.index("counts")
    assert sweep[0] == "Retention sweep"  # was "retention.sweep": staff read names (#14)
    assert sweep[outcome] == "waiting for a person's first sweep (Settings → Retention)"
    assert sweep[counts] == "", "awaiting_person is said in words, not as a count"
    assert failed[outcome] == "failed"
    assert "KeyError" in told and "IT person" in told and "patient data" not in told


def test_a_receptionist_sees_the_jobs_but_cannot_run_them(
    qtbot: QtBot, desk: Desk, jobs: JobScheduler
) -> None:
    page = SettingsDialog(desk).jobs
    qtbot.addWidget(page)
    assert not page.run_button.isEnabled()
    assert "manager" in page.note.text()


class FakeTimes:
    """The wall and monotonic clocks the scheduler looks at, moved by the test."""

    def __init__(self) -> None:
        self.wall, self.mono = 1_800_000_000.0, 500.0

    def drift(self) -> Drift:
        return Drift(lambda: self.wall, lambda: self.mono)


def test_a_clock_put_back_re_arms_the_tick_at_once(
    qtbot: QtBot, desk: Desk, clock: FixedClock
) -> None:
    seen: list[tuple[str, bool, int]] = []
    times = FakeTimes()
    jobs = JobScheduler(desk.tasks, clock, [recording("hourly", seen)], drift=times.drift(),
                        watch=lambda _back: False)  # fmt: skip
    try:
        with qtbot.waitSignal(jobs.ran, timeout=10_000):
            jobs.start()
        inner = jobs._scheduler
        assert inner is not None
        waiting = inner.get_job(TICK_ID).next_run_time
        assert waiting > datetime.now(UTC) + timedelta(seconds=30)  # the next minute
        times.mono += 30
        times.wall += 31  # the clock runs on as it should: nothing to do
        jobs.look_at_clock()
        assert inner.get_job(TICK_ID).next_run_time == waiting
        clock.advance(hours=2)  # the hourly job is owed again
        times.mono += 30
        times.wall -= 3600  # the clock was put back an hour
        with qtbot.waitSignal(jobs.ran, timeout=10_000) as ran:
            jobs.look_at_clock()  # the tick runs now, not in a minute (or an hour)
        assert [r.job for r in ran.args[0]] == ["hourly"]
        assert len(seen) == 2
    finally:
        jobs.stop()


def test_the_network_coming_back_runs_the_cloud_sync_job(
    qtbot: QtBot, desk: Desk, clock: FixedClock
) -> None:
    seen: list[tuple[str, bool, int]] = []
    times = FakeTimes()
    backs: list[Callable[[], None]] = []

    def watch(on_back: Callable[[], None]) -> bool:
        backs.append(on_back)
        return True

    jobs = JobScheduler(
        desk.tasks, clock, [recording("cloud.sync", seen), recording("other", seen)],
        drift=times.drift(), watch=watch, monotonic=lambda: times.mono,
    )  # fmt: skip
    try:
        with qtbot.waitSignal(jobs.ran, timeout=10_000):
            jobs.start()
        assert len(backs) == 1 and len(seen) == 2
        with qtbot.waitSignal(jobs.ran, timeout=10_000) as ran:
            backs[0]()  # reachability: online again
        assert [r.job for r in ran.args[0]] == ["cloud.sync"]
        inner = jobs._scheduler
        assert inner is not None
        times.mono += 3
        backs[0]()  # a flap three seconds later: not again
        assert [j.id for j in inner.get_jobs()] == [TICK_ID]
        times.mono += 10
        with qtbot.waitSignal(jobs.ran, timeout=10_000) as again:
            backs[0]()
        assert [r.job for r in again.args[0]] == ["cloud.sync"]
        assert [name for name, _gui, _db in seen].count("other") == 1
    finally:
        jobs.stop()


def test_settings_jobs_says_when_the_sweep_did_not_trust_the_clock(
    qtbot: QtBot, desk: Desk, clock: FixedClock
) -> None:
    dialog = SettingsDialog(desk)
    qtbot.addWidget(dialog)
    page = dialog.jobs
    now = clock.now()
    refused = JobStatus("retention.sweep", "daily", now, now, "ok",
                        {clockcheck.BEHIND_KEY: 5}, "", now, False)  # fmt: skip
    page._show([refused, replace(refused, name="backup", counts={"bytes": 1})])
    outcome = COLUMNS.index("outcome")
    assert page.table.item(0, outcome).text() == "waiting: the clock looks wrong"
    assert "clock looks wrong" in page.table.item(0, outcome).toolTip()
    assert "5 days" in page.table.item(0, 0).toolTip()
    assert page.table.item(0, COLUMNS.index("counts")).text() == "", "the doubt is no count"
    assert page.table.item(1, outcome).text() == "done"
    assert "clock" not in page.table.item(1, outcome).toolTip()


def test_a_jobs_history_lists_its_kept_runs_and_failed_ones_stand_out(
    qtbot: QtBot, desk: Desk, clock: FixedClock
) -> None:
    """Settings > Jobs, "History…" (or a double-click on the job): the runs kept of it,
    newest first, worded as the page words them; a failed run in bold red with its
    error in the tooltip; runs that did nothing in grey, and hidden on request but for
    the two around a pause (the PC off for half an hour)."""
    script = ["work", "fail", "idle", "idle", "idle"]

    def work(db: Database, clock: Clock) -> Mapping[str, int]:
        what = script.pop(0)
        if what == "fail":
            raise KeyError("Ayse Yilmaz")
        return {"active": 1, "sent": int(what == "work")}

    job = Job("reminders.dispatch", work, Every(1), quiet=counted_nothing("active"))
    db = open_clinic(desk.root)
    try:
        for minutes in (1, 1, 38, 1, 1):  # the PC off from 10:03 to 10:40 (clinic time)
            Runner([job]).run_now(db, clock, job.name)
            clock.advance(minutes=minutes)
    finally:
        db.close()
    desk.jobs = JobScheduler(desk.tasks, clock, [job])  # not started: shows, runs nothing
    try:
        page = SettingsDialog(desk).jobs
        qtbot.addWidget(page)
        with qtbot.waitSignal(page.loaded, timeout=10_000):
            page.refresh()
        assert page.history_button.isEnabled(), "anyone who sees the jobs sees their history"
        page.table.selectRow(0)
        with qtbot.waitSignal(page.history_shown, timeout=10_000) as shown:
            page.history_button.click()
        dialog = shown.args[0]
        table = dialog.table
        cells = [[table.item(r, c).text() for c in range(5)] for r in range(table.rowCount())]
        assert [row[2] for row in cells] == ["done", "done", "done", "failed", "done"]
        assert cells[0][0] > cells[1][0] > cells[4][0], "newest first"
        assert cells[4][4] == "sent 1"  # was "active 1, sent 1": a flag is no count (#14)
        failed = table.item(3, 2)
        assert failed.font().bold() and failed.foreground().color() == FELL_SHORT_COLOUR
        assert "KeyError" in failed.toolTip() and "IT person" in failed.toolTip()
        assert "Ayse" not in failed.toolTip()
        assert table.item(0, 2).foreground().color() == QUIET_COLOUR  # nothing due
        assert not table.item(4, 2).font().bold()
        assert [row[3] for row in cells] == [
            "", "after a pause (due 2 Mar 2026 10:03)", "the last before a pause", "", "",
        ]  # fmt: skip
        shot(dialog, "settings-jobs-history")
        dialog.only_work.setChecked(True)
        hidden = [table.isRowHidden(r) for r in range(5)]
        assert hidden == [True, False, False, False, False], "the pause's runs stay"
        dialog.close()
        with qtbot.waitSignal(page.history_shown, timeout=10_000):  # a double-click too
            page.table.doubleClicked.emit(page.table.model().index(0, 0))
    finally:
        desk.jobs.stop()


def test_the_network_coming_back_runs_google_sync_and_the_reminders_too(
    qtbot: QtBot, desk: Desk, clock: FixedClock
) -> None:
    """Issue #14: cloud and Google sync run when the network returns; the reminders
    waiting for it go then too (the core's rule, ``receptionist.jobs.netreturn``)."""
    seen: list[tuple[str, bool, int]] = []
    backs: list[Callable[[], None]] = []

    def watch(on_back: Callable[[], None]) -> bool:
        backs.append(on_back)
        return True

    names = ("cloud.sync", "reminders.dispatch", "google.sync", "other")
    jobs = JobScheduler(desk.tasks, clock, [recording(name, seen) for name in names],
                        drift=FakeTimes().drift(), watch=watch)  # fmt: skip
    try:
        with qtbot.waitSignal(jobs.ran, timeout=10_000):
            jobs.start()
        with qtbot.waitSignal(jobs.ran, timeout=10_000) as ran:
            backs[0]()
        assert [r.job for r in ran.args[0]] == ["cloud.sync", "reminders.dispatch", "google.sync"]
    finally:
        jobs.stop()
