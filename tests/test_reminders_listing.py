"""The list of messages (``ops.reminders.listing``: the Reminders view, ``reminders
list``): whose message it is (the patient's number and name, the appointment's start
and provider), in one query; the order its words promise; and a sentence for every
reason a message can show, in the list and in the patient's communication log."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest
from reminderclinic import Clinic, at, make
from sqlalchemy import event, select

from receptionist.clock import FixedClock
from receptionist.context import Actor, Ctx
from receptionist.models import CommunicationEntry, Patient, Provider, Reminder
from receptionist.models.names import ANONYMISED
from receptionist.ops import commlog, patients, reminders
from receptionist.patients.search import rebuild_search_index
from receptionist.reminders import dispatch, reasons
from receptionist.retention import anonymise
from receptionist.store.storage import Database


@pytest.fixture
def clinic(db: Database, ctx: Ctx, clock: FixedClock) -> Clinic:
    return make(db, ctx, clock)


def plant(
    clinic: Clinic, appointment: str, patient: str, state: str, send_at: datetime,
    reason: str = "", rule: str = "24h",
) -> str:  # fmt: skip
    """A message of ``appointment`` in ``state``, written as dispatch leaves one."""
    now = clinic.clock.now()
    with clinic.db.write() as s:
        r = Reminder(
            appointment_id=appointment, patient_id=patient, kind="reminder", rule=rule,
            scheduled_for=send_at, send_at=send_at, appointment_start=at(3, 10),
            state=state, channel="" if state == "pending" else "sms", reason=reason,
            provider_id="", digest="", attempts=0, created_at=now, updated_at=now,
            finished_at=None if state in ("pending", "sending") else send_at,
        )  # fmt: skip
        s.add(r)
        s.flush()
        return r.id


def wipe_planned(clinic: Clinic) -> None:
    """Only the messages a test plants (booking plans its own)."""
    with clinic.db.write() as s:
        s.query(Reminder).delete()


def test_each_message_names_its_patient_and_appointment(clinic: Clinic) -> None:
    ayse = clinic.patient(1)
    booked = clinic.book(ayse, at(3, 10))
    wipe_planned(clinic)
    plant(clinic, booked, ayse, "failed", at(2, 10), "permanent:invalid_number")
    [row] = reminders.listing(clinic.db, clinic.ctx)
    with clinic.db.read() as s:
        number = s.get(Patient, ayse).number  # type: ignore[union-attr]
        provider = s.get(Provider, clinic.provider).name  # type: ignore[union-attr]
    assert (row.patient_number, row.patient_name) == (number, "Hasta1 Test")
    assert row.appointment_id == booked and row.appointment_start == at(3, 10)
    assert row.appointment_provider == provider and not row.patient_erased
    assert row.explained is not None and "phone number" in row.explained


def test_the_list_is_one_query_however_many_rows(clinic: Clinic) -> None:
    """Patient, appointment and provider come with the rows, never read row by row."""
    booked = []
    for n in range(1, 7):
        pid = clinic.patient(n)
        booked.append((clinic.book(pid, at(3, 8 + n)), pid))
    wipe_planned(clinic)

    def selects(count: int) -> int:
        seen: list[str] = []

        def heard(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
            if statement.lstrip().upper().startswith("SELECT"):
                seen.append(statement)

        event.listen(clinic.db.engine, "before_cursor_execute", heard)
        try:
            assert len(reminders.listing(clinic.db, clinic.ctx)) == count
        finally:
            event.remove(clinic.db.engine, "before_cursor_execute", heard)
        return len(seen)

    for appointment, pid in booked[:2]:
        plant(clinic, appointment, pid, "sent", at(1, 9))
    few = selects(2)
    for appointment, pid in booked[2:]:
        plant(clinic, appointment, pid, "failed", at(1, 9), "permanent:opted_out")
        plant(clinic, appointment, pid, "pending", at(3, 5))
    assert selects(10) == few


def test_erased_and_anonymised_patients_show_as_the_app_shows_them(clinic: Clinic) -> None:
    kept, gone, lapsed = clinic.patient(1), clinic.patient(2), clinic.patient(3)
    visits = {pid: clinic.book(pid, at(3, 9 + n)) for n, pid in enumerate((kept, gone, lapsed))}
    wipe_planned(clinic)
    for pid, appointment in visits.items():
        plant(clinic, appointment, pid, "sent", at(1, 9))
    with clinic.db.read() as s:
        numbers = {pid: s.get(Patient, pid).number for pid in visits}  # type: ignore[union-attr]
    patients.delete(clinic.db, clinic.ctx, gone)
    with clinic.db.write() as s:
        anonymise.anonymise(s, [lapsed], clinic.clock.now())
    rows = {r.patient_id: r for r in reminders.listing(clinic.db, clinic.ctx)}
    assert rows[kept].patient_name == "Hasta1 Test" and not rows[kept].patient_erased
    # Erased: her number stays (a chart on paper names it), nothing else; no record to open.
    assert rows[gone].patient_number == numbers[gone] and rows[gone].patient_erased
    assert rows[gone].patient_name == ANONYMISED
    assert rows[lapsed].patient_name == ANONYMISED and not rows[lapsed].patient_erased


def test_a_message_of_a_patient_no_longer_on_file_still_lists(clinic: Clinic) -> None:
    """No foreign keys: a sweep may purge the patient and the appointment first."""
    wipe_planned(clinic)
    plant(clinic, "gone-appointment", "gone-patient", "sent", at(1, 9))
    [row] = reminders.listing(clinic.db, clinic.ctx)
    assert (row.patient_number, row.patient_erased, row.appointment_provider) == ("", True, "")


def test_the_order_is_the_one_its_words_promise(clinic: Clinic) -> None:
    """Failed and unknown first, newest first (they wait for a person); then queued,
    soonest first; then sent, skipped and withdrawn, newest first. So the first page
    shows what needs a person however many are queued."""
    pid = clinic.patient(1)
    appointment = clinic.book(pid, at(3, 10))
    wipe_planned(clinic)
    made = {
        "failed_old": plant(clinic, appointment, pid, "failed", at(0, 11), "permanent:x", "a"),
        "unknown_new": plant(clinic, appointment, pid, "unknown", at(1, 11), "no_answer", "b"),
        "queued_late": plant(clinic, appointment, pid, "pending", at(3, 8), rule="c"),
        "queued_soon": plant(clinic, appointment, pid, "pending", at(2, 12), rule="d"),
        "sending": plant(clinic, appointment, pid, "sending", at(2, 13), rule="e"),
        "sent_old": plant(clinic, appointment, pid, "sent", at(0, 9), rule="f"),
        "sent_new": plant(clinic, appointment, pid, "sent", at(1, 9), rule="g"),
        "skipped": plant(clinic, appointment, pid, "skipped", at(0, 10), "late", "h"),
    }
    name = {v: k for k, v in made.items()}

    def listed(*states: str, limit: int = reminders.LIST_LIMIT) -> list[str]:
        rows = reminders.listing(clinic.db, clinic.ctx, states=states, limit=limit)
        return [name[r.id] for r in rows]

    assert listed() == [
        "unknown_new", "failed_old", "queued_soon", "sending", "queued_late",
        "sent_new", "skipped", "sent_old",
    ]  # fmt: skip
    assert listed(limit=2) == ["unknown_new", "failed_old"]
    assert listed("pending", "sending") == ["queued_soon", "sending", "queued_late"]
    assert listed("sent") == ["sent_new", "sent_old"]
    assert listed("failed", "pending") == ["failed_old", "queued_soon", "queued_late"]


# Every reason code the planner, the dispatcher and the senders write (sync/channels:
# Twilio's, Meta's and SMTP's names, and the families their numbers make).
CODES = (
    "resend", "credentials_refused", "awaiting_lookup", "setup:tls_not_offered",
    "retry:unreachable", "retry:connection_lost", "retry:proxy_refused", "retry:rate_limited",
    "retry:smtp_451", "retry:twilio_30001", "retry:not_provider_401", "retry:http_503",
    "no_consent", "no_address", "no_channel", "no_whatsapp_template", "late",
    "quiet_hours", "started", "patient_gone", "other_station", "restored", "restricted",
    "moved", "cancelled", "appointment_gone", "told", "role_lost", "recovered",
    "no_answer", "server_error", "interrupted", "not_listed", "sender_error", "taken_over",
    "awaiting_push", "push_unanswered",
    "permanent:invalid_number", "permanent:opted_out", "permanent:unroutable",
    "permanent:not_mobile", "permanent:region_not_allowed", "permanent:recipient_refused",
    "permanent:smtp_550", "permanent:smtp_500", "permanent:smtputf8_not_offered",
    "permanent:undeliverable", "permanent:not_allowed_recipient",
    "permanent:not_registered", "permanent:template_missing", "permanent:template_params",
    "permanent:template_format", "permanent:template_paused", "permanent:template_disabled",
    "permanent:template_too_long", "permanent:template_policy", "permanent:outside_window",
    "permanent:refused_credentials", "permanent:twilio_21617", "permanent:meta_131051",
    "permanent:http_400", "transient:unreachable", "transient:connection_lost",
    "transient:proxy_refused", "transient:rate_limited", "transient:smtp_421",
    "transient:twilio_20500", "transient:not_provider_407", "something_new",
)  # fmt: skip
ACTION = re.compile(
    r"\b(resend|Resend|[Cc]heck|[Ff]ix|[Ee]nter|[Aa]dd|[Rr]ecord|[Ss]et|[Tt]urn|[Aa]sk|"
    r"[Rr]egister|[Ll]ook|[Cc]hange|[Nn]othing to do|[Cc]orrect|[Cc]hoose|[Nn]ame)\b"
)


@pytest.mark.parametrize("code", CODES)
def test_every_reason_is_a_sentence_that_says_what_to_do(code: str) -> None:
    said = reasons.explain(code, "sms")
    assert said is not None, code
    assert said.endswith(".") and len(said) > 60, said
    assert ACTION.search(said), said
    assert not re.search(r"\b(she|her|hers|he|him|his)\b", said, re.IGNORECASE), said
    number = re.search(r"\d{3,}", code)
    assert number is None or number.group() in said, "the provider's code is named"


def test_no_reason_no_sentence() -> None:
    assert reasons.explain("") is None


def test_a_failed_message_s_log_entry_says_what_happened_and_what_to_do(
    clinic: Clinic,
) -> None:
    """The entry the dispatcher logs for a failed message (its code in the summary)
    comes back with the code's sentence; an entry a person typed does not."""
    pid = clinic.patient(1)
    appointment = clinic.book(pid, at(3, 10))
    wipe_planned(clinic)
    planted = plant(clinic, appointment, pid, "failed", at(1, 10), "permanent:invalid_number")
    with clinic.db.write() as s:
        r = s.get(Reminder, planted)
        assert r is not None
        dispatch._log(s, r, clinic.clock.now(), None)
    desk = Ctx(Actor("u1", "receptionist", "ui"), clinic.clock)
    commlog.add(clinic.db, desk, pid, channel="phone", direction="out",
                summary="Called (status: failed; permanent:invalid_number) - typed")  # fmt: skip
    rows = commlog.listing(clinic.db, clinic.ctx, pid)
    logged = next(r for r in rows if r.entry.recorded_by is None)
    typed = next(r for r in rows if r.entry.recorded_by is not None)
    # the code is kept beside the summary, no longer in it (session 17: it led the entry)
    assert logged.entry.reason == "permanent:invalid_number"
    assert "permanent:" not in logged.entry.summary
    assert logged.explained == reasons.explain("permanent:invalid_number", "sms")
    assert typed.explained is None


