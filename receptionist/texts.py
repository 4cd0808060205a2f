"""Messages for people that the desktop app can translate later, without Qt in the core.

A message is a :class:`Text`: a ``str`` whose value is the English sentence (so the
CLI, logs and tests see exactly what they always saw) and which also carries its
``template`` (English, with ``{name}`` placeholders) and its ``params``. A param may
itself be a ``Text`` (a field label, say), translated the same way, or a :class:`When`
(a day or a time, shown with the locale's names in the app)::

    raise ValidationError(
        field,
        Text(QT_TRANSLATE_NOOP("core", "The {field} is required; enter it."), field=label(field)),
    )

:func:`QT_TRANSLATE_NOOP` only marks the template: it returns it unchanged. Its name
and shape are what ``pyside6-lupdate`` looks for in Python files, so the core's
templates land in the translation context ``"core"`` of the app's ``.ts`` files::

    pyside6-lupdate $(find receptionist ui -name '*.py') -ts resources/i18n/receptionist_tr.ts

(list the files: given a directory, lupdate skips ``.py`` files). lupdate only sees a
call with exactly two arguments, both string literals (adjacent literals are joined;
a third argument, or a name instead of a literal, hides the call). An f-string is
extracted as written, braces and all, so never mark one: put the values in ``params``.
Templates use ``str.format`` syntax (``{{`` for a literal brace), and ``Text`` refuses
params that do not match the template's placeholders. ``tests/test_texts.py`` checks
that lupdate finds every marked template.

The UI (``ui/coretext.py``) shows a ``Text`` by translating its template with
``QCoreApplication.translate("core", template)``, translating ``Text`` params the same
way, writing ``When`` params with the locale's day and month names, and formatting;
anything else it shows as ``str()``. Code that passes a message on should pass the
``Text`` itself (see :func:`message`), not ``str()`` of it, or the translation is
lost. Messages never carry patient data: params are labels, limits, codes and times,
not values typed about a person.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from types import MappingProxyType
from typing import Any, Final, Literal

CONTEXT: Final = "core"

# How a When param reads in English (the C locale's names, as strftime gives them).
_ENGLISH: Final = {"day": "%a %d %b", "time": "%H:%M", "day_time": "%a %d %b %H:%M"}


def QT_TRANSLATE_NOOP(context: Literal["core"], source: str) -> str:
    """``source`` unchanged; marks it for ``pyside6-lupdate`` in the ``context`` given."""
    return source


@cache
def placeholders(template: str) -> frozenset[str]:
    """The names of the ``{name}`` fields of ``template``."""
    return frozenset(
        field.split(".")[0].split("[")[0]
        for _, field, _, _ in string.Formatter().parse(template)
        if field is not None
    )


@dataclass(frozen=True)
class When:
    """A day and/or a time in a message, already in the clinic's time zone.

    ``str()`` is the English ("Mon 02 Mar", "10:30", "Mon 02 Mar 10:30"); the app shows
    the same fields with its locale's day and month names. Only the wall-clock fields
    of ``value`` are read; its time zone, if any, is ignored.
    """

    value: date
    style: Literal["day", "time", "day_time"]

    def __post_init__(self) -> None:
        if self.style != "day" and not isinstance(self.value, datetime):
            raise TypeError("a time needs a datetime")

    def __str__(self) -> str:
        return self.value.strftime(_ENGLISH[self.style])

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


class Text(str):
    """A message for a person: its English sentence, with what is needed to translate it."""

    template: str
    params: Mapping[str, object]

    def __new__(cls, template: str, /, **params: object) -> Text:
        names = placeholders(template)
        if "" in names or names != set(params):
            raise ValueError(
                f"template fields {sorted(names)} do not match params {sorted(params)}"
            )
        self = super().__new__(cls, template.format(**params))
        self.template = template
        self.params = MappingProxyType(dict(params))
        return self

    def __getnewargs_ex__(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        return (self.template,), dict(self.params)

    def __getstate__(self) -> None:
        return None  # everything is rebuilt from __getnewargs_ex__


def message(exc: BaseException) -> str:
    """The message ``exc`` was raised with, as a ``Text`` when it was one, else ``str(exc)``."""
    if len(exc.args) == 1 and isinstance(exc.args[0], Text):
        return exc.args[0]
    return str(exc)
