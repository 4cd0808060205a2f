"""The schedule's read-only queries: what is booked, worked and blocked in a window."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from factories import add_clinic, set_clinic
from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from receptionist.context import Actor, Ctx
from receptionist.errors import PermissionDenied
from receptionist.models import Appointment, BlockedTime, Patient, Provider, Room, Service
from receptionist.schedule import agenda
from receptionist.schedule.alerts import _ALERTS_SQL as ALERTS_SQL
from receptionist.schedule.cards import NO_ROOM, dbapi, window_query
from receptionist.schedule.cards import appointments as read_cards
from receptionist.store.storage import Database

IST = ZoneInfo("Europe/Istanbul")
MON = date(2026, 3, 2)


def _utc(day: date, hhmm: str) -> datetime:
    h, m = (int(x) for x in hhmm.split(":"))
    return datetime(day.year, day.month, day.day, h, m, tzinfo=IST).astimezone(UTC)


@pytest.fixture
def seeded(db: Database, clock) -> dict[str, str]:
    now = clock.now()
    stamp = {"created_at": now, "updated_at": now}
    with db.write() as s:
        opening = {"mon": [["08:00", "18:00"]]}
        add_clinic(
            s,
            now,
            name="Test",
            tz="Europe/Istanbul",
            phone_region="TR",
            slot_minutes=15,
            opening_hours=opening,
        )
        hours = {"mon": [["09:00", "12:00"], ["13:00", "17:00"]]}
        ada = Provider(name="Ada", working_hours=hours, **stamp)
        ben = Provider(name="Ben", **stamp)
        old = Provider(name="Old", active=False, **stamp)
        room = Room(name="Room 1", **stamp)
        svc = Service(name="Check-up", duration_minutes=30, colour="#aabbcc", **stamp)
        pat = Patient(
            search_rowid=1, number="A-1", given_name="Zeynep", family_name="Kaya", **stamp
        )
        s.add_all([ada, ben, old, room, svc, pat])
        s.flush()

        def appt(prov: Provider, start: datetime, status: str = "booked") -> Appointment:
            end = start + timedelta(minutes=30)
            a = Appointment(
                patient_id=pat.id,
                provider_id=prov.id,
                service_id=svc.id,
                room_id=room.id,
                start_utc=start,
                end_utc=end,
                status=status,
                **stamp,
            )
            s.add(a)
            return a

        first = appt(ada, _utc(MON, "10:00"))
        appt(ada, _utc(MON, "11:00"), status="cancelled")
        appt(ada, _utc(MON + timedelta(days=1), "10:00"))
        second = appt(ben, _utc(MON, "09:45"), status="arrived")
        s.add(
            BlockedTime(
                provider_id=ada.id,
                start_utc=_utc(MON, "14:00"),
                end_utc=_utc(MON, "15:00"),
                kind="time_off",
                **stamp,
            )
        )
        s.add(BlockedTime(start_utc=_utc(MON, "16:00"), end_utc=_utc(MON, "16:30"), **stamp))
        s.flush()
        return {
            "ada": ada.id,
            "ben": ben.id,
            "old": old.id,
            "room": room.id,
            "first": first.id,
            "second": second.id,
        }


def test_load_day_by_provider(db: Database, ctx: Ctx, seeded: dict[str, str]) -> None:
    start, end = agenda.day_window(MON, IST)
    with db.read() as s:
        day = agenda.load(s, ctx, start, end)
    assert [c.name for c in day.columns] == ["Ada", "Ben"]  # inactive provider left out
    assert [i.id for i in day.items] == [seeded["second"], seeded["first"]]  # cancelled hidden
    card = day.items[1]
    assert (card.patient_name, card.service_name, card.status) == (
        "Zeynep Kaya",
        "Check-up",
        "booked",
    )
    assert day.clinic.slot_minutes == 15
    ada = day.working[seeded["ada"]]
    assert [(i.start_utc, i.end_utc) for i in ada] == [
        (_utc(MON, "09:00"), _utc(MON, "12:00")),
        (_utc(MON, "13:00"), _utc(MON, "17:00")),
    ]
    # Ben has no hours of his own: he works the clinic's opening hours.
    assert [(i.start_utc, i.end_utc) for i in day.working[seeded["ben"]]] == [
        (_utc(MON, "08:00"), _utc(MON, "18:00"))
    ]
    assert [b.kind for b in day.blocked[seeded["ada"]]] == ["time_off", "blocked"]
    assert [b.start_utc for b in day.blocked[seeded["ben"]]] == [_utc(MON, "16:00")]


def test_filter_and_rooms(db: Database, ctx: Ctx, seeded: dict[str, str]) -> None:
    start, end = agenda.day_window(MON, IST, days=7)
    with db.read() as s:
        only_ben = agenda.load(s, ctx, start, end, ids=[seeded["ben"]])
        by_room = agenda.load(s, ctx, start, end, kind="room")
    assert [c.name for c in only_ben.columns] == ["Ben"]
    assert [i.id for i in only_ben.items] == [seeded["second"]]
    assert [c.kind for c in by_room.columns] == ["room", "room"]
    assert by_room.columns[-1].id == NO_ROOM  # those without a room: a column too
    assert len(by_room.items) == 3  # the week's three live appointments, all in Room 1
    assert by_room.working[seeded["room"]][0].start_utc == _utc(MON, "08:00")


def test_window_edges_overlap(db: Database, seeded: dict[str, str]) -> None:
    with db.read() as s:
        inside = read_cards(s, _utc(MON, "10:29"), _utc(MON, "10:31"))
        touching = read_cards(s, _utc(MON, "10:30"), _utc(MON, "10:45"))
        cancelled = read_cards(s, _utc(MON, "11:00"), _utc(MON, "11:30"), include_cancelled=True)
    assert [i.id for i in inside] == [seeded["first"]]
    assert touching == []
    assert [i.status for i in cancelled] == ["cancelled"]


def test_role_without_patient_read_is_refused(db: Database, clock, seeded) -> None:
    start, end = agenda.day_window(MON, IST)
    ctx = Ctx(Actor(user_id=None, role="nobody"), clock)  # type: ignore[arg-type]
    with db.read() as s, pytest.raises(PermissionDenied):
        agenda.load(s, ctx, start, end)


def test_day_window_across_dst() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    start, end = agenda.day_window(date(2026, 3, 29), berlin)  # clocks go forward
    assert (start.hour, end - start) == (23, timedelta(hours=23))


def test_hours_follow_the_booking_rule(db: Database, ctx: Ctx, seeded: dict[str, str]) -> None:
    """Provider hours are clipped to the clinic's; unset hours do not restrict."""
    with db.write() as s:
        set_clinic(s, opening_hours={"mon": [["10:00", "16:00"]]})
        s.get(Provider, seeded["ben"]).working_hours = {}
    start, end = agenda.day_window(MON, IST)
    with db.read() as s:
        working = agenda.working_intervals(s, start, end)
    assert [(i.start_utc, i.end_utc) for i in working[seeded["ada"]]] == [
        (_utc(MON, "10:00"), _utc(MON, "12:00")),
        (_utc(MON, "13:00"), _utc(MON, "16:00")),
    ]
    assert [(i.start_utc, i.end_utc) for i in working[seeded["ben"]]] == [
        (_utc(MON, "10:00"), _utc(MON, "16:00"))
    ]
    with db.write() as s:
        set_clinic(s, opening_hours={})
    with db.read() as s:
        assert agenda.working_intervals(s, start, end)[seeded["ben"]] == [
            agenda.Interval(start, end)
        ]


