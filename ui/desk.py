"""The desk: which clinic is open, who is signed in, the worker and the clock.

Handed to every widget that shows clinic data, instead of a global "main window".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from receptionist.clock import Clock, SystemClock
from receptionist.context import Actor, Ctx
from receptionist.schedule.agenda import ClinicInfo

from .events import ClinicEvents
from .scheduler import JobScheduler
from .syncstate import SyncState
from .tasks import TaskManager
from .undobridge import UndoBridge


@dataclass
class Desk:
    root: Path
    tasks: TaskManager
    clinic: ClinicInfo
    actor: Actor
    clock: Clock = field(default_factory=SystemClock)
    username: str = ""
    demo: bool = False
    sync: SyncState = field(default_factory=SyncState)
    # The background jobs (ui/scheduler.py), once started: Settings > Jobs runs them.
    jobs: JobScheduler | None = None
    # Put the backup at this path in place of the clinic: the app closes the clinic to do
    # it, and opens it again (``Startup.replace_clinic``); None where no startup runs.
    replace_clinic: Callable[[Path], None] | None = None
    # The core's events as Qt signals (started by the main window).
    events: ClinicEvents = field(init=False)
    # Undoable changes saved at this desk, on their way to the window's Undo (ui/undo.py).
    undo: UndoBridge = field(init=False)

    def __post_init__(self) -> None:
        self.events = ClinicEvents(self.tasks, self.ctx, parent=self.tasks)
        self.undo = UndoBridge(self.tasks)

    def ctx(self) -> Ctx:
        return Ctx(self.actor, self.clock)

    def today(self) -> date:
        """Today's date where the clinic is (not where this PC thinks it is)."""
        return self.clock.now().astimezone(self.clinic.tz).date()
