"""How Settings > Jobs words a run (its job's name, its outcome, its counts, its
times), for the page's last runs (``jobspage``) and a job's history (``jobhistory``)
alike. Staff read names, not keys: each job and count has a translated name; zeros and
the counts that only say how things stood (``connected``, ``active``, a backup's
``same_disk``...) are left out; what needs a person is said in the outcome ("needs
attention: ..."), or, for a backup on the clinic's own disk and an audit log that
waits, in sentences under the page's table (``flag_texts``), not counted.
``receptionist jobs list``/``history`` keep the keys (for the IT person)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from PySide6.QtCore import QCoreApplication

from receptionist.jobs.core import AWAITING_PERSON, BY_PERSON
from receptionist.ops import auditwait
from receptionist.reminders import halt
from receptionist.reminders.settings import CHANNELS
from receptionist.retention import clockcheck
from receptionist.texts import Text

from ..coretext import translated
from ..patients.commlog import channel_names
from ..patients.table import short_datetime
from .retentionpage import kind_name


def _tr(text: str) -> str:
    return QCoreApplication.translate("JobsPage", text)


def job_name(name: str) -> str:
    """A job as staff read it ("Retention sweep", not ``retention.sweep``); a job
    this page does not know keeps its own name."""
    return {
        "retention.sweep": _tr("Retention sweep"),
        "backup": _tr("Backup"),
        "reminders.dispatch": _tr("Sending reminders"),
        "cloud.sync": _tr("Cloud sync"),
        "google.sync": _tr("Google Calendar sync"),
    }.get(name, name)


# Counts that say how things stood, or are said in the outcome's words: never listed.
FLAGS = frozenset(
    {AWAITING_PERSON, BY_PERSON, clockcheck.BEHIND_KEY, clockcheck.GAP_KEY, "connected",
     "active", "station", "ok", "log_problem", "same_disk", "needs_attention",
     "needs_reconnect", "requests", "retries"}
)  # fmt: skip


def _count_names() -> dict[str, str]:
    return {
        # the backup
        "rotated": _tr("old backups removed"),
        # the retention sweep, beyond the kinds it destroys (``kind_name``)
        "audit_waiting": _tr("audit events kept past their time"),  # why: the flag, the sweep
        "backup_unreachable": _tr("backup folders out of reach"),
        # the reminders' dispatch
        "planned": _tr("messages planned"),
        "withdrawn": _tr("withdrawn"),
        "sent": _tr("sent"),
        "failed": _tr("failed"),
        "skipped": _tr("skipped"),
        "held": _tr("held back"),
        "retrying": _tr("to try again"),
        # cloud sync
        "pushed": _tr("changes sent"),
        "pulled": _tr("changes received"),
        "merged": _tr("merged"),
        "conflicts": _tr("conflicts"),
        "uploaded": _tr("files uploaded"),
        # Google Calendar sync
        "created": _tr("events created"),
        "updated": _tr("events updated"),
        "deleted": _tr("events deleted"),
        "blocked": _tr("blocked times"),
        "errors": _tr("errors"),
    }


def _stops(counts: Mapping[str, int]) -> list[tuple[str, str]]:
    """The channels a dispatch run found stopped, and why (its ``<why>_<channel>``
    counts, ``sync.jobs.send_reminders``): ``halt``'s reasons."""
    found = []
    for key, n in sorted(counts.items()):
        why, _, channel = key.rpartition("_")
        if n and why and channel in CHANNELS:
            found.append((channel, why if why == halt.HALTED else halt.SETUP_PREFIX + why))
    return found


def attention_texts(counts: Mapping[str, int]) -> list[str]:
    """What a run found that a person must act on, in words (none: nothing): a stopped
    channel's sentence as the status bar says it (``halt.attention``)."""
    said = [translated(halt.attention(channel, why)) for channel, why in _stops(counts)]
    if counts.get("needs_attention") and not said:  # a record from before the reasons
        said.append(translated(Text(halt.NEEDS_ATTENTION, channel=_tr("a channel"))))
    if counts.get("needs_reconnect"):
        said.append(_tr("Google refused this PC's access: reconnect it (Settings → Google)."))
    return said