def test_the_patient_filter_finds_a_patient_whose_messages_are_past_the_first_thousand(
    clinic: Clinic,
) -> None:
    """The list holds 1,000 rows at most; the patient filter is a query, not a look
    through the rows already read: a patient whose messages sort after 1,100 newer ones
    of another patient is found by number and by name (as the patient search finds her),
    and only her messages come back, in the list's order."""
    busy, quiet = clinic.patient(1), clinic.patient(2)
    with clinic.db.write() as s:  # findable by name, as a patient the desk added is
        rebuild_search_index(s)
    busy_visit, quiet_visit = clinic.book(busy, at(3, 10)), clinic.book(quiet, at(3, 11))
    wipe_planned(clinic)
    now = clinic.clock.now()
    many = [
        {
            "id": f"busy-{n}", "appointment_id": busy_visit, "patient_id": busy,
            "kind": "reminder", "rule": "24h", "scheduled_for": at(1, 9, n),
            "send_at": at(1, 9, n), "appointment_start": at(3, 10),
            "state": "sent", "channel": "sms", "reason": "", "provider_id": f"SM{n}",
            "digest": "", "attempts": 1, "created_at": now, "updated_at": now,
            "finished_at": now,
        }
        for n in range(1100)
    ]  # fmt: skip
    with clinic.db.write() as s:
        s.execute(Reminder.__table__.insert(), many)
    old = plant(clinic, quiet_visit, quiet, "sent", at(0, 9))
    older = plant(clinic, quiet_visit, quiet, "sent", at(0, 8), rule="2h")
    first = reminders.listing(clinic.db, clinic.ctx)
    assert len(first) == reminders.LIST_LIMIT and old not in {r.id for r in first}
    with clinic.db.read() as s:
        number = s.get(Patient, quiet).number  # type: ignore[union-attr]
    for typed in (number, number.lower(), "hasta2", "HASTA2 test"):
        found = reminders.listing(clinic.db, clinic.ctx, patient=typed)
        assert [r.id for r in found] == [old, older], typed
    assert reminders.listing(clinic.db, clinic.ctx, patient="nobody here") == []
    assert reminders.listing(clinic.db, clinic.ctx, patient=number, states=("failed",)) == []
    busy_rows = reminders.listing(clinic.db, clinic.ctx, patient="hasta1", limit=5)
    assert len(busy_rows) == 5 and {r.patient_id for r in busy_rows} == {busy}
    assert reminders.listing(clinic.db, clinic.ctx, patient="  ") == first, "blank: everyone"


