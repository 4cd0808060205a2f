"""What a template costs as an SMS while it is edited: the segments of a realistic
rendering.

The placeholders are filled with long-ish sample values of the template's language (a
12-letter first name, the longest date the language writes, a long provider's name)
and the clinic's own name when it has one, so the count shown is what a long case
costs, not the best case; the address is the clinic's own, and none set counts as
none (its line is left out of the message: ``templates.fill``). ``segments.count``
does the counting. The first character that forces UCS-2 is named, and whether it is
in the template's own text or only in the sample values (a Turkish name with "ş").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Literal

from . import segments
from .templates import PLACEHOLDERS, Template, date_text, render

_FIRST_NAME = {"en": "Christabelle", "tr": "Gülşen Büşra", "ar": "عبد الرحمن"}
_PROVIDER = {
    "en": "Dr. Alexandra Whitfield",
    "tr": "Dr. Şebnem Karaağaçlıoğlu",
    "ar": "د. عبد الله الشمري",
}
_CLINIC = {"en": "Riverside Family Clinic", "tr": "Çamlıca Aile Kliniği", "ar": "عيادة النور"}
_ADDRESS = {
    "en": "12 Harbour Street, Suite 4",
    "tr": "Bağdat Cad. No: 12/4 Kadıköy",
    "ar": "شارع الملك فهد ١٢",
}


@cache
def longest_date(language: str) -> str:
    """The longest date text the language writes (weekday and month names vary)."""
    first = datetime(2026, 1, 1)
    days = (first + timedelta(days=n) for n in range(366))
    return max((date_text(d, language) for d in days), key=len)


def sample_values(language: str, clinic: str = "", address: str = "") -> dict[str, str]:
    """The six placeholders' sample values in ``language``; the clinic's own name and
    address when given."""
    return {
        "first_name": _FIRST_NAME[language],
        "date": longest_date(language),
        "time": "23:45",
        "provider": _PROVIDER[language],
        "clinic": clinic or _CLINIC[language],
        "address": address or _ADDRESS[language],
    }


@dataclass(frozen=True)
class SmsSize:
    """The segments of a rendering: encoding, units used, parts, the units those parts
    hold, and the character that forces UCS-2 (``""`` for GSM-7); ``from_values`` when
    that character is only in the sample values, not the template's own text."""

    encoding: Literal["gsm7", "ucs2"]
    units: int
    parts: int
    capacity: int
    forcing: str
    from_values: bool
    rendered: str


def _forcing(text: str) -> str:
    return next((c for c in text if segments.encoding_of(c) == "ucs2"), "")


def sms_size(body: str, language: str, clinic: str = "", address: str = "") -> SmsSize:
    """The SMS size of ``body`` rendered with the sample values. ``body`` should have
    passed ``overrides.check_placeholders``; a placeholder it cannot fill is counted as
    written."""
    # The clinic's address as it goes: none set, its line goes not (``templates.fill``).
    values = {**sample_values(language, clinic), "address": address}
    try:
        rendered = render(Template("", body), values).body
    except (KeyError, ValueError, IndexError):
        rendered = body
    counted = segments.count(rendered)
    own = _forcing(_without_placeholders(body))
    forcing = own or _forcing(rendered)
    size = segments.SINGLE if counted.count == 1 else segments.PART
    return SmsSize(
        encoding=counted.encoding,
        units=counted.units,
        parts=counted.count,
        capacity=size[counted.encoding] * counted.count,
        forcing=forcing,
        from_values=bool(forcing) and not own,
        rendered=rendered,
    )


def has_placeholders(body: str) -> bool:
    """Whether ``body`` names any placeholder (its size then counts example values)."""
    return _without_placeholders(body) != body


def _without_placeholders(body: str) -> str:
    for name in PLACEHOLDERS:
        body = body.replace("{" + name + "}", "")
    return body


__all__ = ["SmsSize", "longest_date", "sample_values", "sms_size"]
