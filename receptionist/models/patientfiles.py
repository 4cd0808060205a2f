"""What is kept beside a patient's record: attached documents and the communication log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from receptionist.models.base import Base, Synced


class PatientDocument(Synced, Base):
    """A file attached to a patient, its bytes held in the (encrypted) database.

    ``content`` is deferred: a list of documents never loads the bytes. Removing a
    document tombstones the row and wipes its content, name, note and hash.
    """

    __tablename__ = "patient_document"
    __table_args__ = (Index("ix_patient_document_patient", "patient_id", "created_at"),)

    patient_id: Mapped[str] = mapped_column(ForeignKey("patient.id"))
    file_name: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(127))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))  # hex, of the content as attached
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    note: Mapped[str] = mapped_column(Text, default="")
    added_by: Mapped[str | None] = mapped_column(String(36), default=None)


class CommunicationEntry(Synced, Base):
    """One call, message or visit to or from a patient, as the desk logged it.

    ``channel`` is phone | sms | email | whatsapp | in_person | letter | other and
    ``direction`` is in (from the patient) or out (to the patient).
    ``appointment_start``: on the entry of a reminder message (sent or failed), the
    appointment's start the message named; None on one the desk wrote. Synced: every
    PC knows the start the patient was last told (``reminders/plan.py``).
    ``reason``: on the entry of a message the dispatcher logged as failed, its reason
    code (``reminders/reasons.py`` renders the sentence from it); "" on any other
    entry, and on one logged before migration 0036 (whose summary names the code).
    """

    __tablename__ = "communication_entry"
    __table_args__ = (
        Index("ix_communication_entry_patient", "patient_id", "occurred_at"),
        # Deleting an appointment looks for entries pointing at it (the foreign key).
        Index("ix_communication_entry_appointment", "appointment_id"),
    )

    patient_id: Mapped[str] = mapped_column(ForeignKey("patient.id"))
    occurred_at: Mapped[datetime]
    channel: Mapped[str] = mapped_column(String(16))
    direction: Mapped[str] = mapped_column(String(8))
    summary: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str | None] = mapped_column(String(36), default=None)
    appointment_id: Mapped[str | None] = mapped_column(ForeignKey("appointment.id"), default=None)
    appointment_start: Mapped[datetime | None] = mapped_column(default=None)
    reason: Mapped[str] = mapped_column(String(64), default="", server_default="")
