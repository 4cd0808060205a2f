"""The small clinic the GUI tests run on: two providers, two rooms, a Monday of bookings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from factories import add_clinic

from receptionist.clock import FixedClock
from receptionist.context import Actor, Ctx
from receptionist.models import Appointment, BlockedTime, Patient, Provider, Room, Service
from receptionist.patients.search import rebuild_search_index
from receptionist.staff import accounts as staff
from receptionist.store import storage

PASSPHRASE = "correct horse battery"
USER, PASSWORD = "ayse", "front-desk-pass"
IST = ZoneInfo("Europe/Istanbul")
DAY = date(2026, 3, 2)  # the clock fixture's Monday
WEEKDAYS = {d: [["08:00", "19:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat")}


def at(hhmm: str, day: date = DAY) -> datetime:
    h, m = (int(x) for x in hhmm.split(":"))
    return datetime(day.year, day.month, day.day, h, m, tzinfo=IST).astimezone(UTC)


@dataclass
class Seeded:
    root: Path
    ids: dict[str, str]


def seed(db: storage.Database, clock: FixedClock) -> dict[str, str]:
    now = clock.now()
    stamp: dict[str, Any] = {"created_at": now, "updated_at": now}
    ids: dict[str, str] = {}
    with db.write() as s:
        add_clinic(
            s,
            now,
            name="Şifa Clinic",
            tz="Europe/Istanbul",
            phone_region="TR",
            slot_minutes=15,
            opening_hours=WEEKDAYS,
        )
        split = {"mon": [["09:00", "12:30"], ["13:30", "18:00"]]}
        ayse = Provider(name="Dr. Ayşe Demir", colour="#2b6cb0", working_hours=split, **stamp)
        omar = Provider(name="Dr. Omar Haddad", colour="#c05621", **stamp)
        rooms = [Room(name=f"Room {n}", **stamp) for n in (1, 2)]
        check = Service(name="Check-up", duration_minutes=30, colour="#4a90d9", **stamp)
        clean = Service(name="Cleaning", duration_minutes=45, colour="#7fb77e", **stamp)
        people = [("Zeynep", "Kaya"), ("Mehmet", "Öztürk"), ("Layla", "Haddad"), ("John", "Smith")]
        patients = [
            Patient(search_rowid=i + 1, number=f"A-{i + 1}", given_name=g, family_name=f, **stamp)
            for i, (g, f) in enumerate(people)
        ]
        s.add_all([ayse, omar, *rooms, check, clean, *patients])
        s.flush()
        plan = [  # (key, provider, patient, service, room, local start, minutes, status)
            ("a1", ayse, 0, check, 0, "09:00", 30, "confirmed"),
            ("a2", ayse, 1, clean, 0, "10:00", 45, "arrived"),
            ("a3", ayse, 2, check, 0, "11:00", 30, "booked"),
            ("o1", omar, 3, clean, 1, "09:30", 45, "in_room"),
            ("o2", omar, 0, check, 1, "09:45", 30, "booked"),  # overlaps o1: two lanes
            ("gone", omar, 1, check, 1, "14:00", 30, "cancelled"),
            ("next", ayse, 3, check, 0, "09:00", 30, "booked"),  # the next day
        ]
        for key, prov, pat, svc, room, start, minutes, status in plan:
            day = DAY + timedelta(days=1) if key == "next" else DAY
            appt = Appointment(
                patient_id=patients[pat].id,
                provider_id=prov.id,
                service_id=svc.id,
                room_id=rooms[room].id,
                start_utc=at(start, day),
                end_utc=at(start, day) + timedelta(minutes=minutes),
                status=status,
                **stamp,
            )
            s.add(appt)
            s.flush()
            ids[key] = appt.id
        s.add(
            BlockedTime(
                provider_id=omar.id,
                start_utc=at("12:00"),
                end_utc=at("13:00"),
                kind="time_off",
                **stamp,
            )
        )
        ctx = Ctx(Actor(user_id=None, role="admin", source="cli"), clock)
        staff.create_user(
            s, ctx, username=USER, password=PASSWORD, role="receptionist", bootstrap=True
        )
        ids.update(ayse=ayse.id, omar=omar.id, room1=rooms[0].id, room2=rooms[1].id)
        rebuild_search_index(s)  # rows added through the ORM: put them in the search index
    return ids
