from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from receptionist import audit
from receptionist.demo import DEMO_PASSWORD, DEMO_USER, make_demo, open_demo
from receptionist.generate import Sizes, tr_national_id
from receptionist.integrity import check
from receptionist.models import Appointment, Patient
from receptionist.staff import authenticate


def test_demo_clinic_is_sound_and_never_double_books(tmp_path: Path, ctx, memory_keyring) -> None:
    sizes = Sizes(providers=3, rooms=2, patients=300, appointments=900, days_back=30, days_ahead=10)
    made = make_demo(tmp_path / "demo", clock=ctx.clock, sizes=sizes)
    assert made.patients == 300 and 0 < made.appointments <= 900
    memory_keyring.store.clear()  # the demo opens by its public passphrase, no keychain needed
    db = open_demo(tmp_path / "demo")
    try:
        assert check(db).ok
        with db.write() as s:
            assert authenticate(s, ctx, DEMO_USER, DEMO_PASSWORD).role == "admin"
            a, b = aliased(Appointment), aliased(Appointment)
            for col in ("provider_id", "patient_id", "room_id"):
                clash = s.scalar(
                    select(func.count())
                    .select_from(a)
                    .join(b, and_(getattr(a, col) == getattr(b, col), a.id < b.id))
                    .where(a.start_utc < b.end_utc, b.start_utc < a.end_utc)
                )
                assert clash == 0, col
            past = s.scalars(select(Appointment.status).where(
                Appointment.start_utc < ctx.clock.now() - timedelta(hours=2))).all()  # fmt: skip
            assert set(past) <= {"completed", "no_show", "cancelled"} and past
            names = s.scalars(select(Patient.family_name)).all()
            assert any(any("\u0600" <= ch <= "\u06ff" for ch in n) for n in names)
            assert any(ch in "ışğçöüİ" for n in names for ch in n)
            assert audit.verify(s).ok
    finally:
        db.close()


def test_generated_national_ids_pass_checksum() -> None:
    import random

    from receptionist.validation import tc_kimlik_valid

    rng = random.Random(1)
    assert all(tc_kimlik_valid(tr_national_id(rng)) for _ in range(200))
