"""Where things go on the schedule: columns per day, cards in lanes, pixels per slot.

Pure arithmetic over ``receptionist.schedule.agenda`` results; no painting. Minutes are wall
clock minutes from the column's local midnight (0-1440), so the time axis reads the
way the clinic's clocks do.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from PySide6.QtCore import QRectF

from receptionist.schedule.agenda import Agenda, Column, Interval
from receptionist.schedule.cards import AgendaItem

DAY_MINUTES = 24 * 60
HOUR_PX = 88
MIN_SLOT_PX = 14


class Placed(NamedTuple):
    """A card in its column: minutes from local midnight and its lane among overlaps.

    A tuple, not a frozen dataclass: a week makes ~4,000 of them and a frozen
    dataclass costs several times as much to build.
    """

    item: AgendaItem
    top: int
    bottom: int
    lane: int = 0
    lanes: int = 1


@dataclass(frozen=True)
class DayColumn:
    day: date
    column: Column
    working: list[tuple[int, int]] = field(default_factory=list)
    blocked: list[tuple[int, int, str]] = field(default_factory=list)
    cards: list[Placed] = field(default_factory=list)

    def cards_at(self, minute: int) -> list[Placed]:
        return [c for c in self.cards if c.top <= minute < c.bottom]

    def works_at(self, minute: int) -> bool:
        return any(a <= minute < b for a, b in self.working)


def first_working_minute(columns: list[DayColumn], default: int) -> int:
    starts = [a for col in columns for a, _ in col.working]
    return min(starts, default=default)


def local_minutes(instant: datetime, day: date, tz: ZoneInfo) -> int:
    """``instant`` as wall-clock minutes into local ``day``, clamped to 0..1440."""
    local = instant.astimezone(tz)
    if local.date() < day:
        return 0
    if local.date() > day:
        return DAY_MINUTES
    return local.hour * 60 + local.minute


def instant_at(day: date, minute: int, tz: ZoneInfo) -> datetime:
    """The aware local time ``minute`` minutes into ``day`` (the inverse of the above)."""
    hours, minutes = divmod(minute, 60)
    return datetime.combine(day, time(hours, minutes), tzinfo=tz)


def _span(iv: Interval, day: date, tz: ZoneInfo) -> tuple[int, int]:
    return local_minutes(iv.start_utc, day, tz), local_minutes(iv.end_utc, day, tz)


def build_columns(agenda: Agenda, days: list[date], tz: ZoneInfo) -> list[DayColumn]:
    """One DayColumn per (day, provider or room), days outermost, cards in lanes.

    Pure Python (no Qt): the schedule runs it on the database worker. Each
    appointment's times are converted to the clinic's zone once and filed under the
    days it touches, so a week of ~4,000 cards costs one pass, not one per day.
    """
    by_room = agenda.kind == "room"
    wanted = set(days)
    cells: dict[tuple[date, str], list[Placed]] = {}
    local: dict[datetime, datetime] = {}  # a week repeats a few hundred instants
    for item in agenda.items:
        start, end = item.start_utc, item.end_utc
        start = local.get(start) or local.setdefault(start, start.astimezone(tz))
        end = local.get(end) or local.setdefault(end, end.astimezone(tz))
        key = (item.room_id or "") if by_room else item.provider_id
        day, last = start.date(), end.date()
        if day == last:  # nearly every card: within one local day
            if day in wanted and start < end:
                top = start.hour * 60 + start.minute
                bottom = end.hour * 60 + end.minute
                if top < bottom:
                    cells.setdefault((day, key), []).append(Placed(item, top, bottom))
            continue
        while day <= last:
            if day in wanted:
                top, bottom = _clamped(start, day), _clamped(end, day)
                if top < bottom:
                    cells.setdefault((day, key), []).append(Placed(item, top, bottom))
            day += timedelta(days=1)
    out: list[DayColumn] = []
    for day in days:
        for col in agenda.columns:
            working = [
                s
                for s in (_span(i, day, tz) for i in agenda.working.get(col.id, []))
                if s[0] < s[1]
            ]
            blocked = [(*_span(b, day, tz), b.kind) for b in agenda.blocked.get(col.id, [])]
            blocked = [b for b in blocked if b[0] < b[1]]
            cards = assign_lanes(cells.get((day, col.id), []))
            out.append(DayColumn(day, col, working, blocked, cards))
    return out


def _clamped(local: datetime, day: date) -> int:
    """A local time as minutes into ``day``, clamped to 0..1440 (see local_minutes)."""
    if local.date() < day:
        return 0
    if local.date() > day:
        return DAY_MINUTES
    return local.hour * 60 + local.minute


def assign_lanes(cards: list[Placed]) -> list[Placed]:
    """Overlapping cards side by side: greedy lanes within each cluster of overlaps."""
    cards = sorted(cards, key=lambda c: (c.top, c.bottom, c.item.id))
    out: list[Placed] = []
    cluster: list[tuple[Placed, int]] = []  # (card, its lane)
    lane_ends: list[int] = []
    cluster_end = 0

    def flush() -> None:
        lanes = len(lane_ends)
        if lanes == 1:  # the common case: no overlap, the card is already right
            out.extend(c for c, _ in cluster)
        else:
            out.extend(Placed(c.item, c.top, c.bottom, lane, lanes) for c, lane in cluster)

    for card in cards:
        if cluster and card.top >= cluster_end:
            flush()
            cluster, lane_ends, cluster_end = [], [], 0
        lane = next((i for i, end in enumerate(lane_ends) if end <= card.top), len(lane_ends))
        if lane == len(lane_ends):
            lane_ends.append(card.bottom)
        else:
            lane_ends[lane] = card.bottom
        cluster.append((card, lane))
        cluster_end = max(cluster_end, card.bottom)
    if cluster:
        flush()
    return out


@dataclass(frozen=True)
class Geometry:
    """Content coordinates (no header, no gutter, no scrolling) of slots and columns."""

    slot_minutes: int
    columns: int
    col_width: int
    gutter: int = 64
    header: int = 48
    scale: float = 1.0  # larger text: taller rows (the view scales gutter and header too)

    @classmethod
    def scaled(cls, slot_minutes: int, columns: int, col_width: int, scale: float) -> Geometry:
        return cls(slot_minutes, columns, col_width, round(cls.gutter * scale),
                   round(cls.header * scale), scale)  # fmt: skip

    @property
    def slot_px(self) -> int:
        return max(MIN_SLOT_PX, round(HOUR_PX * self.scale * self.slot_minutes / 60))

    @property
    def rows(self) -> int:
        return math.ceil(DAY_MINUTES / self.slot_minutes)

    @property
    def width(self) -> int:
        return self.columns * self.col_width

    @property
    def height(self) -> int:
        return self.rows * self.slot_px

    def y(self, minute: float) -> float:
        return minute / self.slot_minutes * self.slot_px

    def slot_at(self, y: float) -> int:
        return max(0, min(self.rows - 1, int(y // self.slot_px)))

    def col_at(self, x: float) -> int | None:
        col = int(x // self.col_width) if x >= 0 else -1
        return col if 0 <= col < self.columns else None

    def slot_rect(self, col: int, slot: int) -> QRectF:
        return QRectF(col * self.col_width, slot * self.slot_px, self.col_width, self.slot_px)

    def card_rect(self, col: int, card: Placed) -> QRectF:
        lane_w = (self.col_width - 8) / card.lanes
        x = col * self.col_width + 4 + card.lane * lane_w
        top, bottom = self.y(card.top), self.y(card.bottom)
        return QRectF(x + 1, top + 1, lane_w - 2, max(bottom - top - 2, 6))
