"""The retention policy: one clinic setting per kind of data (Settings > Clinic,
"Retention"), with the defaults of the clinic's privacy policy.

Appointment records go 24 months after the patient's last appointment (and, with
them, the patient's record: consents, documents, communication log, waitlist
entries); the communication log of patients still kept goes after 12 months; the
providers' delivery logs after 6 (they arrive with the reminders); backups older than
180 days; destruction records are kept at least 3 years (KVKK). Audit events hold no
patient data (ids and kinds only); the seeds name no period for them, so they are
kept 10 years by default (``retention.audit_years``, at least 3), and the sweep
removes older ones only behind a checkpoint an anchor outside the file vouches for
(``retention/auditlog.py``). A clinic that keeps statistics has lapsed patients
anonymised instead of deleted (``retention.lapsed_patients``: ``retention/anonymise.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from receptionist.settings import clinicstore
from receptionist.settings.kinds import Choice, Whole
from receptionist.settings.registry import Setting, declare
from receptionist.texts import QT_TRANSLATE_NOOP, Text

CONFIGURE = "clinic.configure"


def _months(key: str, default: int, label: str, help_: str, low: int = 1) -> Setting:
    return declare(
        Setting(key, "clinic", Whole(low, 1200), default, Text(label), Text(help_), CONFIGURE)
    )


APPOINTMENT_MONTHS = _months(
    "retention.appointment_months",
    24,
    QT_TRANSLATE_NOOP("core", "Keep patients, months after their last appointment"),
    QT_TRANSLATE_NOOP(
        "core",
        "A patient whose last appointment is older than this is removed by the sweep, "
        "with the appointments, consents, documents and communication log, unless the "
        "patient is on hold.",
    ),
)
# What the sweep does with a lapsed patient: ``delete`` her record (the default), or,
# where the clinic keeps statistics, ``anonymise`` it (``retention/anonymise.py``).
DELETE, ANONYMISE = "delete", "anonymise"
LAPSED_PATIENTS = declare(
    Setting(
        "retention.lapsed_patients",
        "clinic",
        Choice(
            (DELETE, ANONYMISE),
            (
                Text(QT_TRANSLATE_NOOP("core", "Delete")),
                Text(QT_TRANSLATE_NOOP("core", "Anonymise")),
            ),
        ),
        DELETE,
        Text(QT_TRANSLATE_NOOP("core", "Lapsed patients")),
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "Delete: the sweep removes the patient with all her record. Anonymise: "
                "her appointments stay for statistics (service, provider, times, status, "
                "without notes); her name, number, contact details, birth date, gender, "
                "notes, consents, documents and communication log go.",
            )
        ),
        CONFIGURE,
    )
)
COMMLOG_MONTHS = _months(
    "retention.commlog_months",
    12,
    QT_TRANSLATE_NOOP("core", "Keep the communication log, months"),
    QT_TRANSLATE_NOOP(
        "core", "Calls, messages and letters older than this are removed by the sweep."
    ),
)
DELIVERY_MONTHS = _months(
    "retention.delivery_log_months",
    6,
    QT_TRANSLATE_NOOP("core", "Keep the providers' delivery logs, months"),
    QT_TRANSLATE_NOOP(
        "core", "SMS and WhatsApp delivery reports older than this are removed by the sweep."
    ),
)
BACKUP_DAYS = declare(
    Setting(
        "retention.backup_days",
        "clinic",
        Whole(7, 3650),
        180,
        Text(QT_TRANSLATE_NOOP("core", "Delete backups older than, days")),
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "A backup holds the data of its day, patients since removed included: the "
                "sweep deletes this clinic's backups older than this.",
            )
        ),
        CONFIGURE,
    )
)
RECORD_YEARS = declare(
    Setting(
        "retention.record_years",
        "clinic",
        Whole(3, 100),
        3,
        Text(QT_TRANSLATE_NOOP("core", "Keep destruction records, years")),
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "What each sweep destroyed (kind, count, when, under which policy; no "
                "patient data). The law asks for at least three years.",
            )
        ),
        CONFIGURE,
    )
)
AUDIT_YEARS = declare(
    Setting(
        "retention.audit_years",
        "clinic",
        Whole(3, 100),
        10,
        Text(QT_TRANSLATE_NOOP("core", "Keep audit events, years")),
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "Who did what and when (no patient data). Older events are removed by the "
                "sweep once a backup's or a given anchor vouches for the log past them; the "
                "law may ask for longer: set it as yours requires.",
            )
        ),
        CONFIGURE,
    )
)
SWEEP_HOUR = declare(
    Setting(
        "retention.sweep_hour",
        "clinic",
        Whole(0, 23),
        3,
        Text(QT_TRANSLATE_NOOP("core", "Sweep at (hour)")),
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "The quiet hour, in the clinic's time, of the daily sweep. A PC that was "
                "off then sweeps once when it starts.",
            )
        ),
        CONFIGURE,
    )
)


# Every setting of what goes when: the whole policy, as a sweep that destroyed nothing
# records it and as a person's review of it is shared with the clinic's other PCs
# (``retention.review``). Not the sweep's hour: it changes when, not what, goes.
WHOLE = (APPOINTMENT_MONTHS, LAPSED_PATIENTS, COMMLOG_MONTHS, DELIVERY_MONTHS, BACKUP_DAYS,
         RECORD_YEARS, AUDIT_YEARS)  # fmt: skip


@dataclass(frozen=True)
class Policy:
    """The policy's values, and the cut-offs they give at ``now`` (UTC)."""

    now: datetime
    appointment_months: int
    commlog_months: int
    delivery_log_months: int
    backup_days: int
    record_years: int
    audit_years: int
    lapsed_patients: str = DELETE

    @property
    def anonymises(self) -> bool:
        """Whether a lapsed patient is anonymised (kept for statistics), not deleted."""
        return self.lapsed_patients == ANONYMISE

    @property
    def patients_before(self) -> datetime:
        return months_before(self.now, self.appointment_months)

    @property
    def commlog_before(self) -> datetime:
        return months_before(self.now, self.commlog_months)

    @property
    def delivery_before(self) -> datetime:
        return months_before(self.now, self.delivery_log_months)

    @property
    def backups_before(self) -> datetime:
        return self.now - timedelta(days=self.backup_days)

    @property
    def records_before(self) -> datetime:
        return months_before(self.now, 12 * self.record_years)

    @property
    def audit_before(self) -> datetime:
        return months_before(self.now, 12 * self.audit_years)

    def rule(self, setting: Setting) -> str:
        """The policy a destruction record names: ``key=value``."""
        return f"{setting.key}={getattr(self, setting.key.split('.', 1)[1])}"

    @property
    def whole(self) -> str:
        """Every setting of :data:`WHOLE`, ``key=value; key=value; ...``."""
        return "; ".join(self.rule(setting) for setting in WHOLE)


def read(session: Session, now: datetime) -> Policy:
    def whole(setting: Setting) -> int:
        value = clinicstore.value(session, setting)
        assert isinstance(value, int)
        return value

    return Policy(
        now,
        whole(APPOINTMENT_MONTHS),
        whole(COMMLOG_MONTHS),
        whole(DELIVERY_MONTHS),
        whole(BACKUP_DAYS),
        whole(RECORD_YEARS),
        whole(AUDIT_YEARS),
        str(clinicstore.value(session, LAPSED_PATIENTS)),
    )


def months_before(when: datetime, months: int) -> datetime:
    """``when`` moved back by whole calendar months (the 31st to the month's last day)."""
    total = when.year * 12 + (when.month - 1) - months
    year, month = divmod(total, 12)
    month += 1
    days = [31, 29 if _leap(year) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    return when.replace(year=year, month=month, day=min(when.day, days[month - 1]))


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
