"""reminders templates, reminders template set|reset: the clinic's own wording of the
messages to patients, with each one's SMS size (``receptionist.ops.templates``); for
WhatsApp, the approved template Meta sends instead and its six values
(``receptionist.ops.wanames``): a WhatsApp text is refused, and reminders template
whatsapp-name names the approved template of one message instead."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from receptionist.cli.common import App, examples
from receptionist.cli.patientcmds import options_named
from receptionist.errors import ValidationError
from receptionist.ops import templates, wanames
from receptionist.ops.templates import CHANNELS, KINDS, LANGUAGES, TemplateRow
from receptionist.ops.wanames import WhatsAppRow
from receptionist.texts import QT_TRANSLATE_NOOP, Text

FILE_LIMIT = 64 * 1024


def register(rsub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``templates`` and ``template set|reset`` under ``reminders``."""
    p = rsub.add_parser(
        "templates",
        help="the text of each message (the clinic's own or the built-in one) and its SMS "
        "size: encoding, characters, parts",
        **examples(
            "receptionist reminders templates --language tr --channel sms",
            "receptionist reminders templates --language en --channel email --kind reminder --json",
        ),
    )
    _which(p, required=False)
    p.set_defaults(func=cmd_list)
    top = rsub.add_parser("template", help="change or reset the text of one message")
    tsub = top.add_subparsers(dest="template_cmd", required=True, metavar="ACTION")
    s = tsub.add_parser(
        "set",
        help="the clinic's own text of one SMS or e-mail message (WhatsApp sends the "
        "template approved at Meta: channels.whatsapp_templates_*); placeholders: "
        + ", ".join("{" + n + "}" for n in templates.PLACEHOLDERS),
        **examples(
            "receptionist reminders template set --language en --channel sms --kind reminder "
            "--body 'Hi {first_name}, see you {date} at {time}. {clinic}'",
            "receptionist reminders template set --language tr --channel email "
            "--kind confirmation --body-file onay.txt --subject 'Randevunuz: {date} {time}'",
        ),
    )
    _which(s, required=True)
    body = s.add_mutually_exclusive_group(required=True)
    body.add_argument("--body", help="the message text, with placeholders like {first_name}")
    body.add_argument("--body-file", help="a UTF-8 text file holding the message text")
    s.add_argument(
        "--subject", default="", help="e-mail only: the subject (default: the built-in one)"
    )
    s.set_defaults(func=cmd_set)
    r = tsub.add_parser(
        "reset",
        help="back to the built-in text of one message",
        **examples(
            "receptionist reminders template reset --language en --channel sms --kind reminder"
        ),
    )
    _which(r, required=True)
    r.set_defaults(func=cmd_reset)
    _register_whatsapp(tsub)


