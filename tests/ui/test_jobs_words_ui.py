"""Issue #14, Settings > Jobs as staff read it: each job and count by a translated name
(not ``reminders.dispatch``, ``same_disk 1``), zeros and status flags left out, a run
that found a channel stopped "needs attention: ..." (not "done"), a person's sweep
said as one; and at the dialog's first size every column shows, the long text last.
``receptionist jobs list`` keeps the keys (``tests/test_cli_upkeep.py``)."""

from __future__ import annotations

import dataclasses
import os
from datetime import timedelta
from pathlib import Path

from PySide6.QtWidgets import QTableWidget, QWidget
from pytestqt.qtbot import QtBot

from receptionist.clock import FixedClock
from receptionist.context import Actor
from receptionist.jobs.core import BY_PERSON, SWEEP, sweep_now
from receptionist.jobs.registry import Every, Job
from receptionist.jobs.runner import JobStatus, Runner
from receptionist.models import JobRun
from receptionist.ops import auditwait, backups, retention
from receptionist.store.vault import open_clinic
from ui.coretext import translated
from ui.desk import Desk
from ui.settings.dialog import SettingsDialog
from ui.settings.jobhistory import JobHistoryDialog
from ui.settings.jobspage import COLUMNS

DISPATCH = {"active": 1, "planned": 0, "withdrawn": 0, "sent": 0, "failed": 0, "skipped": 0,
            "held": 0, "retrying": 0, "needs_attention": 0, "secret_missing_sms": 1}  # fmt: skip
BACKUP = {"bytes": 4_728_595, "log_problem": 0, "rotated": 0, "same_disk": 1}
SYNC = {"connected": 1, "pushed": 3, "pulled": 0, "merged": 0, "conflicts": 0, "uploaded": 0}
SWEPT = {"patient_anonymised": 108, "waitlist_entry": 1, BY_PERSON: 1}


def shot(widget: QWidget, name: str) -> None:
    """Saved only when SETTINGS_SHOTS names a folder (to look at by eye)."""
    folder = os.environ.get("SETTINGS_SHOTS")
    if folder:
        widget.grab().save(str(Path(folder) / f"{name}.png"))


def rows(clock: FixedClock) -> list[JobStatus]:
    now = clock.now()
    later = now + timedelta(hours=16)
    return [
        JobStatus("retention.sweep", "daily", now, now, "ok", SWEPT, "", later, False),
        JobStatus("backup", "daily", now, now, "ok", BACKUP, "", later, False),
        JobStatus("reminders.dispatch", "every 1 min", now, now, "ok", DISPATCH, "", now, False),
        JobStatus("cloud.sync", "every 5 min", now, now, "ok", SYNC, "", now, False),
    ]


def fits(table: QTableWidget) -> bool:
    """Every column ends inside the table's visible width (none cut, none off-screen)."""
    header = table.horizontalHeader()
    return header.length() <= table.viewport().width()


def test_jobs_and_their_counts_are_named_for_staff(
    qtbot: QtBot, desk: Desk, clock: FixedClock
) -> None:
    dialog = SettingsDialog(desk)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.tabs.setCurrentWidget(dialog.jobs)
    page = dialog.jobs
    page._show(rows(clock))
    table = page.table
    at = {name: COLUMNS.index(name) for name in COLUMNS}
    cells = [[table.item(r, c).text() for c in range(len(COLUMNS))] for r in range(4)]
    sweep, backup, dispatch, sync = cells
    assert [row[at["job"]] for row in cells] == [
        "Retention sweep", "Backup", "Sending reminders", "Cloud sync"
    ]  # fmt: skip
    assert sweep[at["outcome"]] == "done by a person (Sweep now)"
    assert sweep[at["counts"]] == "Patients anonymised (appointments kept) 108, Waitlist entries 1"
    assert backup[at["outcome"]] == "done"
    assert backup[at["counts"]] == "size 4.7 MB", "no zeros, no flags"
    assert dispatch[at["outcome"]] == "needs attention: SMS", "not 'done': nothing was sent"
    told = table.item(2, at["outcome"]).toolTip()
    assert "SMS token" in told and "Settings" in told, "what to do, in the tooltip"
    assert dispatch[at["counts"]] == "", "a stop is said in words, its zeros not at all"
    assert sync[at["counts"]] == "changes sent 3"
    shot(dialog, "settings-jobs-named")
    # the columns: next due before the counts, the long text last, none off-screen
    assert at["next_due"] < at["counts"] == len(COLUMNS) - 1
    assert not table.verticalHeader().isVisible(), "no row numbers, as the other tables"
    assert fits(table), "a column is cut or off-screen at the dialog's first size"
    assert "&" in dialog.tabs.tabText(dialog.tabs.indexOf(dialog.retention))


