"""Settings kept in the database: the clinic's (synced) and this PC's secrets (local)."""

from __future__ import annotations

import uuid

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from receptionist.models.base import Base, Synced

# Setting rows have ids derived from their keys, so two PCs that set the same key while
# offline write the same row (one conflict to settle), never two rows for one key.
SETTING_IDS = uuid.UUID("6f1d3c52-8d0e-4d64-9a35-2c0e6b1f7a10")


def setting_id(key: str) -> str:
    return str(uuid.uuid5(SETTING_IDS, key))


class ClinicSetting(Synced, Base):
    """One clinic-wide setting: its key and its value as JSON."""

    __tablename__ = "clinic_setting"

    key: Mapped[str] = mapped_column(String(64), unique=True)
    value: Mapped[str] = mapped_column(Text)


class LocalSecret(Base):
    """A secret setting of this PC, where the OS has no keychain. Never synced: the
    file is encrypted, and a secret of one PC is no other PC's business. One row that
    is no secret: ``restored-copy``, the mark of a copy restored to look at, kept in the
    file so that it travels with it (``store/copymark.py``)."""

    __tablename__ = "local_secret"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
