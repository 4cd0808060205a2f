"""The note shown while the app closes says, per job, what it waits for (#14): the
retention sweep "the batch under way", the backup its copy stopped, a cloud sync the
batch or page under way, a Google sync the request under way, the reminders' round the
message being sent. Before, every job but the reminders' round read "Finishing a
background job (retention.sweep)…", its key, and nothing of how long."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from ui.finishing import FinishingNote


@pytest.mark.parametrize(
    ("job", "heading", "waits"),
    [
        ("retention.sweep", "Finishing the retention sweep…",
         "Receptionist closes once the batch under way is written"),
        ("backup", "Stopping the backup…",
         "Receptionist closes once the copy under way is stopped and its unfinished file "
         "removed"),
        ("cloud.sync", "Finishing a cloud sync…",
         "Receptionist closes once the batch or page of changes under way is sent or saved"),
        ("google.sync", "Finishing a Google Calendar sync…",
         "Receptionist closes once the request to Google under way has its answer"),
        ("reminders.dispatch", "Finishing a reminder round…",
         "Receptionist closes once the message being sent has its answer (up to about half "
         "a minute); the other messages go at the next round."),
    ],
)  # fmt: skip
def test_the_closing_note_says_what_each_job_waits_for(
    qtbot: QtBot, tmp_path: Path, job: str, heading: str, waits: str
) -> None:
    note = FinishingNote(job, delay_ms=0)
    qtbot.addWidget(note)
    qtbot.waitUntil(note.isVisible, timeout=5_000)
    first, second = note.label.text().split("\n")
    assert first == heading
    assert second.startswith(waits) and second.endswith("."), second
    assert "." not in job or job not in note.label.text(), "a name, not the job's key"
    note.grab().save(str(tmp_path / f"finishing-{job}.png"))
    note.finish()


def test_a_job_the_note_does_not_know_is_named_as_it_is(qtbot: QtBot) -> None:
    note = FinishingNote("slow", delay_ms=0)
    qtbot.addWidget(note)
    assert note.label.text() == (
        "Finishing a background job (slow)…\nReceptionist closes once slow finishes."
    )
    between = FinishingNote("", delay_ms=0)  # between two jobs: the next does not start
    qtbot.addWidget(between)
    assert between.label.text() == "Finishing a background job (jobs)…"
    note.finish()
    between.finish()
