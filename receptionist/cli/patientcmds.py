"""patient add|search|show|update|erase|export, through ``receptionist.ops.patients``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from receptionist import zones
from receptionist.cli import erasecmd, exportcmd, retentioncmds
from receptionist.cli.appointmentcmds import span_text
from receptionist.cli.common import App, examples, whole_number
from receptionist.errors import DuplicatePatient, UserError, ValidationError
from receptionist.ops import lookup
from receptionist.ops import patients as ops
from receptionist.ops.patients import Duplicates, NewPatient, PatientRecord
from receptionist.patients import dates
from receptionist.patients.search import MAX_LIMIT
from receptionist.texts import QT_TRANSLATE_NOOP, Text, message

CONSENT_NAMES = {
    "sms": "reminder_sms",
    "whatsapp": "reminder_whatsapp",
    "email": "reminder_email",
    "marketing": "marketing",
    "optional-data": "optional_data",
}
PATIENT_HELP = "patient number (A-12) or id (or its first 6 characters)"
# How far back `patient show` lists appointments (the app's window shows them all).
SHOWN_DAYS = 365


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    pat = sub.add_parser("patient", help="add, find, show, change, export and erase patients")
    psub = pat.add_subparsers(dest="patient_cmd", required=True)
    p = psub.add_parser(
        "add",
        help="add a patient",
        **examples(
            "receptionist patient add --given-name Ayşe --family-name Yılmaz --consent sms",
            "receptionist patient add --from-json - < patient.json",
        ),
    )
    _field_options(p, adding=True)
    p.add_argument(
        "--allow-duplicate", action="store_true", help="add even if a similar patient exists"
    )
    p.set_defaults(func=cmd_add)

    p = psub.add_parser(
        "search",
        help="find patients by name, phone, ID or e-mail",
        **examples('receptionist patient search "ayse yil"', "receptionist patient search 0532"),
    )
    p.add_argument("query", help="words of a name, digits of a phone or ID, a patient number")
    p.add_argument(
        "--limit",
        type=whole_number(1, MAX_LIMIT),
        default=20,
        help=f"at most this many, 1 to {MAX_LIMIT} (default 20)",
    )
    p.set_defaults(func=cmd_search)

    p = psub.add_parser(
        "show",
        help="show a patient's record, consents and appointments of the last year "
        "(the opening is audited)",
        **examples("receptionist patient show A-12", "receptionist patient show A-12 --json"),
    )
    p.add_argument("patient", help=PATIENT_HELP)
    p.set_defaults(func=cmd_show)

    p = psub.add_parser(
        "update",
        help="change a patient's fields and consents (only what is given changes; "
        'an empty value such as --email "" clears an optional field)',
        **examples(
            'receptionist patient update A-12 --phone "0533 765 43 21" --consent sms',
            'receptionist patient update A-12 --restrict --reason "disputes her record"',
        ),
    )
    p.add_argument("patient", help=PATIENT_HELP)
    _field_options(p, adding=False)
    p.add_argument(
        "--withdraw",
        action="append",
        default=[],
        choices=sorted(CONSENT_NAMES),
        help="consent withdrawn now (repeatable); withdrawing optional-data erases the "
        "birth date and gender",
    )
    p.add_argument(
        "--clear-alert", action="store_true", help="remove the patient's front-desk alert"
    )
    p.add_argument(
        "--allow-duplicate",
        action="store_true",
        help="save even if the change makes the patient look like another",
    )
    p.add_argument(
        "--restrict",
        action="store_true",
        help="restrict the processing of the patient's data from now (GDPR art. 18, KVKK "
        "art. 11): no reminder or other message goes to the patient, Google shows no name",
    )
    p.add_argument(
        "--unrestrict",
        action="store_true",
        help="lift the restriction: her reminders still ahead are queued again",
    )
    p.add_argument(
        "--reason",
        metavar="TEXT",
        help="why the processing is restricted (with --restrict; optional, kept sealed)",
    )
    p.set_defaults(func=cmd_update)
    retentioncmds.register_holds(psub)
    erasecmd.register(psub, PATIENT_HELP)
    exportcmd.register(psub, PATIENT_HELP)


def _field_options(p: argparse.ArgumentParser, *, adding: bool) -> None:
    """The options naming a patient's fields; ``adding`` gives the defaults of a new one."""
    blank = "" if adding else None
    p.add_argument("--given-name", help="given (first) name" + (" (required)" if adding else ""))
    p.add_argument("--family-name", help="family name" + (" (required)" if adding else ""))
    p.add_argument("--phone", help="phone number, e.g. 0532 123 45 67 or +44 20 7946 0958")
    p.add_argument("--email", help="e-mail address")
    p.add_argument("--national-id", help="national ID (a T.C. Kimlik No is checked)")
    p.add_argument(  # the forms the core reads: its one list (patients/dates.py)
        "--birth-date", help=f"e.g. {dates.examples()} (needs the optional-data consent)"
    )
    p.add_argument("--gender", help="female, male or other (needs the optional-data consent)")
    p.add_argument("--address", default=blank, help="postal address")
    p.add_argument("--language", help="preferred language, e.g. tr, ar, en")
    channel: dict[str, Any] = {"choices": ("sms", "whatsapp", "email")} if adding else {}
    p.add_argument("--channel", help="preferred channel: sms, whatsapp or email", **channel)
    p.add_argument("--notes", default=blank, help="notes (up to 1 MB)")
    p.add_argument(
        "--alert",
        default=blank,
        metavar="TEXT",
        help="front-desk alert shown on the schedule and when booking, one line of up "
        'to 200 characters, e.g. "needs wheelchair access"',
    )
    p.add_argument(
        "--consent",
        action="append",
        default=[],
        choices=sorted(CONSENT_NAMES),
        help="consent given now (repeatable)",
    )
    p.add_argument(
        "--from-json",
        metavar="FILE",
        help="read the fields from a JSON object in FILE ('-' for standard input), "
        "so they stay out of shell history; options given on the line win",
    )