def _register_whatsapp(tsub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    w = tsub.add_parser(
        "whatsapp-name",
        help="name the template approved in WhatsApp Manager that WhatsApp sends for one "
        "message in one language (WhatsApp sends no text of ours)",
        **examples(
            "receptionist reminders template whatsapp-name --language en --kind reminder "
            "--name appointment_reminder --code en_US",
            "receptionist reminders template whatsapp-name --language tr --kind confirmation "
            "--name randevu_onay",
            "receptionist reminders template whatsapp-name --language tr --kind reminder --none",
        ),
    )
    _which(w, required=True, channel=False)
    name = w.add_mutually_exclusive_group(required=True)
    name.add_argument(
        "--name",
        help="the template's name exactly as in WhatsApp Manager: lower-case letters, digits "
        "and _, like appointment_reminder",
    )
    name.add_argument(
        "--none",
        action="store_true",
        help="no template: this message is not sent by WhatsApp (the patient's next channel)",
    )
    w.add_argument(
        "--code",
        help="Meta's language code of the templates in this language, like en_US (default: "
        "the one saved; '' for the language itself)",
    )
    w.set_defaults(func=cmd_whatsapp_name)


def _which(p: argparse.ArgumentParser, *, required: bool, channel: bool = True) -> None:
    only = "" if required else "only "
    which = (("language", LANGUAGES), ("channel", CHANNELS), ("kind", KINDS))
    for option, values in which if channel else (which[0], which[2]):
        p.add_argument(
            f"--{option}",
            required=required,
            choices=values,
            help=f"{only}this {option}: " + ", ".join(values),
        )


def _size(row: TemplateRow) -> dict[str, Any]:
    size = row.size
    return {
        "encoding": size.encoding,
        "units": size.units,
        "parts": size.parts,
        "capacity": size.capacity,
        "forcing_character": size.forcing or None,
        "forced_by_sample_values": size.from_values,
    }


def _data(row: TemplateRow) -> dict[str, Any]:
    return {
        "language": row.language,
        "channel": row.channel,
        "kind": row.kind,
        "overridden": row.overridden,
        "subject": row.subject,
        "body": row.body,
        "builtin_subject": row.builtin_subject,
        "builtin_body": row.builtin_body,
        "sms": _size(row),
    }


def size_line(d: dict[str, Any]) -> str:
    """The SMS size as a long case would send it; with placeholders, said so (as the
    app's editor says it), with the length as typed."""
    s = d["sms"]
    encoding = "GSM-7" if s["encoding"] == "gsm7" else "UCS-2"
    counted = f"{encoding}, {s['units']} of {s['capacity']} characters"
    if templates.has_placeholders(d["body"]):
        line = (
            f"SMS: about {s['parts']} part(s) with long example names and dates "
            f"({counted}; {len(d['body'])} as typed)"
        )
    else:
        line = f"SMS: {s['parts']} part(s) ({counted})"
    if s["forcing_character"]:
        where = "a sample value" if s["forced_by_sample_values"] else "the text"
        line += f"; {s['forcing_character']!r} in {where} makes it UCS-2"
    return line


def _whatsapp(row: WhatsAppRow) -> dict[str, Any]:
    return {"template": row.name or None, "code": row.code, "values": list(row.parameters)}


def _wa_text(d: dict[str, Any]) -> str:
    wa = d["whatsapp"]
    head = f"{d['language']} whatsapp {d['kind']}"
    if wa["template"] is None:
        said = "no approved template named: not sent by WhatsApp"
    else:
        said = f"Meta's approved template {wa['template']} ({wa['code']})"
    where = (
        f"  (name it: reminders template whatsapp-name --language {d['language']} "
        f"--kind {d['kind']} --name NAME; all of them: settings set "
        f"{wanames.setting_key(d['language'])})"
    )
    values = "  Values: " + " | ".join(f"{{{{{n}}}}} {v}" for n, v in enumerate(wa["values"], 1))
    return "\n".join([f"{head}: {said}", values, where])


def _wa_data(row: WhatsAppRow) -> dict[str, Any]:
    return {
        "language": row.language,
        "channel": "whatsapp",
        "kind": row.kind,
        "whatsapp": _whatsapp(row),
    }


def _text(d: dict[str, Any]) -> str:
    if "whatsapp" in d:
        return _wa_text(d)
    own = "clinic's own" if d["overridden"] else "built-in"
    lines = [f"{d['language']} {d['channel']} {d['kind']} ({own})"]
    if d["subject"]:
        lines.append(f"  Subject: {d['subject']}")
    lines += ["  " + line for line in d["body"].split("\n")]
    if d["channel"] == "sms":
        lines.append("  " + size_line(d))
    return "\n".join(lines)


def cmd_list(app: App) -> int:
    a = app.args
    with app.database() as db:
        ctx = app.ctx(db)
        rows = templates.listing(db, ctx, language=a.language, channel=a.channel, kind=a.kind)
        names = {(r.language, r.kind): r for r in wanames.listing(db, ctx)}
    data = [_data(r) for r in rows]
    for d in data:  # WhatsApp sends Meta's approved template, never the text
        if d["channel"] == "whatsapp":
            d["whatsapp"] = _whatsapp(names[(d["language"], d["kind"])])
    app.emit(data, "\n\n".join(_text(d) for d in data))
    return 0


def _body(a: argparse.Namespace) -> str:
    if a.body is not None:
        return str(a.body)
    path = Path(a.body_file)
    try:
        if path.stat().st_size > FILE_LIMIT:
            raise ValueError
        return path.read_text(encoding="utf-8")
    except (OSError, ValueError):
        raise ValidationError(
            "body_file",
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "The file {path} cannot be read as UTF-8 text of at most 64 KB; check "
                    "its name and that it is plain text.",
                ),
                path=str(path),
            ),
        ) from None


def cmd_set(app: App) -> int:
    a = app.args
    body = _body(a)
    names = {"body": "body_file"} if a.body is None else {}
    with app.database() as db:
        ctx = app.ctx(db)
        with options_named(names):
            row = templates.set_template(
                db, ctx, a.language, a.channel, a.kind, body, subject=a.subject
            )
    data = _data(row)
    app.emit(data, _text(data))
    return 0


def cmd_reset(app: App) -> int:
    a = app.args
    with app.database() as db:
        ctx = app.ctx(db)
        row = templates.reset(db, ctx, a.language, a.channel, a.kind)
    data = _data(row)
    app.emit(data, _text(data))
    return 0


def cmd_whatsapp_name(app: App) -> int:
    a = app.args
    name = "" if a.none else str(a.name)
    with app.database() as db:
        row = wanames.set_name(db, app.ctx(db), a.language, a.kind, name, a.code)
    data = _wa_data(row)
    app.emit(data, _text(data))
    return 0