def test_an_erased_patient_s_messages_are_found_by_her_number(clinic: Clinic) -> None:
    """Her row keeps only her number (the search has forgotten her); the list still
    names it, and the filter finds it."""
    gone = clinic.patient(1)
    visit = clinic.book(gone, at(3, 10))
    wipe_planned(clinic)
    sent = plant(clinic, visit, gone, "sent", at(1, 9))
    with clinic.db.read() as s:
        number = s.get(Patient, gone).number  # type: ignore[union-attr]
    patients.delete(clinic.db, clinic.ctx, gone)
    assert [r.id for r in reminders.listing(clinic.db, clinic.ctx, patient=number)] == [sent]


def test_a_message_waiting_to_be_retried_lists_its_next_try(clinic: Clinic) -> None:
    """A queued message a try failed for now goes at its next try, not at its planned
    time: the row says when (``next_try_at``; None for any other message), and the
    queue is in the order the messages go."""
    pid = clinic.patient(1)
    visit = clinic.book(pid, at(3, 10))
    wipe_planned(clinic)
    retried = plant(clinic, visit, pid, "pending", at(2, 9), "retry:unreachable", rule="a")
    plain = plant(clinic, visit, pid, "pending", at(2, 10), rule="b")
    failed = plant(clinic, visit, pid, "failed", at(1, 9), "transient:unreachable", rule="c")
    with clinic.db.write() as s:
        for rid, when in ((retried, at(2, 11)), (failed, at(1, 10))):
            r = s.get(Reminder, rid)
            assert r is not None
            r.next_try_at, r.attempts = when, 3
    rows = {r.id: r for r in reminders.listing(clinic.db, clinic.ctx)}
    assert rows[retried].next_try_at == at(2, 11) and rows[retried].send_at == at(2, 9)
    assert rows[plain].next_try_at is None
    assert rows[failed].next_try_at is None, "a finished message has no next try"
    queued = reminders.listing(clinic.db, clinic.ctx, states=("pending",))
    assert [r.id for r in queued] == [plain, retried], "the queue in the order they go"


