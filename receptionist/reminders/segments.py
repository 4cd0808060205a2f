"""How many SMS segments a text takes: GSM-7 when every character is in the GSM 03.38
default alphabet (its extension characters ``^{}\\[~]|€`` and form feed take two
septets), else UCS-2 (UTF-16 code units; a character beyond the BMP takes two).

One segment holds 160 septets or 70 UCS-2 units; a longer text is sent as parts of
153 septets or 67 units (the rest is the concatenation header), and a part never
splits an escaped character or a surrogate pair. National shift tables (the Turkish
one) are not used: what they would save depends on the provider and the handset.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = frozenset("^{}\\[~]|€\f")
SINGLE = {"gsm7": 160, "ucs2": 70}
PART = {"gsm7": 153, "ucs2": 67}


@dataclass(frozen=True)
class Segments:
    """What a text costs: its encoding, its length in that encoding's units, and parts."""

    encoding: Literal["gsm7", "ucs2"]
    units: int
    count: int


def encoding_of(text: str) -> Literal["gsm7", "ucs2"]:
    if all(c in GSM_BASIC or c in GSM_EXTENSION for c in text):
        return "gsm7"
    return "ucs2"


def _widths(text: str, encoding: str) -> list[int]:
    if encoding == "gsm7":
        return [2 if c in GSM_EXTENSION else 1 for c in text]
    return [2 if ord(c) > 0xFFFF else 1 for c in text]


def count(text: str) -> Segments:
    """The segments ``text`` takes as one SMS (an empty text: one segment of 0)."""
    encoding = encoding_of(text)
    widths = _widths(text, encoding)
    units = sum(widths)
    if units <= SINGLE[encoding]:
        return Segments(encoding, units, 1)
    parts, used = 1, 0
    for width in widths:
        if used + width > PART[encoding]:
            parts, used = parts + 1, 0
        used += width
    return Segments(encoding, units, parts)
