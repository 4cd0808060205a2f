"""A realistic clinic, generated: the demo clinic and the benchmarks' large clinic.

Rows go in through bulk ``executemany`` on one connection (the ORM would spend
minutes on two million rows). Appointments never overlap by construction: each
provider's day is filled in sequence, a patient is seen at most once a day, and the
clinic-local wall-clock times are converted to UTC per day (so DST is honoured).
The caller audits the generation as one act per kind of row (``demo`` does: a
"generate" event each for providers, rooms, services, patients, appointments), not
one event per row.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, select, text

from receptionist.demo.data import NAME_POOLS, PROVIDER_COLOURS, PROVIDER_NAMES, SERVICES
from receptionist.models import (
    Appointment,
    Device,
    Patient,
    Provider,
    Room,
    Service,
    to_micros,
)
from receptionist.patients.searchindex import bulk_rowids, search_terms, sort_key

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
BATCH = 20_000


@dataclass(frozen=True)
class Sizes:
    providers: int = 6
    rooms: int = 4
    patients: int = 1_500
    appointments: int = 6_000
    days_back: int = 180  # appointments run from this many days ago ...
    days_ahead: int = 60  # ... to this many days ahead, as far as the count allows
    day_start: time = time(9, 0)
    day_end: time = time(18, 0)
    open_weekends: bool = False
    longest_service: int = 24 * 60  # only services this short are booked (minutes)
    # 0: any patient on any day. Else patients come and go: patient i is seen around
    # the i-th part of the range, within about this fraction of it (a real clinic's
    # turnover, which gives the retention sweep patients whose time is over).
    churn: float = 0.0


LARGE = Sizes(
    providers=20,
    rooms=12,
    patients=200_000,
    appointments=2_000_000,
    days_back=3_300,
    days_ahead=350,
    day_start=time(7, 0),
    day_end=time(21, 0),
    open_weekends=True,
    longest_service=20,
)


@dataclass
class Generated:
    providers: list[str]
    services: list[str]
    rooms: list[str]
    patients: int
    appointments: int


def _synced(now: datetime, **row: Any) -> dict[str, Any]:
    """A row as synced rows are, made and changed ``now`` (``row`` may say when it
    was made: ``created_at``)."""
    stamp = to_micros(now)
    return {
        "id": str(uuid.uuid4()),
        "created_at": stamp,
        "updated_at": stamp,
        "version": 1,
        "deleted_at": None,
        **row,
    }


def _hours(sizes: Sizes) -> dict[str, list[list[str]]]:
    span = [[sizes.day_start.strftime("%H:%M"), sizes.day_end.strftime("%H:%M")]]
    open_days = DAYS if sizes.open_weekends else DAYS[:5]
    return {d: (span if d in open_days else []) for d in DAYS}


def tr_national_id(rng: random.Random) -> str:
    """A number that passes the T.C. Kimlik No checksum (not a real person's)."""
    d = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(8)]
    d.append(((d[0] + d[2] + d[4] + d[6] + d[8]) * 7 - (d[1] + d[3] + d[5] + d[7])) % 10)
    d.append(sum(d) % 10)
    return "".join(map(str, d))


# Front-desk alerts of the demo: one patient in ALERT_EVERY has one (chosen by number,
# not by the random stream, so every other value of the demo stays as it was).
ALERT_EVERY = 29
DEMO_ALERTS = (
    "Needs wheelchair access",
    "Pays by insurance: Anadolu Sigorta",
    "Hard of hearing: face them and speak clearly",
    "Comes with an interpreter (Arabic)",
    "Latex allergy: tell the nurse",
)


