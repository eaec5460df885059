"""``tipdesk persons ...``: what each role sees, bad input, duplicates, support and printing."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import USER_PASSWORD
from tipdesk.cli.main import run
from tipdesk.domain.deadlines import local_date

NAME = "Sùng Thị Mỷ"


@pytest.fixture
def cli(admin_desk: Any, installed: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    admin_desk.users.add("xahoi", "social_worker", USER_PASSWORD, "Lý Thị Hằng")
    admin_desk.users.add("canbo", "commune_police", USER_PASSWORD, "Trần Văn Bình")
    admin_desk.users.add("quantri", "commune_admin", USER_PASSWORD, "Nguyễn Văn Quản")
    monkeypatch.setenv("TIPDESK_PASSWORD", USER_PASSWORD)

    def call(user: str, *args: str) -> tuple[int, str, str]:
        code = run(["--data-dir", str(installed.data_dir), "--user", user, *args])
        out = capsys.readouterr()
        return code, out.out, out.err

    return call


def _add(cli: Any, *extra: str) -> tuple[int, str, str]:
    return cli("xahoi", "persons", "add", "--name", NAME, "--sex", "female", "--birth-year", "2006",
               "--ethnic", "H'Mông", "--id-number", "008306012345", "--phone", "0912 345 678", "--intake",
               "returned", "--from-country", "CN", "--form", "forced_marriage", "--json", *extra)


def test_add_list_show_as_each_role(cli: Any) -> None:
    code, out, err = _add(cli)
    assert code == 0, err
    added = json.loads(out)
    code_p = added["person"]["pseudonym"]
    assert added["person"]["ethnic_code"] == "08" and added["warnings"] == []
    code, out, _err = cli("xahoi", "persons", "list", "--json")
    assert code == 0 and json.loads(out)["rows"][0]["display_name"] == NAME
    for user in ("canbo",):  # not linked to any tip: the pseudonym only
        code, out, _err = cli(user, "persons", "list", "--json")
        assert code == 0 and NAME not in out and json.loads(out)["rows"][0]["display_name"] == code_p
        code, out, _err = cli(user, "persons", "show", code_p, "--json")
        shown = json.loads(out)["person"]
        assert shown["full_name"] == code_p and shown["id_number"] == "" and shown["phone"] == ""
        assert "008306012345" not in out and NAME not in out
        code, out, _err = cli(user, "persons", "show", code_p)
        assert code == 0 and NAME not in out and code_p in out
    code, _out, err = cli("quantri", "persons", "list")
    assert code == 1 and err.count("\n") == 1 and "Traceback" not in err
    code, out, _err = cli("xahoi", "persons", "list", "--status", "identified_victim", "--json")
    assert json.loads(out)["rows"] == []


def test_possible_duplicate_must_be_decided(cli: Any) -> None:
    first = json.loads(_add(cli)[1])["person"]["pseudonym"]
    code, _out, err = cli("xahoi", "persons", "add", "--name", "SUNG THI MY", "--birth-year", "2006")
    assert code == 1 and first in err and NAME in err
    code, out, err = cli("xahoi", "persons", "add", "--name", "SUNG THI MY", "--birth-year", "2006",
                         "--not-same", first)
    assert code == 0, err
    code, out, _err = cli("xahoi", "persons", "list", "--json")
    assert len(json.loads(out)["rows"]) == 2


def test_bad_input_is_refused_with_one_line(cli: Any) -> None:
    code, _out, err = cli("xahoi", "persons", "add", "--name", NAME, "--id-number", "12345")
    assert code == 1 and err.count("\n") == 1 and "12" in err
    with pytest.raises(SystemExit) as usage:  # not a date: a usage error (exit code 2)
        cli("xahoi", "persons", "add", "--name", NAME, "--birth-date", "31/02/2000")
    assert usage.value.code == 2
    future = (dt.date.today() + dt.timedelta(days=3)).strftime("%d/%m/%Y")
    code, _out, err = cli("xahoi", "persons", "add", "--name", NAME, "--birth-date", future)
    assert code == 1 and "Traceback" not in err
    code, out, _err = cli("xahoi", "persons", "list", "--json")
    assert json.loads(out)["rows"] == []  # nothing saved


def test_support_and_print(cli: Any, tmp_path: Path) -> None:
    code_p = json.loads(_add(cli)[1])["person"]["pseudonym"]
    today = local_date(dt.datetime.now(dt.UTC)).strftime("%d/%m/%Y")  # the CLI runs on Vietnam time
    code, _out, err = cli("xahoi", "persons", "support", code_p, "--type", "essential_needs", "--amount", "-5",
                          "--date", today)
    assert code == 1 and err.count("\n") == 1
    code, _out, err = cli("xahoi", "persons", "support", code_p, "--type", "medical", "--amount", "200000",
                          "--date", "01/01/2020")
    assert code == 1 and "Traceback" not in err  # before the person's record
    code, out, err = cli("xahoi", "persons", "support", code_p, "--type", "essential_needs", "--amount",
                         "1.500.000", "--date", today, "--provider", "UBND xã Thượng Lâm", "--json")
    assert code == 0, err
    assert json.loads(out)["amount_vnd"] == 1_500_000
    code, out, _err = cli("xahoi", "persons", "show", code_p, "--json")
    shown = json.loads(out)
    assert shown["support"]["total_vnd"] == 1_500_000 and shown["support"]["essential"]["state"] == "active"
    pdf = tmp_path / "history.pdf"
    code, out, err = cli("xahoi", "persons", "print", code_p, "--out", str(pdf))
    assert code == 0, err
    assert pdf.read_bytes().startswith(b"%PDF")
    code, _out, err = cli("canbo", "persons", "print", code_p, "--out", str(tmp_path / "no.pdf"))
    assert code == 1 and not (tmp_path / "no.pdf").exists()
