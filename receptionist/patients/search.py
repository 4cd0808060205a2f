"""Finding patients from one line of text, at keystroke speed.

A query is folded (receptionist.folding) into words that must all match (AND), in
any order, against the index described in receptionist.patients.searchindex:

- a word of three or more characters may match anywhere inside a word of the
  patient's names, phone digits, national ID or e-mail; a word of two characters
  must start one of those words, and a one-letter word must start a name word (the
  trigram index needs three characters: " xy" and the stored initials have them);
- a query of only digits and phone punctuation is one run of digits (at least
  four), so "0532 123 45 67", "+90 532 123 45 67" and "5321234567" find the same
  phone, and "1234" any phone or ID holding those digits;
- a patient number ("A-12", any case) puts that patient first.

Ranking: patients whose words all match whole words come first, then those whose
words all start words, then substring matches; within each tier by family name,
then given name. A narrow query (at most 200 matches) is one FTS5 walk, ranked here
from the matched rows' terms; a broad one is one FTS5 query per tier, read in rowid
order (which is name order) and stopped at ``limit`` rows, so it costs no more than a
narrow one. Only the rows returned are read from the patient table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from typing import Any

from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session

from receptionist.context import Ctx
from receptionist.errors import PermissionDenied
from receptionist.folding import tokens
from receptionist.models import Clinic, Patient
from receptionist.models.names import display_name
from receptionist.patients.digitsearch import by_prefix
from receptionist.patients.numbering import normalise_number
from receptionist.patients.phones import MIN_DIGITS, query_digits
from receptionist.patients.searchindex import (
    INITIAL,
    bulk_rowids,
    index_patient,
    rebuild_search_index,
    search_terms,
    sort_key,
    unindex_patient,
)
from receptionist.settings import clinic as clinic_settings
from receptionist.settings import clinicstore
from receptionist.texts import QT_TRANSLATE_NOOP, Text

__all__ = [
    "PatientRow",
    "bulk_rowids",
    "index_patient",
    "rebuild_search_index",
    "search_patients",
    "search_terms",
    "sort_key",
    "unindex_patient",
]

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
MAX_WORDS = 8
MIN_WHOLE_DIGITS = 8
_TIER_SQL = text(
    "SELECT rowid FROM patient_search WHERE patient_search MATCH :match ORDER BY rowid LIMIT :limit"
)
_TERMS_SQL = text("SELECT rowid, terms FROM patient_search WHERE rowid IN :rowids")
_NARROW = 200  # matches ranked in Python at most; broader queries go tier by tier
_TIERS = ('" {} "', '" {}"', '"{}"')  # whole word, start of a word, anywhere


@dataclass(frozen=True)
class PatientRow:
    """One line of a search result: enough to show and pick, not the whole record."""

    id: str
    number: str
    display_name: str
    phone: str | None
    birth_date: date | None
    alert: str = ""  # the front-desk alert, shown when the patient is picked to book


_COLUMNS = (
    Patient.id,
    Patient.number,
    Patient.given_name,
    Patient.family_name,
    Patient.phone,
    Patient.birth_date,
    Patient.alert,
    Patient.search_rowid,
)


def patient_row(
    patient_id: str,
    number: str,
    names: tuple[str, str],
    phone: str | None,
    birth_date: date | None,
    alert: str | None,
) -> PatientRow:
    """The one way a :class:`PatientRow` is made: ``names`` (given, family) joined as
    every list shows them, no alert as ""."""
    display = display_name(*names)
    return PatientRow(patient_id, number, display, phone, birth_date, alert or "")


def row_of(patient: Patient) -> PatientRow:
    """``patient`` as a search result shows it."""
    names = (patient.given_name, patient.family_name)
    return patient_row(
        patient.id, patient.number, names, patient.phone, patient.birth_date, patient.alert
    )


def _row(r: Any) -> PatientRow:
    names = (r.given_name, r.family_name)
    return patient_row(r.id, r.number, names, r.phone, r.birth_date, r.alert)


def clinic_region(session: Session) -> str:
    if session.scalar(select(Clinic.id).where(Clinic.deleted_at.is_(None)).limit(1)) is None:
        return "ZZ"
    return str(clinicstore.value(session, clinic_settings.PHONE_REGION)).upper()


def _by_number(session: Session, query: str) -> list[PatientRow]:
    number = normalise_number(query)
    if number is None:
        return []
    stmt = select(*_COLUMNS).where(Patient.number == number, Patient.deleted_at.is_(None))
    return [_row(r) for r in session.execute(stmt)]


def _phrase(word: str, tier: int) -> str:
    if len(word) == 1:
        return f'"{INITIAL}{word}"'
    return _TIERS[tier if len(word) >= 3 else min(tier, 1)].format(word)


def _levels(words: list[list[str]]) -> list[list[list[str]]]:
    """Per ranking level, best first, each word's phrases (one per spelling)."""
    levels = [[[_phrase(w, tier) for w in spellings] for spellings in words] for tier in range(3)]
    # A run of digits shorter than any full phone is never a whole word worth
    # ranking apart, and looking for one walks the long lists of " 05"-like trigrams.
    if all(w.isdigit() and len(w) < MIN_WHOLE_DIGITS for s in words for w in s):
        levels = levels[1:]
    return [level for i, level in enumerate(levels) if i == 0 or level != levels[i - 1]]


