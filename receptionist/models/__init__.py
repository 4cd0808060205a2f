"""The domain model. Import from here: ``from receptionist.models import Patient``."""

from receptionist.models.appointment import Appointment, CardKind
from receptionist.models.auditcheckpoint import AuditCheckpoint, AuditNotary
from receptionist.models.base import (
    Base,
    Synced,
    UTCDateTime,
    from_micros,
    new_id,
    new_ids,
    to_micros,
)
from receptionist.models.changes import ChangeEntry, ChangeOrigin, FreedSlot
from receptionist.models.clinic import BlockedTime, Clinic, Provider, Room, Service
from receptionist.models.delivery import DeliveryLog
from receptionist.models.google import (
    GoogleBlock,
    GoogleCalendar,
    GoogleDisclosure,
    GoogleLink,
    GoogleState,
)
from receptionist.models.handover import ReminderHandover, ReminderHandoverLate
from receptionist.models.jobs import JobLease, JobRun
from receptionist.models.patient import Consent, Patient
from receptionist.models.patientfiles import CommunicationEntry, PatientDocument
from receptionist.models.reminder import Reminder
from receptionist.models.replica import (
    SyncBase,
    SyncChunk,
    SyncConflict,
    SyncGone,
    SyncHeld,
    SyncKey,
    SyncPending,
    SyncSeen,
    SyncState,
)
from receptionist.models.retention import DestructionRecord, RetentionHold
from receptionist.models.setting import ClinicSetting, LocalSecret, setting_id
from receptionist.models.staff import AuditEvent, AuditHead, Device, StaffUser
from receptionist.models.sweepmark import SweepMark
from receptionist.models.waitlist import WaitlistEntry

__all__ = [
    "Appointment",
    "AuditCheckpoint",
    "AuditEvent",
    "AuditHead",
    "AuditNotary",
    "Base",
    "BlockedTime",
    "CardKind",
    "ChangeEntry",
    "ChangeOrigin",
    "Clinic",
    "ClinicSetting",
    "CommunicationEntry",
    "Consent",
    "DeliveryLog",
    "DestructionRecord",
    "Device",
    "FreedSlot",
    "GoogleBlock",
    "GoogleCalendar",
    "GoogleDisclosure",
    "GoogleLink",
    "GoogleState",
    "JobLease",
    "JobRun",
    "LocalSecret",
    "Patient",
    "PatientDocument",
    "Provider",
    "Reminder",
    "ReminderHandover",
    "ReminderHandoverLate",
    "RetentionHold",
    "Room",
    "Service",
    "StaffUser",
    "SweepMark",
    "SyncBase",
    "SyncChunk",
    "SyncConflict",
    "SyncGone",
    "SyncHeld",
    "SyncKey",
    "SyncPending",
    "SyncSeen",
    "SyncState",
    "Synced",
    "UTCDateTime",
    "WaitlistEntry",
    "from_micros",
    "new_id",
    "new_ids",
    "setting_id",
    "to_micros",
]
