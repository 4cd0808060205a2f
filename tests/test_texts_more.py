"""The patient, document, waitlist and staff services raise translatable messages.

Each message is a ``receptionist.texts.Text`` whose ``str()`` is the English sentence the
CLI and the tests have always seen, and whose template is marked for the "core"
translation context. A scan of the source keeps plain strings from coming back.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from factories import actor_ctx, add_clinic, make_patient, make_service

from receptionist import errors
from receptionist.clock import FixedClock
from receptionist.context import Ctx, require
from receptionist.errors import (
    DuplicatePatient,
    NotFound,
    PermissionDenied,
    ReceptionistError,
    UnlockError,
    ValidationError,
)
from receptionist.patients import commlog, documents, phones, search
from receptionist.patients import record as patients
from receptionist.privacy import consents
from receptionist.schedule import today, waitlist
from receptionist.staff import accounts as staff
from receptionist.staff import admin as staffadmin
from receptionist.store.storage import Database
from receptionist.texts import CONTEXT, Text, message

CORE = Path(__file__).resolve().parent.parent / "receptionist"
MODULES = (
    "patients.record",
    "patients.documents",
    "patients.commlog",
    "privacy.consents",
    "patients.duplicates",
    "patients.phones",
    "patients.search",
    "journal.records",
    "journal.audit",
    "journal.anchor",
    "journal.coverage",
    "schedule.waitlist",
    "schedule.today",
    "staff.accounts",
    "staff.admin",
    "roles",
    "context",
)
ERROR_CLASSES = frozenset(
    name
    for name, cls in vars(errors).items()
    if inspect.isclass(cls) and issubclass(cls, ReceptionistError)
)
# Where the message is among a call's arguments: (position, keyword).
MESSAGE_ARG = {"ValidationError": (1, "message"), "require": (2, "message"), "live": (3, "missing")}


def marked_templates() -> set[str]:
    """Every template written as ``QT_TRANSLATE_NOOP("core", "...")`` in the core."""
    found: set[str] = set()
    for path in CORE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "QT_TRANSLATE_NOOP"
                and len(node.args) == 2
                and all(isinstance(a, ast.Constant) for a in node.args)
                and node.args[0].value == CONTEXT  # type: ignore[attr-defined]
            ):
                found.add(node.args[1].value)  # type: ignore[attr-defined]
    return found


TEMPLATES = marked_templates()


def check_text(exc: BaseException, english: str) -> Text:
    """The message ``exc`` carries: a marked ``Text`` reading ``english``."""
    text = message(exc)
    assert isinstance(text, Text), f"{type(exc).__name__} carries a plain str: {text!r}"
    assert str(text) == str(exc) == english
    assert text.template in TEMPLATES, text.template
    for param in text.params.values():
        if isinstance(param, Text):
            assert param.template in TEMPLATES, param.template
    return text


def raised(kind: type[BaseException], english: str, call: Callable[[], object]) -> Text:
    with pytest.raises(kind) as caught:
        call()
    return check_text(caught.value, english)


def test_each_converted_module_imports() -> None:
    for name in MODULES:
        assert importlib.import_module(f"receptionist.{name}").__name__ == f"receptionist.{name}"


@pytest.fixture
def clinic(db: Database, clock: FixedClock) -> Database:
    with db.write() as s:
        add_clinic(s, clock.now())
        make_patient(s, clock.now(), 1, id="p1", phone="+905321234567")
    return db


def test_patient_messages_are_texts(clinic: Database, ctx: Ctx, clock: FixedClock) -> None:
    provider = actor_ctx("provider", clock)
    with clinic.write() as s:
        raised(
            PermissionDenied,
            "Your role may not change patient records; ask a manager.",
            lambda: patients.create_patient(s, provider, given_name="A", family_name="B"),
        )
        text = raised(
            ValidationError,
            "The birth date is optional data; record the patient's consent to keep optional"
            " data first.",
            lambda: patients.create_patient(
                s, ctx, given_name="A", family_name="B", birth_date="1990-01-01"
            ),
        )
        assert text.template.startswith("The {field} is optional data")
        assert isinstance(text.params["field"], Text)
        raised(
            NotFound,
            "No patient has this number; check it or search by name.",
            lambda: patients.open_by_number(s, ctx, "Z-999"),
        )
        raised(
            NotFound,
            "That patient is not on file; search for them again.",
            lambda: patients.open_patient(s, ctx, "nobody"),
        )
        raised(
            DuplicatePatient,
            "A similar patient is already on file (same phone, national ID, or name and "
            "birth date); open that record, or confirm to add this one anyway.",
            lambda: patients.create_patient(
                s, ctx, given_name="C", family_name="D", phone="0532 123 45 67"
            ),
        )
        example = phones.example_for("TR")
        text = raised(
            ValidationError,
            f"The phone number is not valid for TR; include the area code, e.g. {example}.",
            lambda: patients.create_patient(s, ctx, given_name="C", family_name="D", phone="12"),
        )
        assert text.params["region"] == "TR"
        raised(
            ValidationError,
            "The consent purpose must be one of reminder_sms, reminder_whatsapp, "
            "reminder_email, marketing, optional_data.",
            lambda: consents.record_consent(s, ctx, "p1", "spam", True),
        )


def test_document_and_commlog_messages_are_texts(clinic: Database, ctx: Ctx) -> None:
    with clinic.write() as s:
        raised(
            ValidationError,
            "The file is empty; choose another file.",
            lambda: documents.attach(s, ctx, "p1", "scan.pdf", b""),
        )
        text = raised(
            ValidationError,
            "The file name is over 255 characters; shorten it.",
            lambda: documents.attach(s, ctx, "p1", "x" * 300, b"data"),
        )
        assert text.params == {"limit": 255}
        raised(
            NotFound,
            "That document is no longer on file; reopen the patient.",
            lambda: documents.read_content(s, ctx, "gone"),
        )
        raised(
            NotFound,
            "That patient is not on file any more.",
            lambda: documents.attach(s, ctx, "nobody", "scan.pdf", b"data"),
        )
        too_big = documents.too_big_message()
        assert isinstance(too_big, Text) and too_big.template in TEMPLATES
        text = raised(
            ValidationError,
            "Choose the channel from: phone, sms, email, whatsapp, in_person, letter, other.",
            lambda: commlog.add(s, ctx, "p1", channel="fax", direction="in", summary="x"),
        )
        assert isinstance(text.params["field"], Text)
        raised(
            ValidationError,
            "Write a short summary of the call or message.",
            lambda: commlog.add(s, ctx, "p1", channel="sms", direction="in", summary=" "),
        )


def test_waitlist_search_and_today_messages_are_texts(
    clinic: Database, ctx: Ctx, clock: FixedClock
) -> None:
    nobody = actor_ctx("nobody", clock)  # a role with no permission at all
    with clinic.write() as s:
        service = make_service(s, ctx, "Check-up", 30).id
        text = raised(
            ValidationError,
            "Choose times of day from: morning, afternoon, evening.",
            lambda: waitlist.add(
                s, ctx, patient_id="p1", service_id=service, times_of_day=["night"]
            ),
        )
        assert isinstance(text.params["field"], Text)
        raised(
            NotFound,
            "That service no longer exists.",
            lambda: waitlist.add(s, ctx, patient_id="p1", service_id="gone"),
        )
        raised(NotFound, "That waitlist entry is gone.", lambda: waitlist.remove(s, ctx, "gone"))
        raised(
            PermissionDenied,
            "Your role cannot see the waitlist.",
            lambda: waitlist.list_entries(s, nobody),
        )
        raised(
            PermissionDenied,
            "Your role may not look up patients; ask a manager.",
            lambda: search.search_patients(s, nobody, "ali"),
        )
        raised(
            PermissionDenied,
            "Your role cannot see the day's appointments.",
            lambda: today.load_day(s, nobody),
        )


def test_staff_messages_are_texts(db: Database, ctx: Ctx, clock: FixedClock) -> None:
    with db.write() as s:
        boss = staff.create_user(s, ctx, username="boss", password="boss-pass-1", role="admin")
        text = raised(
            ValidationError,
            "The user name 'boss' is taken; pick another.",
            lambda: staff.create_user(s, ctx, username="Boss", password="x" * 10, role="admin"),
        )
        assert text.params == {"username": "boss"}
        raised(
            ValidationError,
            "The role must be one of: admin, manager, receptionist, provider.",
            lambda: staff.create_user(s, ctx, username="zed", password="x" * 10, role="king"),
        )
        raised(
            UnlockError,
            "The user name or password is not correct.",
            lambda: staff.authenticate(s, ctx, "boss", "wrong-password"),
        )
        raised(
            ValidationError,
            "A password needs at least 8 characters.",
            lambda: staffadmin.reset_password(s, ctx, boss.id, "short"),
        )
        raised(
            PermissionDenied,
            "Only an administrator can change staff accounts.",
            lambda: staffadmin.list_users(s, actor_ctx("manager", clock)),
        )


def test_require_passes_a_text_through_unchanged(ctx: Ctx, clock: FixedClock) -> None:
    text = Text("Your role cannot see appointments.")
    require(ctx, "patient.read", text)  # allowed: nothing raised
    with pytest.raises(PermissionDenied) as caught:
        require(actor_ctx("nobody", clock), "patient.read", text)
    assert message(caught.value) is text


# -- no plain strings come back -------------------------------------------------------


def _callee(call: ast.Call) -> str | None:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)


def _is_plain_string(node: ast.AST) -> bool:
    """A str literal, an f-string, or text built from them (+, %, .format)."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return _is_plain_string(node.left) or _is_plain_string(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr in ("format", "join") and _is_plain_string(node.func.value)
    if isinstance(node, ast.IfExp):
        return _is_plain_string(node.body) or _is_plain_string(node.orelse)
    return False


