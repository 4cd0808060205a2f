"""reminders list|status|log|rules, channels set email|sms|whatsapp: the reminders' commands that
need no network (``reminders dispatch`` sends, so it lives in ``sync/remindercmds.py``)."""

from __future__ import annotations

import argparse
from typing import Any
from zoneinfo import ZoneInfo

from receptionist import zones
from receptionist.cli import rulecmds, templatecmds
from receptionist.cli.common import App, examples, read_secret, whole_number
from receptionist.cli.patientcmds import options_named
from receptionist.errors import UserError
from receptionist.ops import deliveries, patients, reminders
from receptionist.ops.deliveries import OUTCOMES, DeliveryRow
from receptionist.ops.reminders import LIST_LIMIT, ORDER, STATES, ReminderRow, ReminderStatus
from receptionist.reminders import halt
from receptionist.reminders.settings import CHANNELS

SECRET_ENV = "RECEPTIONIST_CHANNEL_SECRET"
SECURITY = ("none", "starttls", "tls")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    top = sub.add_parser("reminders", help="messages to patients about their appointments")
    rsub = top.add_subparsers(dest="reminders_cmd", required=True, metavar="ACTION")
    p = rsub.add_parser(
        "list",
        help=f"the messages planned and sent, each with its patient and appointment: {ORDER}",
        description=f"The messages planned and sent, each with its patient (number and "
        f"name), its appointment (start and provider) and its reason in words: {ORDER}. "
        "--state narrows the list (given again, to several states), --patient to one "
        "patient's messages; the order stays. A queued message waiting to be tried again "
        "says when its next try is (next_try_at).",
        **examples(
            "receptionist reminders list",
            "receptionist reminders list --state failed --state unknown --json",
            "receptionist reminders list --patient A-12",
            "receptionist reminders list --state sent --limit 50",
        ),
    )
    p.add_argument(
        "--state",
        action="append",
        choices=STATES,
        help="only messages in this state (may be given again): " + ", ".join(STATES),
    )
    p.add_argument(
        "--patient",
        metavar="NUMBER",
        default="",
        help="only this patient's messages: the patient number (A-12), or a name or phone as "
        "the patient search finds it (then every patient it finds)",
    )
    p.add_argument(
        "--limit",
        type=whole_number(1, LIST_LIMIT),
        default=200,
        help=f"at most this many, 1 to {LIST_LIMIT} (default 200)",
    )
    p.set_defaults(func=cmd_list)
    st = rsub.add_parser(
        "status",
        help="who sends, what waits, what failed, and any channel that needs attention",
        **examples("receptionist reminders status", "receptionist reminders status --json"),
    )
    st.set_defaults(func=cmd_status)
    _resend(rsub)
    _log(rsub)
    templatecmds.register(rsub)
    rulecmds.register(rsub)
    _channels(sub)


