"""A station killed (SIGKILL) in the middle of a send: the message left "sending" is
never resent blindly. Twilio's status lookup finds it (then it is "sent", once); one
its list does not show, like one WhatsApp's API cannot say anything of, becomes
"unknown" for a person (a list can leave out a message Twilio took)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
from datetime import timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from channelservers import (
    ACCOUNT,
    PORTAL,
    TOKEN,
    WA_PHONE_ID,
    WA_SETTING,
    WA_TOKEN,
    http_server,
    not_the_provider,
    twilio_route,
    whatsapp_route,
)
from reminderclinic import SENDER, Clinic, at, make

from receptionist.clock import FixedClock
from receptionist.context import Ctx
from receptionist.ops import reminders, settings
from receptionist.patients import record as patients
from receptionist.reminders import dispatch
from receptionist.store.storage import Database
from sync.channels.twilio import TwilioSender
from sync.channels.whatsapp import WhatsAppSender

pytestmark = [pytest.mark.slow, pytest.mark.skipif(os.name != "posix", reason="SIGKILL")]

STATION = textwrap.dedent(
    """
    import sys
    from datetime import datetime
    from receptionist.clock import FixedClock
    from receptionist.reminders import dispatch
    from receptionist.store.vault import open_clinic
    from sync.channels.twilio import TwilioSender
    from sync.channels.whatsapp import WhatsAppSender

    folder, now, channel, url, account, sender, token = sys.argv[1:]
    if channel == "sms":
        made = TwilioSender(url, account, sender, token)
    else:
        made = WhatsAppSender(url + "/v21.0", account, token)
    db = open_clinic(folder)
    dispatch.run(db, FixedClock(datetime.fromisoformat(now)), {channel: made})
    """
)


def kill_mid_send(data_dir: Path, clinic: Clinic, channel: str, url: str, recorded) -> None:
    """Run a station in another process and kill it while the provider holds its answer."""
    env = dict(os.environ)
    env["RECEPTIONIST_PASSPHRASE"] = "correct horse battery"
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    account, token = (ACCOUNT, TOKEN) if channel == "sms" else (WA_PHONE_ID, WA_TOKEN)
    argv = [str(data_dir), clinic.clock.now().isoformat(), channel, url, account, SENDER, token]
    proc = subprocess.Popen([sys.executable, "-c", STATION, *argv], env=env)
    try:
        assert recorded.received.wait(timeout=60), "the station never reached the provider"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)


@pytest.fixture
def clinic(db: Database, ctx: Ctx, clock: FixedClock) -> Clinic:
    return make(db, ctx, clock)


def only(clinic: Clinic) -> reminders.ReminderRow:
    rows = reminders.listing(clinic.db, clinic.ctx)
    assert len(rows) == 1
    return rows[0]


@pytest.mark.parametrize("arrived", [True, False], ids=["arrived", "never-arrived"])
def test_twilio_lookup_settles_a_send_cut_short(
    clinic: Clinic, data_dir: Path, arrived: bool
) -> None:
    clinic.set(offsets="")  # the booking confirmation only
    clinic.book(clinic.patient(1), at(3, 10))
    with http_server(twilio_route) as (url, recorded):
        recorded.hold = threading.Event()
        recorded.hold_before = not arrived
        kill_mid_send(data_dir, clinic, "sms", url, recorded)
        recorded.hold.set()
        recorded.hold, recorded.hold_before = None, False
        assert only(clinic).state == "sending"
        sender = TwilioSender(url, ACCOUNT, SENDER, TOKEN)
        clinic.clock.advance(minutes=5)  # a send may still be under way: left alone
        assert dispatch.run(clinic.db, clinic.clock, {"sms": sender}).items == []
        assert only(clinic).state == "sending"
        clinic.clock.advance(minutes=6)
        dispatch.run(clinic.db, clinic.clock, {"sms": sender})
        row = only(clinic)
    if arrived:
        assert (row.state, row.reason) == ("sent", "recovered")
        assert len(recorded.messages) == 1, "exactly once"
        assert row.provider_id == recorded.messages[0]["sid"]
    else:  # not in the list: a person's to look at, never sent again by itself
        assert (row.state, row.reason) == ("unknown", "not_listed")
        assert recorded.messages == []


def test_whatsapp_cannot_tell_so_the_message_is_unknown_and_not_resent(
    clinic: Clinic, data_dir: Path
) -> None:
    clinic.set(offsets="")
    settings.set_many(clinic.db, clinic.ctx, {"channels.whatsapp_templates_en": WA_SETTING})
    clinic.book(clinic.patient(1, consents=("reminder_whatsapp",)), at(3, 10))
    with http_server(whatsapp_route) as (url, recorded):
        recorded.hold = threading.Event()
        kill_mid_send(data_dir, clinic, "whatsapp", url, recorded)
        recorded.hold.set()
        sender = WhatsAppSender(url + "/v21.0", WA_PHONE_ID, WA_TOKEN)
        clinic.clock.advance(minutes=11)
        done = dispatch.run(clinic.db, clinic.clock, {"whatsapp": sender})
        assert [(i.state, i.reason) for i in done.items] == [("unknown", "interrupted")]
        clinic.clock.advance(hours=1)
        dispatch.run(clinic.db, clinic.clock, {"whatsapp": sender})
        assert len(recorded.messages) == 1
        row = only(clinic)
        assert row.state == "unknown"
        assert "Check the provider's own log or ask the patient" in str(row.explained)


def test_a_lookup_refused_for_the_credentials_waits_for_them_then_settles(
    clinic: Clinic, data_dir: Path
) -> None:
    """Not "unknown" for a refused lookup: the message stays "sending" (it may have
    arrived), the channel stops with the credentials warning, nothing is asked or sent
    meanwhile; once the credentials are saved the lookup runs and settles it, once."""
    clinic.set(offsets="")
    clinic.book(clinic.patient(1), at(3, 10))
    with http_server(twilio_route) as (url, recorded):
        recorded.hold = threading.Event()
        kill_mid_send(data_dir, clinic, "sms", url, recorded)
        recorded.hold.set()
        recorded.hold = None
        clinic.book(clinic.patient(2), at(3, 11))  # a later message on the same channel
        clinic.clock.advance(minutes=11)
        wrong = TwilioSender(url, ACCOUNT, SENDER, "rotated-token")
        done = dispatch.run(clinic.db, clinic.clock, {"sms": wrong})
        assert done.halted == {"sms"}
        assert [i.state for i in done.items] == ["held", "held"]
        assert sorted(r.state for r in reminders.listing(clinic.db, clinic.ctx)) == [
            "pending", "sending",
        ]  # fmt: skip
        assert reminders.status(clinic.db).attention == ("sms",)
        clinic.clock.advance(minutes=1)
        assert dispatch.run(clinic.db, clinic.clock, {"sms": wrong}).items == []
        settings.set_many(clinic.db, clinic.ctx, {"channels.sms_token": TOKEN})
        right = TwilioSender(url, ACCOUNT, SENDER, TOKEN)
        done = dispatch.run(clinic.db, clinic.clock, {"sms": right})
    assert sorted((i.state, i.reason) for i in done.items) == [
        ("sent", ""), ("sent", "recovered"),
    ]  # fmt: skip
    assert len(recorded.messages) == 2, "the first arrived once, the second went once"
    assert reminders.status(clinic.db).attention == ()


def test_a_lookup_that_meets_a_proxy_or_a_busy_provider_is_asked_again(
    clinic: Clinic, data_dir: Path
) -> None:
    """Neither a proxy's 401 page nor a 503 says whether the message arrived: it stays
    "sending" (not "unknown"), the channel goes on, and the next round asks again."""
    clinic.set(offsets="")
    clinic.book(clinic.patient(1), at(3, 10))
    answers = [not_the_provider(401, "text/html", PORTAL), (503, {"code": 20500}, {})]

    def flaky(h: Any, method: str, raw: bytes) -> tuple[int, dict[str, Any], dict[str, str]]:
        if method == "GET" and answers:
            return answers.pop(0)
        return twilio_route(h, method, raw)

    with http_server(flaky) as (url, recorded):
        recorded.hold = threading.Event()
        kill_mid_send(data_dir, clinic, "sms", url, recorded)
        recorded.hold.set()
        recorded.hold = None
        sender = TwilioSender(url, ACCOUNT, SENDER, TOKEN)
        for _ in answers[:]:
            clinic.clock.advance(minutes=11)
            done = dispatch.run(clinic.db, clinic.clock, {"sms": sender})
            assert [i.state for i in done.items] == ["sending"] and done.halted == set()
        clinic.clock.advance(minutes=1)
        dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    row = only(clinic)
    assert (row.state, row.reason) == ("sent", "recovered")
    assert len(recorded.messages) == 1


def _closed_url() -> str:
    """A loopback URL nothing listens on: the provider cannot be reached."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_a_lookup_that_cannot_reach_the_provider_is_asked_again(
    clinic: Clinic, data_dir: Path
) -> None:
    """A PC restarted after a crash often has no network yet: a lookup that got no
    answer says nothing of whether the message arrived, so it stays "sending" (not
    "unknown" for good) and the next round asks again, then settles it once."""
    clinic.set(offsets="")
    clinic.book(clinic.patient(1), at(3, 10))
    with http_server(twilio_route) as (url, recorded):
        recorded.hold = threading.Event()
        kill_mid_send(data_dir, clinic, "sms", url, recorded)
        recorded.hold.set()
        recorded.hold = None
        clinic.clock.advance(minutes=11)
        offline = TwilioSender(_closed_url(), ACCOUNT, SENDER, TOKEN)
        done = dispatch.run(clinic.db, clinic.clock, {"sms": offline})
        assert [i.state for i in done.items] == ["sending"]
        assert only(clinic).state == "sending"
        clinic.clock.advance(minutes=1)
        dispatch.run(clinic.db, clinic.clock, {"sms": TwilioSender(url, ACCOUNT, SENDER, TOKEN)})
    row = only(clinic)
    assert (row.state, row.reason) == ("sent", "recovered")
    assert len(recorded.messages) == 1


