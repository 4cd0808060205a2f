"""The booking dialog: find or add the patient, pick a service and a free time, book."""

from .dialog import BookingDialog
from .launcher import BookingLauncher

__all__ = ["BookingDialog", "BookingLauncher"]
