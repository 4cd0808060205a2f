"""The registry: every setting declared once, looked up by its key.

A setting's key is ``group.name`` in lower case (``schedule.slot_minutes``); its group
is the page of the Settings dialog it belongs on. Declaring a key twice is an error,
so two rooms can never fight over one setting.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Literal

from receptionist.errors import NotFound
from receptionist.roles import PERMISSIONS, ROLES, can
from receptionist.texts import QT_TRANSLATE_NOOP, Text

from .kinds import Kind

Scope = Literal["clinic", "pc", "secret"]
SCOPES: tuple[Scope, ...] = ("clinic", "pc", "secret")

# Who may change a setting is said by each declaration, never left out: a permission of
# ``roles`` (the clinic's settings "clinic.configure", where this PC's backups go
# "backup.manage", passwords, tokens and the certificates this PC trusts "keys.manage"),
# or ANYONE for the desk's own preferences (whoever is signed in: the today panel, larger
# text). :func:`may_change` is the one rule; ``ops.settings`` (the app and the CLI) and
# the stores refuse by it with :func:`refusal`, which names who may.
ANYONE = "anyone"


@dataclass(frozen=True)
class Setting:
    """One setting: what it is called, holds, defaults to, and where it is kept."""

    key: str
    scope: Scope
    kind: Kind
    default: object
    label: str  # a Text: translatable
    help: str  # a Text: one or two sentences
    # Who may change it: a permission of ``roles``, or ANYONE (see :data:`ANYONE`).
    permission: str
    # Kept by the app itself (the Google station's shared state): not on the Settings
    # pages, and refused when set by hand; its room writes it through ``clinicstore``.
    managed: bool = False
    # A value typed at the desk, read with the clinic's phone region (``clinic.
    # phone_region``) before its check: ``in_region(text, key, label, region)`` gives it
    # in the form stored (a sender's number typed without its country code, as a
    # patient's is, becomes E.164). The check alone (a value as stored) has no region.
    in_region: Callable[[str, str, str, str], str] | None = field(default=None, compare=False)
    # Edited on a page of its own (each service's reminder rules, on Settings > Services),
    # not as a field of the generic pages; `settings set` still sets it.
    elsewhere: bool = False

    @property
    def group(self) -> str:
        return self.key.split(".", 1)[0]

    def check(self, value: object, field: str | None = None) -> object:
        """``value`` checked (and normalised); a refusal names ``field`` (default: the key)."""
        return self.kind.check(value, field or self.key, self.label)

    def parse(self, text: str) -> object:
        return self.kind.parse(text, self.key, self.label)


class DuplicateSetting(Exception):
    """A key declared twice: a bug in the code, found at import."""


_REGISTRY: dict[str, Setting] = {}


def declare(setting: Setting) -> Setting:
    """Add ``setting`` to the registry; its default must pass its own check."""
    if setting.key in _REGISTRY:
        raise DuplicateSetting(f"setting {setting.key!r} is declared twice")
    if setting.key != setting.key.lower() or "." not in setting.key:
        raise ValueError(f"setting key {setting.key!r} must be 'group.name' in lower case")
    if setting.scope not in SCOPES:
        raise ValueError(f"setting {setting.key!r} has an unknown scope {setting.scope!r}")
    if setting.permission != ANYONE and setting.permission not in PERMISSIONS:
        raise ValueError(
            f"setting {setting.key!r} must say who may change it: a permission of "
            f"receptionist.roles or ANYONE, not {setting.permission!r}"
        )
    if setting.scope != "secret":
        setting.check(setting.default)
    _REGISTRY[setting.key] = setting
    return setting


def all_settings() -> Iterator[Setting]:
    """Every declared setting, by key."""
    return iter(sorted(_REGISTRY.values(), key=lambda s: s.key))


def declared() -> Iterator[Setting]:
    """Every declared setting, in the order declared (the order a page shows them)."""
    return iter(list(_REGISTRY.values()))


def setting(key: str) -> Setting:
    """The setting called ``key``, or NotFound that suggests the nearest key."""
    found = _REGISTRY.get(key.strip().lower())
    if found is not None:
        return found
    near = difflib.get_close_matches(key.strip().lower(), list(_REGISTRY), n=1)
    if near:
        raise NotFound(
            Text(
                QT_TRANSLATE_NOOP("core", "There is no setting called {key}; did you mean {near}?"),
                key=key,
                near=near[0],
            )
        )
    raise NotFound(
        Text(
            QT_TRANSLATE_NOOP(
                "core", "There is no setting called {key}; `settings list` shows them all."
            ),
            key=key,
        )
    )


def may_change(setting: Setting, role: str) -> bool:
    """Whether ``role`` may change ``setting`` (the one rule; a ``managed`` setting is
    the app's own, changed by no one by hand: ``ops.settings`` refuses it apart)."""
    return setting.permission == ANYONE or can(role, setting.permission)


# The sentence of a refusal, by who may change the setting.
_ONLY: dict[frozenset[str], str] = {
    frozenset({"admin"}): QT_TRANSLATE_NOOP("core", 'Only an administrator can change "{label}".'),
    frozenset({"admin", "manager"}): QT_TRANSLATE_NOOP(
        "core", 'Only a manager or an administrator can change "{label}".'
    ),
}
_ONLY_ROLES = QT_TRANSLATE_NOOP("core", 'Only these roles can change "{label}": {roles}.')


def refusal(setting: Setting) -> Text:
    """Why a role that may not change ``setting`` is refused, naming who may."""
    allowed = frozenset(r for r in ROLES if may_change(setting, r))
    said = _ONLY.get(allowed)
    if said is not None:
        return Text(said, label=setting.label)
    roles = ", ".join(r for r in ROLES if r in allowed)
    return Text(_ONLY_ROLES, label=setting.label, roles=roles)


# Where the Settings dialog shows a setting: its page (by scope; the channels' secrets
# are on the Clinic page beside their channel) and its section (by group). The dialog
# titles its sections from here, so a sentence that points at a setting (``where``)
# names it as the dialog shows it, never by its key.
_PAGES: dict[str, str] = {
    "clinic": QT_TRANSLATE_NOOP("core", "Clinic"),
    "pc": QT_TRANSLATE_NOOP("core", "This PC"),
    "secret": QT_TRANSLATE_NOOP("core", "Clinic"),
}
_SECTIONS: dict[str, str] = {
    "clinic": QT_TRANSLATE_NOOP("core", "The clinic"),
    "schedule": QT_TRANSLATE_NOOP("core", "Schedule"),
    "desk": QT_TRANSLATE_NOOP("core", "Front desk"),
    "backup": QT_TRANSLATE_NOOP("core", "Backups"),
    "retention": QT_TRANSLATE_NOOP("core", "Retention"),
    "channels": QT_TRANSLATE_NOOP("core", "Message channels"),
    "google": QT_TRANSLATE_NOOP("core", "Google Calendar"),
    "reminders": QT_TRANSLATE_NOOP("core", "Reminders"),
    "cloud": QT_TRANSLATE_NOOP("core", "Cloud sync"),
}
_SECTION_PLACE = QT_TRANSLATE_NOOP("core", "Settings > {page} > {section}")
_WHERE = QT_TRANSLATE_NOOP("core", "Settings > {page} > {section}: {label}")


def section_title(group: str) -> str:
    """The title of ``group``'s section in the Settings dialog (a Text; a group not
    listed: its name, capitalised)."""
    said = _SECTIONS.get(group)
    return Text(said) if said is not None else group.capitalize()


def section(setting: Setting) -> Text:
    """Where ``setting``'s section is: "Settings > Clinic > Reminders"."""
    page = Text(_PAGES[setting.scope])
    return Text(_SECTION_PLACE, page=page, section=section_title(setting.group))


def where(setting: Setting) -> Text:
    """Where ``setting`` is, as the dialog labels it: "Settings > Clinic > Reminders:
    Late limit" (what a sentence for people names, not its key)."""
    page = Text(_PAGES[setting.scope])
    return Text(_WHERE, page=page, section=section_title(setting.group), label=setting.label)