def test_no_clinic_row_gives_defaults(db: Database) -> None:
    with db.read() as s:
        info = agenda.clinic_info(s)
    assert (info.timezone, info.slot_minutes) == ("UTC", 15)


def test_cards_follow_the_patients_name(db: Database, ctx: Ctx, seeded: dict[str, str]) -> None:
    """The card's name is a local copy kept by triggers: a rename, or moving the
    appointment to another patient, shows on the schedule at once."""
    start, end = agenda.day_window(MON, IST)
    with db.write() as s:
        zeynep = s.scalars(select(Patient)).one()
        zeynep.family_name = "Demir"
        other = Patient(
            search_rowid=2,
            number="A-2",
            given_name="Omar",
            family_name="Haddad",
            created_at=zeynep.created_at,
            updated_at=zeynep.created_at,
        )
        s.add(other)
        s.flush()
        moved = s.get(Appointment, seeded["second"])
        assert moved is not None
        moved.patient_id = other.id
    with db.read() as s:
        names = {i.id: i.patient_name for i in agenda.load(s, ctx, start, end).items}
    assert names == {seeded["first"]: "Zeynep Demir", seeded["second"]: "Omar Haddad"}


def _xray(s: Session, at: datetime) -> Service:
    service = Service(
        name="X-ray", duration_minutes=15, colour="#112233", created_at=at, updated_at=at
    )
    s.add(service)
    s.flush()
    return service


