"""Text is readable: every text colour against what it is drawn on reaches 4.5:1, the
WCAG AA ratio for normal text (computed, not eyeballed)."""

from __future__ import annotations

import itertools

import pytest
from PySide6.QtGui import QColor

from ui.schedule import look
from ui.today.boardmodel import AMBER

AA = 4.5


def test_the_contrast_formula_matches_wcag() -> None:
    assert look.contrast(QColor("#000000"), QColor("#ffffff")) == pytest.approx(21.0)
    assert look.contrast(QColor("#777777"), QColor("#ffffff")) == pytest.approx(4.48, abs=0.01)
    assert look.contrast(QColor("#ffffff"), QColor("#ffffff")) == pytest.approx(1.0)


@pytest.mark.parametrize("status", [*look.STATUSES, "late"])
def test_every_status_colour_reads_with_its_text(status: str) -> None:
    colour = look.status_colour(status)
    # The pill on a card and in the legend: white words on the status colour.
    assert look.contrast(look.CARD_TEXT_LIGHT, colour) >= AA
    # The today board's status column: the colour as text, on white or on the amber
    # of a patient waiting too long.
    assert look.contrast(colour, look.WORKING) >= AA
    assert look.contrast(colour, AMBER) >= AA


def test_card_text_reads_on_the_tint_of_any_service_colour() -> None:
    """The card's fill is a tint of its service's colour, whatever colour a clinic
    picks: every colour of a 16-step RGB grid, with the text the card chooses."""
    steps = range(0, 256, 17)
    worst = min(
        look.contrast(look.text_on(fill), fill)
        for fill in (look.card_fill(QColor(r, g, b).name()) for r, g, b in
                     itertools.product(steps, steps, steps))
    )  # fmt: skip
    assert worst >= AA


def test_the_grid_s_own_words_read() -> None:
    pairs = [
        (look.HEADER_TEXT, look.HEADER_BG),
        (look.HEADER_TEXT, look.TODAY_HEADER),
        (look.AXIS_TEXT, look.HEADER_BG),
        (look.AXIS_MINOR, look.HEADER_BG),
        (look.CARD_TEXT_LIGHT, look.NOW_LINE),
    ]
    assert [(a.name(), b.name()) for a, b in pairs if look.contrast(a, b) < AA] == []
