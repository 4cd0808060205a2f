"""Search: names in any order and script, phones in any format, ranking, index upkeep."""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from factories import actor_ctx, add_clinic, make_patient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from receptionist.clock import FixedClock
from receptionist.context import Ctx
from receptionist.errors import PermissionDenied
from receptionist.folding import tokens
from receptionist.models import Patient
from receptionist.patients import searchindex
from receptionist.patients.record import create_patient, delete_patient, update_patient
from receptionist.patients.search import (
    index_patient,
    rebuild_search_index,
    search_patients,
    search_terms,
    sort_key,
)
from receptionist.store import migrate
from receptionist.store.storage import Database

Find = Callable[..., list[str]]
PEOPLE = [  # given, family, phone, national id, e-mail
    ("İsmail", "Işık", "0532 123 45 67", "10000000146", "ismail.isik@example.com"),
    ("Mehmet", "Yılmaz", "0533 765 43 21", None, None),
    ("Ayşe Nur", "Çelik", "0212 555 12 34", None, "ayse@ornek.com.tr"),
    ("مُحَمَّد", "أحمد", "+966 50 987 6543", None, None),
    ("فاطمة", "الزهراء", None, None, None),
]


@pytest.fixture
def clinic(db: Database, clock: FixedClock) -> Database:
    with db.write() as s:
        add_clinic(s, clock.now())
    return db


@pytest.fixture(scope="module")
def people(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Database, Ctx]]:
    """One clinic holding PEOPLE, shared by the read-only tests of this module."""
    db = Database(tmp_path_factory.mktemp("search") / "clinic.db", bytes(range(32)))
    migrate.upgrade(db)
    clock = FixedClock(datetime(2026, 3, 2, 7, 0, tzinfo=UTC))
    ctx = actor_ctx("admin", clock, source="cli")
    with db.write() as s:
        add_clinic(s, clock.now())
        for given_name, family, phone, nid, email in PEOPLE:
            create_patient(s, ctx, given_name=given_name, family_name=family, phone=phone,
                           national_id=nid, email=email)  # fmt: skip
    yield db, ctx
    db.close()


def finder(db: Database, ctx: Ctx) -> Iterator[Callable[..., list[str]]]:
    with db.read() as s:

        def names(query: str, limit: int = 50) -> list[str]:
            return [r.display_name for r in search_patients(s, ctx, query, limit=limit)]

        yield names


@pytest.fixture
def find(clinic: Database, ctx: Ctx) -> Iterator[Callable[..., list[str]]]:
    yield from finder(clinic, ctx)


@pytest.fixture
def find_people(people: tuple[Database, Ctx]) -> Iterator[Callable[..., list[str]]]:
    yield from finder(*people)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ismail", ["İsmail Işık"]),
        ("ISMAİL", ["İsmail Işık"]),
        ("isik", ["İsmail Işık"]),
        ("ışık", ["İsmail Işık"]),
        ("IŞIK ismail", ["İsmail Işık"]),
        ("yılmaz meh", ["Mehmet Yılmaz"]),
        ("lmaz hme", ["Mehmet Yılmaz"]),  # fragments inside words, any order
        ("nur celik ayse", ["Ayşe Nur Çelik"]),
        ("محمد", ["مُحَمَّد أحمد"]),
        ("احمد مُحمد", ["مُحَمَّد أحمد"]),
        ("إحمد", ["مُحَمَّد أحمد"]),
        ("فاطمه", ["فاطمة الزهراء"]),
        ("mehmet işık", []),  # words are ANDed
        ("zzz", []),
    ],
)
def test_names(find_people: Find, query: str, expected: list[str]) -> None:
    assert find_people(query) == expected


@pytest.mark.parametrize(
    "query",
    [
        "0532 123 45 67",
        "+90 532 123 45 67",
        "5321234567",
        "0090 532 123 45 67",
        "(0532) 123-4567",
        "2345",  # a partial run of at least four digits
        "123 45 6",
        "10000000146",  # national ID
        "0000001",
        "ismail.isik@example.com",
        "isik@exam",
    ],
)
def test_phone_id_and_email(find_people: Find, query: str) -> None:
    assert find_people(query) == ["İsmail Işık"]