@pytest.mark.parametrize("arrived", [True, False], ids=["arrived", "never-arrived"])
def test_the_lookup_asks_about_the_number_it_went_to_not_the_patients_new_one(
    clinic: Clinic, data_dir: Path, arrived: bool
) -> None:
    """Her number changed between the crash and the restart: the lookup asks about the
    old one (where the message went), so an arrived message is found and not sent
    again to the new one; one the list does not show is "unknown" for a person (a
    resend goes to her number now), never sent again by itself."""
    clinic.set(offsets="")
    old, new = "+905550000101", "+905550000202"
    pid = clinic.patient(1, phone=old)
    clinic.book(pid, at(3, 10))
    asked: list[str] = []

    def route(h: Any, method: str, raw: bytes) -> tuple[int, dict[str, Any], dict[str, str]]:
        if method == "GET":
            asked.extend(parse_qs(urlsplit(h.path).query).get("To", []))
        return twilio_route(h, method, raw)

    with http_server(route) as (url, recorded):
        recorded.hold = threading.Event()
        recorded.hold_before = not arrived
        kill_mid_send(data_dir, clinic, "sms", url, recorded)
        recorded.hold.set()
        recorded.hold, recorded.hold_before = None, False
        with clinic.db.write() as s:
            patients.update_patient(s, clinic.ctx, pid, phone=new)
        assert only(clinic).sent_to == old, "kept as it went sending"
        clinic.clock.advance(minutes=11)
        dispatch.run(clinic.db, clinic.clock, {"sms": TwilioSender(url, ACCOUNT, SENDER, TOKEN)})
    assert asked == [old]
    row = only(clinic)
    assert (row.state, row.reason) == (
        ("sent", "recovered") if arrived else ("unknown", "not_listed")
    )
    assert [m["to"] for m in recorded.messages] == ([old] if arrived else [])
    assert row.sent_to == old


