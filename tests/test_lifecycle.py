from __future__ import annotations

import itertools

import pytest

from receptionist.errors import IllegalTransition
from receptionist.schedule import lifecycle

MAIN_ROAD = ["booked", "confirmed", "arrived", "in_room", "completed"]


def test_main_road_is_allowed() -> None:
    for current, new in itertools.pairwise(MAIN_ROAD):
        lifecycle.check_move(current, new)


@pytest.mark.parametrize("status", ["completed", "cancelled", "no_show"])
def test_final_statuses_have_no_way_out(status: str) -> None:
    assert lifecycle.allowed(status) == frozenset()
    with pytest.raises(IllegalTransition, match="book a new appointment"):
        lifecycle.check_move(status, "booked")


@pytest.mark.parametrize(
    ("current", "new"), list(itertools.product(lifecycle.STATUSES, lifecycle.STATUSES))
)
def test_every_pair_follows_the_table(current: str, new: str) -> None:
    if new in lifecycle.MOVES[current]:
        lifecycle.check_move(current, new)
        return
    with pytest.raises(IllegalTransition) as err:
        lifecycle.check_move(current, new)
    message = str(err.value)
    assert lifecycle.label(current) in message and lifecycle.label(new) in message


def test_side_exits() -> None:
    assert lifecycle.can_move("booked", "no_show")
    assert lifecycle.can_move("confirmed", "cancelled")
    assert lifecycle.can_move("arrived", "cancelled")
    assert not lifecycle.can_move("arrived", "no_show")
    assert not lifecycle.can_move("in_room", "cancelled")
    assert not lifecycle.can_move("confirmed", "booked")


def test_message_lists_the_allowed_moves() -> None:
    with pytest.raises(IllegalTransition) as err:
        lifecycle.check_move("in_room", "booked")
    assert str(err.value) == (
        "An appointment that is in the room cannot become booked; it can become: completed."
    )


def test_unknown_status() -> None:
    with pytest.raises(IllegalTransition, match="not an appointment status"):
        lifecycle.check_move("booked", "teleported")


def test_active() -> None:
    assert [s for s in lifecycle.STATUSES if not lifecycle.is_active(s)] == [
        "cancelled",
        "no_show",
    ]
