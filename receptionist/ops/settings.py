"""Operations on settings: list every one, read one, change one, of every scope.

Each setting is declared once in the registry (``receptionist.settings``) by the room
that owns it; importing those rooms here makes the registry complete for every front
end. A value is given as a value (the app's editors) or as typed text (the command
line), which the setting's kind parses. A refused value raises ValidationError naming
the setting's key, and nothing is written.

Scopes: ``clinic`` settings are rows of the encrypted database (audited, synced
later); ``pc`` settings are this PC's preferences file; ``secret`` settings go to the
OS keychain and are never read back: an entry says only whether one is set. A
``managed`` setting is kept by the app itself (the Google station's shared state): it
is listed, read-only, left off the pages, and refused here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from receptionist.context import Ctx
from receptionist.errors import NotFound, PermissionDenied, ValidationError
from receptionist.freetext import has_controls
from receptionist.reminders import channelsettings, halt, overrides
from receptionist.reminders import settings as reminder_settings
from receptionist.retention import policy as retention
from receptionist.retention import review
from receptionist.schedule import agenda, clinicsettings
from receptionist.schedule.agenda import ClinicInfo
from receptionist.schedule.clinic import clinic_id
from receptionist.settings import (
    backups,
    clinic,
    clinicstore,
    cloud,
    desk,
    google,
    pcstore,
    registry,
    secretstore,
)
from receptionist.settings.kinds import Kind, Words
from receptionist.settings.registry import Scope, Setting
from receptionist.store.storage import Database
from receptionist.texts import QT_TRANSLATE_NOOP, Text, message

__all__ = [
    "ClinicInfo",
    "Entry",
    "clinic_info",
    "declared",
    "entries",
    "get",
    "preference",
    "set_many",
    "set_preference",
    "set_text",
    "set_value",
]

# Every module that declares settings: once they are imported, the registry is complete.
DECLARING = (
    clinic, clinicsettings, desk, backups, cloud, google, reminder_settings, channelsettings,
    retention, overrides,
)  # fmt: skip

IS_SET = Text(QT_TRANSLATE_NOOP("core", "set"))
NOT_SET = Text(QT_TRANSLATE_NOOP("core", "not set"))
# A secret the keychain refused to read (locked, not answering): it may be there.
UNREADABLE = Text(
    QT_TRANSLATE_NOOP("core", "not known: this PC's keychain is locked or not available")
)
MANAGED = QT_TRANSLATE_NOOP(
    "core", "{key} is kept by Receptionist itself and cannot be changed by hand."
)
KEPT_REFUSED = QT_TRANSLATE_NOOP(
    "core",
    "Saved before this check, and kept as saved until it is fixed: {said} Type a right "
    "value and save.",
)
NO_CLINIC = Text(
    QT_TRANSLATE_NOOP("core", "The clinic has not been set up yet; secrets belong to a clinic.")
)


@dataclass(frozen=True)
class Entry:
    """One setting as a front end shows it: what it is and the value it has now.

    A secret's ``value`` and ``default`` are always None; ``is_set`` says whether it
    has one. For the others ``is_set`` says whether a value was stored (else the value
    is the default). ``text`` is the value as typed on a command line (the kind's
    ``show``); ``editable`` says whether the acting user may change it."""

    key: str
    scope: Scope
    type: str
    value: object
    default: object
    label: str
    help: str
    text: str
    is_set: bool
    editable: bool
    kind: Kind = field(compare=False, repr=False)
    # Why the value stored is refused by the setting's check now (saved before it grew
    # stricter): then ``value`` is that text as stored, shown to be fixed, not the
    # default it reads as (``clinicstore.refused``). None: the value passes.
    refused: str | None = None
    # A secret this PC's keychain refused to read (locked, not answering): ``is_set`` is
    # False, yet it may be there (``secretstore.held``).
    unreadable: bool = False

    @property
    def group(self) -> str:
        return self.key.split(".", 1)[0]


def declared(scope: Scope | None = None) -> list[Setting]:
    """The settings (of ``scope``) as declared: what a front end builds its pages from,
    in the order their rooms declared them; the ones the app keeps itself, and those
    edited on a page of their own (``Setting.elsewhere``), left out."""
    return [
        s
        for s in registry.declared()
        if (scope is None or s.scope == scope) and not s.managed and not s.elsewhere
    ]


def clinic_info(db: Database) -> ClinicInfo:
    """The clinic's name, zone, slot size and waiting alert, as the desk keeps them."""
    with db.read() as s:
        return agenda.clinic_info(s)


