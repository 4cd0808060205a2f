from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from receptionist import zones
from receptionist.errors import ValidationError
from receptionist.schedule import hours

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
NINE_TO_FIVE = {day: [["09:00", "17:00"]] for day in hours.DAYS}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def week(raw: dict[str, list[list[str]]]) -> hours.Week:
    parsed = hours.parse_week(raw)
    assert parsed is not None
    return parsed


def test_validate_normalises_and_sorts() -> None:
    raw = {"mon": [["13:30", "18:00"], ["08:30", "12:30"]], "sat": [["10:00", "24:00"]]}
    result = hours.validate_hours(raw)
    assert list(result) == list(hours.DAYS)
    assert result["mon"] == [["08:30", "12:30"], ["13:30", "18:00"]]
    assert result["sat"] == [["10:00", "24:00"]]
    assert result["sun"] == []
    assert hours.validate_hours({}) == {}
    assert hours.parse_week({}) is None


@pytest.mark.parametrize(
    "raw",
    [
        {"monday": []},
        {"mon": [["9:00", "12:00"]]},
        {"mon": [["12:00", "09:00"]]},
        {"mon": [["09:00", "12:00"], ["11:00", "13:00"]]},
        {"mon": [["09:00"]]},
        {"mon": "09:00-12:00"},
        {"mon": [["24:00", "24:00"]]},
        {"mon": [["09:00", "25:00"]]},
        [],
    ],
)
def test_validate_rejects(raw: object) -> None:
    with pytest.raises(ValidationError) as err:
        hours.validate_hours(raw, "opening_hours")
    assert err.value.field == "opening_hours"


@pytest.mark.parametrize(
    ("tz", "before", "after", "utc_before", "utc_after"),
    [
        # Europe/London springs forward on Sun 29 Mar 2026 and falls back on Sun 25 Oct.
        (LONDON, date(2026, 3, 27), date(2026, 3, 30), 9, 8),
        (LONDON, date(2026, 10, 23), date(2026, 10, 26), 8, 9),
        # America/New_York: Sun 8 Mar and Sun 1 Nov 2026.
        (NEW_YORK, date(2026, 3, 6), date(2026, 3, 9), 14, 13),
        (NEW_YORK, date(2026, 10, 30), date(2026, 11, 2), 13, 14),
    ],
)
def test_nine_to_five_stays_local_across_dst(
    tz: ZoneInfo, before: date, after: date, utc_before: int, utc_after: int
) -> None:
    w = week(NINE_TO_FIVE)
    for day, hour in ((before, utc_before), (after, utc_after)):
        ((lo, hi),) = hours.day_intervals(w, day, tz)
        assert lo.hour == hour and hi - lo == timedelta(hours=8)
        assert lo.astimezone(tz).hour == 9 and hi.astimezone(tz).hour == 17


def test_period_on_the_change_day_itself() -> None:
    w = week({"sun": [["00:00", "12:00"]]})
    ((lo, hi),) = hours.day_intervals(w, date(2026, 3, 29), LONDON)
    assert (lo, hi) == (utc(2026, 3, 29, 0), utc(2026, 3, 29, 11))  # 11 hours that day
    ((lo, hi),) = hours.day_intervals(w, date(2026, 10, 25), LONDON)
    assert (lo, hi) == (utc(2026, 10, 24, 23), utc(2026, 10, 25, 12))  # 13 hours


def test_boundary_in_the_gap_moves_to_the_jump() -> None:
    w = week({"sun": [["01:30", "05:00"]]})
    ((lo, hi),) = hours.day_intervals(w, date(2026, 3, 29), LONDON)
    assert lo == utc(2026, 3, 29, 1)  # 02:00 BST, the instant the clocks jump
    assert hi == utc(2026, 3, 29, 4)


def test_ambiguous_boundary_is_first_occurrence() -> None:
    w = week({"sun": [["01:30", "03:00"]]})
    ((lo, _),) = hours.day_intervals(w, date(2026, 10, 25), LONDON)
    assert lo == utc(2026, 10, 25, 0, 30)  # 01:30 BST, not 01:30 GMT


def test_local_to_utc() -> None:
    assert zones.local_to_utc("2026-03-02 09:30", "Europe/Istanbul") == utc(2026, 3, 2, 6, 30)
    assert zones.local_to_utc(datetime(2026, 7, 1, 9), LONDON) == utc(2026, 7, 1, 8)
    aware = datetime(2026, 7, 1, 9, tzinfo=NEW_YORK)
    assert zones.local_to_utc(aware, LONDON) == utc(2026, 7, 1, 13)
    # Ambiguous: the first occurrence (summer time) is taken.
    assert zones.local_to_utc("2026-10-25T01:30", LONDON) == utc(2026, 10, 25, 0, 30)
    assert zones.local_to_utc("2026-11-01T01:30", NEW_YORK) == utc(2026, 11, 1, 5, 30)


