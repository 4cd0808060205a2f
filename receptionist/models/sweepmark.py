"""The retention sweep's mark on its own write (local, never synced).

While a sweep's batch deletes rows, ``sweep_mark`` holds one row, inserted at the
batch's start and deleted before its commit, so no other write ever sees it. The
appointment delete trigger reads it (migration 0027): the time a swept appointment
held is past and not offered to the waitlist, so no ``freed_slot`` row is written
only to be deleted again. A trigger cannot read a connection's temp tables, hence a
table of the main file.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Integer
from sqlalchemy.orm import Mapped, mapped_column

from receptionist.models.base import Base


class SweepMark(Base):
    """Present (one row, id 1) only inside a sweep's batch."""

    __tablename__ = "sweep_mark"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
