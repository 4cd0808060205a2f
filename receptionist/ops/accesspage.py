"""``record.html``: a patient's copy of her record as a plain, printable page.

Made from the data of ``record.json`` (``ops.access.gather``): the clinic's name and
the date of the copy at the top, then each part of the record as a table. Every word
of the page's own is a :class:`~receptionist.texts.Text`, given to ``words`` (the app
passes its translator, so the page is in the app's language; the CLI leaves the
English); what was kept of her is escaped and shown as kept. Times are wall times in
the clinic's zone.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Final

from receptionist.models import names
from receptionist.patients import validation
from receptionist.texts import QT_TRANSLATE_NOOP, Text
from receptionist.zones import zone

Words = Callable[[Text], str]
_STYLE: Final = (
    "body{font-family:sans-serif;margin:2em;color:#111}"
    "table{border-collapse:collapse;margin:.5em 0 1.5em}"
    "th,td{border:1px solid #999;padding:.25em .5em;text-align:left;vertical-align:top}"
    "th::first-letter{text-transform:uppercase}"
    "td{white-space:pre-wrap}.note{font-size:.9em}"
)
TITLE: Final = Text(QT_TRANSLATE_NOOP("core", "Patient record"))
INTRO: Final = QT_TRANSLATE_NOOP(
    "core",
    "A copy of everything {clinic} keeps of patient {number}, made on {date}. Times are "
    "in {zone}. The same data, machine-readable, is in record.json; the documents are "
    "in the documents folder.",
)
NOTICE: Final = Text(
    QT_TRANSLATE_NOOP(
        "core",
        "This copy is not encrypted: it is for the patient; the clinic keeps no copy of it.",
    )
)
NONE: Final = Text(QT_TRANSLATE_NOOP("core", "None."))
DETAILS: Final = Text(QT_TRANSLATE_NOOP("core", "Details"))
NUMBER: Final = Text(QT_TRANSLATE_NOOP("core", "patient number"))
SINCE: Final = Text(QT_TRANSLATE_NOOP("core", "since"))
REASON: Final = Text(QT_TRANSLATE_NOOP("core", "reason"))
RESTRICTION: Final = Text(QT_TRANSLATE_NOOP("core", "Restriction of processing"))
HOLD: Final = Text(QT_TRANSLATE_NOOP("core", "Legal or medical hold"))
CONSENTS: Final = Text(QT_TRANSLATE_NOOP("core", "Consent decisions"))
PURPOSE: Final = Text(QT_TRANSLATE_NOOP("core", "purpose"))
GIVEN: Final = Text(QT_TRANSLATE_NOOP("core", "given"))
YES: Final = Text(QT_TRANSLATE_NOOP("core", "yes"))
NO: Final = Text(QT_TRANSLATE_NOOP("core", "no"))
WHEN: Final = Text(QT_TRANSLATE_NOOP("core", "when"))
SOURCE: Final = Text(QT_TRANSLATE_NOOP("core", "source"))
APPOINTMENTS: Final = Text(QT_TRANSLATE_NOOP("core", "Appointments"))
START: Final = Text(QT_TRANSLATE_NOOP("core", "start"))
PROVIDER: Final = Text(QT_TRANSLATE_NOOP("core", "provider"))
SERVICE: Final = Text(QT_TRANSLATE_NOOP("core", "service"))
STATUS: Final = Text(QT_TRANSLATE_NOOP("core", "status"))
NOTES: Final = Text(QT_TRANSLATE_NOOP("core", "notes"))
WAITING: Final = Text(QT_TRANSLATE_NOOP("core", "Waiting list"))
ADDED: Final = Text(QT_TRANSLATE_NOOP("core", "added"))
LOG: Final = Text(QT_TRANSLATE_NOOP("core", "Communication log"))
CHANNEL: Final = Text(QT_TRANSLATE_NOOP("core", "channel"))
DIRECTION: Final = Text(QT_TRANSLATE_NOOP("core", "direction"))
SUMMARY: Final = Text(QT_TRANSLATE_NOOP("core", "what was kept"))
MESSAGES: Final = Text(QT_TRANSLATE_NOOP("core", "Messages sent"))
KIND: Final = Text(QT_TRANSLATE_NOOP("core", "kind"))
SENT_TO: Final = Text(QT_TRANSLATE_NOOP("core", "sent to"))
DOCUMENTS: Final = Text(QT_TRANSLATE_NOOP("core", "Documents"))
NAME: Final = Text(QT_TRANSLATE_NOOP("core", "name"))
FILE: Final = Text(QT_TRANSLATE_NOOP("core", "file in this copy"))
RECIPIENTS: Final = Text(QT_TRANSLATE_NOOP("core", "Recipients: who received the patient's data"))
GOOGLE: Final = Text(QT_TRANSLATE_NOOP("core", "Google Calendar (the clinic's calendar)"))
WHAT: Final = Text(QT_TRANSLATE_NOOP("core", "what was sent"))
RECIPIENT: Final = Text(QT_TRANSLATE_NOOP("core", "to"))
# when what was sent left Google again (her event deleted there); empty while it is there
WITHDRAWN: Final = Text(QT_TRANSLATE_NOOP("core", "withdrawn"))
CHANNELS: Final = Text(QT_TRANSLATE_NOOP("core", "Message providers, by channel"))
COUNT: Final = Text(QT_TRANSLATE_NOOP("core", "messages"))
FIRST: Final = Text(QT_TRANSLATE_NOOP("core", "first"))
LAST: Final = Text(QT_TRANSLATE_NOOP("core", "last"))


def page(record: dict[str, Any], words: Words = str) -> str:
    """The whole page for ``record`` (``ops.access.gather``'s data)."""
    p = _Page(record, words)
    clinic = record["clinic"]
    intro = Text(INTRO, clinic=clinic["name"], number=record["patient"]["number"],
                 date=p.day(record["exported_at"]), zone=clinic["timezone"])  # fmt: skip
    name = _name(record)
    shown = p.w(name) if isinstance(name, Text) else p.esc(name)
    body = [f"<h1>{p.w(TITLE)}: {shown}</h1>", f"<p>{p.w(intro)}</p>",
            f"<p class='note'><b>{p.w(NOTICE)}</b></p>", *p.parts()]  # fmt: skip
    return (
        "<!DOCTYPE html>\n<html><head><meta charset='utf-8'>"
        f"<title>{p.w(TITLE)}</title><style>{_STYLE}</style></head>"
        f"<body>{''.join(body)}</body></html>\n"
    )


def _name(record: dict[str, Any]) -> str:
    """Her name as every list shows it (``models.names.display_name``): a
    :class:`Text` ("anonymised") for a patient the retention sweep anonymised."""
    patient = record["patient"]
    return names.display_name(patient["given_name"], patient["family_name"])


class _Page:
    def __init__(self, record: dict[str, Any], words: Words) -> None:
        self.r, self.words = record, words
        self.tz = zone(record["clinic"]["timezone"])

    def w(self, text: Text) -> str:
        return html.escape(self.words(text))

    @staticmethod
    def esc(value: object) -> str:
        return "" if value is None else html.escape(str(value))

    def time(self, value: str | None) -> str:
        if not value:
            return ""
        return datetime.fromisoformat(value).astimezone(self.tz).strftime("%Y-%m-%d %H:%M")

    def day(self, value: str) -> str:
        return self.time(value)[:10]

    def table(
        self, title: Text, head: Sequence[Text], rows: Sequence[Sequence[str]], level: int = 2
    ) -> str:
        heading = f"<h{level}>{self.w(title)}</h{level}>"
        if not rows:
            return f"{heading}<p>{self.w(NONE)}</p>"
        top = "".join(f"<th>{self.w(h)}</th>" for h in head)
        lines = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
        return f"{heading}<table><tr>{top}</tr>{lines}</table>"

    def parts(self) -> list[str]:
        return [self.details(), self.restriction(), self.consents(), self.appointments(),
                self.waiting(), self.log(), self.messages(), self.documents(),
                self.recipients()]  # fmt: skip

    def details(self) -> str:
        patient = self.r["patient"]
        rows = [f"<tr><th>{self.w(NUMBER)}</th><td>{self.esc(patient['number'])}</td></tr>"]
        for field in validation.FIELDS:
            label = validation.LABELS.get(field)
            value = patient.get(field)
            if label is not None and value not in (None, ""):
                rows.append(f"<tr><th>{self.w(label)}</th><td>{self.esc(value)}</td></tr>")
        return f"<h2>{self.w(DETAILS)}</h2><table>{''.join(rows)}</table>"

    def restriction(self) -> str:
        found = []
        for title, part in ((RESTRICTION, self.r["restriction"]), (HOLD, self.r["hold"])):
            if part is not None:
                row = (self.time(part["since"]), self.esc(part["reason"]))
                found.append(self.table(title, (SINCE, REASON), [row]))
        return "".join(found)

    def consents(self) -> str:
        rows = [(self.esc(c["purpose"]), self.w(YES if c["granted"] else NO),
                 self.time(c["recorded_at"]), self.esc(c["source"]))
                for c in self.r["consents"]["history"]]  # fmt: skip
        return self.table(CONSENTS, (PURPOSE, GIVEN, WHEN, SOURCE), rows)

    def appointments(self) -> str:
        rows = [(self.time(a["start"]), self.esc(a["provider"]), self.esc(a["service"]),
                 self.esc(a["status"]), self.esc("\n".join(filter(None, (a["notes"],
                 a["cancellation_reason"])))))
                for a in self.r["appointments"]]  # fmt: skip
        return self.table(APPOINTMENTS, (START, PROVIDER, SERVICE, STATUS, NOTES), rows)

    def waiting(self) -> str:
        rows = [(self.time(w["added_at"]), self.esc(w["service"]), self.esc(w["provider"]),
                 self.esc(w["status"]), self.esc(w["note"]))
                for w in self.r["waiting_list"]]  # fmt: skip
        return self.table(WAITING, (ADDED, SERVICE, PROVIDER, STATUS, NOTES), rows)

    def log(self) -> str:
        rows = [(self.time(e["at"]), self.esc(e["channel"]), self.esc(e["direction"]),
                 self.esc(e["summary"]))
                for e in self.r["communication_log"]]  # fmt: skip
        return self.table(LOG, (WHEN, CHANNEL, DIRECTION, SUMMARY), rows)

    def messages(self) -> str:
        rows = [(self.time(m["at"]), self.esc(m["kind"]), self.esc(m["channel"]),
                 self.esc(m["state"]), self.esc(m["sent_to"]))
                for m in self.r["messages_sent"]]  # fmt: skip
        return self.table(MESSAGES, (WHEN, KIND, CHANNEL, STATUS, SENT_TO), rows)

    def documents(self) -> str:
        rows = [(self.time(d["added_at"]), self.esc(d["name"]), self.esc(d["note"]),
                 self.esc(d["file"]))
                for d in self.r["documents"]]  # fmt: skip
        return self.table(DOCUMENTS, (ADDED, NAME, NOTES, FILE), rows)

    def recipients(self) -> str:
        sent = self.r["recipients"]
        google = [(self.time(g["at"]), self.esc(g["what"]), self.esc(g["recipient"]),
                   self.time(g.get("withdrawn_at")))
                  for g in sent["google_calendar"]]  # fmt: skip
        channels = [(self.esc(c["channel"]), self.esc(c["messages"]), self.time(c["first_at"]),
                     self.time(c["last_at"]))
                    for c in sent["reminder_channels"]]  # fmt: skip
        return (
            f"<h2>{self.w(RECIPIENTS)}</h2>"
            + self.table(GOOGLE, (WHEN, WHAT, RECIPIENT, WITHDRAWN), google, 3)
            + self.table(CHANNELS, (CHANNEL, COUNT, FIRST, LAST), channels, 3)
        )
