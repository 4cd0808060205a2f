"""What a message says: one template per language (English, Turkish, Arabic), channel
(SMS, WhatsApp, e-mail) and kind (reminder, confirmation, reschedule, cancellation).

Placeholders: ``{first_name} {date} {time} {provider} {clinic} {address}``. Values
are stored text, so each is made printable on one line first
(``receptionist.freetext.printable``); a line whose every value is empty is left out
with its label (``fill``: the clinic's address is empty until it is set). A patient
whose language has no templates gets the clinic's language, else English.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import datetime

from receptionist.freetext import printable

LANGUAGES = ("en", "tr", "ar")
KINDS = ("reminder", "confirmation", "reschedule", "cancellation")
CHANNELS = ("sms", "whatsapp", "email")
PLACEHOLDERS = ("first_name", "date", "time", "provider", "clinic", "address")


@dataclass(frozen=True)
class Template:
    subject: str  # e-mail only ("" elsewhere)
    body: str


_SHORT: dict[tuple[str, str], str] = {
    ("en", "reminder"): "Hello {first_name}, a reminder of your appointment with {provider} "
    "on {date} at {time}. {clinic}",
    ("en", "confirmation"): "Hello {first_name}, your appointment with {provider} is booked "
    "for {date} at {time}. {clinic}",
    ("en", "reschedule"): "Hello {first_name}, your appointment with {provider} has moved to "
    "{date} at {time}. {clinic}",
    ("en", "cancellation"): "Hello {first_name}, your appointment with {provider} on {date} "
    "at {time} is cancelled. {clinic}",
    ("tr", "reminder"): "Merhaba {first_name}, {date} {time} tarihindeki {provider} randevunuzu "
    "hatırlatırız. {clinic}",
    ("tr", "confirmation"): "Merhaba {first_name}, {provider} randevunuz {date} {time} için "
    "oluşturuldu. {clinic}",
    ("tr", "reschedule"): "Merhaba {first_name}, {provider} randevunuz {date} {time} tarihine "
    "alındı. {clinic}",
    ("tr", "cancellation"): "Merhaba {first_name}, {date} {time} tarihindeki {provider} "
    "randevunuz iptal edildi. {clinic}",
    ("ar", "reminder"): "مرحباً {first_name}، نذكّرك بموعدك مع {provider} يوم {date} الساعة "
    "{time}. {clinic}",
    ("ar", "confirmation"): "مرحباً {first_name}، تم حجز موعدك مع {provider} يوم {date} الساعة "
    "{time}. {clinic}",
    ("ar", "reschedule"): "مرحباً {first_name}، تم نقل موعدك مع {provider} إلى يوم {date} "
    "الساعة {time}. {clinic}",
    ("ar", "cancellation"): "مرحباً {first_name}، تم إلغاء موعدك مع {provider} يوم {date} "
    "الساعة {time}. {clinic}",
}
_WHERE = {"en": "Address: {address}", "tr": "Adres: {address}", "ar": "العنوان: {address}"}
_SUBJECT: dict[tuple[str, str], str] = {
    ("en", "reminder"): "Reminder: your appointment on {date} at {time}",
    ("en", "confirmation"): "Booked: your appointment on {date} at {time}",
    ("en", "reschedule"): "Moved: your appointment is now on {date} at {time}",
    ("en", "cancellation"): "Cancelled: your appointment on {date} at {time}",
    ("tr", "reminder"): "Hatırlatma: {date} {time} randevunuz",
    ("tr", "confirmation"): "Randevunuz oluşturuldu: {date} {time}",
    ("tr", "reschedule"): "Randevunuz değişti: {date} {time}",
    ("tr", "cancellation"): "Randevunuz iptal edildi: {date} {time}",
    ("ar", "reminder"): "تذكير: موعدك يوم {date} الساعة {time}",
    ("ar", "confirmation"): "تم الحجز: موعدك يوم {date} الساعة {time}",
    ("ar", "reschedule"): "تم النقل: موعدك الآن يوم {date} الساعة {time}",
    ("ar", "cancellation"): "تم الإلغاء: موعدك يوم {date} الساعة {time}",
}


def _template(language: str, channel: str, kind: str) -> Template:
    short = _SHORT[(language, kind)]
    if channel == "sms":
        return Template("", short)
    body = short + "\n" + _WHERE[language]
    return Template(_SUBJECT[(language, kind)] if channel == "email" else "", body)


TEMPLATES: dict[tuple[str, str, str], Template] = {
    (lang, channel, kind): _template(lang, channel, kind)
    for lang in LANGUAGES
    for channel in CHANNELS
    for kind in KINDS
}

_MONTHS = {
    "en": "January February March April May June July August September October November December",
    "tr": "Ocak Şubat Mart Nisan Mayıs Haziran Temmuz Ağustos Eylül Ekim Kasım Aralık",
    "ar": "يناير فبراير مارس أبريل مايو يونيو يوليو أغسطس سبتمبر أكتوبر نوفمبر ديسمبر",
}
_DAYS = {
    "en": "Monday Tuesday Wednesday Thursday Friday Saturday Sunday",
    "tr": "Pazartesi Salı Çarşamba Perşembe Cuma Cumartesi Pazar",
    "ar": "الاثنين الثلاثاء الأربعاء الخميس الجمعة السبت الأحد",
}


def language_for(patient: str | None, clinic: str) -> str:
    """The patient's language if we have its templates, else the clinic's, else English."""
    for wanted in (patient, clinic):
        code = (wanted or "").split("-")[0].split("_")[0].lower()
        if code in LANGUAGES:
            return code
    return "en"


def date_text(local: datetime, language: str) -> str:
    """The day as a patient reads it: "Monday 2 March 2026", "2 Mart 2026 Pazartesi"."""
    day = _DAYS[language].split()[local.weekday()]
    month = _MONTHS[language].split()[local.month - 1]
    if language == "tr":
        return f"{local.day} {month} {local.year} {day}"
    return f"{day} {local.day} {month} {local.year}"


def render(template: Template, values: dict[str, str]) -> Template:
    """``template`` filled in; every placeholder must be given, and no other. A value
    the clinic has not set leaves nothing behind (:func:`fill`)."""
    safe = {k: printable(values[k], lines=False) for k in PLACEHOLDERS}
    return Template(fill(template.subject, safe), fill(template.body, safe))


def fill(text: str, values: dict[str, str]) -> str:
    """``text`` filled in, line by line: a line whose every placeholder is empty is left
    out, its label with it (no "Address:" with nothing after it when the clinic has set
    no address); each line's trailing spaces, and blank lines at either end, go (an
    empty clinic name at the end of an SMS)."""
    kept = []
    for line in text.split("\n"):
        names = placeholders(line)
        if names and not any(values[name].strip() for name in names):
            continue
        kept.append(line.format(**values).rstrip())
    return "\n".join(kept).strip("\n")


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}