# The JSON keys are the core's field names (as ``patient show --json`` prints them);
# two options are spelled shorter on the command line.
_OPTION_OF = {"preferred_language": "language", "preferred_channel": "channel"}


# The most --from-json reads: a patient's notes may be 1 MB, and the other fields are
# short; a bigger input (or one that never ends, like /dev/zero) is refused unread.
MAX_JSON_BYTES = 2 * 1024 * 1024


def _read_json_input(source: str) -> object:
    """The JSON value in ``source`` (a file, or '-' for standard input), read no further
    than :data:`MAX_JSON_BYTES`."""
    unreadable = ValidationError(
        "from-json",
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "The JSON input cannot be read; it must be one object such as "
                '{{"given_name": "Ayşe"}}.',
            )
        ),
    )
    try:
        if source == "-":
            raw = read_stdin(MAX_JSON_BYTES + 1)
        else:
            with Path(source).open("rb") as file:
                raw = file.read(MAX_JSON_BYTES + 1)
    except OSError as exc:
        raise unreadable from exc
    if len(raw) > MAX_JSON_BYTES:
        raise ValidationError(
            "from-json",
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "The JSON input is larger than {limit} MB; a patient's fields are smaller.",
                ),
                limit=MAX_JSON_BYTES // (1024 * 1024),
            ),
        )
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:  # ValueError: JSON, or a 5000-digit number
        raise unreadable from exc
    except RecursionError as exc:
        raise ValidationError(
            "from-json",
            Text(
                QT_TRANSLATE_NOOP(
                    "core", "The JSON input is nested too deeply; give one flat object."
                )
            ),
        ) from exc


def read_stdin(limit: int) -> bytes:
    """Up to ``limit`` bytes of standard input (none when it is closed)."""
    if sys.stdin is None:
        return b""
    stream = getattr(sys.stdin, "buffer", None)  # a test's StringIO has none
    if stream is not None:
        return bytes(stream.read(limit))
    return str(sys.stdin.read(limit)).encode("utf-8", "surrogatepass")


def _from_json(a: argparse.Namespace, lists: Sequence[str] = ("consents",)) -> None:
    """Fill ``a`` from --from-json; options given on the line win. ``lists`` are the
    keys holding consent names (``consents``, and ``withdraw`` for an update)."""
    if not a.from_json:
        return
    data = _read_json_input(a.from_json)
    if not isinstance(data, dict) or set(data) - set(ops.FIELDS) - set(lists):
        raise ValidationError(
            "from-json",
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "The JSON object may hold: {fields}, {lists} (a list such as {example}).",
                ),
                fields=", ".join(ops.FIELDS),
                lists=" and ".join(lists),
                example='["sms"]',
            ),
        )
    for key in ops.FIELDS:
        value = data.get(key)
        if value is not None and not isinstance(value, str):
            raise ValidationError(
                key,
                Text(
                    QT_TRANSLATE_NOOP(
                        "core", 'The JSON field "{key}" must be text (in quotes) or null.'
                    ),
                    key=key,
                ),
            )
        option = _OPTION_OF.get(key, key)
        if getattr(a, option) in (None, "") and value is not None:
            setattr(a, option, value)
    # New lists: the ones parsed may be the parser's own defaults, never to be changed.
    a.consent = [*a.consent, *_json_consents(data.get("consents", []), "consents")]
    if "withdraw" in lists:
        a.withdraw = [*a.withdraw, *_json_consents(data.get("withdraw", []), "withdraw")]


