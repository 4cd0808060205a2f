"""Folding: Turkish and Arabic equivalences, and idempotence."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from receptionist.folding import fold, tokens


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("İsmail", "ismail"),
        ("ISMAIL", "ismail"),
        ("ismail", "ismail"),
        ("Işık", "isik"),
        ("IŞIK", "isik"),
        ("ışık", "isik"),
        ("isik", "isik"),
        ("Şule Güneş-Çağlar", "sule gunes caglar"),
        ("ÖZTÜRK Ğ", "ozturk g"),
        ("Zeyne\u0301p", "zeynep"),  # combining acute typed separately
        ("O'Brien", "obrien"),
        ("Straße", "strasse"),
        ("ｆｕｌｌ width", "full width"),
    ],
)
def test_latin_and_turkish(typed: str, folded: str) -> None:
    assert fold(typed) == folded


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("أحمد", "احمد"),  # hamza above alef
        ("إبراهيم", "ابراهيم"),  # hamza below alef
        ("آمنة", "امنه"),  # madda; teh marbuta -> heh
        ("ٱلله", "الله"),  # alef wasla
        ("مُحَمَّد", "محمد"),  # harakat and shadda
        ("مـحـمـد", "محمد"),  # tatweel
        ("مصطفى", "مصطفي"),  # alef maksura -> yeh
        ("مؤمن", "مومن"),  # waw with hamza
        ("هيئة", "هييه"),  # yeh with hamza
    ],
)
def test_arabic(typed: str, folded: str) -> None:
    assert fold(typed) == folded


def test_spellings_of_one_name_meet() -> None:
    assert fold("İSMAİL IŞIK") == fold("ismail isik") == fold("Ismail Işik")
    assert fold("أَحْمَد") == fold("احمد") == fold("إحمد")


def test_digits_of_any_script_become_ascii() -> None:
    assert fold("٠٥٣٢ ١٢٣") == "0532 123"


def test_marks_and_punctuation() -> None:
    assert fold("a\u200fb\u200e c") == "ab c"  # bidi marks vanish
    assert tokens("  ali.veli@Example.COM ") == ["ali", "veli", "example", "com"]
    assert fold("'; DROP TABLE patient; --") == "drop table patient"


@given(st.text())
def test_folding_is_idempotent(text: str) -> None:
    once = fold(text)
    assert fold(once) == once
    assert "  " not in once and once == once.strip()
