"""Free text typed by people: what may be in it, and how it is shown. Imports only the kernel.

One decision for every field a person types, made here so that every input path and
every output (the CLI, its JSON, the app, and reminders and exports to come) follows it:

* **One-line text** - names of patients, providers, services, rooms and the clinic, a
  service's category, a staff member's full name, a document's file name, the clinic's
  locale, a patient's front-desk alert - holds no control character at all (no line
  break, no tab) and no direction control: no override, embedding or isolate
  (U+202A-U+202E, U+2066-U+2069) (:func:`has_controls`).
* **Multi-line text** - a patient's notes and address, appointment notes, cancellation
  and override reasons, waitlist and document notes, a communication-log summary, a
  time-off reason - may hold line breaks and tabs, and the direction embeddings and
  isolates that Arabic or Hebrew text pasted from elsewhere carries; a Windows line end
  (CR LF) or a lone CR is stored as LF (:func:`clean_text`, :func:`refuse_controls`).
* Both refuse, with a message naming the field: every other control character (C0,
  DEL and C1: NUL, the terminal escapes ESC[2J or an OSC window title, a lone CR in
  one-line text), the direction overrides U+202D and U+202E (they show text reversed:
  "photo\\u202egnp.exe" shows as "photoexe.png"), and lone surrogates (a broken
  character that cannot be saved). Left-to-right and right-to-left marks and joiners
  stay everywhere: Arabic, Persian and Hebrew text needs them.
* **Output**: text saved before these rules, or reaching us another way (sync, an
  import, a direct edit of the file), may still hold such characters. Whatever shows
  stored text to a person first passes it through :func:`printable`, which writes each
  of them as a visible escape (``\\x1b``, ``\\u202e``): nothing is lost, nothing acts on
  the terminal or turns the text around. JSON meant for a terminal goes through
  :func:`json_printable`, which writes them as JSON escapes (the data parse back the
  same). The CLI does this in ``App.emit`` and for its error lines; the app in its
  table and list models, its schedule cards, its core messages (``ui/coretext.py``),
  and the editors and labels a record is shown in. Reminders, exports and any other
  output to come must use :func:`printable` (or :func:`json_printable`) too.
"""

from __future__ import annotations

import re
from typing import Any

from .errors import ValidationError
from .texts import QT_TRANSLATE_NOOP, Text

# How the free-text fields checked here are named in a message.
LABELS: dict[str, Text] = {
    "name": Text(QT_TRANSLATE_NOOP("core", "name")),
    "note": Text(QT_TRANSLATE_NOOP("core", "note")),
    "notes": Text(QT_TRANSLATE_NOOP("core", "notes")),
    "address": Text(QT_TRANSLATE_NOOP("core", "address")),
    "reason": Text(QT_TRANSLATE_NOOP("core", "reason")),
    "override_reason": Text(QT_TRANSLATE_NOOP("core", "override reason")),
    "summary": Text(QT_TRANSLATE_NOOP("core", "summary")),
    "file_name": Text(QT_TRANSLATE_NOOP("core", "file name")),
    "full_name": Text(QT_TRANSLATE_NOOP("core", "full name")),
    "category": Text(QT_TRANSLATE_NOOP("core", "category")),
    "locale": Text(QT_TRANSLATE_NOOP("core", "locale")),
    "clinic_name": Text(QT_TRANSLATE_NOOP("core", "clinic name")),
    "alert": Text(QT_TRANSLATE_NOOP("core", "front-desk alert")),
}

