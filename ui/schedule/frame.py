"""What one paint of the schedule needs to know, and the small drawing helpers it shares."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from functools import lru_cache

from PySide6.QtCore import QLocale, QRect, QRectF, Qt, QTime
from PySide6.QtGui import QFont, QFontMetrics, QPainter

from receptionist.freetext import printable

from .drag import Ghost
from .layout import DayColumn, Geometry, Placed


@dataclass(frozen=True)
class Frame:
    geo: Geometry
    columns: list[DayColumn]
    dx: int
    dy: int
    width: int
    height: int
    font: QFont
    week: bool
    today: date
    now_minute: int | None
    cursor: tuple[int, int] | None
    focused: bool
    selected: str | None
    ghost: Ghost | None = None  # where a dragged or carried card would land
    pinned: frozenset[str] = frozenset()  # cards on the pinboard, drawn dashed
    who: dict[str, str] = field(default_factory=dict)  # provider names, on room cards
    # Now and the clinic's zone: a card whose patient is late says "Late", one of a day
    # over that nobody marked "Not marked" (look.shown_status).
    when: tuple[datetime, tzinfo] | None = None
    alerts: dict[str, str] = field(default_factory=dict)  # front-desk alerts, by card id
    # The part of the viewport this paint must cover (viewport coordinates); None is
    # all of it. A scroll moves the pixels already drawn and exposes only a strip.
    exposed: QRect | None = None

    @property
    def body(self) -> QRectF:
        g = self.geo
        return QRectF(g.gutter, g.header, self.width - g.gutter, self.height - g.header)

    @property
    def area(self) -> QRect:
        """What to paint: the exposed rectangle, or the whole viewport."""
        return self.exposed if self.exposed is not None else QRect(0, 0, self.width, self.height)

    def visible_columns(self) -> range:
        """The columns under the area to paint (the header's too: same x)."""
        g, area = self.geo, self.area
        if not self.columns:
            return range(0)
        left = self.dx + max(0, area.left() - g.gutter)
        right = self.dx + max(0, area.right() + 1 - g.gutter)
        first = max(0, left // g.col_width)
        last = min(len(self.columns) - 1, right // g.col_width)
        return range(first, last + 1)

    def visible_minutes(self) -> tuple[int, int]:
        """Minutes from local midnight under the area to paint (the gutter's too)."""
        g, area = self.geo, self.area
        top = self.dy + max(0, area.top() - g.header)
        bottom = self.dy + max(0, area.bottom() + 1 - g.header)
        return (
            top * g.slot_minutes // g.slot_px,
            bottom * g.slot_minutes // g.slot_px + g.slot_minutes,
        )


def elided(
    p: QPainter,
    rect: QRectF,
    text: str,
    align: Qt.AlignmentFlag,
    fm: QFontMetrics | None = None,
) -> None:
    """Draw ``text`` on one line, cut with an ellipsis to fit; pass ``fm`` (for the
    painter's font) when painting many cards, since building metrics costs more than the
    drawing. Control characters and direction overrides (in a name saved before they
    were refused) are drawn as visible escapes."""
    fm = fm or QFontMetrics(p.font())
    text = printable(text, lines=False)
    p.drawText(rect, align, fm.elidedText(text, Qt.TextElideMode.ElideRight, int(rect.width())))


@lru_cache(maxsize=2048)
def hhmm(minute: int) -> str:
    """Minutes into the day in the locale's short time format (cached: ~1,440 values)."""
    hours, minutes = divmod(minute, 60)
    if hours >= 24:
        hours, minutes = 23, 59
    return QLocale().toString(QTime(hours, minutes), QLocale.FormatType.ShortFormat)


def span(card: Placed) -> str:
    """A card's time on screen: "10:00–10:30"."""
    return f"{hhmm(card.top)}–{hhmm(card.bottom)}"


class CardFonts:
    """The fonts and metrics a card needs, made once per base font, not once per card."""

    def __init__(self, base: QFont) -> None:
        self.plain = QFont(base)
        self.bold = QFont(base)
        self.bold.setBold(True)
        self.small_bold = small_font(base, bold=True)
        self.fm = QFontMetrics(self.plain)
        self.fm_bold = QFontMetrics(self.bold)
        self.fm_small_bold = QFontMetrics(self.small_bold)


@lru_cache(maxsize=8)
def _card_fonts(key: str) -> CardFonts:
    base = QFont()
    base.fromString(key)
    return CardFonts(base)


def card_fonts(base: QFont) -> CardFonts:
    return _card_fonts(base.toString())


def small_font(font: QFont, bold: bool = False) -> QFont:
    small = QFont(font)
    small.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
    small.setBold(bold)
    return small
