"""`reminders templates`, `reminders template set|reset` through the CLI: list with the
SMS size, change and reset one, and bad input (exit 2 naming the option, nothing
written)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from receptionist.cli.main import main

INIT = ["init", "--clinic-name", "Moda Dental", "--timezone", "Europe/Istanbul",
        "--region", "TR", "--admin-user", "admin"]  # fmt: skip
WHICH = ["--language", "tr", "--channel", "sms", "--kind", "reminder"]


def said(capsys: pytest.CaptureFixture[str], *argv: str) -> object:
    capsys.readouterr()
    assert main(["--json", *argv]) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def refused(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """The error of a refused command line; a refusal by the core, "error (body): ...",
    is given back as "--body: ..." (argparse's own name the option so already)."""
    capsys.readouterr()
    assert main(list(argv)) == 2
    err = capsys.readouterr().err
    if err.startswith("error ("):
        return "--" + err[len("error (") :].replace(")", "", 1)
    return err


def overridden(capsys: pytest.CaptureFixture[str]) -> list[str]:
    rows = said(capsys, "reminders", "templates")
    assert isinstance(rows, list) and len(rows) == 36
    return [f"{r['language']}_{r['channel']}_{r['kind']}" for r in rows if r["overridden"]]


def test_list_set_reset_and_bad_input(
    cli_env: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(INIT) == 0
    (row,) = said(capsys, "reminders", "templates", *WHICH)  # type: ignore[misc]
    assert not row["overridden"] and row["sms"]["encoding"] == "ucs2"
    assert row["sms"]["parts"] >= 2 and row["sms"]["forcing_character"]

    done = said(capsys, "reminders", "template", "set", "--language", "en", "--channel", "sms",
                "--kind", "reminder", "--body", "Hi {first_name}, {date} {time}")  # fmt: skip
    assert done["overridden"] and done["body"] == "Hi {first_name}, {date} {time}"  # type: ignore[index]
    assert done["sms"] == {  # type: ignore[index]
        "encoding": "gsm7", "units": len("Hi Christabelle, Wednesday 16 September 2026 23:45"),
        "parts": 1, "capacity": 160, "forcing_character": None, "forced_by_sample_values": False,
    }  # fmt: skip
    mail = tmp_path / "mail.txt"
    mail.write_text("Merhaba {first_name},\nrandevunuz {date} {time}.\n{address}\n", "utf-8")
    said(capsys, "reminders", "template", "set", "--language", "tr", "--channel", "email",
         "--kind", "confirmation", "--body-file", str(mail),
         "--subject", "Randevu {date}")  # fmt: skip
    assert overridden(capsys) == ["en_sms_reminder", "tr_email_confirmation"]
    capsys.readouterr()
    assert main(["reminders", "templates", "--language", "tr", "--channel", "email",
                 "--kind", "confirmation"]) == 0  # fmt: skip
    assert "clinic's own" in capsys.readouterr().out
    assert main(["reminders", "templates", "--language", "en", "--channel", "sms",
                 "--kind", "reminder"]) == 0  # fmt: skip
    assert capsys.readouterr().out.endswith(  # measured with a long name and date: said so
        "  SMS: about 1 part(s) with long example names and dates (GSM-7, 50 of 160 "
        "characters; 30 as typed)\n"
    )

    for argv, option in [
        ([*WHICH, "--body", "Hi {name}"], "--body"),
        ([*WHICH, "--body", "Hi {first_name"], "--body"),
        ([*WHICH, "--body", "  "], "--body"),
        ([*WHICH, "--body", "Hi", "--subject", "S"], "--subject"),
        ([*WHICH, "--body-file", str(tmp_path / "missing.txt")], "--body-file"),
        (["--language", "tr", "--channel", "sms", "--kind", "reminder"], "--body"),
        (["--language", "de", "--channel", "sms", "--kind", "reminder", "--body", "x"],
         "--language"),
        (["--language", "tr", "--channel", "fax", "--kind", "reminder", "--body", "x"],
         "--channel"),
    ]:  # fmt: skip
        err = refused(capsys, "reminders", "template", "set", *argv)
        assert option in err, (argv, err)
    bad_file = tmp_path / "bad.txt"
    bad_file.write_text("Hi {fist_name}", "utf-8")
    err = refused(capsys, "reminders", "template", "set", *WHICH, "--body-file", str(bad_file))
    assert "--body-file" in err and "{fist_name}" in err and "{first_name}" in err
    assert "--kind" in refused(capsys, "reminders", "templates", "--kind", "birthday")
    assert "--kind" in refused(capsys, "reminders", "template", "reset", "--language", "en",
                               "--channel", "sms")  # fmt: skip
    assert overridden(capsys) == ["en_sms_reminder", "tr_email_confirmation"]

    back = said(capsys, "reminders", "template", "reset", "--language", "en", "--channel", "sms",
                "--kind", "reminder")  # fmt: skip
    assert not back["overridden"] and back["body"] == back["builtin_body"]  # type: ignore[index]
    assert overridden(capsys) == ["tr_email_confirmation"]


def test_the_front_ends_of_templates_open_no_transaction() -> None:
    """The CLI's and the app's template code call ``receptionist.ops.templates`` only."""
    root = Path(__file__).resolve().parent.parent
    for name in ("receptionist/cli/templatecmds.py", "ui/templateeditor.py"):
        source = (root / name).read_text("utf-8")
        for banned in ("sqlalchemy", "receptionist.models", ".read()", ".write()", ".raw()"):
            assert banned not in source, (name, banned)


def test_a_whatsapp_text_is_refused_naming_the_channel_and_what_to_do(
    cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(INIT) == 0
    err = refused(capsys, "reminders", "template", "set", "--language", "en", "--channel",
                  "whatsapp", "--kind", "reminder", "--body", "Hi {first_name}")  # fmt: skip
    assert err.startswith("--channel") and "WhatsApp Manager" in err, err
    assert "reminders template whatsapp-name --language en --kind reminder --name" in err
    assert overridden(capsys) == []


def test_whatsapp_is_listed_as_the_approved_template_it_sends(
    cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(INIT) == 0
    wa = ["reminders", "templates", "--language", "en", "--channel", "whatsapp"]
    rows = said(capsys, *wa, "--kind", "reminder")
    assert isinstance(rows, list)
    assert rows[0]["whatsapp"]["template"] is None and rows[0]["whatsapp"]["code"] == "en"
    assert rows[0]["whatsapp"]["values"][4] == "Moda Dental"  # {{5}}: the clinic's name
    said(capsys, "settings", "set", "channels.whatsapp_templates_en",
         "reminder=appointment_reminder, code=en_US")  # fmt: skip
    assert main([*wa, "--kind", "reminder"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("en whatsapp reminder: Meta's approved template appointment_reminder")
    assert "(en_US)" in out and "{{1}} Christabelle" in out and "Hello" not in out
    assert main([*wa, "--kind", "cancellation"]) == 0
    assert "not sent by WhatsApp" in capsys.readouterr().out


def test_whatsapp_name_names_one_template_and_keeps_the_others_and_the_code(
    cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(INIT) == 0
    name = ["reminders", "template", "whatsapp-name"]
    done = said(capsys, *name, "--language", "en", "--kind", "reminder",
                "--name", "appointment_reminder", "--code", "en_US")  # fmt: skip
    assert done == {  # as `reminders templates --channel whatsapp` lists it
        "language": "en", "channel": "whatsapp", "kind": "reminder",
        "whatsapp": {"template": "appointment_reminder", "code": "en_US",
                     "values": done["whatsapp"]["values"]},  # type: ignore[index]
    }  # fmt: skip
    said(capsys, *name, "--language", "en", "--kind", "confirmation", "--name", "booked")
    stored = said(capsys, "settings", "get", "channels.whatsapp_templates_en")
    assert stored["value"] == "reminder=appointment_reminder, confirmation=booked, code=en_US"  # type: ignore[index]

    assert main([*name, "--language", "en", "--kind", "reminder", "--none"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("en whatsapp reminder: no approved template named"), out
    assert "whatsapp-name --language en --kind reminder --name NAME" in out
    stored = said(capsys, "settings", "get", "channels.whatsapp_templates_en")
    assert stored["value"] == "confirmation=booked, code=en_US"  # type: ignore[index]

    for argv, option in [
        (["--kind", "reminder", "--name", "Reminder-1"], "--name"),
        (["--kind", "reminder", "--name", "ok", "--code", "english"], "--code"),
        (["--kind", "birthday", "--name", "ok"], "--kind"),
        (["--kind", "reminder"], "--name"),
    ]:  # fmt: skip
        err = refused(capsys, *name, "--language", "en", *argv)
        assert option in err.strip().splitlines()[-1], (argv, err)  # not the usage line
    assert "lower-case" in refused(capsys, *name, "--language", "en", "--kind", "reminder",
                                   "--name", "Reminder-1")  # fmt: skip
    stored = said(capsys, "settings", "get", "channels.whatsapp_templates_en")
    assert stored["value"] == "confirmation=booked, code=en_US"  # type: ignore[index]
