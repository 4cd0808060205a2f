"""The background jobs' own rows: local to this file, never synced.

``job_run`` is the record of each run (what Settings > Jobs and ``receptionist jobs
list`` show); ``job_lease`` lets one process at a time run a job of a kind, whichever
process (the app, ``receptionist scheduler``, the CLI's "run now") holds the file.
Neither holds patient data: names of jobs, times, outcomes, counts.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from receptionist.models.base import Base


class JobRun(Base):
    """One run of a job: when, how it ended, and what it counted (JSON of numbers)."""

    __tablename__ = "job_run"
    __table_args__ = (
        Index("ix_job_run_job_started", "job", "started_at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime]
    # The time the run stands for (a daily job's slot: what "is it due" compares; an
    # interval job's time it became due, so a run long after it followed a pause).
    due_at: Mapped[datetime]
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
    outcome: Mapped[str] = mapped_column(String(16))  # running | ok | failed
    counts: Mapped[str] = mapped_column(Text, default="{}")
    # The type and place only (safelog), or the sentence of a job's ``Problem`` (no
    # patient data: the backup's audit-log problem).
    error: Mapped[str] = mapped_column(Text, default="")


class JobLease(Base):
    """Who runs a job now, and until when the claim holds if it never lets go."""

    __tablename__ = "job_lease"

    job: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime]
