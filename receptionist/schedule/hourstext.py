"""Weekly hours typed on a command line: ``"mon-fri 09:00-17:00; sat 09:00-13:00"``."""

from __future__ import annotations

from receptionist.errors import ValidationError
from receptionist.texts import QT_TRANSLATE_NOOP, Text

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _days(spec: str, field: str) -> list[str]:
    spec = spec.strip().lower()
    if "-" in spec:
        first, last = (part.strip()[:3] for part in spec.split("-", 1))
        if first not in DAYS or last not in DAYS:
            raise ValidationError(
                field,
                Text(
                    QT_TRANSLATE_NOOP("core", "'{spec}' is not a day range such as mon-fri."),
                    spec=spec,
                ),
            )
        i, j = DAYS.index(first), DAYS.index(last)
        if j < i:
            raise ValidationError(
                field,
                Text(
                    QT_TRANSLATE_NOOP("core", "'{spec}' runs backwards; write it as mon-fri."),
                    spec=spec,
                ),
            )
        return list(DAYS[i : j + 1])
    days = [d.strip()[:3] for d in spec.split(",")]
    for day in days:
        if day not in DAYS:
            raise ValidationError(
                field,
                Text(
                    QT_TRANSLATE_NOOP("core", "'{day}' is not a day; use mon, tue, ... sun."),
                    day=day,
                ),
            )
    return days


def parse_hours(text: str, field: str = "hours") -> dict[str, list[list[str]]]:
    """``"mon-fri 09:00-12:30 13:30-18:00; sat 09:00-13:00"`` -> weekly-hours JSON.

    Days not named are days off. Times are checked by ``hours.validate_hours``.
    """
    week: dict[str, list[list[str]]] = {d: [] for d in DAYS}
    for chunk in filter(None, (c.strip() for c in text.split(";"))):
        parts = chunk.split()
        if len(parts) < 2:
            raise ValidationError(
                field,
                Text(
                    QT_TRANSLATE_NOOP(
                        "core", "'{chunk}' needs days and times, e.g. 'mon-fri 09:00-17:00'."
                    ),
                    chunk=chunk,
                ),
            )
        spans = []
        for span in parts[1:]:
            if span.count("-") != 1:
                raise ValidationError(
                    field,
                    Text(
                        QT_TRANSLATE_NOOP(
                            "core", "'{span}' is not a time span such as 09:00-17:00."
                        ),
                        span=span,
                    ),
                )
            start, end = span.split("-")
            spans.append([start, end])
        for day in _days(parts[0], field):
            week[day].extend(spans)
    return week


def hours_text(week: dict[str, list[list[str]]]) -> str:
    """The inverse, for listings: ``"mon 09:00-17:00; tue ..."`` or "not set"."""
    if not week:
        return "not set"
    parts = [f"{d} {' '.join(f'{a}-{b}' for a, b in week.get(d, []))}" for d in DAYS if week.get(d)]
    return "; ".join(parts) or "closed all week"
