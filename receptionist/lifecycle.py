"""The life of an appointment: which status may follow which.

The main road is booked -> confirmed -> arrived -> in_room -> completed; a step may
be skipped forward (a walk-in goes from booked straight to arrived, a clinic without
rooms from arrived to completed). ``cancelled`` and ``no_show`` are side exits, and
like ``completed`` they are final: nothing follows them. A patient who has arrived
can still be cancelled (they left), but not marked as a no-show.
"""

from __future__ import annotations

from typing import Final, Literal

from .errors import IllegalTransition

Status = Literal["booked", "confirmed", "arrived", "in_room", "completed", "cancelled", "no_show"]

STATUSES: Final[tuple[Status, ...]] = (
    "booked",
    "confirmed",
    "arrived",
    "in_room",
    "completed",
    "cancelled",
    "no_show",
)
# Statuses that no longer hold the time: they never cause a conflict.
INACTIVE: Final[frozenset[str]] = frozenset({"cancelled", "no_show"})
FINAL: Final[frozenset[str]] = frozenset({"completed", "cancelled", "no_show"})

MOVES: Final[dict[str, frozenset[str]]] = {
    "booked": frozenset({"confirmed", "arrived", "in_room", "cancelled", "no_show"}),
    "confirmed": frozenset({"arrived", "in_room", "cancelled", "no_show"}),
    "arrived": frozenset({"in_room", "completed", "cancelled"}),
    "in_room": frozenset({"completed"}),
    "completed": frozenset(),
    "cancelled": frozenset(),
    "no_show": frozenset(),
}

_LABELS: Final[dict[str, str]] = {
    "booked": "booked",
    "confirmed": "confirmed",
    "arrived": "arrived",
    "in_room": "in the room",
    "completed": "completed",
    "cancelled": "cancelled",
    "no_show": "a no-show",
}


def label(status: str) -> str:
    """How a status reads in a sentence ("in the room", "a no-show")."""
    return _LABELS.get(status, status)


def is_status(value: str) -> bool:
    return value in MOVES


def allowed(current: str) -> frozenset[str]:
    """The statuses an appointment in ``current`` may move to."""
    return MOVES.get(current, frozenset())


def can_move(current: str, new: str) -> bool:
    return new in allowed(current)


def check_move(current: str, new: str) -> None:
    """Raise IllegalTransition, naming both statuses, unless ``current -> new`` is allowed."""
    if not is_status(new):
        raise IllegalTransition(
            f"'{new}' is not an appointment status; use one of: {', '.join(STATUSES)}."
        )
    if can_move(current, new):
        return
    if current in FINAL:
        raise IllegalTransition(
            f"An appointment that is {label(current)} cannot become {label(new)}; "
            "book a new appointment instead."
        )
    raise IllegalTransition(
        f"An appointment that is {label(current)} cannot become {label(new)}; "
        f"it can become: {', '.join(label(s) for s in STATUSES if s in allowed(current))}."
    )


def is_active(status: str) -> bool:
    """Whether an appointment in ``status`` still holds its time slot."""
    return status not in INACTIVE