def entries(db: Database, ctx: Ctx, scope: Scope | None = None) -> list[Entry]:
    """Every setting (or those of ``scope``), by key."""
    chosen = [s for s in registry.all_settings() if scope is None or s.scope == scope]
    with db.read() as s:
        return _entries(s, ctx, chosen)


def get(db: Database, ctx: Ctx, key: str) -> Entry:
    """The setting called ``key`` (NotFound suggests the nearest key)."""
    setting = registry.setting(key)
    with db.read() as s:
        return _entries(s, ctx, [setting])[0]


def preference(key: str) -> object:
    """A ``pc`` setting's value, read with no clinic open (the app's start)."""
    setting = registry.setting(key)
    if setting.scope != "pc":
        raise ValueError(f"{key} is not a setting of this PC")
    return pcstore.value(setting)


def set_preference(key: str, value: object) -> object:
    """Change a ``pc`` setting with no clinic open (a panel the desk opened or closed);
    the value as stored. A refused value raises ValidationError naming ``key``. Only
    one anyone may change (``registry.ANYONE``): the others need a signed-in user's
    permission (:func:`set_value`)."""
    setting = registry.setting(key)
    if setting.scope != "pc":
        raise ValueError(f"{key} is not a setting of this PC")
    if setting.permission != registry.ANYONE:
        raise ValueError(f"{key} is changed by a signed-in user who may: use set_value")
    checked = _named(setting, lambda: setting.check(value))
    setting.kind.vet(checked, setting.key, setting.label)
    return pcstore.write(setting, checked)


def note_on(key: str, value: object) -> str:
    """What a person is told about ``key``'s value just set, beyond that it is set (a
    backup folder that does not exist yet: whether it will be made); "" for nothing."""
    setting = registry.setting(key)
    try:
        return setting.kind.vet(value, setting.key, setting.label)
    except ValidationError:
        return ""  # refused since: its next setting says so


def set_text(db: Database, ctx: Ctx, key: str, text: str) -> Entry:
    """Change a setting to what ``text`` says, as the setting's kind reads it ("30",
    "true", "mon-fri 09:00-17:00"); a secret's text is the secret ("" forgets it)."""
    setting = registry.setting(key)
    if setting.scope == "secret" or setting.in_region is not None:
        return set_value(db, ctx, key, text)  # a number: read in the region, then checked
    return set_value(db, ctx, key, _named(setting, lambda: setting.parse(text)))


def set_value(db: Database, ctx: Ctx, key: str, value: object) -> Entry:
    """Change one setting; a value the setting refuses raises ValidationError."""
    return set_many(db, ctx, {key: value})[0]


def set_many(db: Database, ctx: Ctx, values: Mapping[str, object]) -> list[Entry]:
    """Change several settings at once: every value is checked (and the permission to
    change it) before any is written, so a refusal writes nothing."""
    chosen = [(registry.setting(key), value) for key, value in values.items()]
    region = _region(db, chosen) if any(s.in_region for s, _ in chosen) else ""
    checked = [(s, _check(ctx, s, value, region)) for s, value in chosen]
    with db.write() as session:
        policy = review.policy_rows(session)
        for setting, value in checked:
            if setting.scope == "clinic":
                clinicstore.write(session, ctx, setting, value)
            elif setting.scope == "secret":
                secretstore.write(session, ctx, _namespace(session), setting, str(value))
        review.changed(session, ctx, policy)  # a new retention policy: a person first
        _resume_channels(session, ctx, {s.key for s, _ in checked})
        # This PC's file last: once the database's part is sure to commit.
        for setting, value in checked:  # a value left as it was is not pinned
            if setting.scope == "pc" and value != pcstore.value(setting):
                pcstore.write(setting, value)
        return _entries(session, ctx, [s for s, _ in checked])


def _resume_channels(session: Session, ctx: Ctx, keys: set[str]) -> None:
    """A channel whose settings were saved again may send again (``reminders.halt``)."""
    saved = [name for name, own in channelsettings.BY_CHANNEL.items() if own & keys]
    halt.resume(session, saved, ctx.clock.now())