def test_short_and_shared_queries(find_people: Find) -> None:
    find = find_people
    assert find("532") == []  # under four digits: no digit search
    assert find("example") == ["İsmail Işık"]
    assert find("+966 50 987 6543") == ["مُحَمَّد أحمد"]
    assert find("a-2") == ["Mehmet Yılmaz"]  # a patient number, any case
    assert find("A-4 ") == ["مُحَمَّد أحمد"]
    assert find("m") == ["Mehmet Yılmaz"]  # one letter: starts a name word
    assert find("م") == ["مُحَمَّد أحمد"]
    assert find("ı") == ["İsmail Işık"]
    assert find("me") == ["Mehmet Yılmaz"]  # two letters: starts a word
    assert find("eh") == []
    assert find("n ç") == ["Ayşe Nur Çelik"]
    assert find("a") == ["Ayşe Nur Çelik"]
    assert find("i", limit=1) == ["İsmail Işık"]


def test_ranking(clinic: Database, ctx: Ctx, find: Find) -> None:
    with clinic.write() as s:
        for given_name, family in [("Halil", "Yıldız"), ("Alican", "Demir"), ("Ali", "Kaya"),
                                   ("Veli", "Aliyev"), ("Ali", "Acar"), ("Ali Rıza", "Acar"),
                                   ("Mehmet", "Kalinin")]:  # fmt: skip
            create_patient(s, ctx, given_name=given_name, family_name=family)
    assert find("ali") == [
        "Ali Acar", "Ali Rıza Acar", "Ali Kaya",  # whole word, by family then given name
        "Veli Aliyev", "Alican Demir",  # start of a word
        "Mehmet Kalinin", "Halil Yıldız",  # inside a word
    ]  # fmt: skip
    assert find("ali", limit=4) == ["Ali Acar", "Ali Rıza Acar", "Ali Kaya", "Veli Aliyev"]
    assert find("acar ali") == ["Ali Acar", "Ali Rıza Acar"]


def test_permission(people: tuple[Database, Ctx], clock: FixedClock) -> None:
    stranger = actor_ctx("nobody", clock, "x")
    with people[0].read() as s, pytest.raises(PermissionDenied):
        search_patients(s, stranger, "ali")


def assert_index_in_order(s: Session) -> None:
    """Rowid order is sort-key order, and the index holds exactly the live patients."""
    rows = s.execute(
        select(Patient.search_rowid, Patient.sort_key, Patient.given_name, Patient.family_name,
               Patient.phone, Patient.national_id, Patient.email)
        .where(Patient.deleted_at.is_(None)).order_by(Patient.search_rowid)
    ).all()  # fmt: skip
    keys = [r.sort_key for r in rows]
    assert keys == sorted(keys)
    assert all(r.sort_key == sort_key(r.given_name, r.family_name) for r in rows)
    indexed = {r[0]: r[1] for r in s.execute(text("SELECT rowid, terms FROM patient_search"))}
    assert indexed == {
        r.search_rowid: search_terms(r.given_name, r.family_name, r.phone, r.national_id, r.email)
        for r in rows
    }


