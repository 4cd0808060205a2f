"""The sweep benchmark's clinic: five years of a busy clinic, built in minutes.

``demo.generate`` picks each appointment in Python and inserts it through the
triggers; at 2,000,000 appointments that ran for more than 25 minutes here. This
builder makes the appointments set-based inside the SQLCipher file: one
``INSERT ... SELECT`` over a recursive CTE of days x providers x half-hour slots, with
each slot's patient, service and status drawn by a deterministic hash of the slot's
number. The rows are those the app writes: the same columns, the local copies the
insert trigger would set (``patient_label``, ``card_kind``) computed in the same
statement, and one ``insert`` row in the change feed per appointment, written
set-based while the two per-row insert triggers are set aside in the same
transaction (re-created from their own SQL before the commit: a crash leaves the
file as it was).

The shape (``Shape``): patients arrive evenly over the five years (their numbers and
``created_at`` in that order). A fifth of them are regulars who keep coming back
(``regular_visits`` of the appointments go to an arrived regular, picked evenly);
the rest are seen only in the few months after they arrive (``window``). So at the
benchmark's NOW, with the default policy (24 months after the last appointment),
the newcomers of the first three years are past their time: about 45 % of the
patients and a third of the appointments, what a clinic's first sweep after five
years meets. One past appointment in ten has a communication-log entry (a call),
which the 12-month policy also sweeps. A patient may now and then have two
appointments on one day (slots are drawn independently); nothing swept depends on it.
"""

from __future__ import annotations

import json
import math
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from receptionist.clock import FixedClock
from receptionist.demo.generate import Sizes, _patients, generate
from receptionist.models import to_micros
from receptionist.models.base import ordered_id
from receptionist.ops.setup import ClinicSpec, initialise
from receptionist.patients.searchindex import bulk_rowids
from receptionist.store.storage import raw_connect
from receptionist.store.vault import DataDir, open_clinic, unlock

MASK = (1 << 64) - 1
PATIENT_COLUMNS = (
    "id", "created_at", "updated_at", "version", "deleted_at", "search_rowid", "number",
    "given_name", "family_name", "national_id", "birth_date", "gender", "phone", "email",
    "address", "notes", "preferred_language", "preferred_channel", "sort_key",
)  # fmt: skip
FEED_INSERTS = ("tr_appointment_card_insert", "tr_feed_appointment_insert")


@dataclass(frozen=True)
class Shape:
    patients: int = 200_000
    appointments: int = 2_000_000
    years: int = 5
    days_ahead: int = 56
    providers: int = 44  # 44 x 28 half-hour slots x 6 days a week: ~2.0 M in 5 years
    slot_minutes: int = 30
    day_start_minutes: int = 7 * 60
    slots: int = 28  # 07:00 to 21:00
    regular_every: int = 5  # patient i is a regular when i % 5 == 0
    regular_visits: float = 0.4
    window: float = 0.03  # a newcomer's visits: 0.03 of five years (~1.8 months)
    call_share: float = 0.1
    # The rows' ids: random (version 4, as the app made them before session 17, and
    # every clinic's rows of before then), or ordered by the time each row was made
    # (``models.new_id`` since then: the week first): a clinic whose five years were all
    # written with ordered ids.
    ordered_ids: bool = False

    def scaled(self, scale: float) -> Shape:
        return Shape(
            patients=max(100, int(self.patients * scale)),
            appointments=max(1000, int(self.appointments * scale)),
            providers=max(2, math.ceil(self.providers * scale)),
            ordered_ids=self.ordered_ids,
        )


