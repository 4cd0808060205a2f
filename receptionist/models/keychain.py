"""The names this file put in the OS keychain (local, never synced)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from receptionist.models.base import Base


class KeychainEntry(Base):
    """A secret's name this file wrote to the OS keychain (``settings.secretstore``),
    never its value. A keychain cannot be listed, so this is how the retention sweep
    finds a device token left there under a device this PC no longer is
    (``retention.tokens``), without touching another clinic's or another app's."""

    __tablename__ = "keychain_entry"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    written_at: Mapped[datetime]
