"""The rules of one round, read once: the clinic's reminder settings, its zone and
name, and each service's own rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from receptionist import zones
from receptionist.settings import clinic as clinic_settings
from receptionist.settings import clinicstore

from . import overrides, watemplates
from . import settings as s
from .settings import Rules, offsets_of
from .templates import Template


def _clock(text: str) -> time | None:
    if not text:
        return None
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


@dataclass(frozen=True)
class Config:
    enabled: bool
    station: str
    zone: str
    clinic_name: str
    clinic_language: str
    address: str
    quiet_start: time | None
    quiet_end: time | None
    quiet_mode: str
    late_limit: timedelta
    channel_order: tuple[str, ...]
    max_attempts: int
    clinic_rules: Rules
    service_rules: dict[str, Any] = field(default_factory=dict)
    standby: str = ""  # stand-by stations' codes, "B,C"
    takeover: timedelta = timedelta(hours=24)  # the lease's time to live
    # language -> the setting's text naming WhatsApp's approved templates (watemplates)
    whatsapp_templates: dict[str, str] = field(default_factory=dict)
    # (language, channel, kind) -> the clinic's own text of that message (overrides)
    templates: dict[tuple[str, str, str], Template] = field(default_factory=dict)

    def template(self, language: str, channel: str, kind: str) -> Template:
        """The text a message uses: the clinic's own, else the built-in one."""
        return overrides.effective(self.templates, (language, channel, kind))

    def rules_for(self, service_id: str) -> Rules:
        own = self.service_rules.get(service_id)
        if not own:
            return self.clinic_rules
        base = self.clinic_rules
        return Rules(
            offsets_of(own["offsets"]) if "offsets" in own else base.offsets,
            own.get("confirmation", base.confirmation),
            own.get("reschedule", base.reschedule),
            own.get("cancellation", base.cancellation),
        )

    @property
    def horizon(self) -> timedelta:
        """How far ahead planning looks: the longest offset of any rule, and a day."""
        texts = [own.get("offsets", "") for own in self.service_rules.values()]
        longest = [o for t in texts for _, o in offsets_of(t)] + [
            o for _, o in self.clinic_rules.offsets
        ]
        return max(longest, default=timedelta(0)) + timedelta(days=1)

    @property
    def tz(self) -> ZoneInfo:
        return zones.zone(self.zone)


def load(session: Session) -> Config:
    keys = [
        s.ENABLED, s.STATION, s.OFFSETS, s.QUIET_START, s.QUIET_END, s.QUIET_MODE,
        s.CONFIRMATION, s.RESCHEDULE, s.CANCELLATION, s.LATE_LIMIT, s.CHANNEL_ORDER,
        s.MAX_ATTEMPTS, s.SERVICE_RULES, s.ADDRESS, s.STANDBY, s.TAKEOVER_HOURS,
        clinic_settings.NAME,
        clinic_settings.TIMEZONE, clinic_settings.LOCALE, *watemplates.SETTINGS.values(),
        *overrides.SETTINGS.values(),
    ]  # fmt: skip
    v = clinicstore.values(session, {k.key: k for k in keys})
    start, end = _clock(str(v[s.QUIET_START.key])), _clock(str(v[s.QUIET_END.key]))
    quiet = start is not None and end is not None and start != end
    return Config(
        enabled=bool(v[s.ENABLED.key]),
        station=str(v[s.STATION.key]).upper(),
        zone=str(v[clinic_settings.TIMEZONE.key]),
        clinic_name=str(v[clinic_settings.NAME.key]),
        clinic_language=str(v[clinic_settings.LOCALE.key]),
        address=str(v[s.ADDRESS.key]),
        quiet_start=start if quiet else None,
        quiet_end=end if quiet else None,
        quiet_mode=str(v[s.QUIET_MODE.key]),
        late_limit=timedelta(minutes=int(str(v[s.LATE_LIMIT.key]))),
        channel_order=tuple(str(v[s.CHANNEL_ORDER.key]).split(",")),
        max_attempts=int(str(v[s.MAX_ATTEMPTS.key])),
        clinic_rules=Rules(
            offsets_of(str(v[s.OFFSETS.key])),
            bool(v[s.CONFIRMATION.key]),
            bool(v[s.RESCHEDULE.key]),
            bool(v[s.CANCELLATION.key]),
        ),
        service_rules=dict(v[s.SERVICE_RULES.key]),  # type: ignore[call-overload]
        standby=str(v[s.STANDBY.key]),
        takeover=timedelta(hours=int(str(v[s.TAKEOVER_HOURS.key]))),
        whatsapp_templates={
            lang: str(v[setting.key]) for lang, setting in watemplates.SETTINGS.items()
        },
        templates=overrides.from_values(v),
    )