def _region(db: Database, chosen: Iterable[tuple[Setting, object]]) -> str:
    """The clinic's phone region a number typed now is read in: the one saved with it
    (the same save), else the one stored; "" when the one typed is refused itself."""
    for setting, value in chosen:
        if setting.key == clinic.PHONE_REGION.key:
            try:
                return str(setting.check(value))
            except ValidationError:
                return ""  # its own check refuses it, naming it
    with db.read() as session:
        return str(clinicstore.value(session, clinic.PHONE_REGION))


def _check(ctx: Ctx, setting: Setting, value: object, region: str = "") -> object:
    if setting.managed:
        raise ValidationError(setting.key, Text(MANAGED, key=setting.key))
    if not registry.may_change(setting, ctx.actor.role):
        raise PermissionDenied(registry.refusal(setting))
    typed = value.strip() if isinstance(value, str) else ""
    if setting.in_region is not None and typed and region and not has_controls(typed):
        read = setting.in_region
        value = _named(setting, lambda: read(typed, setting.key, setting.label, region))
    if setting.scope != "secret":
        checked = _named(setting, lambda: setting.check(value))
        setting.kind.vet(checked, setting.key, setting.label)
        return checked
    if not isinstance(value, str):
        raise ValidationError(
            setting.key,
            Text(QT_TRANSLATE_NOOP("core", "{label} must be text."), label=setting.label),
        )
    return _named(setting, lambda: setting.check(value)) if value else ""


def _named(setting: Setting, check: Callable[[], object]) -> object:
    """``check()``, with a refusal naming the setting's key (the field a front end
    shows it by), whatever field the rule below it named."""
    try:
        return check()
    except ValidationError as exc:
        if exc.field == setting.key:
            raise
        raise ValidationError(setting.key, message(exc)) from None


def _entries(session: Session, ctx: Ctx, settings: Iterable[Setting]) -> list[Entry]:
    chosen = list(settings)
    clinic = {s.key: s for s in chosen if s.scope == "clinic"}
    found = clinicstore.stored(session) if clinic else {}
    values = clinicstore.values(session, clinic) if clinic else {}
    refused = clinicstore.refused(session, clinic) if clinic else {}
    pc = pcstore.stored() if any(s.scope == "pc" for s in chosen) else {}
    namespace = clinic_id(session) if any(s.scope == "secret" for s in chosen) else None
    made = []
    for setting in chosen:
        if setting.scope == "clinic" and _kept_as_text(setting, refused):
            kept, why = refused[setting.key]
            made.append(_entry(ctx, setting, kept, True, Text(KEPT_REFUSED, said=why)))
        elif setting.scope == "clinic":
            made.append(_entry(ctx, setting, values[setting.key], setting.key in found))
        elif setting.scope == "pc":
            made.append(_entry(ctx, setting, pcstore.value(setting), setting.key in pc))
        else:
            held = secretstore.held(session, namespace, setting) if namespace else "none"
            made.append(_entry(ctx, setting, None, held == "kept", locked=held == "locked"))
    return made


def _kept_as_text(setting: Setting, refused: Mapping[str, tuple[object, str]]) -> bool:
    """A line of text its check refuses now: shown as stored, to be fixed (a number or
    a choice out of range shows its default, which its editor can hold)."""
    kept = refused.get(setting.key)
    return kept is not None and isinstance(kept[0], str) and isinstance(setting.kind, Words)


def _entry(
    ctx: Ctx,
    setting: Setting,
    value: object,
    is_set: bool,
    refused: str | None = None,
    locked: bool = False,
) -> Entry:
    secret = setting.scope == "secret"
    said = UNREADABLE if locked else IS_SET if is_set else NOT_SET
    return Entry(
        key=setting.key,
        scope=setting.scope,
        type=setting.kind.name,
        value=value,
        default=None if secret else setting.default,
        label=setting.label,
        help=setting.help,
        text=said if secret else setting.kind.show(value),
        is_set=is_set,
        editable=not setting.managed and registry.may_change(setting, ctx.actor.role),
        kind=setting.kind,
        refused=refused,
        unreadable=locked,
    )


def _namespace(session: Session) -> str:
    """Secrets are kept under the clinic's id (one PC may hold several clinics)."""
    found = clinic_id(session)
    if found is None:
        raise NotFound(NO_CLINIC)
    return found