def test_cards_carry_every_field_of_their_rows(
    db: Database, ctx: Ctx, seeded: dict[str, str]
) -> None:
    """The week query reads provider, room, service and status as one card-kind
    number and converts each number once: every card still shows its own row."""
    with db.write() as s:
        first = s.get(Appointment, seeded["first"])
        assert first is not None
        other = _xray(s, first.created_at)
        s.add(
            Appointment(
                patient_id=first.patient_id,
                provider_id=seeded["ben"],
                service_id=other.id,
                room_id=None,  # no room: None on the card, not ""
                start_utc=_utc(MON, "15:00"),
                end_utc=_utc(MON, "15:15"),
                status="confirmed",
                created_at=first.created_at,
                updated_at=first.created_at,
            )
        )
    start, end = agenda.day_window(MON, IST, days=7)
    with db.read() as s:
        cards = read_cards(s, start, end, include_cancelled=True)
        rows = {a.id: a for a in s.scalars(select(Appointment))}
        services = {v.id: v for v in s.scalars(select(Service))}
    assert len(cards) == len(rows) == 5
    for card in cards:
        row = rows[card.id]
        service = services[row.service_id]
        assert card._asdict() == {
            "id": row.id,
            "patient_name": "Zeynep Kaya",
            "start_utc": row.start_utc,
            "end_utc": row.end_utc,
            "provider_id": row.provider_id,
            "room_id": row.room_id,
            "service_id": row.service_id,
            "service_name": service.name,
            "service_colour": service.colour,
            "status": row.status,
        }, "every value under its own name"
    assert {c.room_id for c in cards} == {seeded["room"], None}
    assert [c.start_utc for c in cards] == sorted(c.start_utc for c in cards)


def test_raw_reads_see_the_sessions_pending_changes(
    db: Database, ctx: Ctx, seeded: dict[str, str]
) -> None:
    """The schedule's raw queries flush first, as ORM queries do, so a change made
    earlier in the same session is what they read."""
    start, end = agenda.day_window(MON, IST)
    with db.write() as s:
        set_clinic(s, slot_minutes=10)
        s.get(Provider, seeded["ben"]).name = "Benjamin"
        day = agenda.load(s, ctx, start, end)
        assert [c.name for c in day.columns] == ["Ada", "Benjamin"]
        assert day.clinic.slot_minutes == 10


def _kind_table(s: Session) -> dict[int, tuple[str, ...]]:
    rows = s.execute(text("SELECT no, provider_id, room_id, service_id, status FROM card_kind"))
    return {no: tuple(rest) for no, *rest in rows}


def test_cards_follow_every_change_of_their_row(
    db: Database, ctx: Ctx, seeded: dict[str, str]
) -> None:
    """The index holds a card's provider, room, service and status as one local number
    kept by triggers: a change by the ORM or by plain SQL (as the CLI or sync may
    write) shows at once, filters see it, and a number never changes its meaning."""
    start, end = agenda.day_window(MON, IST)
    with db.read() as s:
        kinds_before = _kind_table(s)
    with db.write() as s:
        first = s.get(Appointment, seeded["first"])
        assert first is not None
        other = _xray(s, first.created_at)
        first.provider_id, first.room_id, first.service_id = seeded["ben"], None, other.id
        first.status = "confirmed"
    with db.write() as s:  # plain SQL, no ORM
        s.execute(
            text("UPDATE appointment SET status = 'arrived', room_id = :room WHERE id = :id"),
            {"room": seeded["room"], "id": seeded["first"]},
        )
        s.execute(
            text("UPDATE appointment SET deleted_at = 1 WHERE id = :id"), {"id": seeded["second"]}
        )
    with db.read() as s:
        cards = {c.id: c for c in read_cards(s, start, end, include_cancelled=True)}
        ben = read_cards(s, start, end, provider_ids=[seeded["ben"]])
        ada = read_cards(s, start, end, provider_ids=[seeded["ada"]])
        in_room = read_cards(s, start, end, room_ids=[seeded["room"]])
        kinds_after = _kind_table(s)
        unset = s.execute(text("SELECT count(*) FROM appointment WHERE card_kind = 0")).scalar()
    card = cards[seeded["first"]]
    assert (card.provider_id, card.room_id, card.service_name, card.status) == (
        seeded["ben"],
        seeded["room"],
        "X-ray",
        "arrived",
    )
    assert seeded["second"] not in cards, "a deleted appointment leaves the schedule"
    assert [c.id for c in ben] == [seeded["first"]] and [c.id for c in in_room] == [seeded["first"]]
    assert ada == [], "Ada's other card that day is cancelled"
    assert kinds_after.items() >= kinds_before.items(), "kinds are added, never changed"
    assert unset == 0