@pytest.mark.parametrize(
    ("text", "tz"), [("2026-03-29 01:30", LONDON), ("2026-03-08 02:15", NEW_YORK)]
)
def test_local_to_utc_refuses_the_gap(text: str, tz: ZoneInfo) -> None:
    with pytest.raises(ValidationError, match="clocks go forward") as err:
        zones.local_to_utc(text, tz, field="start")
    assert err.value.field == "start"


def test_local_to_utc_bad_input() -> None:
    with pytest.raises(ValidationError, match="not readable"):
        zones.local_to_utc("next tuesday", LONDON)
    with pytest.raises(ValidationError) as err:
        zones.zone("Mars/Olympus_Mons")
    assert err.value.field == "timezone"


def test_as_utc_needs_a_zone() -> None:
    with pytest.raises(ValidationError, match="no time zone"):
        zones.as_utc(datetime(2026, 3, 2, 9), "start")
    with pytest.raises(ValidationError):
        zones.as_utc("2026-03-02", "start")
    assert zones.as_utc(datetime(2026, 3, 2, 9, tzinfo=LONDON), "x") == utc(2026, 3, 2, 9)


def test_periods_join_across_midnight() -> None:
    w = week({"mon": [["20:00", "24:00"]], "tue": [["00:00", "02:00"]]})
    start, end = utc(2026, 3, 2, 23), utc(2026, 3, 3, 1)  # London is on GMT then
    spans = hours.intervals_between(w, start, end, LONDON)
    assert spans == [(utc(2026, 3, 2, 20), utc(2026, 3, 3, 2))]
    assert hours.covers(spans, start, end)
    assert not hours.covers(spans, start, utc(2026, 3, 3, 3))


def test_lunch_break_is_not_covered() -> None:
    w = week({"mon": [["09:00", "12:00"], ["13:00", "17:00"]]})
    spans = hours.intervals_between(w, utc(2026, 3, 2, 11), utc(2026, 3, 2, 14), LONDON)
    assert len(spans) == 2
    assert not hours.covers(spans, utc(2026, 3, 2, 11, 30), utc(2026, 3, 2, 12, 30))
    assert hours.covers(spans, utc(2026, 3, 2, 13), utc(2026, 3, 2, 14))
    assert hours.describe_day(w, date(2026, 3, 2)) == "09:00-12:00, 13:00-17:00"
    assert hours.describe_day(w, date(2026, 3, 3)) == "closed"


def test_merge_and_intersect() -> None:
    a = hours.merge(
        [(utc(2026, 1, 1, 9), utc(2026, 1, 1, 12)), (utc(2026, 1, 1, 8), utc(2026, 1, 1, 10))]
    )
    assert a == [(utc(2026, 1, 1, 8), utc(2026, 1, 1, 12))]
    b = [(utc(2026, 1, 1, 7), utc(2026, 1, 1, 9)), (utc(2026, 1, 1, 11), utc(2026, 1, 1, 13))]
    assert hours.intersect(a, b) == [
        (utc(2026, 1, 1, 8), utc(2026, 1, 1, 9)),
        (utc(2026, 1, 1, 11), utc(2026, 1, 1, 12)),
    ]
    assert hours.intersect(a, []) == []


def test_hours_as_stored_are_parsed_once() -> None:
    """Raw queries hand over the JSON text; the same text gives the same Week."""
    import json

    text = json.dumps(NINE_TO_FIVE)
    first = hours.parse_week_json(text)
    assert first == week(NINE_TO_FIVE)
    assert hours.parse_week_json(text) is first
    assert hours.parse_week_json("{}") is None
    assert hours.parse_week_json(None) is None
    with pytest.raises(ValidationError):
        hours.parse_week_json('{"mon": [["17:00", "09:00"]]}')


def test_repeated_windows_give_equal_fresh_lists() -> None:
    """intervals_between is memoised; callers still get a list of their own."""
    w = week(NINE_TO_FIVE)
    a = hours.intervals_between(w, utc(2026, 3, 2), utc(2026, 3, 9), LONDON)
    a.clear()
    b = hours.intervals_between(w, utc(2026, 3, 2), utc(2026, 3, 9), LONDON)
    assert len(b) == 7 and b[0] == (utc(2026, 3, 2, 9), utc(2026, 3, 2, 17))


def test_memo_tells_the_repeated_hour_apart() -> None:
    """01:30 before and after the clocks go back are different instants."""
    w = week({day: [["01:45", "23:00"]] for day in hours.DAYS})
    first = datetime(2026, 10, 25, 1, 30, tzinfo=LONDON)
    second = first.replace(fold=1)
    start = datetime(2026, 10, 25, 1, 10, tzinfo=LONDON)
    before = hours.intervals_between(w, start, first, LONDON)
    after = hours.intervals_between(w, start, second, LONDON)
    assert before == []  # 01:10-01:30 BST is before the 01:45 opening
    assert after and after[0][0] == datetime(2026, 10, 25, 0, 45, tzinfo=UTC)
