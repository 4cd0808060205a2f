"""Property: no input a person can give the CLI ends in exit 1 ("something unexpected").

Arbitrary JSON documents go to ``patient add --from-json``; arbitrary strings go to the
options and arguments of every command that takes a value. Each run must end in 0
(done) or 2 (bad input, named), or 3 for the few commands that can meet a lock - never
in 1, which is a bug. One clinic serves the whole module; each example is one command.
Strings include what a terminal can send but Python cannot decode (lone surrogates,
as ``os.fsdecode`` gives bytes that are not UTF-8); NUL is left out (argv cannot hold it).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from cliclinic import shared_clinic, use_clinic
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from receptionist.cli.main import main

pytestmark = pytest.mark.slow

PROPS = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# What a command line can carry: any character but NUL, and bytes that are not UTF-8
# (which Python reads as \udc80-\udcff; no other lone surrogate can come from argv or the
# environment, and the environment cannot even hold one: `setenv` would fail).
CHARS = st.characters(blacklist_characters="\x00", blacklist_categories=["Cs"]) | st.sampled_from(
    ["\udcff", "\udc80", "\x1b", "\u202e", "\r", "\n", "-", "/"]
)
# A third of the time text without those, so that valid values (and their output) come
# too; a third with them anywhere; a third ending in a byte that is not UTF-8.
CLEAN = st.text(st.characters(blacklist_categories=["Cc", "Cs"]), max_size=40)
TEXT = st.one_of(CLEAN, st.text(CHARS, max_size=40), CLEAN.map(lambda text: text + "\udcff"))


def plausible(*valid: str) -> st.SearchStrategy[str]:
    """One of ``valid`` two times in three, else any text."""
    return st.one_of(st.sampled_from(valid), st.sampled_from(valid), TEXT)


# Values that look like what the option wants, much of the time.
NUMBER = st.one_of(st.integers(-3, 60).map(str), st.integers(-(10**9), 10**9).map(str), TEXT)
SOON = st.datetimes(datetime(2030, 1, 1), datetime(2031, 12, 31))
WHEN = st.one_of(
    SOON.map(lambda d: d.isoformat(timespec="minutes")),
    SOON.map(lambda d: d.isoformat(timespec="minutes")),
    st.datetimes().map(lambda d: d.isoformat(timespec="minutes")),
    TEXT,
)
DAY = st.one_of(SOON.map(lambda d: d.date().isoformat()), st.dates().map(str), TEXT)
KEY = plausible("A-1", "a-1", "A-99", "abcdef", "00000000-0000")
ZONE = plausible("Europe/Istanbul", "UTC", "Europe", "America", "right", "")

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(CHARS, max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)
FIELDS = ("phone", "email", "national_id", "birth_date", "gender", "address",
          "preferred_language", "preferred_channel", "notes", "consents")  # fmt: skip
# A patient's object: names that often pass, and any of the other fields holding anything.
PATIENT_JSON = st.fixed_dictionaries(
    {"given_name": plausible("Deniz") | JSON, "family_name": plausible("Kaya") | JSON},
    optional={
        **{field: JSON | TEXT for field in FIELDS},
        "consents": st.lists(plausible("sms", "email") | JSON, max_size=3) | JSON,
    },
)


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with shared_clinic(tmp_path_factory.mktemp("props") / "clinic") as root:
        yield root


@pytest.fixture
def clinic(shared: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    use_clinic(monkeypatch, shared)
    return shared


def ends_well(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    code = main(argv)
    err = capsys.readouterr().err
    assert code in (0, 2), (argv, code, err)
    assert "unexpected" not in err


def options(pairs: dict[str, str | None]) -> list[str]:
    """``--name value`` for each value given (None leaves the option out)."""
    return [word for name, value in pairs.items() if value is not None for word in (name, value)]


def maybe(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[str | None]:
    return st.none() | strategy


# -- JSON ------------------------------------------------------------------------------------

_files = itertools.count()


@PROPS
@given(document=JSON)
def test_any_json_document(
    clinic: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path, document: object
) -> None:
    source = tmp_path / f"{next(_files)}.json"
    source.write_text(json.dumps(document), "utf-8")  # lone surrogates as \\udcff escapes
    ends_well(capsys, ["patient", "add", "--from-json", str(source)])


@PROPS
@given(document=PATIENT_JSON, as_json=st.booleans())
def test_any_patient_object(
    clinic: Path,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    document: object,
    as_json: bool,
) -> None:
    source = tmp_path / f"{next(_files)}.json"
    source.write_text(json.dumps(document), "utf-8")
    flags = ["--json"] if as_json else []
    ends_well(capsys, [*flags, "patient", "add", "--allow-duplicate", "--from-json", str(source)])


@PROPS
@given(raw=st.binary(max_size=200))
def test_any_bytes_as_json(
    clinic: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path, raw: bytes
) -> None:
    source = tmp_path / f"{next(_files)}.json"
    source.write_bytes(raw)
    ends_well(capsys, ["patient", "add", "--from-json", str(source)])


# -- patients ------------------------------------------------------------------------------


@PROPS
@given(
    fields=st.fixed_dictionaries(
        {"--given-name": TEXT, "--family-name": TEXT},
        optional={
            "--phone": plausible("0532 123 45 67"), "--email": plausible("a@b.com"),
            "--national-id": TEXT, "--birth-date": DAY,
            "--gender": plausible("female"), "--address": TEXT, "--language": plausible("tr"),
            "--notes": TEXT,
        },
    ),
    as_json=st.booleans(),
)  # fmt: skip
def test_patient_add(
    clinic: Path, capsys: pytest.CaptureFixture[str], fields: dict[str, str], as_json: bool
) -> None:
    flags = ["--json"] if as_json else []
    ends_well(capsys, [*flags, "patient", "add", "--allow-duplicate", *options(fields)])


@PROPS
@given(query=TEXT, limit=maybe(NUMBER), key=KEY, user=maybe(TEXT))
def test_patient_search_and_show(
    clinic: Path,
    capsys: pytest.CaptureFixture[str],
    query: str,
    limit: str | None,
    key: str,
    user: str | None,
) -> None:
    ends_well(capsys, ["patient", "search", "--", query, *options({"--limit": limit})])
    ends_well(capsys, [*options({"--user": user}), "patient", "show", "--", key])


# -- the catalogue ---------------------------------------------------------------------------


@PROPS
@given(
    name=TEXT,
    colour=maybe(plausible("#aabbcc")),
    hours=maybe(plausible("mon-fri 09:00-17:00", "sat 10:00-12:00")),
    room=TEXT,
)
def test_provider_and_room_add(
    clinic: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    colour: str | None,
    hours: str | None,
    room: str,
) -> None:
    ends_well(capsys, ["provider", "add", *options({"--colour": colour, "--hours": hours}),
                       "--", name])  # fmt: skip
    ends_well(capsys, ["room", "add", "--", room])


@PROPS
@given(
    name=TEXT,
    fields=st.fixed_dictionaries(
        {"--minutes": plausible("30", "45") | NUMBER},
        optional={
            "--category": TEXT, "--price": plausible("850.00", "0") | NUMBER,
            "--currency": plausible("TRY", "EUR"),
            "--buffer-before": NUMBER, "--buffer-after": NUMBER, "--colour": plausible("#aabbcc"),
        },
    ),
)  # fmt: skip
def test_service_add(
    clinic: Path, capsys: pytest.CaptureFixture[str], name: str, fields: dict[str, str]
) -> None:
    ends_well(capsys, ["service", "add", *options(fields), "--", name])


# -- the schedule --------------------------------------------------------------------------


@PROPS
@given(
    fields=st.fixed_dictionaries(
        {
            "--patient": KEY,
            "--provider": plausible("aksoy", "Dr. Elif Aksoy"),
            "--service": plausible("check", "Check-up"),
            "--start": WHEN,
        },
        optional={"--room": TEXT, "--notes": TEXT, "--override": TEXT},
    )
)
def test_appointment_book(
    clinic: Path, capsys: pytest.CaptureFixture[str], fields: dict[str, str]
) -> None:
    ends_well(capsys, ["appointment", "book", *options(fields)])


@PROPS
@given(
    day=maybe(DAY),
    days=maybe(NUMBER),
    provider=maybe(TEXT),
    key=KEY,
    reason=TEXT,
    status=plausible("arrived", "cancelled", "confirmed", "no_show"),
)
def test_appointment_list_cancel_status(
    clinic: Path,
    capsys: pytest.CaptureFixture[str],
    day: str | None,
    days: str | None,
    provider: str | None,
    key: str,
    reason: str,
    status: str,
) -> None:
    listing = options({"--date": day, "--days": days, "--provider": provider})
    ends_well(capsys, ["appointment", "list", *listing])
    ends_well(capsys, ["appointment", "cancel", "--reason", reason, "--", key])
    ends_well(capsys, ["appointment", "status", "--reason", reason, "--", key, status])


@PROPS
@given(
    service=plausible("check"),
    provider=maybe(TEXT),
    start=maybe(WHEN),
    count=maybe(NUMBER),
)
def test_slots(
    clinic: Path,
    capsys: pytest.CaptureFixture[str],
    service: str,
    provider: str | None,
    start: str | None,
    count: str | None,
) -> None:
    chosen = options({"--provider": provider, "--from": start, "--count": count})
    ends_well(capsys, ["slots", "--service", service, *chosen])


# -- set-up ------------------------------------------------------------------------------------


@settings(PROPS, max_examples=15)
@given(username=plausible("desk", "nurse.1"), role=plausible("receptionist", "admin"), full=TEXT,
       password=TEXT)  # fmt: skip
def test_user_add(
    clinic: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    username: str,
    role: str,
    full: str,
    password: str,
) -> None:
    monkeypatch.setenv("RECEPTIONIST_USER_PASSWORD", password + "-long-enough")
    ends_well(capsys, ["user", "add", "--role", role, "--full-name", full, "--", username])


_dirs = itertools.count()


def _small_or_not_a_number(text: str) -> bool:
    """Keeps a demo quick: text that reads as a number (in any script) is at most 5."""
    try:
        return int(text) <= 5
    except ValueError:
        return True


SMALL = st.one_of(st.integers(-2, 5).map(str), st.integers(0, 3).map(str), TEXT).filter(
    _small_or_not_a_number
)


@settings(PROPS, max_examples=15)
@given(
    fields=st.fixed_dictionaries(
        {
            "--clinic-name": plausible("Moda Dental"),
            "--timezone": ZONE,
            "--region": plausible("TR", "GB"),
            "--admin-user": plausible("admin"),
        },
        optional={
            "--locale": plausible("tr", "en"),
            "--slot-minutes": plausible("15", "30") | NUMBER,
        },
    )
)
def test_init(
    clinic: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path, fields: dict[str, str]
) -> None:
    root = tmp_path / f"init-{next(_dirs)}"
    ends_well(capsys, ["--data-dir", str(root), "init", *options(fields)])


@settings(PROPS, max_examples=10)
@given(
    zone=ZONE,
    sizes=st.fixed_dictionaries(
        {},
        optional={
            "--providers": SMALL,
            "--rooms": SMALL,
            "--patients": SMALL,
            "--appointments": SMALL,
            "--days-back": SMALL,
            "--days-ahead": SMALL,
        },
    ),
)
def test_demo(
    clinic: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path, zone: str, sizes: dict
) -> None:
    small = {"--patients": "2", "--appointments": "3", **sizes}
    root = tmp_path / f"demo-{next(_dirs)}"
    ends_well(capsys, ["--data-dir", str(root), "demo", "--timezone", zone, *options(small)])


@PROPS
@given(
    channel=st.sampled_from(["email", "sms", "whatsapp"]),
    fields=st.fixed_dictionaries(
        {"--sender": plausible("desk@moda.example", "+905001112233")},
        optional={
            "--host": plausible("smtp.example.com", "127.0.0.1"),
            "--port": plausible("587", "465") | NUMBER,
            "--security": plausible("none", "starttls", "tls"),
            "--username": TEXT,
            "--base-url": plausible("https://api.twilio.com", "http://127.0.0.1:8080", "ftp://x"),
            "--account": plausible("AC123", "106540352242922"),
        },
    ),
    state=maybe(plausible("failed", "sent")),
)  # fmt: skip
def test_channels_set_and_reminders_list(
    clinic: Path,
    capsys: pytest.CaptureFixture[str],
    channel: str,
    fields: dict[str, str],
    state: str | None,
) -> None:
    ends_well(capsys, ["channels", "set", channel, *options(dict(fields))])
    ends_well(capsys, ["reminders", "list", *options({"--state": state})])
