"""The app's background jobs: the QtScheduler's tick runs off the GUI thread on a
Database of its own, catches up at start, and Settings > Jobs shows and runs them."""

from __future__ import annotations

import threading
from collections.abc import Mapping

import pytest
from pytestqt.qtbot import QtBot

from receptionist.clock import Clock, FixedClock
from receptionist.context import Actor
from receptionist.jobs.registry import Every, Job
from receptionist.store.storage import Database
from ui.desk import Desk
from ui.scheduler import JobScheduler
from ui.settings.dialog import SettingsDialog


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
    assert page.table.item(0, 2).text() == "done"
    assert page.run_button.isEnabled()
    with qtbot.waitSignal(jobs.ran, timeout=10_000):
        page.run_button.click()
    assert len(jobs.seen) == 2  # type: ignore[attr-defined]
    with qtbot.waitSignal(page.loaded, timeout=10_000):  # the page redraws after a run
        pass


def test_a_receptionist_sees_the_jobs_but_cannot_run_them(
    qtbot: QtBot, desk: Desk, jobs: JobScheduler
) -> None:
    page = SettingsDialog(desk).jobs
    qtbot.addWidget(page)
    assert not page.run_button.isEnabled()
    assert "manager" in page.note.text()
