"""How a typed birth date may be written: the one list of accepted forms.

The core reads these (:func:`read`) and its error names them (:func:`examples`); a
front end builds its hint under the field from the same :data:`FORMS`, so what the
hint offers and what the error asks for never differ. A form is written as a person
reads it: ``D`` the day, ``MMM`` the month's short name, ``MM`` its number, ``YYYY``
the year in full. Never a form that reads differently in another country: slashes
("03/04/1996") are day first in one and month first in another; dots are day first
wherever they are used.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Final

FORMS: Final = ("D MMM YYYY", "D.MM.YYYY", "YYYY-MM-DD")
EXAMPLE: Final = date(1996, 7, 23)
# The core reads English month names; a front end also reads its user's own.
MONTHS: Final = ("jan", "feb", "mar", "apr", "may", "jun",
                 "jul", "aug", "sep", "oct", "nov", "dec")  # fmt: skip
_NAMED = re.compile(r"^(\d{1,2})\s+([^\W\d_]{3,})\.?\s+(\d{4})$")
_DOTTED = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


def written(day: date, form: str) -> str:
    """``day`` written in ``form`` (English month names)."""
    if form == "D MMM YYYY":
        return f"{day.day} {MONTHS[day.month - 1].title()} {day.year}"
    if form == "D.MM.YYYY":
        return f"{day.day}.{day.month:02d}.{day.year}"
    return day.isoformat()


def examples(day: date = EXAMPLE) -> str:
    """Every form, by example: "23 Jul 1996, 23.07.1996, 1996-07-23"."""
    return ", ".join(written(day, form) for form in FORMS)


def read(text: str) -> date | None:
    """The date ``text`` writes in one of :data:`FORMS`; None if it is none of them
    (or no real day, such as 30 Feb)."""
    text = text.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return date.fromisoformat(text)
        if dotted := _DOTTED.match(text):
            day, month, year = (int(part) for part in dotted.groups())
            return date(year, month, day)
    except ValueError:
        return None
    return _read_named(text)


def _read_named(text: str) -> date | None:
    found = _NAMED.match(text.strip())
    if found is None:
        return None
    day, name, year = found.groups()
    month = next((i for i, m in enumerate(MONTHS, 1) if name.lower().startswith(m)), 0)
    try:
        return date(int(year), month, int(day)) if month else None
    except ValueError:
        return None