def _message_arg(call: ast.Call) -> ast.expr | None:
    name = _callee(call)
    position, keyword = MESSAGE_ARG.get(name or "", (0, "message"))
    for kw in call.keywords:
        if kw.arg == keyword:
            return kw.value
    return call.args[position] if len(call.args) > position else None


def plain_messages(source: str) -> Iterator[int]:
    """Lines where an error of ours, ``require`` or ``records.live`` gets a plain string
    as its message, directly or through a name bound to one, or a function returning
    one, in the same file."""
    tree = ast.parse(source)
    plain_functions = {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef)
        and any(
            isinstance(ret, ast.Return) and ret.value is not None and _is_plain_string(ret.value)
            for ret in ast.walk(node)
        )
    }
    plain_names = {
        target.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign | ast.AnnAssign)
        and node.value is not None
        and _is_plain_string(node.value)
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(target, ast.Name)
    }
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _callee(node)
        if name not in ERROR_CLASSES and name not in ("require", "live"):
            continue
        arg = _message_arg(node)
        if arg is None:
            continue
        if (
            _is_plain_string(arg)
            or (isinstance(arg, ast.Name) and arg.id in plain_names)
            or (isinstance(arg, ast.Call) and _callee(arg) in plain_functions)
        ):
            yield node.lineno


