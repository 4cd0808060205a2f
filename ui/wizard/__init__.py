"""The first-run set-up wizard (``setupWizard``): clinic, first admin, recovery code."""

from __future__ import annotations

from .wizard import SetupWizard

__all__ = ["SetupWizard"]
