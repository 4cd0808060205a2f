"""The name shown for a patient: "anonymised" for one with no name left (the retention
sweep's anonymisation), wherever the core builds one."""

from __future__ import annotations

from receptionist.models import Patient
from receptionist.models.names import ANONYMISED, display_name
from receptionist.patients.search import patient_row
from receptionist.texts import Text


def test_a_patient_with_no_name_left_is_shown_as_anonymised() -> None:
    assert display_name("Ayşe", "Yılmaz") == "Ayşe Yılmaz" and display_name("Ayşe", "") == "Ayşe"
    for shown in (
        display_name("", ""),
        display_name(None, None),
        Patient(given_name="", family_name="").display_name,
        patient_row("p1", "ANON-X", ("", ""), None, None, None).display_name,
    ):
        assert shown == "anonymised" and isinstance(shown, Text), shown
        assert shown.template == ANONYMISED.template  # translated by the app
