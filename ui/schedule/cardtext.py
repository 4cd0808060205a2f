"""What a card says, and where its status badge goes, for the room the card has.

The patient's whole name comes first: a short card shows only the name (service and
time are in its tooltip and its menu), and the status pill never takes the width the
name needs - it moves to the second line (if half of it is left for the details),
shrinks to a dot, or becomes a thin bar along the card's bottom edge.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from PySide6.QtCore import QCoreApplication

from receptionist.freetext import printable
from receptionist.schedule.cards import AgendaItem

from ..coretext import patient_name as shown_name
from . import look
from .frame import CardFonts

Badge = Literal["pill", "pill_below", "dot", "bar"]
PILL_PAD = 10  # the pill's width beyond its label
PILL_GAP = 4  # between the name and the pill
DOT_W = 14
SLACK = 2  # the painter cuts at whole pixels: a name exactly as wide would lose a letter


@dataclass(frozen=True)
class CardText:
    first: str  # the bold line: the patient's name
    second: str | None  # service and time (a room's card: the provider's line first)
    badge: Badge
    status: str


def pill_width(status: str, fonts: CardFonts) -> float:
    return fonts.fm_small_bold.horizontalAdvance(look.status_label(status)) + PILL_PAD


def patient_name(item: AgendaItem) -> str:
    """The name a card shows: every appointment has a patient, and only an anonymised
    one (the retention sweep's, ``retention.lapsed_patients=anonymise``) has none left;
    her card says so (``coretext.patient_name``: the one translated word), her visit
    kept for statistics."""
    return shown_name(item.patient_name)


def anonymised(item: AgendaItem) -> bool:
    """Whether the card's patient is one the retention sweep anonymised: the card's
    name (the appointment's copy of hers) is empty for her alone."""
    return not item.patient_name


def card_text(
    item: AgendaItem, span: str, width: float, height: float, fonts: CardFonts, who: str = ""
) -> CardText:
    """The lines of a card ``width`` × ``height`` pixels inside, and its badge's place.

    ``span`` is the card's time ("10:00–10:30"); ``who`` the provider, named on cards
    of the Rooms view."""
    name = patient_name(item)
    two_lines = height >= fonts.fm_bold.height() + fonts.fm.height()
    three_lines = who and height >= fonts.fm_bold.height() + 2 * fonts.fm.height()
    if three_lines:  # a room's card: the provider on a line of their own
        second: str | None = f"{printable(who, lines=False)}\n{details(item, span)}"
    else:
        second = details(item, span, who) if two_lines else None
    name_w = fonts.fm_bold.horizontalAdvance(name) + SLACK
    pill = pill_width(item.status, fonts) + PILL_GAP
    if name_w + pill <= width:
        badge: Badge = "pill"
    elif two_lines and width - pill >= width / 2:  # the details keep half the line
        badge = "pill_below"
    elif name_w + DOT_W <= width:
        badge = "dot"
    else:
        badge = "bar"
    return CardText(name, second, badge, item.status)


def details(item: AgendaItem, span: str, who: str = "") -> str:
    """Service and time (and the provider, where the column is a room): one line."""
    text = printable(f"{item.service_name} · {span}", lines=False)
    return f"{printable(who, lines=False)} · {text}" if who else text


def tooltip(item: AgendaItem, span: str, who: str = "", alert: str = "") -> str:
    """The card in full, for its tooltip: name, service and time, status; and the
    patient's front-desk alert, where they have one (the card shows a mark)."""
    status = look.status_label(item.status)
    text = QCoreApplication.translate("schedule", "{0}\n{1}\n{2}").format(
        patient_name(item), details(item, span, who), status
    )
    if not alert:
        return text
    said = QCoreApplication.translate("schedule", "Alert: {0}")
    return f"{text}\n{said.format(printable(alert, lines=False))}"