def _json_consents(given: object, key: str) -> list[str]:
    """The consents a JSON object lists: a list of names such as ["sms", "email"]."""
    if not isinstance(given, list) or not all(
        isinstance(c, str) and c in CONSENT_NAMES for c in given
    ):
        raise ValidationError(
            key,
            Text(
                QT_TRANSLATE_NOOP(
                    "core", 'The JSON field "{key}" must be a list of: {names} (such as {example}).'
                ),
                key=key,
                names=", ".join(CONSENT_NAMES),
                example='["sms", "email"]',
            ),
        )
    return given


# ---------------------------------------------------------------------------- add


def cmd_add(app: App) -> int:
    a = app.args
    _from_json(a)
    for field in ("given_name", "family_name"):
        if not getattr(a, field):
            option = field.replace("_", "-")
            raise ValidationError(
                option, Text(QT_TRANSLATE_NOOP("core", "--{option} is required."), option=option)
            )
    fields = {
        "email": a.email, "national_id": a.national_id, "birth_date": a.birth_date,
        "gender": a.gender, "address": a.address, "preferred_language": a.language,
        "preferred_channel": a.channel, "notes": a.notes, "alert": a.alert,
    }  # fmt: skip
    new = NewPatient(
        a.given_name,
        a.family_name,
        a.phone,
        fields=fields,
        consents={CONSENT_NAMES[c]: True for c in a.consent},
    )
    with app.database() as db:
        added = ops.add_record(db, app.ctx(db), new, allow_duplicate=a.allow_duplicate)
    if isinstance(added, Duplicates):
        raise _refused(added, adding=True)
    data = _fields(added)
    data["consents"] = dict(added.consents)
    app.emit(data, f"Added patient {added.number}.")
    return 0


def _refused(dup: Duplicates, *, adding: bool) -> DuplicatePatient:
    """The duplicate warning, naming the patients it found and how to go on anyway."""
    numbers = ", ".join(r.number for r in dup.matches)
    if adding:
        template = QT_TRANSLATE_NOOP(
            "core", "{warning} Existing: {numbers}. Use --allow-duplicate to add anyway."
        )
    else:
        template = QT_TRANSLATE_NOOP(
            "core", "{warning} Existing: {numbers}. Use --allow-duplicate to save anyway."
        )
    text = Text(template, warning=dup.message, numbers=numbers)
    return DuplicatePatient(text, [r.id for r in dup.matches])


# ------------------------------------------------------------------------- search


def cmd_search(app: App) -> int:
    with app.database() as db:
        rows = ops.find(db, app.ctx(db), app.args.query, limit=app.args.limit)
    data = [
        {
            "id": r.id,
            "number": r.number,
            "name": r.display_name,
            "phone": r.phone,
            "birth_date": r.birth_date,
        }
        for r in rows
    ]
    text = "\n".join(f"{d['number']:<10} {d['name']:<36} {d['phone'] or ''}" for d in data)
    app.emit(data, text or "No patient matches.")
    return 0


# --------------------------------------------------------------------------- show


def cmd_show(app: App) -> int:
    with app.database() as db:
        ctx = app.ctx(db)
        found = lookup.patient(db, app.args.patient)
        shown = ops.show(db, ctx, found.id)
    data = _shown(shown, app)
    app.emit(data, _text(data))
    return 0


def _fields(record: PatientRecord) -> dict[str, Any]:
    since, anonymised = record.restricted_at, record.anonymised_at
    return {
        "id": record.id,
        "number": record.number,
        **record.fields,
        "restricted": record.restricted,
        "restricted_at": since.isoformat(timespec="seconds") if since else None,
        "restriction_reason": record.restriction_reason,
        # The retention sweep anonymised her: no personal data, her visits kept.
        "anonymised_at": anonymised.isoformat(timespec="seconds") if anonymised else None,
    }


def _shown(record: PatientRecord, app: App) -> dict[str, Any]:
    """The record as ``patient show`` gives it: fields, consents, the last year's visits."""
    data = _fields(record)
    data["consents"] = dict(record.consents)
    tz = zones.zone(record.timezone)
    since = app.clock.now() - timedelta(days=SHOWN_DAYS)
    data["appointments"] = [
        {
            "id": v.id,
            "start": v.start_utc.astimezone(tz).isoformat(timespec="minutes"),
            "end": v.end_utc.astimezone(tz).isoformat(timespec="minutes"),
            "when": span_text(v.start_utc, v.end_utc, tz),
            "status": v.status,
            "patient_number": record.number,
            "patient": record.display_name,
            "provider": v.provider or None,
            "service": v.service or None,
            "room": v.room or None,
            "override_reason": v.override_reason,
        }
        for v in record.visits
        if v.start_utc >= since
    ]
    return data


