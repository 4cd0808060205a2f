"""Messages that stay English for the CLI and carry what the app needs to translate them."""

from __future__ import annotations

import ast
import copy
import pickle
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path
from xml.etree import ElementTree

import pytest

from receptionist.errors import NotFound, ValidationError
from receptionist.patients import validation
from receptionist.schedule import drafts, fieldrules
from receptionist.texts import QT_TRANSLATE_NOOP, Text, message

CORE = Path(__file__).resolve().parent.parent / "receptionist"


def test_str_of_a_text_is_the_english_sentence_with_its_params() -> None:
    label = Text(QT_TRANSLATE_NOOP("core", "given name"))
    text = Text(
        QT_TRANSLATE_NOOP("core", "The {field} is longer than {limit} characters."),
        field=label,
        limit=200,
    )
    assert str(text) == "The given name is longer than 200 characters."
    assert type(str(text)) is str
    assert text == "The given name is longer than 200 characters."
    assert text.template == "The {field} is longer than {limit} characters."
    assert dict(text.params) == {"field": "given name", "limit": 200}
    assert isinstance(text.params["field"], Text)
    assert text.params["field"].template == "given name"
    assert str(ValidationError("given_name", text)) == str(text)


def test_a_template_and_its_params_must_match() -> None:
    with pytest.raises(ValueError):
        Text("The {field} is required.")
    with pytest.raises(ValueError):
        Text("Nothing to fill in.", field="x")
    with pytest.raises(ValueError):
        Text("A positional {} field.")
    assert str(Text("Braces {{like this}} stay.")) == "Braces {like this} stay."


def test_a_text_survives_pickling_and_copying() -> None:
    text = Text("The {field} is {n}.", field=Text("birth date"), n=3)
    for again in (pickle.loads(pickle.dumps(text)), copy.deepcopy(text), copy.copy(text)):
        assert isinstance(again, Text) and again == text
        assert again.template == text.template
        assert isinstance(again.params["field"], Text) and again.params["n"] == 3


def test_message_gives_back_the_text_an_error_was_raised_with() -> None:
    text = Text("The {field} is required; enter it.", field=Text("family name"))
    kept = message(ValidationError("family_name", text))
    assert isinstance(kept, Text) and kept.template == text.template
    plain = message(NotFound("No such thing."))
    assert plain == "No such thing." and not isinstance(plain, Text)


def raised(fn: object, *args: object) -> Text:
    with pytest.raises(ValidationError) as caught:
        fn(*args)  # type: ignore[operator]
    text = caught.value.args[0]
    assert isinstance(text, Text)
    return text


def test_the_converted_checks_raise_texts_with_the_same_english() -> None:
    required = raised(validation.name, "given_name", "  ")
    assert str(required) == "The given name is required; enter it."
    assert required.template == "The {field} is required; enter it."
    assert required.params["field"].template == "given name"  # type: ignore[attr-defined]

    email = raised(validation.email, "nobody")
    assert str(email) == "The e-mail address is not valid; write it as name@example.com."

    long_id = raised(validation.national_id, "A" * 40, "GB")
    assert str(long_id) == "The national ID must be up to 32 letters and digits; check it."

    birth = raised(validation.birth_date, "2999-01-01", date(2026, 1, 1))
    assert str(birth) == "The birth date is in the future; check the year."

    whole = raised(fieldrules.whole("duration_minutes", 1, 720), 0)
    assert str(whole) == "The duration in minutes must be a whole number from 1 to 720."
    assert whole.params["field"].template == "duration in minutes"  # type: ignore[attr-defined]

    code = raised(fieldrules.code("currency", 3), "TL")
    assert str(code) == "The currency is a 3-letter code, like 'TR'."

    notes = raised(drafts.clean_notes, "a\x00b")
    assert str(notes) == "The notes must be plain text without NUL characters."


def marker_calls(tree: ast.AST) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (getattr(node.func, "id", None) or getattr(node.func, "attr", None))
        == "QT_TRANSLATE_NOOP"
    ]


def core_templates() -> set[str]:
    """Every template marked in the core, read from the source as pyside6-lupdate reads it."""
    found: set[str] = set()
    for path in sorted(CORE.rglob("*.py")):
        if path.name == "texts.py":
            continue
        for call in marker_calls(ast.parse(path.read_text("utf-8"))):
            where = f"{path.name}:{call.lineno}"
            assert not call.keywords and len(call.args) == 2, f"{where}: lupdate needs 2 args"
            context, source = call.args
            assert isinstance(context, ast.Constant) and context.value == "core", where
            assert isinstance(source, ast.Constant) and isinstance(source.value, str), where
            found.add(source.value)
    return found


def test_every_literal_template_in_the_core_is_marked() -> None:
    """``Text("...")`` or ``Text(f"...")`` would never reach a translator: a literal
    template must be written inside ``QT_TRANSLATE_NOOP("core", ...)``."""
    for path in sorted(CORE.rglob("*.py")):
        if path.name == "texts.py":
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Text":
                first = node.args[0] if node.args else None
                where = f"{path.name}:{node.lineno}"
                assert not isinstance(first, ast.Constant | ast.JoinedStr | ast.BinOp), where
                if isinstance(first, ast.Call):
                    assert marker_calls(first) == [first], where
    assert "The {field} is required; enter it." in core_templates()


def qt_tool(name: str) -> Path | None:
    """A PySide6 tool from this venv (beside the interpreter) or from PATH."""
    folder = Path(sys.executable).parent
    for candidate in (folder / name, folder / f"{name}.exe"):
        if candidate.is_file():
            return candidate
    found = shutil.which(name)
    return Path(found) if found else None


def lupdate_sources(tmp_path: Path) -> dict[str, set[str]]:
    """Run pyside6-lupdate over the core; the source texts it found, by context."""
    tool = qt_tool("pyside6-lupdate")
    if tool is None:
        pytest.skip("pyside6-lupdate is not installed")
    ts = tmp_path / "core.ts"
    files = [str(p) for p in sorted(CORE.rglob("*.py"))]
    subprocess.run(
        [str(tool), *files, "-ts", str(ts)], check=True, capture_output=True, timeout=120
    )
    found: dict[str, set[str]] = {}
    for context in ElementTree.parse(ts).getroot().iter("context"):
        name = context.findtext("name") or ""
        found.setdefault(name, set()).update(
            m.findtext("source") or "" for m in context.iter("message")
        )
    return found


@pytest.mark.slow
def test_pyside6_lupdate_extracts_every_core_template_into_the_core_context(
    tmp_path: Path,
) -> None:
    found = lupdate_sources(tmp_path)
    assert set(found) == {"core"}
    assert found["core"] == core_templates()
    assert {
        "The {field} is required; enter it.",
        "given name",
        "The {field} must be a whole number from {low} to {high}.",
        "This {kind} is inactive; choose an active {kind}.",
        "The national ID is not a valid T.C. Kimlik No; check its 11 digits.",
    } <= found["core"]