def test_a_twilio_send_whose_answer_never_came_is_looked_up_not_left_unknown(
    clinic: Clinic,
) -> None:
    """A read timeout in the app itself (no crash): the message stays "sending" (not
    "unknown" at once), and ten minutes on Twilio's message list settles it: the one
    Twilio took counts as sent with its SID. One it does not list is "unknown" for a
    person, never sent again by itself: the list can leave out a message Twilio took
    (here Twilio's clock reads 15 minutes behind this PC's, so the message it took is
    dated before the send began; also its order by DateSent with a queued message, a
    body Twilio rewrote), and a double SMS is what #14 prevents. Each reached the
    patient at most once."""
    clinic.set(offsets="")  # the booking confirmations only
    quick = httpx.Timeout(0.3, connect=5.0)
    sender = {"sms": TwilioSender("", ACCOUNT, SENDER, TOKEN)}
    skewed = format_datetime(clinic.clock.now() - timedelta(minutes=15), usegmt=True)
    with http_server(twilio_route) as (url, recorded):
        sender["sms"] = TwilioSender(url, ACCOUNT, SENDER, TOKEN, timeout=quick)
        # Twilio took it / took it, its clock behind this PC's / it never got there
        for n, taken in ((1, True), (2, True), (3, False)):
            recorded.hold, recorded.hold_before = threading.Event(), not taken
            clinic.book(clinic.patient(n), at(3, 9 + n))
            done = dispatch.run(clinic.db, clinic.clock, sender)
            assert [(i.state, i.reason) for i in done.items] == [("looking_up", "awaiting_lookup")]
            recorded.hold.set()
        recorded.hold, recorded.hold_before = None, False
        recorded.messages[1]["date_created"] = skewed
        waiting = reminders.listing(clinic.db, clinic.ctx)
        assert [r.state for r in waiting] == ["sending"] * 3
        assert "the provider is asked" in str(waiting[0].explained)
        clinic.clock.advance(minutes=5)  # not stale yet: the answer may still come
        assert dispatch.run(clinic.db, clinic.clock, sender).items == []
        clinic.clock.advance(minutes=6)
        done = dispatch.run(clinic.db, clinic.clock, sender)
        assert dispatch.run(clinic.db, clinic.clock, sender).items == []  # nothing goes
    assert sorted((i.state, i.reason) for i in done.items) == [
        ("sent", "recovered"),
        ("unknown", "not_listed"),
        ("unknown", "not_listed"),
    ]  # fmt: skip
    assert sorted(m["to"] for m in recorded.messages) == ["+905550000001", "+905550000002"]
    by_number = {r.sent_to: r for r in reminders.listing(clinic.db, clinic.ctx)}
    assert by_number["+905550000001"].provider_id == recorded.messages[0]["sid"]
    assert "Twilio Console" in str(by_number["+905550000002"].explained)


