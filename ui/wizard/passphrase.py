"""The optional admin passphrase, typed twice: the checks the new-clinic and the join
pages share (the strength rule is the core's)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from receptionist.errors import UserError, ValidationError
from receptionist.store.vault import check_passphrase_strength
from receptionist.texts import message


def _tr(text: str) -> str:
    return QCoreApplication.translate("SetupWizard", text)


def checked(first: str, again: str) -> str | None:
    """The passphrase (None when both are empty); ValidationError naming the field
    ("passphrase" or "passphrase-again") that is wrong."""
    if not first:
        if again:
            raise ValidationError("passphrase", _tr("Type the passphrase here too, or clear both."))
        return None
    try:
        check_passphrase_strength(first)
    except UserError as exc:
        raise ValidationError("passphrase", message(exc)) from exc
    if first != again:
        raise ValidationError(
            "passphrase-again", _tr("The two passphrases differ; type them again.")
        )
    return first
