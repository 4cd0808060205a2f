"""What the set-up wizard offers: time zones, phone regions, languages, slot sizes.

Pure lists and defaults (no widgets), so they are cheap to test and to reuse.
"""

from __future__ import annotations

from zoneinfo import available_timezones

import phonenumbers
from PySide6.QtCore import QLocale, QTimeZone

SLOT_CHOICES = (5, 10, 15, 20, 30, 60)
DEFAULT_SLOT = 15
# The languages the app is (or will be) translated into: code, name in that language.
LANGUAGES = (("en", "English"), ("tr", "Türkçe"), ("ar", "العربية"))


def time_zones() -> list[str]:
    """IANA names a person would pick (``Europe/Istanbul``), plus UTC."""
    return sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc/"))


def system_time_zone() -> str:
    """This computer's time zone if it has an IANA name the list knows, else UTC."""
    zone = bytes(QTimeZone.systemTimeZoneId().data()).decode("ascii", "replace")
    known = available_timezones()
    if zone in known and not zone.startswith("Etc/"):
        return zone
    return "UTC"


def regions() -> list[tuple[str, str]]:
    """(code, country name) for every region the phone library knows, by name."""
    named: list[tuple[str, str]] = []
    for code in phonenumbers.SUPPORTED_REGIONS:
        territory = QLocale.codeToTerritory(code)
        name = QLocale.territoryToString(territory) if territory.value else ""
        named.append((code, name or code))
    return sorted(named, key=lambda pair: (pair[1].casefold(), pair[0]))


def region_label(code: str, name: str) -> str:
    return f"{name} ({code})" if name != code else code


def system_region() -> str:
    """This computer's country code when the phone library knows it, else ''."""
    code = QLocale.territoryToCode(QLocale.system().territory())
    return code if code in phonenumbers.SUPPORTED_REGIONS else ""


def system_language() -> str:
    code = QLocale.system().name().split("_")[0]
    return code if code in dict(LANGUAGES) else "en"
