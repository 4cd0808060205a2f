"""The reminders' commands: channels set, reminders dispatch and list, through the
``receptionist`` command (sync's, which adds ``dispatch`` to the core's group), against
a loopback server answering as Twilio's documentation says."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from channelservers import (
    ACCOUNT,
    TOKEN,
    WA_PHONE_ID,
    WA_TOKEN,
    http_server,
    twilio_route,
    whatsapp_route,
)
from sqlalchemy import select, update
from templates import Template, cli_env_for, make_template

from receptionist.models import Appointment, ClinicSetting, Patient, Reminder
from receptionist.reminders import dispatch
from receptionist.reminders.dispatch import Round
from receptionist.store.vault import open_clinic
from sync import remindercmds
from sync.cli import main

INIT = ["init", "--clinic-name", "Moda Dental", "--timezone", "Europe/Istanbul",
        "--region", "TR", "--admin-user", "admin"]  # fmt: skip


def said(capsys: pytest.CaptureFixture[str], argv: list[str]) -> object:
    capsys.readouterr()
    assert main(["--json", *argv]) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def refused(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    capsys.readouterr()
    assert main(argv) == 2
    return capsys.readouterr().err


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Template[None]:
    """The clinic of :func:`clinic`, made by its commands once for the module (in the
    ``cli_env`` environment, as each test made it before)."""
    root = tmp_path_factory.mktemp("reminders") / "clinic"
    in_three_days = (datetime.now() + timedelta(days=3)).date().isoformat()

    def build(_root: Path) -> None:
        for argv in (
            INIT,
            ["provider", "add", "Dr. Elif Aksoy", "--hours", "mon-sun 08:00-20:00"],
            ["service", "add", "Check-up", "--minutes", "30"],
            ["patient", "add", "--given-name", "Ayşe", "--family-name", "Yılmaz",
             "--phone", "+905321112233", "--consent", "sms"],
            ["appointment", "book", "--patient", "A-1", "--provider", "Dr. Elif Aksoy",
             "--service", "Check-up", "--start", f"{in_three_days}T10:00"],
            ["settings", "set", "reminders.enabled", "true"],
            ["settings", "set", "reminders.quiet_start", ""],  # the real clock: any hour
        ):  # fmt: skip
            assert main(argv) == 0, argv

    return make_template(root, build, env=cli_env_for(root))


@pytest.fixture
def clinic(cli_env: Path, made: Template[None]) -> Path:
    """This test's own copy of a clinic with an appointment in three days for a patient
    who consented to SMS, and reminders on; the CLI is pointed at it."""
    made.copy_to(cli_env)
    return cli_env


def test_set_up_sms_then_one_round_sends_the_confirmation(
    clinic: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with http_server(twilio_route) as (url, server):
        monkeypatch.setenv("RECEPTIONIST_CHANNEL_SECRET", TOKEN)
        sms = ["channels", "set", "sms", "--base-url", url, "--account", ACCOUNT]
        done = said(capsys, [*sms, "--sender", "+15005550006"])
        assert done == {
            "channels.sms_base_url": url,
            "channels.sms_account": ACCOUNT,
            "channels.sms_sender": "+15005550006",
            "channels.sms_token": "set",
        }
        first = said(capsys, ["reminders", "dispatch"])
        again = said(capsys, ["reminders", "dispatch"])
    assert first["active"] is True and first["planned"] >= 1  # type: ignore[index]
    assert [i["kind"] for i in first["sent"]] == ["confirmation"], json.dumps(first)  # type: ignore[index]
    assert again["sent"] == []  # type: ignore[index]
    assert len(server.messages) == 1 and "Ayşe" in server.messages[0]["body"]
    listed = said(capsys, ["reminders", "list", "--state", "sent"])
    assert [(r["kind"], r["channel"]) for r in listed] == [("confirmation", "sms")]  # type: ignore[union-attr]
    assert [r["sent_to"] for r in listed] == [server.messages[0]["to"]]  # type: ignore[union-attr]
    pending = said(capsys, ["reminders", "list", "--state", "pending"])
    assert sorted(r["rule"] for r in pending) == ["24h", "2h"]  # type: ignore[union-attr]


def test_bad_input_is_exit_2_naming_the_option(
    clinic: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RECEPTIONIST_CHANNEL_SECRET", TOKEN)
    err = refused(capsys, ["channels", "set", "sms", "--base-url", "ftp://x", "--account",
                           ACCOUNT, "--sender", "+15005550006"])  # fmt: skip
    assert "base-url" in err
    err = refused(capsys, ["channels", "set", "email", "--host", "h", "--port", "0",
                           "--sender", "a@b.c"])  # fmt: skip
    assert "--port" in err
    err = refused(capsys, ["channels", "set", "email", "--host", "h", "--port", "25",
                           "--sender", "a@b.c", "--security", "ssl"])  # fmt: skip
    assert "--security" in err
    # The senders: an e-mail address, an E.164 number or a Twilio sender ID (SMS only).
    for channel, where, sender in (
        ("email", ["--host", "h", "--port", "25"], "notanaddress"),
        ("sms", ["--base-url", "https://api.twilio.com", "--account", ACCOUNT], "0532 11122"),
        ("sms", ["--base-url", "https://api.twilio.com", "--account", ACCOUNT], "Moda Klinigi"),
        ("whatsapp", ["--base-url", "https://graph.facebook.com/v21.0", "--account", "1"],
         "MODA"),
    ):  # fmt: skip
        err = refused(capsys, ["channels", "set", channel, *where, "--sender", sender])
        assert "(sender)" in err and "must be" in err, err
    assert "--state" in refused(capsys, ["reminders", "list", "--state", "lost"])
    assert said(capsys, ["settings", "get", "channels.sms_base_url"])["value"] == ""  # type: ignore[index]
    assert said(capsys, ["settings", "get", "channels.email_sender"])["value"] == ""  # type: ignore[index]
    named = said(capsys, ["channels", "set", "sms", "--base-url", "https://api.twilio.com",
                          "--account", ACCOUNT, "--sender", "MODA DENTAL"])  # fmt: skip
    assert named["channels.sms_sender"] == "MODA DENTAL"  # type: ignore[index]


def test_a_sender_number_is_read_in_the_clinics_region_and_whatsapp_needs_only_its_id(
    clinic: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Turkish clinic's desk types its number as it writes it: stored in E.164, as a
    patient's number is. Meta's Cloud API sends from the number's id (--account), so
    WhatsApp's --sender (the number as patients see it) may be left out."""
    monkeypatch.setenv("RECEPTIONIST_CHANNEL_SECRET", TOKEN)
    sms = ["channels", "set", "sms", "--base-url", "https://api.twilio.com", "--account",
           ACCOUNT]  # fmt: skip
    done = said(capsys, [*sms, "--sender", "0532 123 45 67"])
    assert done["channels.sms_sender"] == "+905321234567"  # type: ignore[index]
    err = refused(capsys, [*sms, "--sender", "0532 123 45"])
    assert "(sender)" in err and "TR" in err and "+90" in err and "sender ID" in err, err
    wa = ["channels", "set", "whatsapp", "--base-url", "https://graph.facebook.com/v21.0",
          "--account", WA_PHONE_ID]  # fmt: skip
    err = refused(capsys, [*wa[:-1], "+90 500 111 22 33"])  # the number, not its ID
    assert "(account)" in err and "API Setup" in err, err
    done = said(capsys, wa)
    assert done["channels.whatsapp_account"] == WA_PHONE_ID  # type: ignore[index]
    assert "channels.whatsapp_sender" not in done  # type: ignore[operator]
    done = said(capsys, [*wa, "--sender", "0212 555 12 34"])
    assert done["channels.whatsapp_sender"] == "+902125551234"  # type: ignore[index]
    assert said(capsys, ["settings", "get", "channels.sms_sender"])["value"] == "+905321234567"  # type: ignore[index]


