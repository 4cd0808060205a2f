"""`reminders rules list|set|reset` and `settings set reminders.service_rules`: a service
named by its name or short id, stored by its id; an unknown one refused (exit 2, the
services named, nothing written)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cliclinic import shared_clinic, use_clinic

from receptionist.cli.main import main


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with shared_clinic(tmp_path_factory.mktemp("servicerules") / "clinic") as root:
        yield root


@pytest.fixture
def clinic(shared: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> Path:
    use_clinic(monkeypatch, shared)
    capsys.readouterr()
    return shared


def run_json(capsys: Any, *argv: str) -> Any:
    code = main(["--json", *argv])
    said = capsys.readouterr()
    assert code == 0, said.err
    return json.loads(said.out)


def refused(capsys: Any, *argv: str) -> str:
    code = main(list(argv))
    err = capsys.readouterr().err
    assert code == 2, err
    return err


def stored(capsys: Any) -> Any:
    return run_json(capsys, "settings", "get", "reminders.service_rules")["value"]


def test_settings_set_refuses_an_unknown_service_and_stores_a_known_one_by_id(
    clinic: Path, capsys: Any
) -> None:
    (service,) = run_json(capsys, "service", "list")
    for named in ("Whitening", "41719271"):
        err = refused(capsys, "settings", "set", "reminders.service_rules",
                      json.dumps({named: {"offsets": "2h"}}))  # fmt: skip
        assert f"There is no service '{named}'. The services are: Check-up" in err, err
    assert stored(capsys) == {}
    by_name = '{"Check-up": {"offsets": "2h"}}'
    run_json(capsys, "settings", "set", "reminders.service_rules", by_name)
    assert stored(capsys) == {service["id"]: {"offsets": "2h"}}
    run_json(capsys, "settings", "set", "reminders.service_rules", "{}")


def test_rules_set_list_reset(clinic: Path, capsys: Any) -> None:
    (service,) = run_json(capsys, "service", "list")
    short = service["id"][:8]
    done = run_json(capsys, "reminders", "rules", "set", "--service", "check-up",
                    "--offsets", "2h", "--confirmation", "off")  # fmt: skip
    (row,) = done["services"]
    assert row["own"] == {"offsets": "2h", "confirmation": False}
    assert (row["offsets"], row["confirmation"], row["reschedule"]) == ("2h", False, True)
    assert done["clinic"]["offsets"] == "24h,2h" and done["clinic"]["confirmation"] is True
    assert stored(capsys) == {service["id"]: {"offsets": "2h", "confirmation": False}}
    run_json(capsys, "reminders", "rules", "set", "--service", short, "--reschedule", "off")
    assert stored(capsys) == {
        service["id"]: {"offsets": "2h", "confirmation": False, "reschedule": False}
    }
    assert main(["reminders", "rules", "list"]) == 0
    text = capsys.readouterr().out
    assert f"{short}  Check-up: 2h*; confirmation off*, reschedule off*, cancellation on" in text
    run_json(capsys, "service", "update", "check-up", "--name", "Kontrol")  # renamed: kept
    (row,) = run_json(capsys, "reminders", "rules", "list")["services"]
    assert (row["name"], row["offsets"]) == ("Kontrol", "2h")

    err = refused(capsys, "reminders", "rules", "set", "--service", "Whitening", "--offsets", "1h")
    assert "There is no service 'Whitening'. The services are: Kontrol" in err
    err = refused(capsys, "reminders", "rules", "set", "--service", "Kontrol", "--offsets", "2x")
    assert "offsets" in err and "like 24h,2h" in err
    err = refused(capsys, "reminders", "rules", "set", "--service", "Kontrol")
    assert "--offsets, --confirmation" in err
    assert refused(capsys, "reminders", "rules", "set", "--service", "Kontrol",
                   "--confirmation", "maybe")  # fmt: skip
    assert stored(capsys) == {
        service["id"]: {"offsets": "2h", "confirmation": False, "reschedule": False}
    }

    done = run_json(capsys, "reminders", "rules", "reset", "--service", "Kontrol")
    assert done["services"][0]["own"] == {} and stored(capsys) == {}
    run_json(capsys, "service", "update", "kontrol", "--name", "Check-up")