def test_a_failed_message_s_log_entry_keeps_its_reason_code(clinic: Clinic) -> None:
    """The entry the dispatcher logs keeps the message's reason code (migration 0036),
    and its sentence comes from the code, not from the words of the summary: it holds
    when the summary says the code otherwise (a WhatsApp entry names the template
    after it; an older version's wording). An entry logged before 0036 (no code) is
    still explained from its summary; one a person typed never is."""
    pid = clinic.patient(1)
    visit = clinic.book(pid, at(3, 10))
    wipe_planned(clinic)
    planted = plant(clinic, visit, pid, "failed", at(1, 10), "permanent:twilio_21617")
    with clinic.db.write() as s:
        r = s.get(Reminder, planted)
        assert r is not None
        dispatch._log(s, r, clinic.clock.now(), None)
    [row] = commlog.listing(clinic.db, clinic.ctx, pid)
    assert row.entry.reason == "permanent:twilio_21617"
    with clinic.db.write() as s:
        entry = s.get(CommunicationEntry, row.entry.id)
        assert entry is not None
        entry.summary = "Appointment reminder not sent by sms (failed: twilio 21617)."
    [row] = commlog.listing(clinic.db, clinic.ctx, pid)
    assert row.explained == reasons.explain("permanent:twilio_21617", "sms")
    with clinic.db.write() as s:  # as an entry logged before 0036 stays
        entry = s.get(CommunicationEntry, row.entry.id)
        assert entry is not None
        entry.reason = ""
        entry.summary = (
            "Appointment reminder (24h before) not sent by sms (status: failed; "
            "permanent:opted_out)."
        )
    [row] = commlog.listing(clinic.db, clinic.ctx, pid)
    assert row.entry.reason == ""
    assert row.explained == reasons.explain("permanent:opted_out", "sms")
    sent = plant(clinic, visit, pid, "sent", at(1, 11), rule="2h")
    with clinic.db.write() as s:
        r = s.get(Reminder, sent)
        assert r is not None
        dispatch._log(s, r, clinic.clock.now(), None)
    [went] = [r for r in commlog.listing(clinic.db, clinic.ctx, pid) if "sent;" in r.entry.summary]
    assert went.entry.reason == "" and went.explained is None, "a sent one: no reason"