def test_order_kept_through_inserts_renames_and_respacing(
    clinic: Database, ctx: Ctx, find: Find, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(searchindex, "GAP", 2)  # gaps run out at once: re-spacing is exercised
    monkeypatch.setattr(searchindex, "FIRST_ROWID", 4)
    rnd = random.Random(7)
    names = [(g, f) for g in ("Ali", "Can", "Ece", "Ömer") for f in ("Kaya", "Kara", "Ak", "Öz")]
    with clinic.write() as s:
        made = [
            create_patient(s, ctx, given_name=g, family_name=f) for g, f in rnd.sample(names, 16)
        ]
        made += [create_patient(s, ctx, given_name="Ali", family_name="Kaya") for _ in range(12)]
        for p in rnd.sample(made, 8):
            update_patient(s, ctx, p.id, family_name=rnd.choice(["Akın", "Zor", "Kaya"]))
        delete_patient(s, ctx, made[0].id)
        assert_index_in_order(s)
    expected = sorted(
        ((p.family_name, p.given_name) for p in made[1:] if p.family_name.startswith("K")),
        key=lambda n: sort_key(n[1], n[0]),
    )
    assert find("k", limit=100) == [f"{g} {f}" for f, g in expected]


def test_index_patient_places_a_new_patient(
    clinic: Database, clock: FixedClock, find: Find
) -> None:
    """What sync does with a patient from another PC: build it, index it."""
    now = clock.now()
    with clinic.write() as s:
        p = Patient(number="B-1", given_name="Ayten", family_name="Şen", phone="+905321112233",
                    created_at=now, updated_at=now)  # fmt: skip
        index_patient(s, p)
        assert p.search_rowid > 0 and p.sort_key == "sen\x1fayten"
    assert find("sen ayt") == ["Ayten Şen"]
    assert find("532 111") == ["Ayten Şen"]


def test_rebuild_after_a_bulk_load(clinic: Database, clock: FixedClock, find: Find) -> None:
    now = clock.now()
    with clinic.write() as s:
        for i, (g, f) in enumerate([("Zeki", "Ak"), ("Ayla", "Zorlu"), ("Berk", "Ak")], start=1):
            make_patient(s, now, i, g, f, number=f"A-{i}")
        assert rebuild_search_index(s) == 3
        assert_index_in_order(s)
    assert find("a") == ["Berk Ak", "Zeki Ak", "Ayla Zorlu"]


letters = st.one_of(
    st.sampled_from("abcçdefgğhıijklmnoöprsştuüvyzABCÇDEFGĞHIİJKLMNOÖPRSŞTUÜVYZ -'"),
    st.sampled_from("ابتثجحخدذرزسشصضطظعغفقكلمنهويأإآىةؤئءَُِّـ"),
    st.characters(categories=["L", "Mn"], codec="utf-8"),
)
# A name the desk may enter: validation wants at least one letter or digit ("-" is not).
name = st.text(letters, min_size=1, max_size=24).filter(
    lambda n: any(unicodedata.category(ch)[0] in "LN" for ch in n)
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(given_name=name, family_name=name)
def test_every_patient_found_by_each_name_word(
    clinic: Database, ctx: Ctx, given_name: str, family_name: str
) -> None:
    with clinic.write() as s:
        p = create_patient(s, ctx, given_name=given_name, family_name=family_name)
    words = [w for w in tokens(p.given_name) + tokens(p.family_name) if not w.isdigit()]
    with clinic.read() as s:
        for word in words:
            assert p.id in [r.id for r in search_patients(s, ctx, word, limit=500)], word
        if words:
            backwards = " ".join(reversed(words))
            assert p.id in [r.id for r in search_patients(s, ctx, backwards, limit=500)]


def test_one_pass_ranking_matches_the_tier_queries(
    clinic: Database, ctx: Ctx, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Narrow queries are ranked in Python from one index walk; broad ones tier by
    tier in FTS5. Both must give the same patients in the same order."""
    from receptionist.patients import search

    rng = random.Random(7)
    parts = ["al", "i", "ka", "ya", "meh", "met", "yıl", "maz", "ça", "lı", "şık", "er"]

    def word() -> str:
        return "".join(rng.choice(parts) for _ in range(rng.randint(1, 3))).capitalize()

    with clinic.write() as s:
        for _ in range(120):
            create_patient(s, ctx, given_name=f"{word()} {word()}", family_name=word())
    queries = ["ali", "al", "a", "ka ya", "meh", "yılmaz", "ça", "alika", "er al", "i k"]
    queries += [f"{word().lower()[:4]} {word().lower()[:3]}" for _ in range(40)]
    one_pass_used = 0
    for query in queries:
        for limit in (5, 50):
            with clinic.read() as s:
                here = [r.id for r in search.search_patients(s, ctx, query, limit=limit)]
                words = [[w] for w in dict.fromkeys(tokens(query))]
                levels = search._levels(words)
                narrow = len(levels) > 1 and search._ranked_here(s, levels, limit) is not None
                one_pass_used += narrow
                with monkeypatch.context() as m:
                    m.setattr(search, "_ranked_here", lambda *a: None)
                    tiered = [r.id for r in search.search_patients(s, ctx, query, limit=limit)]
            assert here == tiered, (query, limit)
    assert one_pass_used > 20, "the comparison must exercise the one-pass path"