def test_cards_of_one_kind_share_one_number(db: Database, seeded: dict[str, str]) -> None:
    with db.read() as s:
        numbers = dict(
            s.execute(
                text(
                    "SELECT provider_id || status || coalesce(room_id, ''), card_kind"
                    " FROM appointment"
                )
            ).all()
        )
        kinds = _kind_table(s)
    # Ada booked x2, Ada cancelled, Ben arrived: three kinds, and Ada's two booked
    # appointments (two days) map to the same number.
    assert len(set(numbers.values())) == len(numbers) == 3
    assert set(numbers.values()) <= set(kinds)


def test_a_whole_row_upsert_cannot_leave_stale_copies(
    db: Database, ctx: Ctx, seeded: dict[str, str]
) -> None:
    """A sync-style write of every column (the copies included, with whatever values
    the writer holds) leaves the copies right: the triggers put them back."""
    with db.write() as s:
        row = dict(
            s.execute(text("SELECT * FROM appointment WHERE id = :i"), {"i": seeded["first"]})
            .mappings()
            .one()
        )
        right = (row["card_kind"], row["patient_label"])
        row.update(card_kind=0, patient_label="")
        columns = list(row)
        kinds_before = _kind_table(s)
        names, values = ", ".join(columns), ", ".join(":" + c for c in columns)
        # A statement's own conflict clause overrides those inside the triggers it
        # fires: neither may turn the kind insert into a failure or a REPLACE that
        # renumbers a kind other appointments (Ada's next-day one) point to.
        s.execute(text(f"INSERT OR REPLACE INTO appointment ({names}) VALUES ({values})"), row)
        s.execute(
            text(
                f"INSERT INTO appointment ({names}) VALUES ({values}) ON CONFLICT(id) DO UPDATE"
                f" SET {', '.join(f'{c} = excluded.{c}' for c in columns if c != 'id')}"
            ),
            row,
        )
        assert _kind_table(s) == kinds_before
        after = s.execute(
            text("SELECT card_kind, patient_label FROM appointment WHERE id = :i"),
            {"i": seeded["first"]},
        ).one()
    assert tuple(after) == right
    start, end = agenda.day_window(MON, IST)
    with db.read() as s:
        names = {i.id: i.patient_name for i in agenda.load(s, ctx, start, end).items}
    assert names[seeded["first"]] == "Zeynep Kaya"