def _match(level: list[list[str]]) -> str:
    """FTS5 expression: every word (any of its spellings) matches at this level."""
    return " AND ".join("(" + " OR ".join(phrases) + ")" for phrases in level)


def _meets(terms: str, level: list[list[str]]) -> bool:
    """What FTS5 answers for ``_match(level)`` on one row's (folded) terms: a trigram
    phrase matches where its text occurs."""
    return all(any(p[1:-1] in terms for p in phrases) for phrases in level)


def _tier_queries(levels: list[list[list[str]]]) -> list[str]:
    """One query per ranking tier, each excluding the tiers above it."""
    queries = [_match(levels[0])]
    for above, level in pairwise(levels):
        queries.append(f"({_match(level)}) NOT ({_match(above)})")
    return queries


def _indexed(session: Session, words: list[list[str]], limit: int) -> list[PatientRow]:
    """The first ``limit`` matches, best tier first and in name order within a tier."""
    levels = _levels(words)
    rowids = _ranked_here(session, levels, limit) if len(levels) > 1 else None
    if rowids is None:
        rowids = []
        for match in _tier_queries(levels):
            params = {"match": match, "limit": limit - len(rowids)}
            rowids += session.scalars(_TIER_SQL, params)
            if len(rowids) >= limit:
                break
    if not rowids:
        return []
    stmt = select(*_COLUMNS).where(Patient.search_rowid.in_(rowids), Patient.deleted_at.is_(None))
    found = {r.search_rowid: _row(r) for r in session.execute(stmt)}
    return [found[r] for r in rowids if r in found]


def _ranked_here(session: Session, levels: list[list[list[str]]], limit: int) -> list[int] | None:
    """A narrow query's matches ranked in one pass, or None if it is not narrow.

    Asking FTS5 tier by tier evaluates the upper levels again in each ``NOT``: five
    index walks for three tiers, which is what a half-typed second word ("erdoğan
    sult") costs when no tier fills the page. When the loosest level matches at most
    ``_NARROW`` rows, one walk finds them all, and their terms tell each one's tier.
    """
    cap = max(_NARROW, limit + 1)
    loosest = list(session.scalars(_TIER_SQL, {"match": _match(levels[-1]), "limit": cap}))
    if len(loosest) >= cap:
        return None  # broad: the tier queries stop early, at ``limit`` rows each
    query = _TERMS_SQL.bindparams(bindparam("rowids", expanding=True))
    terms: dict[int, str] = {r: t for r, t in session.execute(query, {"rowids": loosest})}
    tier = {
        r: next(
            i for i, lv in enumerate(levels) if i == len(levels) - 1 or _meets(terms.get(r, ""), lv)
        )
        for r in loosest
    }
    return sorted(loosest, key=tier.__getitem__)[:limit]  # stable: name order within a tier


def search_patients(
    session: Session, ctx: Ctx, query: str, *, limit: int = DEFAULT_LIMIT
) -> list[PatientRow]:
    """The patients ``query`` finds, best first, at most ``limit`` of them."""
    if not ctx.actor.may("patient.read"):
        raise PermissionDenied(
            Text(QT_TRANSLATE_NOOP("core", "Your role may not look up patients; ask a manager."))
        )
    limit = max(1, min(limit, MAX_LIMIT))
    words = list(dict.fromkeys(tokens(query)))[:MAX_WORDS]
    results = _by_number(session, query)
    if not words:
        return results
    if all(w.isascii() and w.isdigit() for w in words):
        digits = "".join(words)
        if len(digits) >= MIN_DIGITS:
            region = clinic_region(session)
            starting = [_row(r) for r in by_prefix(session, _COLUMNS, query, region, limit)]
            if starting:
                results += starting
            else:  # digits from the middle of a number: the trigram index
                spellings = list(dict.fromkeys([digits, query_digits(query, region)]))
                results += _indexed(session, [spellings], limit)
    else:
        results += _indexed(session, [[w] for w in words], limit)
    return list({r.id: r for r in results}.values())[:limit]
