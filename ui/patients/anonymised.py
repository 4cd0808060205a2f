"""A patient the retention sweep anonymised, in her patient window: read-only.

Her row holds no personal data any more (``retention.lapsed_patients=anonymise``,
``receptionist/retention/anonymise.py``); only her appointments are kept, for
statistics. Her window says so in a banner (when, and why), shows her details
read-only and her kept appointments, and turns off what would write to her record
or use it: Save, Book, the Consents, Communication and Documents tabs, Export and
Erase, each saying why in its tooltip.

Erase is not offered either: an erasure is a person's request for her data, and
nothing here is anyone's data now; it would only destroy the clinic's statistics
(and be recorded as a request that was never made). A clinic that stops keeping
statistics sets ``retention.lapsed_patients`` back to ``delete``, and the next sweep
deletes such records with their appointments.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QLabel, QWidget

from ..flaglabel import flag_label
from .table import short_date

# Dark slate on pale slate (contrast over 10:1): a record kept, not one in use.
BANNER_STYLE = (
    "QLabel { background: #eef2f6; color: #1f2d3d; border: 1px solid #64748b;"
    " border-radius: 4px; padding: 6px 8px; }"
)


def banner(parent: QWidget) -> QLabel:
    said = QCoreApplication.translate("anonymised", "Anonymised record")
    return flag_label(parent, "anonymisedBanner", said, BANNER_STYLE)


def show_banner(label: QLabel, at: datetime | None, tz: ZoneInfo) -> None:
    """Say when and why the record was anonymised, or hide the banner (``at`` None)."""
    if at is None:
        label.hide()
        return
    local = at.astimezone(tz)
    label.setText(
        QCoreApplication.translate(
            "anonymised",
            "Anonymised on {0} under the retention policy. This record holds no personal "
            "data: it cannot be edited, booked or given consent. Its past appointments are "
            "kept for statistics.",
        ).format(short_date(local.date()))
    )
    label.show()


def why_not(what: str) -> str:
    """Why ``what`` ("save", "book", "erase", "export", "consents", "log", "documents")
    is off for an anonymised record: its tooltip."""
    reasons = {
        "save": QCoreApplication.translate(
            "anonymised",
            "Nothing can be saved: this patient was anonymised, and the record holds no "
            "personal data.",
        ),
        "book": QCoreApplication.translate(
            "anonymised",
            "An anonymised patient cannot be booked: the record holds no one to remind or call.",
        ),
        "erase": QCoreApplication.translate(
            "anonymised",
            "Nothing to erase: this anonymised record holds no personal data, only "
            "appointments kept for statistics. To remove such records, set Lapsed patients "
            "to delete (Settings > Clinic, Retention): the next sweep removes them.",
        ),
        "export": QCoreApplication.translate(
            "anonymised", "Nothing to export: this anonymised record holds no personal data."
        ),
        "consents": QCoreApplication.translate(
            "anonymised",
            "No consents: they were deleted when this patient was anonymised, and none can be "
            "recorded.",
        ),
        "log": QCoreApplication.translate(
            "anonymised",
            "No communication log: it was deleted when this patient was anonymised, and "
            "nothing can be logged.",
        ),
        "documents": QCoreApplication.translate(
            "anonymised",
            "No documents: they were deleted when this patient was anonymised, and none can be "
            "attached.",
        ),
    }
    return reasons[what]
