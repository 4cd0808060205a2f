"""Moves asked for on the schedule (a drag, a resize, a drop from the pinboard), saved
through ``ops.appointments.move`` on the database worker - the core's conflict rules,
nothing of our own; the ghost's dry run is ``ops.appointments.check_move``, the same
checks writing nothing.

A refused move snaps back and says why, one sentence per clash. A role that may
override ("booking.override") is asked instead, in an injected dialog, whether to
move it anyway and why; the move is then saved with that ``override_reason``.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from receptionist.context import Ctx
from receptionist.errors import ConflictError, ReceptionistError
from receptionist.ops import appointments
from receptionist.ops import undo as undo_ops
from receptionist.ops.appointments import MoveRequest
from receptionist.ops.undo import Done
from receptionist.store.storage import Database

from .. import messages, undo
from ..coretext import exception_text, translated
from ..desk import Desk
from ..tasks import DbOp
from .drag import Move
from .override import OverrideDialog
from .view import ScheduleView

OverrideFactory = Callable[[list[str], QWidget], OverrideDialog]


def request_of(move: Move, reason: str | None = None) -> MoveRequest:
    """The move as the core takes it: new times, and the column's provider or room."""
    if move.kind == "provider":
        return MoveRequest(move.start, move.end, provider_id=move.column_id, override_reason=reason)
    room = move.column_id or None  # the "No room" column takes the room away
    return MoveRequest(move.start, move.end, room_id=room, override_reason=reason)


def save_move(db: Database, ctx: Ctx, move: Move, reason: str | None) -> Done:
    """Runs on the worker: the appointment into the move's column, at its times
    (undoable: ``ops.undo.move``)."""
    return undo_ops.move(db, ctx, move.appointment_id, request_of(move, reason))


def dry_run(db: Database, ctx: Ctx, move: Move) -> list[str]:
    """Runs on the worker: why ``move`` would be refused (nothing is written)."""
    return appointments.check_move(db, ctx, move.appointment_id, request_of(move))


def reasons_of(exc: ConflictError) -> list[str]:
    reasons = [translated(getattr(c, "reason", c)) for c in exc.conflicts]
    return reasons or [exception_text(exc)]


class MoveOps(QObject):
    """Saves the view's ``moveRequested``; ``moved(id)`` once a move is saved."""

    moved = Signal(str)

    def __init__(
        self,
        desk: Desk,
        view: ScheduleView,
        window: QWidget,
        override_factory: OverrideFactory = OverrideDialog,
    ) -> None:
        super().__init__(window)
        self.desk = desk
        self.view = view
        self.window = window
        self.override_factory = override_factory
        self.dialog: OverrideDialog | None = None
        self._checking = False
        self._wanted: Move | None = None
        view.moveRequested.connect(self.move)
        view.checkRequested.connect(self.check)

    def move(self, move: Move, reason: str | None = None) -> None:
        ctx = self.desk.ctx()
        undo.starting(self.desk)
        op = DbOp(self.desk.tasks, lambda db: save_move(db, ctx, move, reason), self)
        op.success(lambda done: self._saved(move, reason, done)).failure(
            lambda exc: self._refused(move, exc)
        ).run()

    def check(self, move: Move) -> None:
        """A dry run of ``move`` for the ghost; one at a time, the latest wins."""
        self._wanted = move
        if self._checking:
            return
        self._checking, self._wanted = True, None
        ctx = self.desk.ctx()
        op = DbOp(self.desk.tasks, lambda db: dry_run(db, ctx, move), self)
        op.success(lambda found: self._checked(move, found)).failure(
            lambda exc: self._checked(move, [], exc)
        ).run()

    def _checked(self, move: Move, found: list[str], exc: BaseException | None = None) -> None:
        self._checking = False
        if exc is not None and not isinstance(exc, ReceptionistError):
            messages.user_text(exc)  # a bug: logged; the real move will tell the user
        self.view.set_verdict(move, translated(found[0]) if found else "")
        wanted, self._wanted = self._wanted, None
        if wanted is not None and self.view.showing(wanted):
            self.check(wanted)

    def _saved(self, move: Move, reason: str | None, done: Done) -> None:
        if reason:
            said = self.tr("Moved over the clash; the reason is kept with it.")
        else:
            said = self.tr("Moved.")
        messages.info(said)
        undo.offer(self.desk, done, said)
        # The schedule redraws from the change itself; the ghost stays until it lands.
        self.moved.emit(move.appointment_id)

    def _refused(self, move: Move, exc: BaseException) -> None:
        if not isinstance(exc, ConflictError) or not self.desk.actor.may("booking.override"):
            self.view.dragger.settle()
            if isinstance(exc, ConflictError):
                messages.error(self.refusal(exc))
            else:
                messages.report_exception(exc)
            return
        self.dialog = self.override_factory(reasons_of(exc), self.window)
        self.dialog.confirmed.connect(lambda reason: self.move(move, reason))
        self.dialog.rejected.connect(self.view.dragger.settle)
        self.dialog.open()

    def refusal(self, exc: ConflictError) -> str:
        """The clashes, one sentence each, and what to do."""
        why = " ".join(reasons_of(exc))
        return self.tr("Not moved: {0} Pick another time, or ask a manager to override.").format(
            why
        )