def test_an_erased_patient_s_log_entries_keep_no_reason_code(clinic: Clinic) -> None:
    """The code tells something of her (she opted out, her number is wrong): erasure
    empties it with the summary."""
    pid = clinic.patient(1)
    visit = clinic.book(pid, at(3, 10))
    wipe_planned(clinic)
    planted = plant(clinic, visit, pid, "failed", at(1, 10), "permanent:opted_out")
    with clinic.db.write() as s:
        r = s.get(Reminder, planted)
        assert r is not None
        dispatch._log(s, r, clinic.clock.now(), None)
    patients.delete(clinic.db, clinic.ctx, pid)
    with clinic.db.read() as s:
        kept = s.execute(select(CommunicationEntry.summary, CommunicationEntry.reason)).all()
    assert [tuple(k) for k in kept] == [("", "")]


@pytest.mark.parametrize("states", [(), ("sent", "failed")])
def test_a_patient_s_messages_are_read_along_the_patient_index(
    clinic: Clinic, states: tuple[str, ...]
) -> None:
    """However many messages the station keeps, one patient's are read by her id, never
    by walking every message of the states shown (SQLite would choose the (state,
    send_at) index for a list of states: every row of them, 100 ms for 60,000 rows)."""
    found = [clinic.patient(n) for n in range(10, 20)]  # Hasta10 ... Hasta19
    with clinic.db.write() as s:
        rebuild_search_index(s)
    visit = clinic.book(found[0], at(3, 10))
    wipe_planned(clinic)
    plant(clinic, visit, found[0], "sent", at(1, 9))
    seen: list[tuple[str, Any]] = []

    def heard(_c: Any, _cur: Any, statement: str, params: Any, *_: Any) -> None:
        if "FROM reminder" in statement and "patient_search" not in statement:
            seen.append((statement, params))

    event.listen(clinic.db.engine, "before_cursor_execute", heard)
    try:
        assert len(reminders.listing(clinic.db, clinic.ctx, patient="hasta1", states=states)) == 1
    finally:
        event.remove(clinic.db.engine, "before_cursor_execute", heard)
    [(statement, params)] = seen
    with clinic.db.engine.connect() as c:
        plan = [str(r[-1]) for r in c.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params)]
    walks = [p for p in plan if p.startswith(("SEARCH reminder", "SCAN reminder"))]
    assert params.count(found[9]) == 1, "the ten patients the search found"
    assert walks == ["SEARCH reminder USING INDEX ix_reminder_patient (patient_id=?)"], plan