def test_a_jobs_history_names_the_job_and_shows_every_column(
    qtbot: QtBot, desk: Desk, clock: FixedClock
) -> None:
    job = Job("reminders.dispatch", lambda db, clock: DISPATCH, Every(1))
    now = clock.now()
    db = open_clinic(desk.root)
    try:
        with db.write() as s:
            for minutes in (0, 1, 40):  # the last after a pause: the Pause column says so
                at = now + timedelta(minutes=minutes)
                due = at - timedelta(minutes=minutes // 2)
                counts = '{"active": 1, "sent": 2, "secret_missing_sms": 1}'
                s.add(JobRun(job=job.name, started_at=at, due_at=due, ended_at=at,
                             outcome="ok", error="", counts=counts))  # fmt: skip
    finally:
        db.close()
    clock.advance(hours=1)
    dialog = JobHistoryDialog(desk, job)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.loaded, timeout=10_000):
        dialog.refresh()
    dialog.show()
    assert dialog.windowTitle() == "History of Sending reminders"
    table = dialog.table
    assert table.item(0, table.columnCount() - 1).text() == "sent 2", "counts last"
    assert table.item(0, 2).text() == "needs attention: SMS"
    shot(dialog, "settings-jobs-history-named")
    assert fits(table), "a column is cut or off-screen at the dialog's first size"


def test_after_a_person_s_sweep_jobs_and_retention_agree(
    qtbot: QtBot, desk: Desk, clock: FixedClock
) -> None:
    """The nightly sweep waited for a person; a manager swept: Settings > Jobs says the
    sweep ran (by a person), as Settings > Retention says "Last sweep: …"."""
    manager = dataclasses.replace(desk, actor=Actor(user_id=None, role="manager", source="ui"))
    db = open_clinic(desk.root)
    try:
        Runner([SWEEP]).run_due(db, clock)  # 03:00: it waits for a person
        clock.advance(hours=1)
        person = manager.ctx()
        retention.review(db, person, desk.root)
        sweep_now(db, person, desk.root)
    finally:
        db.close()
    dialog = SettingsDialog(manager)
    qtbot.addWidget(dialog)
    dialog.show()
    page = dialog.jobs
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.refresh()
    outcome = page.table.item(0, COLUMNS.index("outcome")).text()
    assert page.table.item(0, 0).text() == "Retention sweep"
    assert outcome == "done by a person (Sweep now)", outcome
    dialog.tabs.setCurrentWidget(dialog.retention)
    qtbot.waitUntil(lambda: dialog.retention.look is not None, timeout=10_000)
    assert dialog.retention.last_sweep.text().startswith("Last sweep: 20")
    assert dialog.retention.warning.isHidden()


def test_a_run_stopped_as_the_app_closed_reads_so_not_failed(qtbot: QtBot) -> None:
    """A job ended early at a safe step as the app (or the service) closed (#14) is
    no failure: Settings > Jobs says it stopped, and what it did before stays listed."""
    from ui.settings.jobwords import counts_words, outcome_tip, outcome_words

    swept = {"patient": 2, "appointment": 40}
    assert outcome_words("stopped", swept) == "stopped early: Receptionist was closing"
    assert outcome_tip("stopped", swept) == outcome_words("stopped", swept)
    assert counts_words(swept) != ""


def test_a_backup_on_the_clinic_s_disk_and_a_waiting_audit_log_are_said_in_words(
    qtbot: QtBot, desk: Desk, clock: FixedClock
) -> None:
    """Since the counts were named for staff, Settings > Jobs hid the backup's
    ``same_disk`` and the sweep's ``audit_waiting_<why>`` (This PC and the CLI still
    said them): a manager saw "Backup: done" with the backups on the clinic's own disk,
    and nothing of an audit log that waits for a person. The page now says both under
    its table, in the words This PC (``backups.placement``) and the sweep
    (``auditwait``) use."""
    rows_now = rows(clock)
    sweep = dataclasses.replace(
        rows_now[0], counts={"communication_entry": 3, "audit_waiting": 12,
                             "audit_waiting_revoked": 1}
    )  # fmt: skip
    dialog = SettingsDialog(as_manager(desk))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.tabs.setCurrentWidget(dialog.jobs)
    page = dialog.jobs
    with qtbot.waitSignal(page.flagsShown, timeout=10_000):
        page._show([sweep, *rows_now[1:]])
    flags = page.flags
    assert flags.isVisibleTo(dialog), "nothing said of the backup's disk or the audit log"
    placed = backups.placement(desk.root)
    assert placed is not None, "the default backup folder is on the clinic's disk"
    said = flags.text()
    assert f"Backup: {translated(placed)}" in said
    assert "a failed or stolen disk takes both" in said
    assert f"Retention sweep: {translated(auditwait.REVOKED)}" in said
    assert "same_disk" not in said and "audit_waiting" not in said, "a key shown"
    assert flags.accessibleName() == "What needs a person"
    shot(dialog, "settings-jobs-flags")
    # neither holds: no flag (a backup folder elsewhere, a sweep with nothing waiting)
    with qtbot.waitSignal(page.flagsShown, timeout=10_000):
        page._show([rows_now[0]])
    assert "Retention sweep" not in flags.text()
    assert flags.text().startswith("Backup: "), "the backup folder is where it was"
    # as the page reads them itself: where the backups go, read with the runs
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        page.refresh()
    assert flags.text() == f"Backup: {translated(placed)}" and flags.isVisibleTo(dialog)


def as_manager(desk: Desk) -> Desk:
    return dataclasses.replace(desk, actor=Actor(user_id=None, role="manager", source="ui"))