def test_a_lost_answer_the_list_cannot_settle_reads_as_a_lost_answer_not_a_crash(
    clinic: Clinic,
) -> None:
    """A send whose answer never came (no crash), looked up in a list that cannot tell
    (not Twilio's page shape, or cut off by the page limit): "unknown" as a lost
    answer ("no_answer"), not as a send cut short by the PC or the app stopping."""
    clinic.set(offsets="")
    quick = httpx.Timeout(0.3, connect=5.0)

    def no_page(h: Any, method: str, raw: bytes) -> tuple[int, dict[str, Any], dict[str, str]]:
        if method == "GET":
            return 200, {"note": "not a page of messages"}, {}
        return twilio_route(h, method, raw)

    with http_server(no_page) as (url, recorded):
        sender = {"sms": TwilioSender(url, ACCOUNT, SENDER, TOKEN, timeout=quick)}
        recorded.hold = threading.Event()
        clinic.book(clinic.patient(1), at(3, 10))
        dispatch.run(clinic.db, clinic.clock, sender)
        recorded.hold.set()
        recorded.hold = None
        clinic.clock.advance(minutes=11)
        dispatch.run(clinic.db, clinic.clock, sender)
    row = only(clinic)
    assert (row.state, row.reason) == ("unknown", "no_answer")
    assert "stopped in the middle" not in str(row.explained)


def test_a_twilio_5xx_to_the_send_is_looked_up_never_sent_again(clinic: Clinic) -> None:
    """Twilio's 500 (its error 20500) to the POST that sends an SMS may come after it
    created the message: its docs warn that a retry can reach the patient twice, and
    document no 5xx as "nothing created" (20503 only says "try again"). So a 5xx to a
    send is a lost answer: the message stays "sending" and ten minutes on the list
    settles it: the one Twilio took is sent (once, with its SID); one it never took is
    "unknown" for a person, never sent again by itself."""
    clinic.set(offsets="")  # the booking confirmations only
    answers = [(True, 500, 20500), (False, 503, 20503)]  # (created first, status, code)

    def failing(h: Any, method: str, raw: bytes) -> tuple[int, dict[str, Any], dict[str, str]]:
        if method != "POST" or not answers:
            return twilio_route(h, method, raw)
        created, status, code = answers.pop(0)
        if created:
            twilio_route(h, method, raw)  # Twilio took it, then failed to answer
        return status, {"code": code, "message": "Internal", "status": status}, {}

    with http_server(failing) as (url, recorded):
        sender = {"sms": TwilioSender(url, ACCOUNT, SENDER, TOKEN)}
        for n in (1, 2):
            clinic.book(clinic.patient(n), at(3, 9 + n))
            done = dispatch.run(clinic.db, clinic.clock, sender)
            assert [(i.state, i.reason) for i in done.items] == [("looking_up", "awaiting_lookup")]
        clinic.clock.advance(minutes=5)  # not stale yet: nothing is sent again
        assert dispatch.run(clinic.db, clinic.clock, sender).items == []
        clinic.clock.advance(minutes=6)
        done = dispatch.run(clinic.db, clinic.clock, sender)
        assert dispatch.run(clinic.db, clinic.clock, sender).items == []
    assert sorted((i.state, i.reason) for i in done.items) == [
        ("sent", "recovered"), ("unknown", "not_listed"),
    ]  # fmt: skip
    assert [m["to"] for m in recorded.messages] == ["+905550000001"], "exactly once"
    by_number = {r.sent_to: r for r in reminders.listing(clinic.db, clinic.ctx)}
    assert by_number["+905550000001"].provider_id == recorded.messages[0]["sid"]
