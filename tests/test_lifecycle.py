from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

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


def test_late_is_one_definition() -> None:
    start = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
    after = start + timedelta(minutes=1)
    assert lifecycle.is_late("booked", start, after, UTC)
    assert lifecycle.is_late("confirmed", start, after, UTC)
    assert not lifecycle.is_late("booked", start, start, UTC)  # due, not late yet
    for status in ("arrived", "in_room", "completed", "no_show", "cancelled"):
        assert not lifecycle.is_late(status, start, after, UTC), status


def test_late_ends_with_the_clinics_day_and_then_asks_to_be_marked() -> None:
    ist = ZoneInfo("Europe/Istanbul")
    start = datetime(2026, 3, 2, 19, 0, tzinfo=UTC)  # 22:00 in Istanbul
    before_midnight = start + timedelta(minutes=119)  # 23:59 there; UTC is on the 2nd
    after_midnight = start + timedelta(minutes=121)  # 00:01 on the 3rd there
    assert lifecycle.is_late("booked", start, before_midnight, ist)
    assert not lifecycle.is_unrecorded("booked", start, before_midnight, ist)
    assert not lifecycle.is_late("booked", start, after_midnight, ist)
    assert lifecycle.is_unrecorded("booked", start, after_midnight, ist)
    assert lifecycle.is_unrecorded("confirmed", start, after_midnight + timedelta(days=30), ist)
    for status in ("arrived", "in_room", "completed", "no_show", "cancelled"):
        assert not lifecycle.is_unrecorded(status, start, after_midnight, ist), status


def test_only_a_no_show_is_taken_back_and_only_to_booked() -> None:
    pairs = [(a, b) for a in lifecycle.STATUSES for b in lifecycle.STATUSES]
    assert [p for p in pairs if lifecycle.takes_back(*p)] == [("no_show", "booked")]


def test_a_no_show_is_taken_back_on_its_own_day_only() -> None:
    ist = ZoneInfo("Europe/Istanbul")
    start = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)  # 23:00 in Istanbul
    lifecycle.check_take_back(start, start + timedelta(minutes=59), ist)
    with pytest.raises(IllegalTransition, match="only on its own day"):
        lifecycle.check_take_back(start, start + timedelta(hours=1), ist)  # 00:00, next day


def test_undo_follows_only_allowed_steps() -> None:
    assert lifecycle.undoes("booked", "arrived")
    assert lifecycle.undoes("arrived", "arrived")  # a move leaves the status
    assert not lifecycle.undoes("completed", "booked")
