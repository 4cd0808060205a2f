"""Languages by name: a patient's preferred language is kept as a code ("tr") and shown
as the language calls itself, with its name in the user's UI language beside it when
that is another language ("Türkçe (Turkish)", "العربية (Arabic)", "English"), through
QLocale."""

from __future__ import annotations

import unicodedata

from PySide6.QtCore import QLocale

# Offered in the form; a code stored from elsewhere (the CLI, an import) is added to it.
USUAL = (
    "ar", "az", "bg", "bs", "de", "el", "en", "es", "fa", "fr", "he", "hi", "hy", "it",
    "ja", "ka", "ko", "ku", "nl", "pl", "pt", "ro", "ru", "sq", "sr", "sv", "tr", "uk",
    "ur", "zh",
)  # fmt: skip
# QLocale names these by their most populous country ("American English"): the
# language itself is meant.
_PLAIN = {"en": "English", "es": "Español", "zh": "中文", "pt": "Português"}
_CASED = ("LATIN", "CYRILLIC", "GREEK", "ARMENIAN")


def language_name(code: str, ui: QLocale | None = None) -> str:
    """``code`` ("tr", "ar", "pt-BR") by name, as the module says; the code itself when
    Qt does not know it. ``ui`` is the user's locale (the default locale if None)."""
    locale = QLocale(code.replace("_", "-"))
    language = locale.language()
    if language in (QLocale.Language.C, QLocale.Language.AnyLanguage):
        return code
    native = _PLAIN.get(code.lower()) or locale.nativeLanguageName() or code
    if native[:1].islower() and unicodedata.name(native[0], "").startswith(_CASED):
        native = native[0].upper() + native[1:]
    if (ui or QLocale()).language() == language:
        return native
    return f"{native} ({QLocale.languageToString(language)})"


def language_choices() -> list[tuple[str, str]]:
    """(code, name) of the usual languages, by name."""
    named = [(code, language_name(code)) for code in USUAL]
    return sorted(named, key=lambda pair: pair[1].casefold())
