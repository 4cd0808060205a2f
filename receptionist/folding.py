"""Folding text into the form patients are searched and compared by.

``fold`` turns a name, an e-mail or a query into lower-case, accent-free words
separated by single spaces, so that what the desk types finds what was stored:

- Turkish: İ/I/ı/i all become ``i``; ş ğ ç ö ü lose their marks ("Işık" -> "isik").
- Arabic: أ إ آ ٱ -> ا, ى -> ي, ة -> ه, ؤ -> و, ئ -> ي; harakat and tatweel go.
- Any script: compatibility forms (full-width letters, Arabic presentation forms)
  are unfolded, combining marks dropped, case folded, digits of any script made
  ASCII; apostrophes and invisible format marks vanish, other punctuation splits words.

Folding is idempotent: ``fold(fold(s)) == fold(s)``.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

# Letters that survive decomposition but should compare equal to another letter.
_LETTER_MAP = {
    "ı": "i",  # Turkish dotless i (casefold keeps it)
    "ٱ": "ا",  # alef wasla
    "ى": "ي",  # alef maksura
    "ة": "ه",  # teh marbuta
    "ی": "ي",  # Farsi yeh
    "ک": "ك",  # keheh
}
_JOINERS = frozenset("'’‘ʼ`´ـ")  # apostrophes and the Arabic tatweel join a word
_WORD_CATEGORIES = ("L", "N", "Mc")


@lru_cache(maxsize=8192)
def _fold_char(ch: str) -> str:
    """One character of decomposed, case-folded text: itself, a mapped letter, "" or " "."""
    mapped = _LETTER_MAP.get(ch)
    if mapped is not None:
        return mapped
    if ch in _JOINERS:
        return ""
    category = unicodedata.category(ch)
    if category in ("Mn", "Me", "Cf"):  # combining marks, harakat, bidi and joiner marks
        return ""
    if category == "Nd":
        return str(unicodedata.digit(ch))
    if category.startswith(_WORD_CATEGORIES):
        return ch
    return " "


def _fold_once(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    return " ".join("".join(_fold_char(ch) for ch in decomposed).split())


@lru_cache(maxsize=65536)  # names repeat: a download folds 200,000 of them
def fold(text: str) -> str:
    """The search form of ``text``: folded words joined by single spaces."""
    folded = _fold_once(text)
    # A few compatibility characters unfold into text that folds further (a
    # decomposition yielding an upper-case letter, say); settle it here.
    for _ in range(3):
        again = _fold_once(folded)
        if again == folded:
            break
        folded = again
    return folded


def tokens(text: str) -> list[str]:
    """The folded words of ``text``."""
    return fold(text).split()