_SHOWN_FIELDS = (
    "phone", "email", "national_id", "birth_date", "gender", "preferred_language",
    "preferred_channel", "address", "notes", "alert",
)  # fmt: skip


_CAPTION = {"alert": "front-desk alert"}


def _text(data: Mapping[str, Any]) -> str:
    lines = [f"{data['number']}  {data['given_name']} {data['family_name']}"]
    if data.get("anonymised_at"):  # ``names.ANONYMISED``, and when and what it means
        lines = [
            f"{data['number']}  anonymised on {data['anonymised_at'][:10]} under the retention "
            "policy: no personal data; appointments kept for statistics"
        ]
    for key in _SHOWN_FIELDS:
        if data.get(key):
            lines.append(f"  {_CAPTION.get(key, key.replace('_', ' '))}: {data[key]}")
    if data.get("restricted"):
        why = f" ({data['restriction_reason']})" if data.get("restriction_reason") else ""
        lines.append(f"  processing restricted since {data['restricted_at']}{why}")
    given = [k for k, v in data["consents"].items() if v]
    lines.append(f"  consents: {', '.join(given) or 'none'}")
    for x in data.get("appointments", ()):
        lines.append(
            f"  {x['start'][:16].replace('T', ' ')}  {x['status']:<10} "
            f"{x['service'] or ''} with {x['provider'] or ''}"
        )
    return "\n".join(lines)


# ------------------------------------------------------------------------- update

_NOTHING = Text(
    QT_TRANSLATE_NOOP(
        "core", "Nothing to change: give a field to change (such as --phone) or a consent."
    )
)


_ALERT_TWICE = Text(QT_TRANSLATE_NOOP("core", "Give --alert TEXT or --clear-alert, not both."))
_RESTRICT_TWICE = Text(QT_TRANSLATE_NOOP("core", "Give --restrict or --unrestrict, not both."))
_REASON_ALONE = Text(
    QT_TRANSLATE_NOOP(
        "core", "--reason goes with --restrict: it says why the processing is restricted."
    )
)


def cmd_update(app: App) -> int:
    a = app.args
    _from_json(a, ("consents", "withdraw"))
    given = {
        "given_name": a.given_name, "family_name": a.family_name, "phone": a.phone,
        "email": a.email, "national_id": a.national_id, "birth_date": a.birth_date,
        "gender": a.gender, "address": a.address, "preferred_language": a.language,
        "preferred_channel": a.channel, "notes": a.notes, "alert": a.alert,
    }  # fmt: skip
    if a.clear_alert:
        if a.alert:
            raise ValidationError("clear-alert", _ALERT_TWICE)
        given["alert"] = ""
    changes = {k: v for k, v in given.items() if v is not None}
    decisions = _decisions(a.consent, a.withdraw)
    restrict = _restriction(a)
    if not changes and not decisions and restrict is None:
        raise UserError(_NOTHING)
    with app.database() as db:
        ctx = app.ctx(db)
        found = lookup.patient(db, a.patient)
        saved = ops.update(
            db, ctx, found.id, changes, consents=decisions, allow_duplicate=a.allow_duplicate,
            restrict=restrict, reason=a.reason or "",
        )  # fmt: skip
        if isinstance(saved, Duplicates):
            raise _refused(saved, adding=False)
    data = _fields(saved)
    data["consents"] = dict(saved.consents)
    app.emit(data, f"Updated patient {saved.number}.\n{_text(data)}")
    return 0


def _restriction(a: argparse.Namespace) -> bool | None:
    """--restrict (True), --unrestrict (False) or neither (None)."""
    if a.restrict and a.unrestrict:
        raise ValidationError("unrestrict", _RESTRICT_TWICE)
    if a.reason is not None and not a.restrict:
        raise ValidationError("reason", _REASON_ALONE)
    return True if a.restrict else False if a.unrestrict else None


def _decisions(given: Sequence[str], withdrawn: Sequence[str]) -> dict[str, bool]:
    both = sorted(set(given) & set(withdrawn))
    if both:
        raise ValidationError(
            "withdraw",
            Text(
                QT_TRANSLATE_NOOP(
                    "core", "A consent cannot be given and withdrawn at once: {names}."
                ),
                names=", ".join(both),
            ),
        )
    decisions = {CONSENT_NAMES[c]: True for c in given}
    decisions.update({CONSENT_NAMES[c]: False for c in withdrawn})
    return decisions


@contextmanager
def options_named(names: Mapping[str, str]) -> Iterator[None]:
    """A refusal naming a core field (``occurred_at``) names the option instead (``at``)."""
    try:
        yield
    except ValidationError as exc:
        if exc.field in names:
            raise ValidationError(names[exc.field], message(exc)) from None
        raise
