"""What each job waits for when its process stops (issue #14): one clause per job, for
the app's closing note (``ui/finishing.py``: "Receptionist closes once ...") and for
``receptionist service``'s line on Ctrl+C (``sync/service.py``: "Stopping once ...").

Asked to stop (``runner.stop_asked``), each job ends at its next safe step: the
reminders' round after the message under way, the sweep after the batch under way,
the backup at once (its copy interrupted and removed), a cloud sync before its next
batch or page, a Google sync before its next request. The jobs are named, not
imported: the network's are ``sync/jobs.py``'s, which the core never imports.
"""

from __future__ import annotations

from receptionist.texts import QT_TRANSLATE_NOOP, Text

ONCE = {
    "reminders.dispatch": QT_TRANSLATE_NOOP(
        "core",
        "the message being sent has its answer (up to about half a minute); the other "
        "messages go at the next round",
    ),
    "retention.sweep": QT_TRANSLATE_NOOP(
        "core",
        "the batch under way is written (a moment); the sweep goes on from there at the next start",
    ),
    "backup": QT_TRANSLATE_NOOP(
        "core",
        "the copy under way is stopped and its unfinished file removed; the backup is made "
        "at the next start",
    ),
    "cloud.sync": QT_TRANSLATE_NOOP(
        "core",
        "the batch or page of changes under way is sent or saved; the sync goes on from "
        "there at the next start",
    ),
    "google.sync": QT_TRANSLATE_NOOP(
        "core",
        "the request to Google under way has its answer; the sync goes on from there at "
        "the next start",
    ),
}
FINISHES = QT_TRANSLATE_NOOP("core", "{job} finishes")  # a job not named above


def once(job: str) -> Text:
    """What stopping waits for while ``job`` runs: "the batch under way is written ..."."""
    said = ONCE.get(job)
    return Text(said) if said is not None else Text(FINISHES, job=job)
