"""patient add|search|show."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from receptionist.cli import lookup
from receptionist.cli.appointmentcmds import describe
from receptionist.cli.common import App, whole_number
from receptionist.errors import DuplicatePatient, ValidationError
from receptionist.models import Appointment, Patient
from receptionist.patients import record as patients
from receptionist.patients import validation
from receptionist.patients.search import MAX_LIMIT, search_patients
from receptionist.privacy.consents import current_consents

CONSENT_NAMES = {
    "sms": "reminder_sms",
    "whatsapp": "reminder_whatsapp",
    "email": "reminder_email",
    "marketing": "marketing",
    "optional-data": "optional_data",
}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    pat = sub.add_parser("patient", help="add, find and show patients")
    psub = pat.add_subparsers(dest="patient_cmd", required=True)
    p = psub.add_parser("add", help="add a patient")
    p.add_argument("--given-name")
    p.add_argument("--family-name")
    p.add_argument("--phone")
    p.add_argument("--email")
    p.add_argument("--national-id")
    p.add_argument("--birth-date", help="YYYY-MM-DD (needs --consent optional-data)")
    p.add_argument("--gender", help="needs --consent optional-data")
    p.add_argument("--address", default="")
    p.add_argument("--language", help="preferred language, e.g. tr, ar, en")
    p.add_argument("--channel", choices=("sms", "whatsapp", "email"), help="preferred channel")
    p.add_argument("--notes", default="")
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
        "so they stay out of shell history",
    )
    p.add_argument(
        "--allow-duplicate", action="store_true", help="add even if a similar patient exists"
    )
    p.set_defaults(func=cmd_add)

    p = psub.add_parser("search", help="find patients by name, phone, ID or e-mail")
    p.add_argument("query")
    p.add_argument("--limit", type=whole_number(1, MAX_LIMIT), default=20, help=f"1 to {MAX_LIMIT}")
    p.set_defaults(func=cmd_search)

    p = psub.add_parser("show", help="show a patient's record (this is audited)")
    p.add_argument("patient", help="patient number (A-12) or id")
    p.set_defaults(func=cmd_show)


def _record(p: Patient) -> dict[str, Any]:
    return {
        "id": p.id,
        "number": p.number,
        "given_name": p.given_name,
        "family_name": p.family_name,
        "phone": p.phone,
        "email": p.email,
        "national_id": p.national_id,
        "birth_date": p.birth_date,
        "gender": p.gender,
        "address": p.address,
        "preferred_language": p.preferred_language,
        "preferred_channel": p.preferred_channel,
        "notes": p.notes,
    }


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
        'The JSON input cannot be read; it must be one object such as {"given_name": "Ayşe"}.',
    )
    try:
        if source == "-":
            raw = _read_stdin(MAX_JSON_BYTES + 1)
        else:
            with Path(source).open("rb") as file:
                raw = file.read(MAX_JSON_BYTES + 1)
    except OSError as exc:
        raise unreadable from exc
    if len(raw) > MAX_JSON_BYTES:
        raise ValidationError(
            "from-json",
            f"The JSON input is larger than {MAX_JSON_BYTES // (1024 * 1024)} MB; "
            "a patient's fields are smaller.",
        )
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:  # ValueError: JSON, or a 5000-digit number
        raise unreadable from exc
    except RecursionError as exc:
        raise ValidationError(
            "from-json", "The JSON input is nested too deeply; give one flat object."
        ) from exc


def _read_stdin(limit: int) -> bytes:
    """Up to ``limit`` bytes of standard input (none when it is closed)."""
    if sys.stdin is None:
        return b""
    stream = getattr(sys.stdin, "buffer", None)  # a test's StringIO has none
    if stream is not None:
        return bytes(stream.read(limit))
    return str(sys.stdin.read(limit)).encode("utf-8", "surrogatepass")


def _from_json(a: argparse.Namespace) -> None:
    """Fill ``a`` from --from-json; options given on the line win."""
    if not a.from_json:
        return
    data = _read_json_input(a.from_json)
    if not isinstance(data, dict) or set(data) - set(validation.FIELDS) - {"consents"}:
        raise ValidationError(
            "from-json",
            f"The JSON object may hold: {', '.join(validation.FIELDS)}, "
            'consents (a list such as ["sms"]).',
        )
    for key in validation.FIELDS:
        value = data.get(key)
        if value is not None and not isinstance(value, str):
            raise ValidationError(key, f'The JSON field "{key}" must be text (in quotes) or null.')
        option = _OPTION_OF.get(key, key)
        if getattr(a, option) in (None, "") and value is not None:
            setattr(a, option, value)
    a.consent.extend(_json_consents(data.get("consents", [])))


def _json_consents(given: object) -> list[str]:
    """The consents a JSON object lists: a list of names such as ["sms", "email"]."""
    if not isinstance(given, list) or not all(
        isinstance(c, str) and c in CONSENT_NAMES for c in given
    ):
        raise ValidationError(
            "consents",
            f'The JSON field "consents" must be a list of: {", ".join(CONSENT_NAMES)} '
            '(such as ["sms", "email"]).',
        )
    return given


def cmd_add(app: App) -> int:
    a = app.args
    _from_json(a)
    for field in ("given_name", "family_name"):
        if not getattr(a, field):
            raise ValidationError(
                field.replace("_", "-"), f"--{field.replace('_', '-')} is required."
            )
    with app.database() as db, db.write() as session:
        try:
            p = patients.create_patient(
                session,
                app.ctx(db),
                given_name=a.given_name,
                family_name=a.family_name,
                phone=a.phone,
                email=a.email,
                national_id=a.national_id,
                birth_date=a.birth_date,
                gender=a.gender,
                address=a.address,
                preferred_language=a.language,
                preferred_channel=a.channel,
                notes=a.notes,
                consents={CONSENT_NAMES[c]: True for c in a.consent},
                allow_duplicate=a.allow_duplicate,
            )
        except DuplicatePatient as exc:
            numbers = session.scalars(select(Patient.number).where(Patient.id.in_(exc.matches)))
            raise DuplicatePatient(
                f"{exc} Existing: {', '.join(numbers)}. Use --allow-duplicate to add anyway.",
                exc.matches,
            ) from None
        data = _record(p)
    app.emit(data, f"Added patient {data['number']}.")
    return 0


def cmd_search(app: App) -> int:
    with app.database() as db, db.read() as session:
        rows = search_patients(session, app.ctx(db), app.args.query, limit=app.args.limit)
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


def cmd_show(app: App) -> int:
    with app.database() as db, db.write() as session:
        ctx = app.ctx(db)
        found = lookup.patient(session, app.args.patient)
        p = patients.open_patient(session, ctx, found.id)
        data = _record(p)
        data["consents"] = current_consents(session, p.id)
        since = app.clock.now() - timedelta(days=365)
        appts = session.scalars(
            select(Appointment)
            .where(
                Appointment.patient_id == p.id,
                Appointment.start_utc >= since,
                Appointment.deleted_at.is_(None),
            )
            .order_by(Appointment.start_utc)
        ).all()
        data["appointments"] = [describe(session, x) for x in appts]
    lines = [f"{data['number']}  {data['given_name']} {data['family_name']}"]
    for key in (
        "phone",
        "email",
        "national_id",
        "birth_date",
        "gender",
        "preferred_language",
        "preferred_channel",
        "address",
        "notes",
    ):
        if data[key]:
            lines.append(f"  {key.replace('_', ' ')}: {data[key]}")
    given = [k for k, v in data["consents"].items() if v]
    lines.append(f"  consents: {', '.join(given) or 'none'}")
    for x in data["appointments"]:
        lines.append(
            f"  {x['start'][:16].replace('T', ' ')}  {x['status']:<10} "
            f"{x['service']} with {x['provider']}"
        )
    app.emit(data, "\n".join(lines))
    return 0
