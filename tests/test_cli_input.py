"""Bad input to the CLI ends in exit 2 with a sentence naming the field, never in
"something unexpected went wrong" (exit 1): JSON of the wrong shape, endless input,
a folder of the zone database, secrets that are not UTF-8 text, numbers out of range."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from cliclinic import shared_clinic, use_clinic

from receptionist import zones
from receptionist.cli.main import main
from receptionist.errors import ValidationError


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with shared_clinic(tmp_path_factory.mktemp("input") / "clinic") as root:
        yield root


@pytest.fixture
def clinic(shared: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    use_clinic(monkeypatch, shared)
    return shared


def refused(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    """The error ``argv`` ends in: exit 2, one line on stderr."""
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert "unexpected" not in err
    return err


# -- patient add --from-json -------------------------------------------------------------

NAMES = {"given_name": "Deniz", "family_name": "Kaya"}


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"consents": None}, "consents"),
        ({"consents": 5}, "consents"),
        ({"consents": [["sms"]]}, "consents"),
        ({"consents": [{}]}, "consents"),
        ({"consents": "sms"}, "consents"),
        ({"consents": ["sms", "pigeon"]}, "consents"),
        ({"notes": ["a list"]}, "notes"),
        ({"birth_date": 19900101}, "birth-date"),
        ({"given_name": {"first": "Deniz"}}, "given-name"),
        ({"preferred_language": True}, "language"),
        ({"phone": 5321234567}, "phone"),
    ],
)
def test_json_fields_of_the_wrong_type_are_named(
    clinic: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path, extra: dict, field: str
) -> None:
    source = tmp_path / "patient.json"
    source.write_text(json.dumps({**NAMES, **extra}), encoding="utf-8")
    err = refused(capsys, ["patient", "add", "--from-json", str(source)])
    assert err.startswith(f"error ({field}): ")


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"given_name": {"a": ' * 50_000 + b"1" + b"}" * 50_001, "nested too deeply"),
        (b'{"notes": ' + b"9" * 5000 + b"}", "cannot be read"),  # past int's digit limit
        (b'{"given_name": "\xff\xfe"}', "cannot be read"),  # not UTF-8
        (b"", "cannot be read"),
        (b"\x00" * (2 * 1024 * 1024 + 1), "larger than 2 MB"),
    ],
)
def test_json_input_that_cannot_be_taken_is_refused(
    clinic: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path, content: bytes, says: str
) -> None:
    source = tmp_path / "patient.json"
    source.write_bytes(content)
    err = refused(capsys, ["patient", "add", "--from-json", str(source)])
    assert err.startswith("error (from-json): ") and says in err


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_endless_json_input_is_read_no_further_than_the_cap(
    clinic: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = refused(capsys, ["patient", "add", "--from-json", "/dev/zero"])
    assert "larger than 2 MB" in err


def test_json_from_a_closed_standard_input(
    clinic: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", None)
    assert "cannot be read" in refused(capsys, ["patient", "add", "--from-json", "-"])


def test_a_json_byte_order_mark_is_fine(
    clinic: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = tmp_path / "patient.json"
    source.write_bytes(b"\xef\xbb\xbf" + json.dumps({**NAMES, "consents": ["sms"]}).encode())
    assert main(["--json", "patient", "add", "--allow-duplicate", "--from-json", str(source)]) == 0
    assert json.loads(capsys.readouterr().out)["given_name"] == "Deniz"


# -- time zones ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Europe", "America/Argentina", "x" * 5000, "Europe/"])
def test_a_folder_of_the_zone_database_is_not_a_zone(name: str) -> None:
    with pytest.raises(ValidationError) as caught:
        zones.zone(name)
    assert caught.value.field == "timezone"


def test_init_and_demo_refuse_a_zone_folder(
    clinic: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    fresh = str(tmp_path / "fresh")
    err = refused(capsys, ["--data-dir", fresh, "init", "--clinic-name", "X", "--timezone",
                           "Europe", "--region", "TR", "--admin-user", "admin"])  # fmt: skip
    assert err.startswith("error (timezone): ")
    err = refused(capsys, ["--data-dir", fresh, "demo", "--timezone", "Europe",
                           "--patients", "1", "--appointments", "0"])  # fmt: skip
    assert err.startswith("error (timezone): ")
    assert not Path(fresh).exists()


# -- secrets from the environment -------------------------------------------------------------

NOT_UTF8 = b"pass\xff\xfephrase\n"


@pytest.mark.parametrize(
    "argv",
    [
        ["patient", "search", "ayse"],
        ["appointment", "list"],
        ["audit", "verify"],
        ["check"],
        ["compact"],
        ["passphrase"],
    ],
)
def test_a_passphrase_file_that_is_not_utf8(
    clinic: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    argv: list[str],
) -> None:
    secret = tmp_path / "passphrase.txt"
    secret.write_bytes(NOT_UTF8)
    monkeypatch.delenv("RECEPTIONIST_PASSPHRASE")
    monkeypatch.setenv("RECEPTIONIST_PASSPHRASE_FILE", str(secret))
    err = refused(capsys, argv)
    assert "RECEPTIONIST_PASSPHRASE_FILE" in err and "not UTF-8" in err


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_an_endless_passphrase_file(
    clinic: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RECEPTIONIST_PASSPHRASE")
    monkeypatch.setenv("RECEPTIONIST_PASSPHRASE_FILE", "/dev/zero")
    assert "larger than 64 KB" in refused(capsys, ["patient", "search", "ayse"])


@pytest.mark.parametrize(
    ("variable", "argv"),
    [
        ("RECEPTIONIST_USER_PASSWORD", ["user", "add", "desk2"]),
        ("RECEPTIONIST_NEW_PASSPHRASE", ["passphrase"]),
        ("RECEPTIONIST_ADMIN_PASSWORD", ["--data-dir", "{fresh}", "init", "--clinic-name", "X",
                                         "--timezone", "UTC", "--region", "TR",
                                         "--admin-user", "admin"]),
        ("RECEPTIONIST_PASSPHRASE", ["--data-dir", "{fresh}", "init", "--clinic-name", "X",
                                     "--timezone", "UTC", "--region", "TR",
                                     "--admin-user", "admin"]),
    ],
)  # fmt: skip
def test_every_secret_file_that_is_not_utf8(
    clinic: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    variable: str,
    argv: list[str],
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_bytes(NOT_UTF8)
    monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv(variable + "_FILE", str(secret))
    fresh = tmp_path / "fresh"
    err = refused(capsys, [word.format(fresh=fresh) for word in argv])
    assert f"{variable}_FILE" in err and "not UTF-8" in err
    assert not fresh.exists()


@pytest.mark.parametrize("variable", ["RECEPTIONIST_PASSPHRASE", "RECEPTIONIST_USER_PASSWORD"])
def test_a_secret_that_is_not_utf8_in_the_environment(
    clinic: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
) -> None:
    """A byte that is not UTF-8 reaches Python as a lone surrogate."""
    monkeypatch.setenv("RECEPTIONIST_USER_PASSWORD", "desk-password-1")
    monkeypatch.setenv(variable, "pass\udcffphrase")
    err = refused(capsys, ["user", "add", "desk3"])
    assert variable in err and "not UTF-8" in err


def test_a_broken_character_typed_as_a_secret_is_refused() -> None:
    """Whatever brings it (a prompt, the app): a lone surrogate cannot be hashed."""
    from receptionist.errors import UserError
    from receptionist.staff.accounts import check_password
    from receptionist.store import keys

    with pytest.raises(ValidationError) as caught:
        check_password("pass\udcffword")
    assert caught.value.field == "password"
    fast = keys.KdfParams(time_cost=1, memory_kib=8 * 1024, parallelism=1)
    with pytest.raises(UserError, match="broken character"):
        keys.derive("pass\udcffphrase", b"s" * 16, fast)


# -- numbers -----------------------------------------------------------------------------------

NUMERIC = [
    (["patient", "search", "ayse", "--limit"], "limit", ["-1", "0", "501"]),
    (["appointment", "list", "--days"], "days", ["-1", "0", "367", "100000000"]),
    (["slots", "--service", "check", "--count"], "count", ["-1", "0", "201"]),
    (["service", "add", "S", "--minutes"], "minutes", ["-5", "0", "721"]),
    (["service", "add", "S", "--minutes", "10", "--buffer-before"], "buffer-before",
     ["-1", "241"]),
    (["service", "add", "S", "--minutes", "10", "--buffer-after"], "buffer-after", ["-1", "241"]),
    (["init", "--clinic-name", "X", "--timezone", "UTC", "--region", "TR", "--admin-user", "a",
      "--slot-minutes"], "slot-minutes", ["-15", "0", "61"]),
    (["demo", "--providers"], "providers", ["-1", "0", "51"]),
    (["demo", "--rooms"], "rooms", ["-1", "51"]),
    (["demo", "--patients"], "patients", ["-1", "0", "200001"]),
    (["demo", "--appointments"], "appointments", ["-1", "2000001"]),
    (["demo", "--days-back"], "days-back", ["-1", "3651"]),
    (["demo", "--days-ahead"], "days-ahead", ["-1", "367"]),
]  # fmt: skip


@pytest.mark.parametrize(("argv", "option", "values"), NUMERIC)
def test_every_numeric_option_has_a_range_and_names_itself(
    clinic: Path,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    argv: list[str],
    option: str,
    values: list[str],
) -> None:
    fresh = tmp_path / "fresh"
    for value in [*values, "ten", "1.5", "", "9" * 5000]:
        err = refused(capsys, ["--data-dir", str(fresh) if argv[0] in ("init", "demo")
                               else str(clinic), *argv, value])  # fmt: skip
        assert f"argument --{option}: must be a whole number from " in err, value
    assert not fresh.exists()


def test_json_says_which_option_is_out_of_range(
    clinic: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--json", "patient", "search", "ayse", "--limit", "-1"]) == 2
    said = json.loads(capsys.readouterr().out)
    assert (said["field"], said["exit_code"]) == ("limit", 2)
    assert main(["--json", "patient", "search", "ayse", "--limit", "500"]) == 0


# -- bytes that are not UTF-8 on the command line --------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["slots", "--service", "check\udcff"],
        ["slots", "--service", "check", "--provider", "aksoy\udcff"],
        ["appointment", "list", "--provider", "aksoy\udcff"],
        ["appointment", "book", "--patient", "A-1", "--provider", "aksoy", "--service",
         "check", "--room", "Room\udcff", "--start", "2030-03-04T09:00"],
        ["--user", "admin\udcff", "patient", "search", "ayse"],
        ["patient", "add", "--given-name", "Deniz", "--family-name", "Kaya\udcff"],
        ["provider", "add", "Dr. \udcff"],
    ],
)  # fmt: skip
def test_a_typed_byte_that_is_not_utf8_is_not_a_bug(
    clinic: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    """A shell passes such bytes; Python decodes them to lone surrogates, which SQLite
    cannot take: a lookup goes by the rest of the name or finds nothing, a value to save
    is refused."""
    code = main(argv)
    err = capsys.readouterr().err
    assert code in (0, 2) and "unexpected" not in err, err
    if argv[0] in ("patient", "provider", "--user"):
        assert code == 2