def test_a_card_with_a_kind_not_on_file_still_shows(
    db: Database, seeded: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    """Only a hand edit with the triggers dropped can do this; the week still shows,
    the card right, and the log (no patient data) says how to repair it."""
    with db.write() as s:
        s.execute(text("DROP TRIGGER tr_appointment_card_update"))
        s.execute(
            text("UPDATE appointment SET card_kind = 999 WHERE id = :i"), {"i": seeded["first"]}
        )
    start, end = agenda.day_window(MON, IST, days=7)
    with db.read() as s, caplog.at_level("WARNING"):
        cards = {c.id: c for c in read_cards(s, start, end, include_cancelled=True)}
    first = cards[seeded["first"]]
    assert (first.provider_id, first.room_id, first.service_name, first.status) == (
        seeded["ada"],
        seeded["room"],
        "Check-up",
        "booked",
    )
    assert len(cards) == 4 and "check --repair" in caplog.text and "Zeynep" not in caplog.text


def test_the_orm_never_writes_the_copies(db: Database, seeded: dict[str, str]) -> None:
    """Only the triggers write patient_label and card_kind: an ORM insert, update or
    merge of an appointment never names them, so no stale in-memory value can be
    written back."""
    sent: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        with db.write() as s:
            first = s.get(Appointment, seeded["first"])
            assert first is not None
            copy = Appointment(
                patient_id=first.patient_id,
                provider_id=first.provider_id,
                service_id=first.service_id,
                start_utc=first.start_utc + timedelta(days=14),
                end_utc=first.end_utc + timedelta(days=14),
                created_at=first.created_at,
                updated_at=first.created_at,
            )
            s.add(copy)
            s.flush()
            first.notes = "moved"
        with db.write() as s:
            copy.status = "confirmed"
            s.merge(copy)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    writes = [
        q
        for q in sent
        if q.lstrip().upper().startswith(("INSERT INTO APPOINTMENT", "UPDATE APPOINTMENT"))
    ]
    assert len(writes) >= 3
    assert not [q for q in writes if "card_kind" in q or "patient_label" in q]


@pytest.mark.parametrize(
    "by",
    [
        {},
        {"provider_ids": ["p"]},
        {"room_ids": ["r"]},
        {"room_ids": ["r", NO_ROOM]},
        {"include_cancelled": True},
    ],
    ids=["all", "providers", "rooms", "rooms-and-none", "with-cancelled"],
)
def test_a_week_reads_only_the_window_index(db: Database, by: dict[str, Any]) -> None:
    """Every column the schedule's query reads is in ix_appointment_window: SQLite walks
    one index range and never reads a row of the table (nor any patient). The query
    plan says "USING INDEX", not "COVERING", because of ``deleted_at IS NULL`` (the
    index's own condition), so the program itself is checked: no column is read
    through a cursor on the table."""
    start = datetime(2026, 3, 2, tzinfo=UTC)
    sql, params = window_query(start, start + timedelta(days=7), **by)
    with db.read() as s:
        conn = s.connection()
        plan = [
            str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", tuple(params))
        ]
        program = list(conn.exec_driver_sql(f"EXPLAIN {sql}", tuple(params)))
        roots = dict(
            s.execute(text("SELECT rootpage, name FROM sqlite_master WHERE rootpage > 0")).all()
        )
    assert any("ix_appointment_window" in d for d in plan), plan
    opened = {row[2]: roots.get(row[3]) for row in program if row[1] == "OpenRead"}
    read = {opened.get(row[2]) for row in program if row[1] == "Column"}
    assert "ix_appointment_window" in read
    assert not read & {"appointment", "patient"}, (read, plan)


def test_next_open_day_after_a_closed_one(db: Database, seeded: dict[str, str]) -> None:
    """Open on Mondays only: a Monday needs nothing; any other day points to the next Monday."""
    with db.read() as s:
        assert agenda.next_open_day(s, MON) is None
        assert agenda.next_open_day(s, MON + timedelta(days=1)) == MON + timedelta(days=7)
        assert agenda.next_open_day(s, MON + timedelta(days=6)) == MON + timedelta(days=7)


def test_a_patients_front_desk_alert_marks_their_cards_in_the_window(
    db: Database, ctx: Ctx, seeded: dict[str, str]
) -> None:
    start, end = agenda.day_window(MON, IST)
    with db.read() as s:
        assert agenda.load(s, ctx, start, end).alerts == {}
        assert agenda.load(s, ctx, start, end).clinic.phone_region == "TR"
    with db.write() as s:
        s.execute(text("UPDATE patient SET alert = 'Needs wheelchair access'"))
    with db.read() as s:
        day = agenda.load(s, ctx, start, end)
        explain = dbapi(s).execute("EXPLAIN QUERY PLAN " + ALERTS_SQL, (0, 0, 0))
        plan = " ".join(str(row[-1]) for row in explain)
    wheelchair = "Needs wheelchair access"
    assert day.alerts == {seeded["first"]: wheelchair, seeded["second"]: wheelchair}
    assert "ix_patient_alert" in plan and "ix_appointment_patient_start" in plan, plan
