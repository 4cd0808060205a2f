"""Colours, status names and fonts of the schedule, in one place."""

from __future__ import annotations

from datetime import datetime, tzinfo
from functools import lru_cache

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QColor

from receptionist.schedule import lifecycle
from receptionist.schedule.agenda import Column
from receptionist.schedule.cards import NO_ROOM, AgendaItem

STATUSES = ("booked", "confirmed", "arrived", "in_room", "completed", "no_show", "cancelled")
# The status actions offered on a card, in the order the day goes.
STATUS_ACTIONS = ("confirmed", "arrived", "in_room", "completed", "no_show")

# White text on each (the pills) and each as text on white or on the board's amber
# reads at 4.5:1 or more (WCAG AA; tests/ui/test_contrast.py).
STATUS_COLOURS = {
    "booked": "#4b5b75",
    "confirmed": "#2a5f9e",
    "arrived": "#855210",
    "in_room": "#6b46c1",
    "completed": "#22684a",
    "no_show": "#b42318",
    "cancelled": "#5a5f66",
    "late": "#9a3412",  # not a status of its own: booked or confirmed, start passed
    "unrecorded": "#0e7490",  # nor this: booked or confirmed, its day over, never marked
}

When = tuple[datetime, tzinfo]  # now, and the clinic's zone (whose day it is)

OFF_HOURS = QColor("#e9ecf1")
WORKING = QColor("#ffffff")
BLOCKED_FILL = QColor("#d5d9e0")
BLOCKED_HATCH = QColor("#9aa3b2")
GRID_HOUR = QColor("#c9cfd8")
GRID_SLOT = QColor("#edf0f4")
DAY_SEPARATOR = QColor("#7d8796")
HEADER_BG = QColor("#f6f7f9")
HEADER_TEXT = QColor("#1f2733")
AXIS_TEXT = QColor("#4a5568")
AXIS_MINOR = QColor("#666e7b")  # the half hours: quieter than the hours, still 4.5:1
NOW_LINE = QColor("#d92d20")
CURSOR = QColor("#1d4ed8")
GHOST = QColor("#1d4ed8")
GHOST_REFUSED = QColor("#c53030")
PINNED = QColor("#b7791f")
ALERT = QColor("#b45309")  # a front-desk alert's corner mark
ALERT_MARK = 12  # its size, in pixels: its slant passes above the name's first letter
TODAY_HEADER = QColor("#e3ecfb")
CARD_TEXT_DARK = QColor("#16202c")
CARD_TEXT_LIGHT = QColor("#ffffff")


def status_label(status: str) -> str:
    labels = {
        "booked": QCoreApplication.translate("status", "Booked"),
        "confirmed": QCoreApplication.translate("status", "Confirmed"),
        "arrived": QCoreApplication.translate("status", "Arrived"),
        "in_room": QCoreApplication.translate("status", "In room"),
        "completed": QCoreApplication.translate("status", "Completed"),
        "no_show": QCoreApplication.translate("status", "No-show"),
        "cancelled": QCoreApplication.translate("status", "Cancelled"),
        "late": QCoreApplication.translate("status", "Late"),
        "unrecorded": QCoreApplication.translate("status", "Not marked"),
    }
    return labels.get(status, status)


def shown_status(status: str, start_utc: datetime, when: When | None) -> str:
    """The status a card or a board row shows at ``when`` (now, the clinic's zone):
    "late" where the core's one definition (``lifecycle.is_late``) says so, "unrecorded"
    ("Not marked") once its day is over unmarked, else the status itself."""
    if when is None:
        return status
    if lifecycle.is_late(status, start_utc, *when):
        return "late"
    return "unrecorded" if lifecycle.is_unrecorded(status, start_utc, *when) else status


def shown_item(item: AgendaItem, when: When | None) -> AgendaItem:
    """``item`` as its card shows it: "late" or "unrecorded" where it is."""
    shown = shown_status(item.status, item.start_utc, when)
    return item if shown == item.status else item._replace(status=shown)


def column_name(column: Column) -> str:
    """A column's heading; the Rooms view's column of appointments without a room."""
    if column.kind == "room" and column.id == NO_ROOM:
        return QCoreApplication.translate("schedule", "No room")
    return column.name


def status_colour(status: str) -> QColor:
    return QColor(STATUS_COLOURS.get(status, "#6b7785"))


def safe_colour(text: str, fallback: str = "#7fb77e") -> QColor:
    colour = QColor(text)
    return colour if colour.isValid() else QColor(fallback)


def card_fill(service_colour: str) -> QColor:
    """A light tint of the service colour: recognisable, and dark text stays readable."""
    return mix(safe_colour(service_colour), QColor("#ffffff"), 0.38)


def mix(a: QColor, b: QColor, weight_a: float) -> QColor:
    w = max(0.0, min(1.0, weight_a))
    return QColor(
        round(a.red() * w + b.red() * (1 - w)),
        round(a.green() * w + b.green() * (1 - w)),
        round(a.blue() * w + b.blue() * (1 - w)),
    )


def luminance(c: QColor) -> float:
    def channel(v: int) -> float:
        s = v / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(c.red()) + 0.7152 * channel(c.green()) + 0.0722 * channel(c.blue())


def contrast(a: QColor, b: QColor) -> float:
    """The WCAG contrast ratio of two colours, 1 to 21."""
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def text_on(fill: QColor) -> QColor:
    """Dark or light text, whichever contrasts more with ``fill`` (WCAG formula)."""
    lum = luminance(fill)
    dark = (lum + 0.05) / (luminance(CARD_TEXT_DARK) + 0.05)
    light = (luminance(CARD_TEXT_LIGHT) + 0.05) / (lum + 0.05)
    return CARD_TEXT_DARK if dark >= light else CARD_TEXT_LIGHT


@lru_cache(maxsize=256)
def card_colours(service_colour: str) -> tuple[QColor, QColor, QColor, QColor]:
    """(fill, edge, edge outline, text) for a service colour, worked out once."""
    fill = card_fill(service_colour)
    edge = safe_colour(service_colour)
    return fill, edge, edge.darker(125), text_on(fill)