def test_the_scan_catches_plain_messages() -> None:
    bad = """
m = "Gone."
raise NotFound("No such thing.")
raise ValidationError("f", f"The {f} is wrong.")
require(ctx, "patient.read", "You may not.")
raise PermissionDenied(m)
records.live(session, Patient, pid, "That patient is gone.")
raise errors.UserError("a " + b)
raise ConflictError("Clash at {}.".format(t), [])
def too_big() -> str:
    return f"Over {LIMIT} MB."
raise ValidationError("content", too_big())
"""
    assert list(plain_messages(bad)) == [3, 4, 5, 6, 7, 8, 9, 12]
    good = """
GONE = Text(QT_TRANSLATE_NOOP("core", "Gone."))
raise NotFound(GONE)
raise ValidationError("field", Text(QT_TRANSLATE_NOOP("core", "The {f} is wrong."), f=x))
require(ctx, "patient.read", too_big_message())
records.live(session, Patient, pid, GONE)
raise KeyError(f"unknown permission {p!r}")
"""
    assert list(plain_messages(good)) == []


@pytest.mark.parametrize("name", MODULES)
def test_no_plain_string_messages_in(name: str) -> None:
    path = CORE / (name.replace(".", "/") + ".py")
    lines = list(plain_messages(path.read_text("utf-8")))
    assert lines == [], f"{path.name}: plain-string messages on lines {lines}; use Text"


def core_files_outside_the_cli() -> list[Path]:
    return sorted(p for p in CORE.rglob("*.py") if "cli" not in p.relative_to(CORE).parts)


def test_no_plain_string_messages_anywhere_in_the_core() -> None:
    """Every message of the core (the CLI aside: it speaks English to an IT person) is
    a Text, so the app can translate it."""
    found = {
        str(p.relative_to(CORE)): lines
        for p in core_files_outside_the_cli()
        if (lines := list(plain_messages(p.read_text("utf-8"))))
    }
    assert found == {}
