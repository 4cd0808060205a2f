"""Phone and ID searches that read an ordinary index instead of the trigram index.

Digits make poor trigrams: a clinic's phone numbers share a few prefixes ("053..."),
so every trigram of a typed number is in most index rows and FTS5 intersects huge
lists (60-80 ms a keystroke at 200,000 patients). A number typed from its start is
a prefix of the stored E.164 phone or of the national ID, and a range scan on their
B-tree indexes answers it in well under a millisecond. Only a run of digits from the
middle of a number falls back to the trigram index.
"""

from __future__ import annotations

import unicodedata
from typing import Any

import phonenumbers
from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from receptionist.models import Patient


def _digits(query: str) -> str:
    return "".join(str(unicodedata.digit(ch)) for ch in query if ch.isdecimal())


def phone_prefixes(query: str, region: str) -> list[str]:
    """E.164 prefixes the typed digits can start: "+90532…" for "0532…", "532…",
    "90532…", "+90532…" or "0090532…" in region TR."""
    text = query.strip()
    digits = _digits(text)
    if not digits:
        return []
    prefixes = []
    if text.startswith("+"):
        prefixes.append("+" + digits)
    elif digits.startswith("00"):
        prefixes.append("+" + digits[2:])
    else:
        code = phonenumbers.country_code_for_region(region)
        if code:
            national = digits[1:] if digits.startswith("0") else digits
            prefixes.append(f"+{code}{national}")
        prefixes.append("+" + digits)  # typed with its country code, no "+"
    return [p for p in dict.fromkeys(prefixes) if len(p) > 1]


def _upper_bound(prefix: str) -> str:
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def by_prefix(
    session: Session, columns: tuple[Any, ...], query: str, region: str, limit: int
) -> list[Row[Any]]:
    """Live patients whose phone or national ID starts with the typed digits."""
    found: list[Row[Any]] = []
    targets = [(Patient.phone, p) for p in phone_prefixes(query, region)]
    digits = _digits(query)
    if digits:
        targets.append((Patient.national_id, digits))
    for column, prefix in targets:
        stmt = (
            select(*columns)
            .where(column >= prefix, column < _upper_bound(prefix), Patient.deleted_at.is_(None))
            .order_by(column)
            .limit(limit)
        )
        found += session.execute(stmt).all()
    return found