def test_a_pc_that_is_not_the_station_says_so(
    clinic: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["settings", "set", "reminders.station", "B"]) == 0
    capsys.readouterr()
    assert main(["reminders", "dispatch"]) == 0
    assert "not the reminder station" in capsys.readouterr().out


def test_a_whatsapp_template_meta_does_not_know_fails_with_a_clear_message(
    clinic: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    in_four_days = (datetime.now() + timedelta(days=4)).date().isoformat()
    for argv in (
        ["patient", "add", "--given-name", "Omar", "--family-name", "Haddad",
         "--phone", "+905321114455", "--consent", "whatsapp"],
        ["appointment", "book", "--patient", "A-2", "--provider", "Dr. Elif Aksoy",
         "--service", "Check-up", "--start", f"{in_four_days}T10:00"],
        ["settings", "set", "channels.whatsapp_templates_en",
         "confirmation=booking_confirmd, reminder=appointment_reminder"],
    ):  # fmt: skip
        assert main(argv) == 0, (argv, capsys.readouterr().err)
    with http_server(whatsapp_route) as (url, server):
        monkeypatch.setenv("RECEPTIONIST_CHANNEL_SECRET", WA_TOKEN)
        wa = ["channels", "set", "whatsapp", "--base-url", f"{url}/v21.0"]
        said(capsys, [*wa, "--account", WA_PHONE_ID, "--sender", "+905001112233"])
        capsys.readouterr()
        assert main(["reminders", "dispatch"]) == 0
        out = capsys.readouterr().out
    assert "failed    confirmation confirmation whatsapp (permanent:template_missing)" in out
    assert "no approved template of that name in the patient's language" in out
    assert server.messages == []
    listed = said(capsys, ["reminders", "list", "--state", "failed"])
    assert [r["reason"] for r in listed] == ["permanent:template_missing"]  # type: ignore[index]
    assert "132001" in listed[0]["explained"]  # type: ignore[index]


def test_dispatch_says_which_pc_holds_the_lease() -> None:
    data = remindercmds._data(Round(False, "lease_elsewhere", "B"))
    assert data["holder"] == "B"
    assert remindercmds._text(data) == "Nothing sent: PC B holds the reminders' lease."


def test_a_refused_token_shows_in_reminders_status_until_it_is_set_again(
    clinic: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with http_server(twilio_route) as (url, server):
        sms = ["channels", "set", "sms", "--base-url", url, "--account", ACCOUNT,
               "--sender", "+15005550006"]  # fmt: skip
        monkeypatch.setenv("RECEPTIONIST_CHANNEL_SECRET", "not-the-token")
        said(capsys, sms)
        first = said(capsys, ["reminders", "dispatch"])
        status = said(capsys, ["reminders", "status"])
        capsys.readouterr()
        assert main(["reminders", "status"]) == 0
        shown = capsys.readouterr().out
        monkeypatch.setenv("RECEPTIONIST_CHANNEL_SECRET", TOKEN)
        said(capsys, sms)
        resumed = said(capsys, ["reminders", "status"])
        second = said(capsys, ["reminders", "dispatch"])
    assert first["failed"] == [] and [i["kind"] for i in first["held"]] == ["confirmation"]  # type: ignore[index]
    assert "sms" in first["needs_attention"]  # type: ignore[index]
    assert status["mode"] == "here" and status["queued"] >= 1  # type: ignore[index]
    attention = status["needs_attention"]["sms"]  # type: ignore[index]
    assert "needs attention: the provider refused the credentials" in attention
    assert "sms: needs attention" in shown and "This PC sends reminders." in shown
    assert resumed["needs_attention"] == {}  # type: ignore[index]
    assert [i["kind"] for i in second["sent"]] == ["confirmation"]  # type: ignore[index]
    assert len(server.messages) == 1


def test_a_plain_http_address_is_refused_at_save_unless_it_is_this_pc(
    clinic: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RECEPTIONIST_CHANNEL_SECRET", TOKEN)
    for channel, url in (
        ("sms", "http://api.twilio.com"),
        ("whatsapp", "http://graph.facebook.com/v21.0"),
        ("sms", "http://127.0.0.1.example.org"),
        ("sms", "http://user@localhost.example.org:8080"),
    ):
        err = refused(capsys, ["channels", "set", channel, "--base-url", url, "--account",
                               ACCOUNT, "--sender", "+15005550006"])  # fmt: skip
        assert "(base-url)" in err and "https is required" in err, err
    for url in ("http://127.0.0.1:8080", "http://[::1]:8080/", "http://localhost/relay",
                "https://api.twilio.com"):  # fmt: skip
        done = said(capsys, ["channels", "set", "sms", "--base-url", url, "--account",
                             ACCOUNT, "--sender", "+15005550006"])  # fmt: skip
        assert done["channels.sms_base_url"] == url.rstrip("/")  # type: ignore[index]
    capsys.readouterr()
    assert main(["settings", "set", "channels.whatsapp_base_url", "http://graph.example"]) == 2
    err = capsys.readouterr().err
    assert "WhatsApp API must be a web address starting https://" in err


def test_reminders_log_shows_each_provider_answer_newest_first(
    clinic: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with http_server(twilio_route) as (url, _server):
        sms = ["channels", "set", "sms", "--base-url", url, "--account", ACCOUNT,
               "--sender", "+15005550006"]  # fmt: skip
        monkeypatch.setenv("RECEPTIONIST_CHANNEL_SECRET", "not-the-token")
        said(capsys, sms)
        said(capsys, ["reminders", "dispatch"])
        monkeypatch.setenv("RECEPTIONIST_CHANNEL_SECRET", TOKEN)
        said(capsys, sms)
        said(capsys, ["reminders", "dispatch"])
    log = said(capsys, ["reminders", "log"])
    assert [(r["outcome"], r["http_status"], r["code"]) for r in log] == [  # type: ignore[index, union-attr]
        ("sent", 201, ""),
        ("permanent", 401, "refused_credentials"),
    ]
    (booked,) = said(capsys, ["appointment", "list", "--days", "7"])  # type: ignore[misc]
    assert {r["appointment_id"] for r in log} == {booked["id"]}  # type: ignore[index, union-attr]
    assert log[0]["provider_id"].startswith("SM") and log[0]["channel"] == "sms"  # type: ignore[index]
    assert "Ayşe" not in json.dumps(log) and "+90532" not in json.dumps(log)
    assert said(capsys, ["reminders", "log", "--channel", "email"]) == []
    assert len(said(capsys, ["reminders", "log", "--outcome", "permanent"])) == 1  # type: ignore[arg-type]
    assert said(capsys, ["reminders", "log", "--since", "2199-01-01"]) == []
    assert len(said(capsys, ["reminders", "log", "--since", "2020-01-01T09:00"])) == 2  # type: ignore[arg-type]
    assert "since" in refused(capsys, ["reminders", "log", "--since", "yesterday"])
    assert "--channel" in refused(capsys, ["reminders", "log", "--channel", "fax"])
    capsys.readouterr()
    assert main(["reminders", "log"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "sms" in lines[0] and "sent" in lines[0] and booked["id"][:8] in lines[0]
    assert "401 refused_credentials" in lines[1]


def test_a_sender_saved_before_the_check_stops_sms_in_dispatch_status_and_list(
    clinic: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An SMS sender in national form, left by a version before the check: the round
    holds the message (never fails or skips it), `reminders status` and `list` quote
    the sender and the command that fixes it, `settings get` shows it as saved; that
    command resumes the channel."""
    old = "0212 555 12 34"
    with http_server(twilio_route) as (url, server):
        monkeypatch.setenv("RECEPTIONIST_CHANNEL_SECRET", TOKEN)
        said(capsys, ["channels", "set", "sms", "--base-url", url, "--account", ACCOUNT,
                      "--sender", "+15005550006"])  # fmt: skip
        db = open_clinic(clinic)
        with db.write() as s:  # as the version before the check saved it
            s.execute(update(ClinicSetting).where(ClinicSetting.key == "channels.sms_sender")
                      .values(value=json.dumps(old)))  # fmt: skip
        db.close()
        first = said(capsys, ["reminders", "dispatch"])
        capsys.readouterr()
        assert main(["reminders", "status"]) == 0
        shown = capsys.readouterr().out
        waiting = said(capsys, ["reminders", "list", "--state", "pending"])
        got = said(capsys, ["settings", "get", "channels.sms_sender"])
        said(capsys, ["settings", "set", "channels.sms_sender", "+15005550006"])
        second = said(capsys, ["reminders", "dispatch"])
    assert first["failed"] == first["skipped"] == first["sent"] == []  # type: ignore[index]
    assert [i["kind"] for i in first["held"]] == ["confirmation"]  # type: ignore[index]
    fix = "receptionist settings set channels.sms_sender NUMBER"
    assert f"'{old}'" in first["needs_attention"]["sms"]  # type: ignore[index]
    assert "sms: needs attention: the SMS sender '0212 555 12 34'" in shown and fix in shown
    held = [r for r in waiting if r["reason"] == "setup:sender_refused"]  # type: ignore[union-attr,index]
    assert held and all(f"'{old}'" in r["explained"] for r in held)
    assert got["value"] == old  # type: ignore[index]
    assert [i["kind"] for i in second["sent"]] == ["confirmation"]  # type: ignore[index]
    assert [m["from"] for m in server.messages] == ["+15005550006"]


def test_reminders_list_puts_what_waits_for_a_person_first_and_names_whose_it_is(
    clinic: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """More queued messages than the page holds: the failed one still shows first, with
    its patient's number, its appointment and the sentence of its reason; queued come
    soonest first, sent newest first, as the help says."""
    db = open_clinic(clinic)
    with db.read() as s:
        appointment = s.scalars(select(Appointment)).one()
    now = datetime.now(UTC)

    def row(state: str, rule: str, send_at: datetime, reason: str = "") -> Reminder:
        return Reminder(
            appointment_id=appointment.id, patient_id=appointment.patient_id,
            kind="reminder", rule=rule, scheduled_for=send_at, send_at=send_at,
            appointment_start=appointment.start_utc, state=state,
            channel="" if state == "pending" else "sms", reason=reason, provider_id="",
            digest="", attempts=1, created_at=now, updated_at=now,
        )  # fmt: skip

    with db.write() as s:
        s.add_all(row("pending", f"q{n}", now + timedelta(hours=n)) for n in range(5, 0, -1))
        s.add(row("sent", "old", now - timedelta(days=2)))
        s.add(row("sent", "new", now - timedelta(days=1)))
        bad = row("failed", "bad", now - timedelta(days=3), "permanent:invalid_number")
        s.add(bad)
        s.flush()
        dispatch._log(s, bad, now, None)  # the patient's log entry, as dispatch writes it
    db.close()
    listed = said(capsys, ["reminders", "list", "--limit", "3"])
    assert [r["rule"] for r in listed] == ["bad", "q1", "q2"]  # type: ignore[union-attr,index]
    failed = listed[0]  # type: ignore[index]
    assert failed["patient_number"] == "A-1" and failed["patient_name"] == "Ayşe Yılmaz"
    assert failed["appointment_id"] == appointment.id
    assert failed["appointment_start"].endswith("T10:00+03:00")
    assert failed["appointment_provider"] == "Dr. Elif Aksoy"
    assert "Correct the phone number" in failed["explained"]
    sent = said(capsys, ["reminders", "list", "--state", "sent"])
    assert [r["rule"] for r in sent] == ["new", "old"]  # type: ignore[union-attr,index]
    capsys.readouterr()
    assert main(["reminders", "list", "--state", "failed"]) == 0
    shown = capsys.readouterr().out
    assert "A-1 Ayşe Yılmaz" in shown and "Dr. Elif Aksoy" in shown, shown
    [logged] = said(capsys, ["commlog", "list", "A-1"])  # type: ignore[misc]
    assert logged["reason"] == "permanent:invalid_number"
    assert logged["explained"] == failed["explained"]
    with pytest.raises(SystemExit):
        main(["reminders", "list", "--help"])
    helped = " ".join(capsys.readouterr().out.split())
    assert "failed and unknown first, newest first; then queued, soonest first" in helped


def test_channels_set_without_a_secret_or_a_terminal_refuses_unless_one_is_kept(
    clinic: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No RECEPTIONIST_CHANNEL_SECRET and nobody at a terminal to ask: with no token on
    this PC, exit 2 with a sentence and nothing saved (it would have sent with an empty
    token); with one kept here, the other values are saved, the token kept, and said so."""
    monkeypatch.delenv("RECEPTIONIST_CHANNEL_SECRET", raising=False)
    sms = ["channels", "set", "sms", "--base-url", "https://api.twilio.com", "--account",
           ACCOUNT, "--sender", "+15005550006"]  # fmt: skip
    err = refused(capsys, sms)
    assert "No SMS token was given" in err and "RECEPTIONIST_CHANNEL_SECRET" in err, err
    assert said(capsys, ["settings", "get", "channels.sms_base_url"])["value"] == ""  # type: ignore[index]
    err = refused(capsys, ["channels", "set", "email", "--host", "h", "--port", "25",
                           "--sender", "a@b.c", "--username", "desk"])  # fmt: skip
    assert "No e-mail password was given" in err, err
    monkeypatch.setenv("RECEPTIONIST_CHANNEL_SECRET", TOKEN)
    said(capsys, sms)
    monkeypatch.delenv("RECEPTIONIST_CHANNEL_SECRET")
    capsys.readouterr()
    assert main([*sms[:-1], "+15005550007"]) == 0, capsys.readouterr().err
    shown = capsys.readouterr().out
    assert "channels.sms_sender = +15005550007" in shown
    assert "channels.sms_token = set (kept: none was given; the one on this PC stays)" in shown
    kept = said(capsys, sms)
    assert kept["channels.sms_token"] == "set" and kept["secret_kept"] is True  # type: ignore[index]
    # E-mail without a user name signs in to nothing: no password needed, none asked.
    said(capsys, ["channels", "set", "email", "--host", "h", "--port", "25", "--sender", "a@b.c"])


def test_channels_set_help_speaks_of_each_channel_s_own_fields(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def help_of(channel: str) -> str:
        capsys.readouterr()
        with pytest.raises(SystemExit):
            main(["channels", "set", channel, "--help"])
        return " ".join(capsys.readouterr().out.split())

    sms, whatsapp, email = help_of("sms"), help_of("whatsapp"), help_of("email")
    assert "WhatsApp" not in sms and "phone number id" not in sms
    assert "Account SID" in sms and "auth token" in sms and "https://api.twilio.com" in sms
    assert "Twilio" not in whatsapp and "Account SID" not in whatsapp
    assert "phone number id" in whatsapp and "access token" in whatsapp
    assert "graph.facebook.com" in whatsapp
    assert "token" not in email and "password" in email


def test_reminders_list_narrows_to_a_patient_and_says_a_queued_message_s_next_try(
    clinic: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--patient`` finds one patient's messages by number or name (a query: however
    many others' come first); a queued message a try failed for now says when its next
    try is (``next_try_at``), which the text says in place of its planned time."""
    assert main(["patient", "add", "--given-name", "Mehmet", "--family-name", "Öztürk",
                 "--phone", "+905321112244", "--consent", "sms"]) == 0  # fmt: skip
    db = open_clinic(clinic)
    with db.read() as s:
        appointment = s.scalars(select(Appointment)).one()
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    retry_at = now + timedelta(minutes=8)

    def row(patient: str, rule: str, state: str, reason: str = "") -> Reminder:
        return Reminder(
            appointment_id=appointment.id, patient_id=patient, kind="reminder", rule=rule,
            scheduled_for=now - timedelta(minutes=30), send_at=now - timedelta(minutes=30),
            appointment_start=appointment.start_utc, state=state,
            channel="sms" if state != "pending" else "", reason=reason, provider_id="",
            digest="", attempts=4, created_at=now, updated_at=now,
            next_try_at=retry_at if state == "pending" else None,
        )  # fmt: skip

    with db.write() as s:
        mehmet = s.scalars(select(Patient.id).where(Patient.number == "A-2")).one()
        s.add(row(appointment.patient_id, "ayse", "pending", "retry:unreachable"))
        s.add(row(mehmet, "mehmet", "failed", "permanent:invalid_number"))
    db.close()
    for typed in ("A-2", "a-2", "öztürk", "mehmet ozturk"):
        listed = said(capsys, ["reminders", "list", "--patient", typed])
        assert [r["rule"] for r in listed] == ["mehmet"], typed  # type: ignore[union-attr,index]
    [queued] = said(capsys, ["reminders", "list", "--patient", "A-1", "--state", "pending"])  # type: ignore[misc]
    zone = datetime.fromisoformat(queued["send_at"]).tzinfo
    assert queued["next_try_at"] == retry_at.astimezone(zone).isoformat(timespec="minutes")
    [failed] = said(capsys, ["reminders", "list", "--patient", "A-2"])  # type: ignore[misc]
    assert failed["next_try_at"] is None
    capsys.readouterr()
    assert main(["reminders", "list", "--patient", "A-1", "--state", "pending"]) == 0
    shown = capsys.readouterr().out
    assert f"next try {queued['next_try_at'][:16].replace('T', ' ')}" in shown, shown
    assert main(["reminders", "list", "--patient", "A-99"]) == 0
    assert "No messages of a patient matching 'A-99'." in capsys.readouterr().out
    assert said(capsys, ["reminders", "list", "--patient", "A-99"]) == []


def test_channels_set_with_no_secret_behind_a_locked_keychain_says_so(
    clinic: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No token given, and the keychain refuses to say whether one is kept: nothing is
    saved, and the words say to unlock it, not that none is kept."""
    import keyring
    from keyring.backend import KeyringBackend
    from keyring.errors import KeyringLocked

    class Locked(KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def get_password(self, service: str, username: str) -> str | None:
            raise KeyringLocked("locked")

        def set_password(self, service: str, username: str, password: str) -> None:
            raise KeyringLocked("locked")

        def delete_password(self, service: str, username: str) -> None:
            raise KeyringLocked("locked")

    monkeypatch.delenv("RECEPTIONIST_CHANNEL_SECRET", raising=False)
    monkeypatch.setattr("sys.stdin.isatty", lambda: False, raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(Locked())
    try:
        err = refused(capsys, ["channels", "set", "sms", "--base-url", "https://api.twilio.com",
                               "--account", ACCOUNT, "--sender", "+15005550006"])  # fmt: skip
    finally:
        keyring.set_keyring(previous)
    assert "keychain is locked or not available" in err and "none is kept" not in err, err
    assert "nothing was saved" in err


def test_reminders_resend_of_an_unknown_message_needs_yes_unknown(
    clinic: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An unknown message may have arrived: without --yes-unknown the resend is refused
    (exit 2, a sentence naming the flag's reason) and nothing changes; with it, queued."""
    db = open_clinic(clinic)
    now = datetime.now(UTC)
    with db.write() as s:
        appointment = s.scalars(select(Appointment)).one()
        unknown = Reminder(
            appointment_id=appointment.id, patient_id=appointment.patient_id,
            kind="reminder", rule="r1", scheduled_for=now, send_at=now,
            appointment_start=appointment.start_utc, state="unknown", channel="sms",
            reason="no_answer", provider_id="", digest="", attempts=1, created_at=now,
            updated_at=now,
        )  # fmt: skip
        s.add(unknown)
        s.flush()
        made = unknown.id
    db.close()
    err = refused(capsys, ["reminders", "resend", made])
    assert "may have arrived" in err and "twice" in err, err
    db = open_clinic(clinic)
    with db.read() as s:
        assert s.get(Reminder, made).state == "unknown"  # type: ignore[union-attr]
    db.close()
    again = said(capsys, ["reminders", "resend", made, "--yes-unknown"])
    assert again["id"] == made and again["state"] == "pending"  # type: ignore[index]
    err = refused(capsys, ["reminders", "resend", made])
    assert "Only a failed, unknown or skipped message" in err, err


def test_reminders_resend_on_a_pc_that_is_not_the_station_is_refused(
    clinic: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Reminder rows are this PC's own: queued on a PC that does not send, a resend
    would never go. Refused with a sentence naming the station; nothing changes."""
    db = open_clinic(clinic)
    now = datetime.now(UTC)
    with db.write() as s:
        appointment = s.scalars(select(Appointment)).one()
        failed = Reminder(
            appointment_id=appointment.id, patient_id=appointment.patient_id,
            kind="reminder", rule="r1", scheduled_for=now, send_at=now,
            appointment_start=appointment.start_utc, state="failed", channel="sms",
            reason="permanent:invalid_number", provider_id="", digest="", attempts=1,
            created_at=now, updated_at=now,
        )  # fmt: skip
        s.add(failed)
        s.flush()
        made = failed.id
    db.close()
    assert main(["settings", "set", "reminders.station", "FR01"]) == 0
    err = refused(capsys, ["reminders", "resend", made])
    assert "reminder station (FR01)" in err and "Resend there" in err, err
    db = open_clinic(clinic)
    with db.read() as s:
        assert s.get(Reminder, made).state == "failed"  # type: ignore[union-attr]
    db.close()


def test_reminders_list_shows_each_message_s_id_and_resend_takes_its_start(
    clinic: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The text listing led with nothing to resend by (the id only in --json): each
    line now starts with the message's first 8 characters, and ``resend`` takes them
    (at least 6), as the other commands take an id's start."""
    db = open_clinic(clinic)
    now = datetime.now(UTC)
    with db.write() as s:
        appointment = s.scalars(select(Appointment)).one()
        failed = Reminder(
            appointment_id=appointment.id, patient_id=appointment.patient_id,
            kind="reminder", rule="r1", scheduled_for=now, send_at=now,
            appointment_start=appointment.start_utc, state="failed", channel="sms",
            reason="permanent:invalid_number", provider_id="", digest="", attempts=1,
            created_at=now, updated_at=now,
        )  # fmt: skip
        s.add(failed)
        s.flush()
        made = failed.id
    db.close()
    assert main(["reminders", "list", "--state", "failed"]) == 0
    listed = capsys.readouterr().out
    assert listed.lstrip().startswith(made[:8]), listed
    assert "at least its first 6" in refused(capsys, ["reminders", "resend", made[:4]])
    again = said(capsys, ["reminders", "resend", made[:8]])
    assert again["id"] == made and again["state"] == "pending"  # type: ignore[index]
