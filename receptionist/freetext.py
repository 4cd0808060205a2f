"""Free text typed by people: what may be in it. Imports only the kernel.

Short free text (a note, a reason) is at most so many characters and holds no NUL
(:func:`clean_text`). Names of patients, providers, services, rooms and the clinic
refuse control characters and direction overrides (:func:`has_controls`).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from .errors import ValidationError
from .texts import QT_TRANSLATE_NOOP, Text

# How the free-text fields checked here are named in a message.
LABELS: dict[str, Text] = {
    "note": Text(QT_TRANSLATE_NOOP("core", "note")),
    "reason": Text(QT_TRANSLATE_NOOP("core", "reason")),
    "override_reason": Text(QT_TRANSLATE_NOOP("core", "override reason")),
}

# Embedding/override/isolate controls can make a name display as something else.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def has_controls(text: str) -> bool:
    """Whether ``text`` holds control characters (terminal escapes, line breaks) or
    direction overrides: in a name they make it print or read as something else."""
    return any(unicodedata.category(ch) == "Cc" or ch in _BIDI_CONTROLS for ch in text)


def clean_text(value: Any, field: str, limit: int) -> str:
    """Stripped text of at most ``limit`` characters, without NUL."""
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
    return value.strip()