def _alert(i: int) -> str:
    return DEMO_ALERTS[(i // ALERT_EVERY) % len(DEMO_ALERTS)] if i % ALERT_EVERY == 0 else ""


def _patients(
    rng: random.Random, n: int, device_code: str, now: datetime
) -> Iterator[dict[str, Any]]:
    weights = [w for _, _, w in NAME_POOLS]
    today = now.date()
    for i in range(1, n + 1):
        given_pool, family_pool, _ = rng.choices(NAME_POOLS, weights)[0]
        given, family = rng.choice(given_pool), rng.choice(family_pool)
        phone = f"+905{rng.randint(30, 59)}{rng.randint(0, 9_999_999):07d}"
        national_id = tr_national_id(rng) if rng.random() < 0.7 else None
        email = f"patient{i}@example.com" if rng.random() < 0.5 else None
        birth = today - timedelta(days=rng.randint(2 * 365, 90 * 365))
        yield _synced(
            now,
            search_rowid=0,  # set in name order by _insert_patients
            number=f"{device_code}-{i}",
            given_name=given,
            family_name=family,
            national_id=national_id,
            birth_date=birth,
            gender=None,
            phone=phone,
            email=email,
            address="",
            notes="",
            alert=_alert(i),
            preferred_language=rng.choice(("tr", "tr", "ar", "en")),
            preferred_channel=rng.choice(("sms", "whatsapp", "email", None)),
            sort_key=sort_key(given, family),
            _terms=search_terms(given, family, phone, national_id, email),
        )


def _plain(value: Any) -> Any:
    """A value as SQLAlchemy would store it on SQLite (we bypass its type layer)."""
    if isinstance(value, dict | list):
        return json.dumps(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def _flush(conn: Connection, table: Any, rows: list[dict[str, Any]]) -> None:
    """executemany straight on the driver: the ORM and type layer cost minutes here."""
    if not rows:
        return
    cols = list(rows[0])
    sql = f"INSERT INTO {table.name} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
    raw = conn.connection.driver_connection
    assert raw is not None
    raw.executemany(sql, [tuple(_plain(r[c]) for c in cols) for r in rows])
    rows.clear()


def _insert_patients(
    conn: Connection, rng: random.Random, sizes: Sizes, now: datetime
) -> list[str]:
    code = conn.execute(select(Device.code)).scalar() or "A"
    raw = conn.connection.driver_connection
    assert raw is not None
    everyone = list(_patients(rng, sizes.patients, code, now))
    # Search rowids follow the alphabet (see searchindex), so lists come out by name.
    for row, rowid in zip(everyone, bulk_rowids([r["sort_key"] for r in everyone]), strict=True):
        row["search_rowid"] = rowid
    ids = [row["id"] for row in everyone]
    for i in range(0, len(everyone), BATCH):
        chunk = everyone[i : i + BATCH]
        terms = [(row["search_rowid"], row.pop("_terms")) for row in chunk]
        _flush(conn, Patient.__table__, chunk)
        raw.executemany("INSERT INTO patient_search(rowid, terms) VALUES (?, ?)", terms)
    raw.execute("UPDATE device SET patient_counter = ?", (sizes.patients,))
    return ids


def _status(rng: random.Random, start: datetime, now: datetime) -> str:
    if start < now - timedelta(hours=1):
        roll = rng.random()
        return "no_show" if roll < 0.05 else "cancelled" if roll < 0.10 else "completed"
    return "confirmed" if rng.random() < 0.4 else "booked"


def _share(total: int, parts: int, index: int) -> int:
    """Part ``index`` of ``total`` cut into ``parts`` as evenly as whole numbers go."""
    return (index + 1) * total // parts - index * total // parts


def _pick(rng: random.Random, patients: list[str], churn: float, at: float, seen: set[str]) -> str:
    """A patient not ``seen`` yet that day ``at`` (0..1 of the range): any patient, or
    with ``churn`` one of that time (any, if that time's have all been seen)."""
    for _ in range(50 if churn else 0):
        centre = at + rng.uniform(-churn, churn)
        patient = patients[min(len(patients) - 1, max(0, int(centre * len(patients))))]
        if patient not in seen:
            return patient
    patient = rng.choice(patients)
    while patient in seen:
        patient = rng.choice(patients)
    return patient


# A demo booking was made days before: before its start, and before the last day (a
# booking of the last day is new, and switching reminders on confirms it:
# ``reminders.plan.confirm_since``); from 2 to 29 days before, spread by its number.
BOOKED_DAYS = (2, 29)


def _booked(start: datetime, now: datetime, made: int) -> datetime:
    """When the ``made``-th demo booking, starting at ``start``, was made (no draw of
    the generator's: the rest of the demo stays as it was)."""
    low, high = BOOKED_DAYS
    days = low + (made * 7919) % (high - low + 1)
    return min(start, now) - timedelta(days=days, minutes=(made * 37) % 600)


def _insert_appointments(
    conn: Connection,
    rng: random.Random,
    sizes: Sizes,
    now: datetime,
    zone: ZoneInfo,
    providers: list[str],
    rooms: list[str],
    services: list[tuple[str, int, int, int]],
    patients: list[str],
) -> int:
    first = now.astimezone(zone).date() - timedelta(days=sizes.days_back)
    last = now.astimezone(zone).date() + timedelta(days=sizes.days_ahead)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    days = [d for d in days if sizes.open_weekends or d.weekday() < 5]
    rows: list[dict[str, Any]] = []
    made = 0
    n = len(providers)
    for d_index, day in enumerate(days):
        seen: set[str] = set()
        # The count spread evenly over the whole range (a small demo still has a past,
        # a today and a future), and each day's share over the providers, in turn.
        share = _share(sizes.appointments, len(days), d_index)
        for p_index, provider in enumerate(providers):
            per_day = share // n + ((p_index - d_index) % n < share % n)
            cursor = datetime.combine(day, sizes.day_start, zone)
            end_of_day = datetime.combine(day, sizes.day_end, zone)
            room = rooms[p_index] if p_index < len(rooms) else None
            for _ in range(per_day):
                service, minutes, before, after = rng.choice(services)
                start = cursor + timedelta(minutes=before + 5 * rng.randint(0, 1))
                end = start + timedelta(minutes=minutes)
                if end + timedelta(minutes=after) > end_of_day or made >= sizes.appointments:
                    break
                if len(seen) >= len(patients):
                    break  # everyone has an appointment today: a patient is in one place
                patient = _pick(rng, patients, sizes.churn, d_index / len(days), seen)
                seen.add(patient)
                cursor = end + timedelta(minutes=after)
                s_utc, e_utc = start.astimezone(UTC), end.astimezone(UTC)
                status = _status(rng, s_utc, now)
                booked = _booked(s_utc, now, made)
                rows.append(
                    _synced(
                        now,
                        created_at=to_micros(booked),
                        patient_id=patient,
                        provider_id=provider,
                        service_id=service,
                        room_id=room,
                        start_utc=to_micros(s_utc),
                        end_utc=to_micros(e_utc),
                        status=status,
                        notes="",
                        booked_by=None,
                        cancellation_reason="Patient called" if status == "cancelled" else "",
                        series_id=None,
                        override_by=None,
                        override_reason="",
                        arrived_at=None,
                    )
                )
                made += 1
                if len(rows) >= BATCH:
                    _flush(conn, Appointment.__table__, rows)
    _flush(conn, Appointment.__table__, rows)
    return made


_ZONE = text("SELECT value FROM clinic_setting WHERE key = 'clinic.timezone'")


def generate(conn: Connection, sizes: Sizes, now: datetime, *, seed: int = 7) -> Generated:
    """Fill an empty clinic (its Clinic row must exist) with providers, services,
    rooms, patients and appointments around ``now``."""
    rng = random.Random(seed)
    zone = ZoneInfo(json.loads(conn.execute(_ZONE).scalar_one()))
    if conn.execute(select(Device.id)).first() is None:
        _flush(
            conn,
            Device.__table__,
            [
                {
                    "id": str(uuid.uuid4()),
                    "code": "A",
                    "patient_counter": 0,
                    "created_at": to_micros(now),
                }
            ],
        )
    hours = _hours(sizes)
    prov_rows = [
        _synced(
            now,
            name=PROVIDER_NAMES[i % len(PROVIDER_NAMES)]
            + (f" ({i // len(PROVIDER_NAMES) + 1})" if i >= len(PROVIDER_NAMES) else ""),
            colour=PROVIDER_COLOURS[i % len(PROVIDER_COLOURS)],
            working_hours=hours,
            active=True,
        )
        for i in range(sizes.providers)
    ]
    room_rows = [_synced(now, name=f"Room {i + 1}", active=True) for i in range(sizes.rooms)]
    svc_rows = [
        _synced(
            now,
            name=n,
            category=c,
            duration_minutes=m,
            price_minor=p,
            currency="TRY",
            buffer_before_minutes=b,
            buffer_after_minutes=a,
            colour=col,
            active=True,
        )
        for n, c, m, p, b, a, col in SERVICES
    ]
    _flush(conn, Provider.__table__, list(prov_rows))
    _flush(conn, Room.__table__, list(room_rows))
    _flush(conn, Service.__table__, list(svc_rows))
    patients = _insert_patients(conn, rng, sizes, now)
    services = [
        (r["id"], r["duration_minutes"], r["buffer_before_minutes"], r["buffer_after_minutes"])
        for r in svc_rows
        if r["duration_minutes"] <= sizes.longest_service
    ]
    made = _insert_appointments(
        conn,
        rng,
        sizes,
        now,
        zone,
        [r["id"] for r in prov_rows],
        [r["id"] for r in room_rows],
        services,
        patients,
    )
    return Generated(
        [r["id"] for r in prov_rows],
        [r["id"] for r in svc_rows],
        [r["id"] for r in room_rows],
        len(patients),
        made,
    )


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), zone)