# What the rule refuses, as character classes: the control characters (Unicode's "Cc":
# C0, DEL and C1), the direction overrides LRO and RLO (they show text reversed), and
# lone surrogates (a broken character: SQLite cannot take it). One-line text refuses
# the direction embeddings and isolates too; multi-line text keeps them, with line
# breaks and tabs: Arabic or Hebrew notes pasted from elsewhere hold them.
_OVERRIDES = "\u202d\u202e"
_EMBEDDINGS_AND_ISOLATES = "\u202a-\u202c\u2066-\u2069"
_SURROGATES = "\ud800-\udfff"
_REFUSED = re.compile(
    f"[\\x00-\\x1f\\x7f-\\x9f{_OVERRIDES}{_EMBEDDINGS_AND_ISOLATES}{_SURROGATES}]"
)
_REFUSED_IN_LINES = re.compile(f"[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f{_OVERRIDES}{_SURROGATES}]")


def _pattern(lines: bool) -> re.Pattern[str]:
    return _REFUSED_IN_LINES if lines else _REFUSED


def has_controls(text: str, *, lines: bool = False) -> bool:
    """Whether ``text`` holds what :mod:`freetext` refuses: control characters
    (terminal escapes; line breaks and tabs too unless ``lines``), direction overrides
    or broken characters. In a name they make it print or read as something else."""
    return _pattern(lines).search(text) is not None


def is_utf8(text: str) -> bool:
    """Whether ``text`` can be saved or looked up: a byte a terminal sent that is not
    UTF-8 reaches Python as a lone surrogate, which SQLite cannot take."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def one_line_ends(text: str) -> str:
    """``text`` with Windows (CR LF) and old Mac (CR) line ends as LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def refuse_controls(text: str, field: str, *, lines: bool = True) -> str:
    """``text`` (its line ends as LF when ``lines``) if it holds nothing :func:`has_controls`
    finds; else ValidationError naming ``field``."""
    if lines:
        text = one_line_ends(text)
    if has_controls(text, lines=lines):
        raise ValidationError(field, controls_message(field, lines=lines))
    return text


def controls_message(field: str, *, lines: bool = True) -> Text:
    """The message refusing a control character in ``field``."""
    label = LABELS.get(field) or field.replace("_", " ")
    if lines:
        template = QT_TRANSLATE_NOOP(
            "core",
            "The {field} contains a control character or a direction override (only line "
            "breaks and tabs may be in it); type it again without it.",
        )
    else:
        template = QT_TRANSLATE_NOOP(
            "core",
            "The {field} contains a control character, a line break or a direction "
            "override; type it again on one line.",
        )
    return Text(template, field=label)


def clean_text(value: Any, field: str, limit: int, *, lines: bool = True) -> str:
    """Stripped text of at most ``limit`` characters, without NUL or other controls
    (line breaks and tabs are kept when ``lines``)."""
    if not isinstance(value, str) or len(value) > limit or "\x00" in value:
        raise ValidationError(
            field,
            Text(
                QT_TRANSLATE_NOOP(
                    "core", "The {field} must be text of at most {limit} characters."
                ),
                field=LABELS.get(field) or field,
                limit=limit,
            ),
        )
    return refuse_controls(value, field, lines=lines).strip()


# -- output ------------------------------------------------------------------------------


def _escape(found: re.Match[str]) -> str:
    code = ord(found.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, *, lines: bool = True) -> str:
    """``text`` safe to show: every character the rules above refuse is written as a
    visible escape (ESC as ``\\x1b``, U+202E as ``\\u202e``), so it neither acts on a
    terminal nor turns the text around. Line breaks and tabs stay when ``lines`` (a
    CR LF is shown as a line break); else they are escaped too, for one-line places."""
    if lines:
        text = text.replace("\r\n", "\n")
    return _pattern(lines).sub(_escape, text)


def json_printable(dumped: str) -> str:
    """JSON text (from ``json.dumps(..., ensure_ascii=False)``) safe to print: the
    characters :func:`printable` escapes are written as ``\\uXXXX`` escapes, which
    ``json.loads`` reads back as the same characters. (``json.dumps`` already escapes
    the C0 controls; DEL, C1, the direction overrides and lone surrogates it leaves.)"""
    return _REFUSED_IN_LINES.sub(lambda found: f"\\u{ord(found.group()):04x}", dumped)