def _resend(rsub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = rsub.add_parser(
        "resend",
        help="send a failed, unknown or skipped message again at the next round",
        description="Queues the message again (its id from 'reminders list --json'): it "
        "goes at the next round, to the patient's address of now, with every check of "
        "sending (consent, the appointment, quiet hours). An unknown message may have "
        "arrived: ask the patient, then give --yes-unknown, else it is refused.",
        **examples(
            "receptionist reminders resend 1f0c…",
            "receptionist reminders resend 1f0c… --yes-unknown --json",
        ),
    )
    p.add_argument(
        "id",
        metavar="ID",
        help="the message's id, or its start (6 or more) as 'reminders list' shows it",
    )
    p.add_argument(
        "--yes-unknown",
        action="store_true",
        help="resend a message whose outcome is unknown (it may reach the patient twice)",
    )
    p.set_defaults(func=cmd_resend)


def cmd_resend(app: App) -> int:
    a = app.args
    with app.database() as db:
        ctx = app.ctx(db)
        tz = zones.zone(patients.clinic_zone(db))
        row = reminders.resend(db, ctx, a.id.strip(), confirmed=a.yes_unknown)
    app.emit(_data(row, tz), "The message goes again at the next round.")
    return 0


def _log(rsub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = rsub.add_parser(
        "log",
        help="the providers' delivery log, newest first: each answer a provider gave "
        "(no text, no address)",
        **examples(
            "receptionist reminders log",
            "receptionist reminders log --channel sms --since 2026-12-01 --json",
            "receptionist reminders log --outcome permanent",
        ),
    )
    p.add_argument("--channel", choices=CHANNELS, help="only this channel: " + ", ".join(CHANNELS))
    p.add_argument("--outcome", choices=OUTCOMES, help="only this outcome: " + ", ".join(OUTCOMES))
    p.add_argument(
        "--since", help="only answers from this local date or time on, like 2026-12-01 or "
        "2026-12-01T09:00"
    )  # fmt: skip
    p.add_argument(
        "--limit",
        type=whole_number(1, deliveries.LIMIT),
        default=200,
        help=f"at most this many, 1 to {deliveries.LIMIT} (default 200)",
    )
    p.set_defaults(func=cmd_log)


# Each channel's set-up words: what its secret is, its options' help, an example.
_HTTP_CHANNELS = {
    "sms": {
        "what": "a Twilio-compatible SMS API",
        "secret": "auth token",
        "base_url": "the SMS API's address, like https://api.twilio.com (https://; http:// "
        "only to this PC)",
        "account": "the provider's account id: Twilio's Account SID (AC...)",
        "sender": "the number messages come from (written as the clinic's numbers are, or "
        "+905001112233), a short code (12345) or a sender ID (MODA, 1 to 11 letters, digits "
        "and spaces)",
        "example": "https://api.twilio.com --account AC123 --sender +905001112233",
    },
    "whatsapp": {
        "what": "Meta's WhatsApp Cloud API",
        "secret": "access token",
        "base_url": "the Cloud API's address with its version, like "
        "https://graph.facebook.com/v21.0 (https://; http:// only to this PC)",
        "account": "the WhatsApp phone number id (WhatsApp Manager > API setup): the "
        "business number's id, not the number",
        "sender": "the business number as patients see it, for reference (shown only: "
        "messages go by the phone number id; default: unchanged)",
        "example": "https://graph.facebook.com/v21.0 --account 106540352242922 --sender "
        '"0532 123 45 67"',
    },
}


def _secret_help(secret: str) -> str:
    return (
        f"the {secret} comes from {SECRET_ENV} (or the file {SECRET_ENV}_FILE names) or is "
        "asked for, never typed here; it stays on this PC (set it on each PC that may send)"
    )


def _channels(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    top = sub.add_parser("channels", help="where reminders go: e-mail, SMS, WhatsApp")
    csub = top.add_subparsers(dest="channels_cmd", required=True, metavar="ACTION")
    s = csub.add_parser("set", help="set up a channel")
    ssub = s.add_subparsers(dest="channel", required=True, metavar="CHANNEL")
    about = "the SMTP server reminders are sent through; with --username, " + _secret_help(
        "password"
    )
    e = ssub.add_parser(
        "email",
        help=about,
        description=about[:1].upper() + about[1:] + ".",
        **examples(
            "receptionist channels set email --host smtp.example.com --port 587 "
            "--sender desk@clinic.example --username desk@clinic.example",
            "receptionist channels set email --host 127.0.0.1 --port 25 --sender "
            "desk@clinic.example --security none",
        ),
    )
    e.add_argument("--host", required=True, help="the SMTP server's host name")
    e.add_argument("--port", required=True, type=whole_number(1, 65535), help="1 to 65535")
    e.add_argument("--sender", required=True, help="the address messages come from")
    e.add_argument(
        "--security", choices=SECURITY, default="starttls", help="none, starttls (default), tls"
    )
    e.add_argument(
        "--username",
        default="",
        help="the account to sign in as (default: none, and then no password)",
    )
    e.set_defaults(func=cmd_set)
    for name, said in _HTTP_CHANNELS.items():
        about = f"{said['what']}; " + _secret_help(said["secret"])
        h = ssub.add_parser(
            name,
            help=about,
            description=about[:1].upper() + about[1:] + ".",
            **examples(f"receptionist channels set {name} --base-url {said['example']}"),
        )
        h.add_argument("--base-url", required=True, help=said["base_url"])
        h.add_argument("--account", required=True, help=said["account"])
        h.add_argument("--sender", required=name == "sms", help=said["sender"])
        h.set_defaults(func=cmd_set)


def _data(row: ReminderRow, tz: ZoneInfo) -> dict[str, Any]:
    def local(value: Any) -> str | None:
        return value.astimezone(tz).isoformat(timespec="minutes") if value else None

    return {
        "id": row.id,
        "appointment_id": row.appointment_id,
        "patient_id": row.patient_id,
        "patient_number": row.patient_number or None,  # None: not on file any more
        "patient_name": str(row.patient_name) or None,  # "anonymised" once nothing is left
        "patient_erased": row.patient_erased,
        "appointment_provider": row.appointment_provider or None,
        "kind": row.kind,
        "rule": row.rule,
        "channel": row.channel,
        "state": row.state,
        "reason": row.reason,
        "explained": str(row.explained) if row.explained else None,
        "send_at": local(row.send_at),
        # A queued message waiting to be tried again goes then, not at send_at (None:
        # any other message).
        "next_try_at": local(row.next_try_at),
        "appointment_start": local(row.appointment_start),
        "attempts": row.attempts,
        "provider_id": row.provider_id,
        "finished_at": local(row.finished_at),
        "sent_to": row.sent_to or None,  # where it went (a resend goes to the address now)
    }


def _line(d: dict[str, Any]) -> str:
    when = d["send_at"][:16].replace("T", " ")
    if d["next_try_at"]:
        when = f"next try {d['next_try_at'][:16].replace('T', ' ')}"
    why = f" ({d['reason']})" if d["reason"] else ""
    line = (
        f"{d['id'][:8]}  {when}  {d['kind']:<12} {d['rule']:<12} {d['channel'] or '-':<8} "
        f"{d['state']}{why}"
    )
    whose = " ".join(p for p in (d["patient_number"], d["patient_name"]) if p) or "-"
    visit = d["appointment_start"][:16].replace("T", " ")
    if d["appointment_provider"]:
        visit += f", {d['appointment_provider']}"
    line += f"\n    {whose}; appointment {visit}"
    return f"{line}\n    {d['explained']}" if d["explained"] else line


def cmd_list(app: App) -> int:
    a = app.args
    with app.database() as db:
        ctx = app.ctx(db)
        tz = zones.zone(patients.clinic_zone(db))
        rows = reminders.listing(
            db, ctx, states=tuple(a.state or ()), limit=a.limit, patient=a.patient
        )
    data = [_data(r, tz) for r in rows]
    none = f"No messages of a patient matching {a.patient.strip()!r}." if a.patient.strip() else ""
    app.emit(data, "\n".join(_line(d) for d in data) or none or "No reminders planned.")
    return 0


def cmd_set(app: App) -> int:
    a = app.args
    if a.channel == "email":
        values: dict[str, object] = {
            "host": a.host, "port": a.port, "security": a.security, "sender": a.sender,
            "username": a.username,
        }  # fmt: skip
        wants_secret = bool(a.username)
    else:
        values = {"base_url": a.base_url, "account": a.account}
        if a.sender is not None:  # WhatsApp's is optional: Meta sends from the number's id
            values["sender"] = a.sender
        wants_secret = True
    named = halt.SECRET_NAMES[a.channel]
    with app.database() as db:
        ctx = app.ctx(db)
        secret, kept = None, False
        if wants_secret:
            secret = (
                read_secret("RECEPTIONIST_CHANNEL_SECRET", named[:1].upper() + named[1:]) or None
            )
        if wants_secret and secret is None:  # none given: the one on this PC, if any
            held = reminders.secret_state(db, a.channel)
            kept = held == "kept"
            if held == "locked":
                raise UserError(NO_SECRET_LOCKED.format(secret=named))
            if not kept:
                raise UserError(NO_SECRET.format(secret=named, channel=a.channel))
        keys = reminders.EMAIL_KEYS if a.channel == "email" else reminders.HTTP_KEYS[a.channel]
        with options_named({key: name.replace("_", "-") for name, key in keys.items()}):
            entries = reminders.set_channel(db, ctx, a.channel, values, secret)
    data: dict[str, Any] = {e.key: e.text for e in entries}
    lines = [f"{k} = {v}" for k, v in data.items()]
    if kept:
        key = reminders.SECRETS[a.channel]
        data[key], data["secret_kept"] = "set", True
        lines.append(f"{key} = set (kept: none was given; the one on this PC stays)")
    app.emit(data, "\n".join(lines))
    return 0


NO_SECRET = (
    "No {secret} was given, and none is kept on this PC, so {channel} could not send from "
    f"here; nothing was saved. Give it in {SECRET_ENV} (or a file named by {SECRET_ENV}"
    "_FILE), or run the command in a terminal to be asked for it."
)

NO_SECRET_LOCKED = (
    "No {secret} was given, and this PC's keychain is locked or not available, so "
    "whether one is kept here cannot be told; nothing was saved. Unlock it (sign in "
    "again, or unlock the login keyring) and run the command again, or give the "
    f"{{secret}} in {SECRET_ENV} (or a file named by {SECRET_ENV}_FILE)."
)


MODES = {
    "off": "reminders are off (settings set reminders.enabled true)",
    "here": "this PC sends reminders",
    "standby": "this PC stands by for the reminder station",
    "elsewhere": "reminders are sent by PC {station}",
    "unnamed": "no PC is named the reminder station, so none sends (reminders.station)",
    "copy": "this is a copy restored to look at: it sends no reminders (`backup adopt`)",
}


def status_data(found: ReminderStatus, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "mode": found.mode,
        "station": found.station,
        "queued": found.queued,
        "failed": found.failed,
        "to_check": found.to_check,  # "unknown": the provider may have it; look
        "next_due": found.next_due.astimezone(tz).isoformat(timespec="minutes")
        if found.next_due
        else None,
        "needs_attention": {c: str(found.attention_text(c)) for c in found.attention},
        # Channels whose messages wait to be tried again (a try reached no provider).
        "waiting": {
            c: str(t) for (c, _), t in zip(found.waiting, found.waiting_texts(), strict=True)
        },
        # Set up, and their password or token is not on this PC (it sends, or may).
        "secrets_missing": list(found.secrets_missing),
        # Of those, the ones this PC's keychain refused to read (locked, not answering).
        "secrets_locked": list(found.secrets_locked),
        # Planned here as the sender would, for a takeover: not this PC's to send now.
        "kept_for_takeover": found.kept,
        # Entries of the per-service rules planning ignores (a deleted service's, or
        # keyed by a name): `reminders rules list` names them.
        "ignored_service_rules": found.ignored_rules,
    }


def status_text(data: dict[str, Any]) -> str:
    said = MODES.get(data["mode"], data["mode"]).format(station=data["station"])
    lines = [
        said[:1].upper() + said[1:] + ".",
        f"queued {data['queued']}, failed {data['failed']}, to check {data['to_check']}, next "
        + (data["next_due"][:16].replace("T", " ") if data["next_due"] else "none"),
    ]
    if data["kept_for_takeover"]:
        lines.append(
            f"{data['kept_for_takeover']} planned as the sending PC would, sent from here "
            "only if this PC takes over"
        )
    lines += list(data["needs_attention"].values())
    lines += list(data["waiting"].values())
    if data["ignored_service_rules"]:
        lines.append(
            f"{data['ignored_service_rules']} per-service reminder rules ignored, naming no "
            "service here; `reminders rules list` names them"
        )
    return "\n".join(lines)


def cmd_status(app: App) -> int:
    with app.database() as db:
        app.ctx(db)
        found = reminders.status(db)
        tz = zones.zone(patients.clinic_zone(db))
    data = status_data(found, tz)
    app.emit(data, status_text(data))
    return 0


def _delivery(row: DeliveryRow, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "at": row.at.astimezone(tz).isoformat(timespec="seconds"),
        "channel": row.channel,
        "action": row.action,
        "outcome": row.outcome,
        "http_status": row.http_status,
        "code": row.code,
        "provider_id": row.provider_id,
        "reminder_id": row.reminder_id,
        "appointment_id": row.appointment_id or None,
    }


def _delivery_line(d: dict[str, Any]) -> str:
    status = " ".join(str(p) for p in (d["http_status"], d["code"]) if p) or "-"
    appointment = (d["appointment_id"] or "-")[:8]
    return (
        f"{d['at'][:19].replace('T', ' ')}  {d['channel']:<8} {d['action']:<6} "
        f"{d['outcome']:<9} {status:<28} {appointment}"
    )


def cmd_log(app: App) -> int:
    a = app.args
    with app.database() as db:
        ctx = app.ctx(db)
        tz = zones.zone(patients.clinic_zone(db))
        since = zones.local_to_utc(a.since, tz, field="since", boundary=True) if a.since else None
        rows = deliveries.listing(
            db, ctx, channel=a.channel, outcome=a.outcome, since=since, limit=a.limit
        )
    data = [_delivery(r, tz) for r in rows]
    app.emit(data, "\n".join(_delivery_line(d) for d in data) or "No provider answers logged.")
    return 0
