"""Patients and the consents they gave."""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from receptionist.models import names
from receptionist.models.base import Base, Synced


class Patient(Synced, Base):
    __tablename__ = "patient"
    __table_args__ = (
        Index("ix_patient_phone", "phone"),
        Index("ix_patient_national_id", "national_id"),
        # The search's order, and the duplicate check's name-and-birth-date test (the
        # folded name narrows it to a handful). No index on e-mail or birth date: no
        # query seeks by them, and every sweep paid a page for each (migration 0027).
        Index("ix_patient_sort_key", "sort_key", "search_rowid"),
        # The few patients with a front-desk alert (receptionist.schedule.alerts).
        Index("ix_patient_alert", "id", sqlite_where=text("alert <> ''")),
        # The few restricted patients (receptionist.patients.restriction).
        Index("ix_patient_restricted", "id", sqlite_where=text("restricted_at IS NOT NULL")),
    )

    # Local to this file, never synced: the search index's place and name key.
    LOCAL_COLUMNS: ClassVar[tuple[str, ...]] = ("search_rowid", "sort_key")

    # Local key of the full-text index (patient_search.rowid), kept in sort_key
    # order by receptionist.patients.searchindex; never synced.
    search_rowid: Mapped[int] = mapped_column(Integer, unique=True)
    # Short number for the phone and the paper chart: "<device code>-<counter>".
    number: Mapped[str] = mapped_column(String(16), unique=True)
    given_name: Mapped[str] = mapped_column(String(200))
    family_name: Mapped[str] = mapped_column(String(200))
    national_id: Mapped[str | None] = mapped_column(String(32), default=None)
    birth_date: Mapped[date | None] = mapped_column(Date, default=None)
    gender: Mapped[str | None] = mapped_column(String(16), default=None)
    phone: Mapped[str | None] = mapped_column(String(20), default=None)  # E.164
    email: Mapped[str | None] = mapped_column(String(254), default=None)
    address: Mapped[str] = mapped_column(Text, default="")
    preferred_language: Mapped[str | None] = mapped_column(String(16), default=None)
    preferred_channel: Mapped[str | None] = mapped_column(String(16), default=None)
    notes: Mapped[str] = mapped_column(Text, default="")
    # The front-desk alert: one short line the desk must see when booking or receiving
    # the patient ("needs wheelchair access"); "" for none. Patient data: synced sealed.
    alert: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # Folded "family<U+001F>given" (receptionist.patients.searchindex.sort_key): the order of
    # search_rowid, and the name part of the duplicate check. Never edited directly.
    sort_key: Mapped[str] = mapped_column(Text, default="")
    # Restriction of processing (GDPR art. 18, KVKK art. 11): since when, and why (""
    # when no reason was given); None while not restricted. While set, no message goes
    # to the patient and Google shows no name (receptionist.patients.restriction).
    # Patient data: synced sealed like the other fields.
    restricted_at: Mapped[datetime | None] = mapped_column(default=None)
    restriction_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    # When the retention sweep anonymised her (``retention.lapsed_patients=anonymise``,
    # receptionist.retention.anonymise): her row then holds nothing that identifies her,
    # and her appointments stay for statistics. None: not anonymised. Synced sealed.
    anonymised_at: Mapped[datetime | None] = mapped_column(default=None)

    @property
    def display_name(self) -> str:
        return names.display_name(self.given_name, self.family_name)

    @property
    def anonymised(self) -> bool:
        return self.anonymised_at is not None


class Consent(Synced, Base):
    """One recorded decision: given or withdrawn, when, by whom, for what."""

    __tablename__ = "consent"
    __table_args__ = (Index("ix_consent_patient", "patient_id", "purpose"),)

    patient_id: Mapped[str] = mapped_column(ForeignKey("patient.id"))
    # reminder_sms | reminder_whatsapp | reminder_email | marketing | optional_data
    purpose: Mapped[str] = mapped_column(String(32))
    granted: Mapped[bool] = mapped_column(Boolean)
    recorded_at: Mapped[datetime]
    recorded_by: Mapped[str | None] = mapped_column(String(36), default=None)
    source: Mapped[str] = mapped_column(String(16), default="desk")
