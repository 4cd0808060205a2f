"""Whether the clinic's periodic destruction happens: the last sweep, and whether the
nightly sweep waits for a person, for a change of the policy or for a clock that looks
wrong (Settings > Retention, the status bar's note,
``receptionist sweep status``).

KVKK's erasure regulation asks for a periodic destruction at least every six months.
The nightly sweep waits for a person's sweep after each change of the policy
(``retention.review``), so a clinic that never opens Settings > Retention would
destroy nothing, ever: this says so instead of letting the job's record read "done".
But only once something could be past its time (``retention.firstdue``: cheap bounds,
no dry run): a brand-new clinic, or one whose oldest data is younger than its shortest
retention period, loses nothing while the nightly sweep waits, and is not told so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from receptionist.clock import Clock
from receptionist.retention import clockcheck, firstdue, review
from receptionist.retention.policy import months_before
from receptionist.retention.policy import read as read_policy
from receptionist.store.storage import Database
from receptionist.texts import QT_TRANSLATE_NOOP, Text

# KVKK's erasure regulation: a periodic destruction at least this often (months).
KVKK_MONTHS = 6
# What each reader is told while the nightly sweep waits: on screen, whoever may sweep
# (the buttons are there) and whoever may not (a manager or an administrator sweeps);
# the command line names its own commands. No shell command on screen.
WAITING = Text(
    QT_TRANSLATE_NOOP(
        "core",
        "The nightly retention sweep is waiting for a person's first sweep under the "
        "policy as it is: run a dry run, then Sweep now, in Settings > Retention, on "
        "this PC or any other PC of the clinic.",
    )
)
WAITING_FOR_MANAGER = Text(
    QT_TRANSLATE_NOOP(
        "core",
        "The nightly retention sweep is waiting for a manager or an administrator to "
        "sweep once under the policy as it is (Settings > Retention, on any PC of the "
        "clinic). Until then nothing past its time is destroyed.",
    )
)
WAITING_CLI = Text(
    QT_TRANSLATE_NOOP(
        "core",
        "The nightly retention sweep is waiting for a person's first sweep under the "
        "policy as it is: run a dry run, then Sweep now, in Settings > Retention (or "
        "`receptionist sweep`), on this PC or any other PC of the clinic.",
    )
)
OVERDUE = QT_TRANSLATE_NOOP(
    "core",
    "No retention sweep has run in the last six months (the last: {day}). KVKK asks for "
    "a destruction at least every six months: sweep in Settings > Retention.",
)
OVERDUE_FOR_MANAGER = QT_TRANSLATE_NOOP(
    "core",
    "No retention sweep has run in the last six months (the last: {day}). KVKK asks for "
    "a destruction at least every six months: a manager or an administrator sweeps in "
    "Settings > Retention.",
)


@dataclass(frozen=True)
class SweepStatus:
    """Whether the clinic's periodic destruction happens: what Settings > Retention,
    the status bar and ``receptionist sweep status`` show."""

    now: datetime
    last_sweep: datetime | None  # the newest sweep's end (a person's or the scheduler's)
    waiting_for_person: bool  # the nightly sweep waits for a person's sweep (``reviewed``)
    dry_run_current: bool  # a person's dry run under the policy as it is (``looked``)
    # Why the nightly sweep, else free to run, would destroy nothing tonight: the clock
    # looks wrong (``retention.clockcheck``); it waits for a person's sweep too.
    clock_doubt: clockcheck.Doubt | None = None
    # Whether anything could be past its time (``retention.firstdue``); read only while
    # the nightly sweep waits for a person (True otherwise: not asked).
    could_be_due: bool = True

    @property
    def waiting_matters(self) -> bool:
        """The nightly sweep waits for a person, and something could be past its time."""
        return self.waiting_for_person and self.could_be_due

    @property
    def overdue(self) -> bool:
        """No sweep in the last :data:`KVKK_MONTHS` months."""
        return self.last_sweep is None or self.last_sweep < months_before(self.now, KVKK_MONTHS)

    def warnings(self, *, may_sweep: bool = True, cli: bool = False) -> list[Text]:
        """What a person must be told (nothing when the sweep happens as it should):
        ``may_sweep``, whether the reader may sweep (else: a manager or an administrator
        does); ``cli``, on the command line (its commands named, never on screen)."""
        waiting = WAITING_CLI if cli else WAITING if may_sweep else WAITING_FOR_MANAGER
        found = [waiting] if self.waiting_matters else []  # also: never swept at all
        if not self.waiting_for_person and self.clock_doubt is not None:
            found.append(self.clock_doubt.text)
        if self.last_sweep is not None and self.overdue:
            overdue = OVERDUE if may_sweep or cli else OVERDUE_FOR_MANAGER
            found.append(Text(overdue, day=f"{self.last_sweep:%Y-%m-%d}"))
        return found


def sweep_status(db: Database, clock: Clock) -> SweepStatus:
    """The last sweep, and whether the nightly one waits for a person (no patient data:
    anyone may read it)."""
    with db.read() as s:
        now = clock.now()
        last, waiting, looked = review.last_sweep(s), not review.reviewed(s), review.looked(s)
        doubt = clockcheck.doubt(s, now)
        due = not waiting or firstdue.could_be_due(s, read_policy(s, now), db.path.parent)
    return SweepStatus(now, last, waiting, looked, doubt, due)
