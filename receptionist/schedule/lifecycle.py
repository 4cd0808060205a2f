"""The life of an appointment: which status may follow which.

The main road is booked -> confirmed -> arrived -> in_room -> completed; a step may
be skipped forward (a walk-in goes from booked straight to arrived, a clinic without
rooms from arrived to completed). ``cancelled`` and ``no_show`` are side exits, and
like ``completed`` they are final: nothing follows them. A patient who has arrived
can still be cancelled (they left), but not marked as a no-show.

Two ways back, both narrow: a no-show marked by mistake is *taken back* (it is
booked again) on its own day, when its slot has not been booked again meanwhile
(:func:`takes_back`, :func:`check_take_back`; the slot check is the booking's); and
a change just made is *undone* (:mod:`receptionist.schedule.undo`) when it was a
step this table allows (:func:`undoes`).

"Late" is read here too, once for every front end: an appointment is late while
it is booked or confirmed, its start has passed and its day (the clinic's day, in
the clinic's zone) is not over (:func:`is_late`). Once that day is over, such an
appointment is *unrecorded* (:func:`is_unrecorded`): nobody marked what became of
it, and it asks for that, not for a call.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Final, Literal

from receptionist.errors import IllegalTransition
from receptionist.texts import QT_TRANSLATE_NOOP, Text

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

_LABELS: Final[dict[str, Text]] = {
    "booked": Text(QT_TRANSLATE_NOOP("core", "booked")),
    "confirmed": Text(QT_TRANSLATE_NOOP("core", "confirmed")),
    "arrived": Text(QT_TRANSLATE_NOOP("core", "arrived")),
    "in_room": Text(QT_TRANSLATE_NOOP("core", "in the room")),
    "completed": Text(QT_TRANSLATE_NOOP("core", "completed")),
    "cancelled": Text(QT_TRANSLATE_NOOP("core", "cancelled")),
    "no_show": Text(QT_TRANSLATE_NOOP("core", "a no-show")),
}


def label(status: str) -> str:
    """How a status reads in a sentence ("in the room", "a no-show"); a ``Text`` for a
    known status."""
    return _LABELS.get(status, status)


def _listing(items: list[str]) -> str:
    """``items`` joined with ", ", as a ``Text`` (so the app can use its own separator)."""
    if len(items) <= 1:
        return items[0] if items else ""
    return Text(
        QT_TRANSLATE_NOOP("core", "{first}, {rest}"), first=items[0], rest=_listing(items[1:])
    )


def is_status(value: str) -> bool:
    return value in MOVES


def allowed(current: str) -> frozenset[str]:
    """The statuses an appointment in ``current`` may move to."""
    return MOVES.get(current, frozenset())


def can_move(current: str, new: str) -> bool:
    return new in allowed(current)


# Statuses that say the patient came: from the appointment's day on (an early
# arrival on the day is fine).
ON_THE_DAY: Final[frozenset[str]] = frozenset({"arrived", "in_room", "completed"})


def not_yet(status: str, start_utc: datetime, now: datetime, tz: tzinfo) -> bool:
    """Whether the appointment's time does not allow ``status`` yet: a no-show only
    once it has started, an arrival and what follows only from its day (in ``tz``).

    A no-show days ahead (a mistyped id, a wrong row clicked) would free the slot at
    once, for good; a patient cannot arrive on another day than their own."""
    if status == "no_show":
        return now < start_utc
    if status in ON_THE_DAY:
        return now.astimezone(tz).date() < start_utc.astimezone(tz).date()
    return False


# Statuses of a patient not here yet: late once the start has passed.
NOT_HERE_YET: Final[frozenset[str]] = frozenset({"booked", "confirmed"})
# The way back from a side exit: a no-show taken back is booked again.
TAKE_BACK: Final[dict[str, frozenset[str]]] = {"no_show": frozenset({"booked"})}


def is_late(status: str, start_utc: datetime, now: datetime, tz: tzinfo) -> bool:
    """Due and not here yet, on its own day in ``tz`` (a candidate for a call, or for
    "no-show"): the one definition the today board and the schedule's cards both show."""
    return status in NOT_HERE_YET and now > start_utc and on_its_day(start_utc, now, tz)


def is_unrecorded(status: str, start_utc: datetime, now: datetime, tz: tzinfo) -> bool:
    """Not here yet, and its day (in ``tz``) is over: it was never marked arrived,
    completed or a no-show, and needs marking - no longer late, never late for ever."""
    return status in NOT_HERE_YET and now.astimezone(tz).date() > start_utc.astimezone(tz).date()


def takes_back(current: str, new: str) -> bool:
    """Whether ``current -> new`` is a take-back (a no-show booked again)."""
    return new in TAKE_BACK.get(current, frozenset())


def on_its_day(start_utc: datetime, now: datetime, tz: tzinfo) -> bool:
    """Whether ``now`` is on the day (in ``tz``) of what starts at ``start_utc``: the
    only day a no-show may be taken back (the card menu offers it only then)."""
    return now.astimezone(tz).date() == start_utc.astimezone(tz).date()


def check_take_back(start_utc: datetime, now: datetime, tz: tzinfo) -> None:
    """Raise IllegalTransition unless a no-show starting at ``start_utc`` is taken back
    on its own day (in ``tz``): later, the day is over and its slot long given away."""
    if on_its_day(start_utc, now, tz):
        return
    day = start_utc.astimezone(tz).date()
    raise IllegalTransition(
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "A no-show can be taken back only on its own day ({day}); "
                "book a new appointment instead.",
            ),
            day=f"{day:%Y-%m-%d}",
        )
    )


def undoes(before: str, after: str) -> bool:
    """Whether a change from ``before`` to ``after`` may be undone: it was a step this
    table allows (or left the status as it was, as a move does)."""
    return before == after or can_move(before, after)


def check_move(current: str, new: str) -> None:
    """Raise IllegalTransition, naming both statuses, unless ``current -> new`` is allowed."""
    if not is_status(new):
        raise IllegalTransition(
            Text(
                QT_TRANSLATE_NOOP(
                    "core", "'{status}' is not an appointment status; use one of: {statuses}."
                ),
                status=new,
                statuses=", ".join(STATUSES),
            )
        )
    if can_move(current, new):
        return
    if current in FINAL:
        raise IllegalTransition(
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "An appointment that is {current} cannot become {new}; "
                    "book a new appointment instead.",
                ),
                current=label(current),
                new=label(new),
            )
        )
    raise IllegalTransition(
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "An appointment that is {current} cannot become {new}; it can become: {allowed}.",
            ),
            current=label(current),
            new=label(new),
            allowed=_listing([label(s) for s in STATUSES if s in allowed(current)]),
        )
    )


def is_active(status: str) -> bool:
    """Whether an appointment in ``status`` still holds its time slot."""
    return status not in INACTIVE
