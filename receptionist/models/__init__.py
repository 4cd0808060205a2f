"""The domain model. Import from here: ``from receptionist.models import Patient``."""

from .appointment import Appointment, CardKind
from .base import Base, Synced, UTCDateTime, from_micros, new_id, to_micros
from .clinic import BlockedTime, Clinic, Provider, Room, Service
from .patient import Consent, Patient
from .patientfiles import CommunicationEntry, PatientDocument
from .staff import AuditEvent, AuditHead, Device, StaffUser
from .waitlist import WaitlistEntry

__all__ = [
    "Appointment",
    "AuditEvent",
    "AuditHead",
    "Base",
    "BlockedTime",
    "CardKind",
    "Clinic",
    "CommunicationEntry",
    "Consent",
    "Device",
    "Patient",
    "PatientDocument",
    "Provider",
    "Room",
    "Service",
    "StaffUser",
    "Synced",
    "UTCDateTime",
    "WaitlistEntry",
    "from_micros",
    "new_id",
    "to_micros",
]