def unit(n: int, salt: int) -> float:
    """A deterministic draw in [0, 1) for slot ``n`` (splitmix64's finaliser)."""
    z = (n * 0x9E3779B97F4A7C15 + salt * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return ((z ^ (z >> 31)) >> 11) / float(1 << 53)


def build(root: Path, shape: Shape, now: datetime, passphrase: str) -> dict[str, int]:
    """A new clinic in ``root`` holding ``shape``'s five years; returns row counts."""
    spec = ClinicSpec("Benchmark Clinic", "Europe/Istanbul", "TR", "admin", "admin-password")
    initialise(root, spec, FixedClock(now), passphrase=passphrase)
    env = {"RECEPTIONIST_PASSPHRASE": passphrase}
    db = open_clinic(root, env=env)
    try:  # providers, rooms and services as the demo makes them (no patients yet)
        with db.write() as session:
            sizes = Sizes(providers=shape.providers, rooms=12, patients=0, appointments=0)
            generate(session.connection(), sizes, now)
    finally:
        db.close()
    key = unlock(root, env=env)
    conn = raw_connect(DataDir(root).db, key, cache_mb=2048)
    try:
        return _fill(conn, shape, now)
    finally:
        conn.close()


def _fill(conn: Any, shape: Shape, now: datetime) -> dict[str, int]:
    rng = random.Random(14)
    conn.create_function("unit", 2, unit, deterministic=True)
    if shape.ordered_ids:  # made at ``at`` (microseconds), as models.new_id makes them
        conn.create_function("new_id", 1, lambda at: ordered_id(at // 1000, rng.getrandbits(112)))
    else:
        conn.create_function(
            "new_id", 1, lambda at: str(uuid.UUID(int=rng.getrandbits(128), version=4))
        )
    zone = ZoneInfo(json.loads(_one(conn, "SELECT value FROM clinic_setting WHERE key = ?",
                                    "clinic.timezone")))  # fmt: skip
    conn.execute("BEGIN IMMEDIATE")
    try:
        _step("patients", lambda: _patients_in(conn, rng, shape, now, zone))
        _step("appointments", lambda: _appointments_in(conn, shape, now, zone))
        _step("calls", lambda: _calls_in(conn, shape, now))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    _step("analyze", lambda: conn.execute("ANALYZE"))
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    return {t: int(_one(conn, f"SELECT count(*) FROM {t}"))
            for t in ("patient", "appointment", "communication_entry", "change_log")}  # fmt: skip


def _one(conn: Any, sql: str, *params: object) -> Any:
    return conn.execute(sql, params).fetchone()[0]


def _step(name: str, work: Callable[[], object]) -> None:
    started = time.perf_counter()
    work()
    print(f"  {name}: {time.perf_counter() - started:.1f} s", flush=True)


def _first_day(now: datetime, shape: Shape, zone: ZoneInfo) -> datetime:
    today = now.astimezone(zone).date()
    first = today - timedelta(days=round(365.25 * shape.years))
    return datetime.combine(first, datetime.min.time(), zone)


def _patients_in(
    conn: Any, rng: random.Random, shape: Shape, now: datetime, zone: ZoneInfo
) -> None:
    """Patients arriving evenly over the years: number i, created at its i-th part."""
    start = to_micros(_first_day(now, shape, zone))
    span = to_micros(now) - start
    rows = list(_patients(rng, shape.patients, "A", now))
    for i, (row, rowid) in enumerate(
        zip(rows, bulk_rowids([r["sort_key"] for r in rows]), strict=True)
    ):
        row["search_rowid"] = rowid
        row["created_at"] = row["updated_at"] = start + span * i // shape.patients
        if shape.ordered_ids:
            row["id"] = ordered_id(row["created_at"] // 1000, rng.getrandbits(112))
    conn.executemany(
        f"INSERT INTO patient ({', '.join(PATIENT_COLUMNS)})"
        f" VALUES ({', '.join('?' * len(PATIENT_COLUMNS))})",
        [tuple(_plain(r[c]) for c in PATIENT_COLUMNS) for r in rows],
    )
    conn.executemany(
        "INSERT INTO patient_search(rowid, terms) VALUES (?, ?)",
        [(r["search_rowid"], r["_terms"]) for r in rows],
    )
    conn.execute("UPDATE device SET patient_counter = ?", (shape.patients,))
    conn.execute("CREATE TEMP TABLE g_patient (i INTEGER PRIMARY KEY, id TEXT, label TEXT)")
    conn.executemany(
        "INSERT INTO g_patient VALUES (?, ?, ?)",
        [(i, r["id"], f"{r['given_name']} {r['family_name']}".strip()) for i, r in enumerate(rows)],
    )


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


# One row per open slot (days x providers x slots, Sundays closed), with its patient,
# service and status drawn from the slot's number n. t: how far through the years.
CELLS = """
WITH RECURSIVE day(d) AS (SELECT 0 UNION ALL SELECT d + 1 FROM day WHERE d + 1 < :days),
slot(s) AS (SELECT 0 UNION ALL SELECT s + 1 FROM slot WHERE s + 1 < :slots),
cell AS (
  SELECT d, s, p.k AS pk, p.id AS provider_id, p.room_id,
         (d * :providers + p.k) * :slots + s AS n,
         min(1.0, d * 1.0 / :past_days) AS t
  FROM day, g_provider AS p, slot
  WHERE (d + :weekday0) % 7 != 6
),
booked AS (
  SELECT *, CASE WHEN unit(n, 1) < :regular_visits
    THEN :every * CAST(unit(n, 2) * max(1, t * :regulars) AS INTEGER)
    ELSE max(0, min(:patients - 1, CAST((t - unit(n, 3) * :window) * :patients AS INTEGER)))
    END AS pi,
    CAST(unit(n, 4) * :services AS INTEGER) AS sk, unit(n, 5) AS roll
  FROM cell WHERE unit(n, 0) < :fill
)
"""
TIMES = """
, timed AS (
  SELECT b.*, :first + b.d * 86400000000 + (:day_start + b.s * :slot + sv.before) * 60000000
           - :offset AS start_utc, sv.id AS service_id, sv.minutes
  FROM booked AS b JOIN g_service AS sv ON sv.k = b.sk
),
stated AS (
  SELECT *, CASE
    WHEN start_utc >= :now - 3600000000
      THEN (CASE WHEN roll < 0.4 THEN 'confirmed' ELSE 'booked' END)
    WHEN roll < 0.05 THEN 'no_show' WHEN roll < 0.10 THEN 'cancelled' ELSE 'completed' END
    AS status
  FROM timed
)
"""
INSERT = """
INSERT INTO appointment (id, created_at, updated_at, version, deleted_at, patient_id,
  provider_id, service_id, room_id, start_utc, end_utc, status, notes, booked_by,
  cancellation_reason, series_id, override_by, override_reason, arrived_at,
  patient_label, card_kind)
SELECT new_id(start_utc - 604800000000), start_utc - 604800000000,
  start_utc - 604800000000, 1, NULL, gp.id,
  c.provider_id, c.service_id, c.room_id, c.start_utc, c.start_utc + c.minutes * 60000000,
  c.status, '', NULL, CASE WHEN c.status = 'cancelled' THEN 'Patient called' ELSE '' END,
  NULL, NULL, '', NULL, gp.label, k.no
FROM stated AS c JOIN g_patient AS gp ON gp.i = c.pi
JOIN card_kind AS k ON k.provider_id = c.provider_id AND k.room_id = coalesce(c.room_id, '')
  AND k.service_id = c.service_id AND k.status = c.status
ORDER BY c.start_utc, c.pk
"""
STATUSES = ("booked", "confirmed", "completed", "cancelled", "no_show")


def _appointments_in(conn: Any, shape: Shape, now: datetime, zone: ZoneInfo) -> None:
    first = _first_day(now, shape, zone)
    last = now.astimezone(zone) + timedelta(days=shape.days_ahead)
    if first.utcoffset() != last.utcoffset():
        raise SystemExit("the builder assumes one UTC offset over the years (Istanbul's)")
    offset = first.utcoffset()
    assert offset is not None
    days = (last.date() - first.date()).days
    past_days = (now.astimezone(zone).date() - first.date()).days
    open_slots = sum(1 for d in range(days) if (d + first.weekday()) % 7 != 6)
    open_slots *= shape.providers * shape.slots
    conn.execute("CREATE TEMP TABLE g_provider (k INTEGER PRIMARY KEY, id TEXT, room_id TEXT)")
    conn.execute("CREATE TEMP TABLE g_service (k INTEGER PRIMARY KEY, id TEXT, minutes INT,"
                 " before INT)")  # fmt: skip
    rooms = [r[0] for r in conn.execute("SELECT id FROM room ORDER BY name")]
    providers = [r[0] for r in conn.execute("SELECT id FROM provider ORDER BY name")]
    conn.executemany("INSERT INTO g_provider VALUES (?, ?, ?)",
                     [(k, p, rooms[k] if k < len(rooms) else None)
                      for k, p in enumerate(providers)])  # fmt: skip
    conn.execute(
        "INSERT INTO g_service SELECT row_number() OVER (ORDER BY name) - 1, id,"
        " duration_minutes, buffer_before_minutes FROM service"
        " WHERE buffer_before_minutes + duration_minutes + buffer_after_minutes <= ?",
        (shape.slot_minutes,),
    )
    services = int(_one(conn, "SELECT count(*) FROM g_service"))
    conn.execute(
        "INSERT OR IGNORE INTO card_kind (provider_id, room_id, service_id, status)"
        " SELECT p.id, coalesce(p.room_id, ''), s.id, st.value"
        " FROM g_provider AS p, g_service AS s, json_each(?) AS st",
        (json.dumps(STATUSES),),
    )
    params = {
        "days": days, "slots": shape.slots, "providers": shape.providers,
        "past_days": past_days, "weekday0": first.weekday(),
        "regular_visits": shape.regular_visits, "every": shape.regular_every,
        "regulars": shape.patients // shape.regular_every, "patients": shape.patients,
        "window": shape.window, "services": services,
        "fill": min(1.0, shape.appointments / open_slots), "first": to_micros(first),
        "day_start": shape.day_start_minutes, "slot": shape.slot_minutes,
        "offset": int(offset.total_seconds()) * 1_000_000, "now": to_micros(now),
    }  # fmt: skip
    saved = [r[0] for r in conn.execute(
        f"SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name IN"
        f" ({', '.join('?' * len(FEED_INSERTS))})", FEED_INSERTS)]  # fmt: skip
    assert len(saved) == len(FEED_INSERTS), "the appointment insert triggers were renamed"
    for name in FEED_INSERTS:
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute(CELLS + TIMES + INSERT, params)
    conn.execute(
        "INSERT INTO change_log (entity, row_id, version, kind, origin, at)"
        " SELECT 'appointment', id, version, 'insert', NULL, updated_at FROM appointment"
        " ORDER BY rowid"
    )
    for sql in saved:
        conn.execute(sql)


def _calls_in(conn: Any, shape: Shape, now: datetime) -> None:
    """A call in the communication log for ``call_share`` of the past appointments."""
    conn.execute(
        "INSERT INTO communication_entry (id, created_at, updated_at, version, deleted_at,"
        " patient_id, occurred_at, channel, direction, summary, recorded_by, appointment_id)"
        " SELECT new_id(start_utc - 86400000000), start_utc - 86400000000,"
        " start_utc - 86400000000, 1, NULL,"
        " patient_id, start_utc - 86400000000, 'phone', 'out', 'Reminded of the appointment',"
        " NULL, id FROM appointment WHERE start_utc < ? AND unit(rowid, 6) < ?",
        (to_micros(now), shape.call_share),
    )
