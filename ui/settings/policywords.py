"""A destruction record's policy ("retention.appointment_months=24;
retention.lapsed_patients=anonymise", as the core keeps it and the CSV exports it) as
staff read it on screen: each setting by its label ("Keep patients, months after their
last appointment: 24; Lapsed patients: Anonymise"), the fixed rules by theirs, an
erasure as one (Settings > Retention's dry run and sweep, Destruction records)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from receptionist.errors import NotFound
from receptionist.ops import retention
from receptionist.retention import records
from receptionist.settings.kinds import Choice
from receptionist.settings.registry import setting

from ..coretext import translated


def _rule_words(rule: str) -> str:
    key, said, value = rule.strip().partition("=")
    if not said:
        return rule.strip()
    if rule.strip() == records.ERASURE_POLICY:
        return QCoreApplication.translate("RetentionPage", "an erasure request")
    fixed = next((f for f in retention.FIXED if f.key == key), None)
    if fixed is not None:
        return f"{translated(fixed.label)}: {translated(fixed.text)}"
    try:
        label = translated(setting(key).label)
    except NotFound:  # a key from an older version: as it is kept
        return rule.strip()
    return f"{label}: {value_words(key, value)}"


def value_words(key: str, value: str) -> str:
    """A setting's ``value`` as Settings shows it: a choice's option by its label
    ("Anonymise", not the stored word ``anonymise``), any other value as it is."""
    try:
        kind = setting(key).kind
    except NotFound:
        return value
    return translated(kind.label_of(value)) if isinstance(kind, Choice) else value


def policy_words(policy: str) -> str:
    """``policy`` (a record's ``key=value; ...``) with each setting's label."""
    return "; ".join(_rule_words(rule) for rule in policy.split(";") if rule.strip())