def outcome_words(outcome: str | None, counts: Mapping[str, int]) -> str:
    """How a run ended, as a person reads it: the Jobs page's last run and a job's
    history. A sweep that waited for a person, or for a clock that looks right, is not
    "done": it destroyed nothing; nor a run that found a channel stopped ("needs
    attention: SMS", what to do in the cell's tooltip: ``outcome_tip``).
    A person's sweep says so. A failed run's error goes in the cell's tooltip."""
    if outcome == "ok" and counts.get(AWAITING_PERSON):
        return _tr("waiting for a person's first sweep (Settings → Retention)")
    if outcome == "ok" and clockcheck.reason(dict(counts)) is not None:
        return _tr("waiting: the clock looks wrong")
    if outcome == "ok" and attention_texts(counts):
        return _tr("needs attention: %1").replace("%1", ", ".join(_attention_names(counts)))
    if outcome == "ok" and counts.get(BY_PERSON):
        return _tr("done by a person (Sweep now)")
    return {
        None: _tr("never ran"),
        "ok": _tr("done"),
        "failed": _tr("failed"),
        # Ended early at a safe step as the app (or the service) closed: owed again.
        "stopped": _tr("stopped early: Receptionist was closing"),
        "interrupted": _tr("interrupted"),
        "running": _tr("running"),
    }.get(outcome, outcome or "")


def _attention_names(counts: Mapping[str, int]) -> list[str]:
    """What needs attention, by name: the stopped channels, Google."""
    names = channel_names()
    found = list(dict.fromkeys(names.get(channel, channel) for channel, _ in _stops(counts)))
    if counts.get("needs_attention") and not found:
        found.append(_tr("a channel"))
    if counts.get("needs_reconnect"):
        found.append(_tr("Google"))
    return found


def flag_texts(counts: Mapping[str, int]) -> list[str]:
    """What a run's flags say that a person must know, beyond its outcome: a sweep's
    audit log waiting for a person (``audit_waiting_<why>``), in the sweep's own words
    (``auditwait.said``). The backup's ``same_disk`` is said by the page from where the
    backups go now (``backups.placement``, as This PC says it)."""
    said = []
    for key, n in sorted(counts.items()):
        why = key.removeprefix("audit_waiting_") if key.startswith("audit_waiting_") else ""
        words = auditwait.said(why) if n and why else None
        if words is not None:
            said.append(translated(words))
    return said


def outcome_tip(outcome: str | None, counts: Mapping[str, int]) -> str:
    """The outcome cell's tooltip: what to do about what needs attention (the sentences
    of :func:`attention_texts`, a line each), else the outcome's words."""
    said = attention_texts(counts) if outcome == "ok" else []
    return "\n".join(said) if said else outcome_words(outcome, counts)


def counts_words(counts: Mapping[str, int]) -> str:
    """What a run did, named for staff ("sent 3, failed 1"): the retention sweep's kinds
    as the retention page names them (``kind_name``), the others' by their names here;
    zeros, and the counts that say how things stood or are said in the outcome's words
    (:data:`FLAGS`, a channel's stop), left out. A backup's size in MB."""
    names = _count_names()
    stops = {f"{why.removeprefix(halt.SETUP_PREFIX)}_{c}" for c, why in _stops(counts)}
    said = []
    for kind, n in sorted(counts.items()):
        if not n or kind in FLAGS or kind in stops or kind.startswith("audit_waiting_"):
            continue
        if kind == "bytes":
            said.append(_tr("size %1 MB").replace("%1", f"{n / 1_000_000:,.1f}"))
        else:
            said.append(f"{names.get(kind) or kind_name(kind)} {n:,}")
    return ", ".join(said)


def when_words(when: datetime | None, tz: ZoneInfo) -> str:
    """``when`` on the clinic's clock (``tz``), to the minute ("" for none), in the
    desk's one date-time form (``short_datetime``: "2 Mar 2026 10:03")."""
    return "" if when is None else short_datetime(when, tz)
