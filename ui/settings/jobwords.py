"""How Settings > Jobs words a run (its outcome, its counts, its times), for the page's
last runs (``jobspage``) and a job's history (``jobhistory``) alike."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, tzinfo

from PySide6.QtCore import QCoreApplication

from receptionist.jobs.core import AWAITING_PERSON
from receptionist.retention import clockcheck

from .retentionpage import kind_name


def _tr(text: str) -> str:
    return QCoreApplication.translate("JobsPage", text)


def outcome_words(outcome: str | None, counts: Mapping[str, int]) -> str:
    """How a run ended, as a person reads it: the Jobs page's last run and a job's
    history. A sweep that waited for a person, or for a clock that looks right, is not
    "done": it destroyed nothing. A failed run's error goes in the cell's tooltip."""
    if outcome == "ok" and counts.get(AWAITING_PERSON):
        return _tr("waiting for a person's first sweep (Settings → Retention)")
    if outcome == "ok" and clockcheck.reason(dict(counts)) is not None:
        return _tr("waiting: the clock looks wrong")
    return {
        None: _tr("never ran"),
        "ok": _tr("done"),
        "failed": _tr("failed"),
        "interrupted": _tr("interrupted"),
        "running": _tr("running"),
    }.get(outcome, outcome or "")


def counts_words(counts: Mapping[str, int]) -> str:
    """A run's counts named as the retention page names them (``kind_name``); those said
    in the outcome's words instead (a waiting sweep) are left out."""
    hidden = (AWAITING_PERSON, clockcheck.BEHIND_KEY, clockcheck.GAP_KEY)
    shown = {kind: n for kind, n in counts.items() if kind not in hidden}
    return ", ".join(f"{kind_name(kind)} {n:,}" for kind, n in sorted(shown.items()))


def when_words(when: datetime | None, tz: tzinfo) -> str:
    """``when`` on the clinic's clock (``tz``), to the minute ("" for none)."""
    return "" if when is None else when.astimezone(tz).strftime("%Y-%m-%d %H:%M")