def test_a_failed_message_s_log_entry_names_the_visit_and_the_channel_not_the_code(
    clinic: Clinic,
) -> None:
    """Its entry led with the code ("... not sent by sms (status: failed;
    permanent:opted_out)."), named no appointment (22 entries alike) and the channel by
    its code beside the log's "SMS". It says the start in the clinic's time and the
    channel as people name it; the code is kept beside it (``reason``), and an older
    entry's summary is said without it (``reasons.without_code``)."""
    pid = clinic.patient(1)
    visit = clinic.book(pid, at(3, 10))
    wipe_planned(clinic)
    planted = plant(clinic, visit, pid, "failed", at(1, 10), "permanent:opted_out")
    with clinic.db.write() as s:
        r = s.get(Reminder, planted)
        assert r is not None
        dispatch._log(s, r, clinic.clock.now(), None)
    [row] = commlog.listing(clinic.db, clinic.ctx, pid)
    # 07:00 UTC is 10:00 in Istanbul
    said = "Appointment reminder (24h before) for Thu 05 Mar 10:00 not sent by SMS."
    assert row.entry.summary == said
    assert row.entry.reason == "permanent:opted_out"
    assert row.explained == reasons.explain("permanent:opted_out", "sms")
    # its appointment gone: the entry keeps no start, and the summary names none
    gone = plant(clinic, "gone-appointment", pid, "failed", at(1, 11), "permanent:opted_out")
    with clinic.db.write() as s:
        r = s.get(Reminder, gone)
        assert r is not None
        dispatch._log(s, r, clinic.clock.now(), None)
    [none] = [e for e in commlog.listing(clinic.db, clinic.ctx, pid) if e.entry.id != row.entry.id]
    assert none.entry.summary == "Appointment reminder (24h before) not sent by SMS."
    assert none.entry.appointment_id is None
    older = "Booking confirmation not sent by sms (status: failed; permanent:opted_out)."
    assert reasons.without_code(older) == "Booking confirmation not sent by sms."
    assert reasons.without_code(row.entry.summary) == row.entry.summary
