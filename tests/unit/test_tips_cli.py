"""``tipdesk tips ...`` end to end in subprocesses: exit codes, --json, Vietnamese messages."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from tests.conftest import COMMUNE_CODE
from tests.unit.test_cli import tipdesk

POLICE_PASSWORD = "police officer pass"


@pytest.fixture
def data(tmp_path: Path) -> Path:
    data = tmp_path / "d"
    assert tipdesk(data, "init", "--profile", "commune", "--unit", COMMUNE_CODE).returncode == 0
    pw = tmp_path / "pw"
    pw.write_text(POLICE_PASSWORD + "\n", "utf-8")
    r = tipdesk(data, "user", "add", "canbo", "--role", "commune_police", "--full-name", "Trần Văn Bình",
                "--new-password-file", str(pw))
    assert r.returncode == 0, r.stderr
    return data


def police(data: Path, *args: str, lang: str | None = None) -> object:
    return tipdesk(data, "--user", "canbo", *args, password=POLICE_PASSWORD, lang=lang)


def test_record_follow_and_print_a_tip(data: Path, tmp_path: Path) -> None:
    week_ago = (dt.datetime.now() - dt.timedelta(days=7)).strftime("%d/%m/%Y %H:%M")
    r = police(data, "tips", "add", "--type", "to_giac", "--channel", "hotline_111", "--received", week_ago,
               "--summary", "Cháu Vàng Thị Dợ bị đưa sang Trung Quốc", "--reporter-name", "Vàng A Sử", "--secret",
               "--form", "forced_marriage", "--country", "CN", "--urgent", "--json")
    assert r.returncode == 0, r.stderr  # type: ignore[attr-defined]
    tip = json.loads(r.stdout)  # type: ignore[attr-defined]
    assert tip["status"] == "received" and tip["urgent"] and tip["forms"] == ["forced_marriage"]
    number = f"{tip['register_no']:02d}/{tip['register_year']}"
    r = police(data, "tips", "list", "--overdue", "--json")
    rows = json.loads(r.stdout)["rows"]  # type: ignore[attr-defined]
    assert [x["id"] for x in rows] == [tip["id"]] and rows[0]["next_due_rule"] == "tip_transfer"
    r = police(data, "tips", "list", "--search", "vang thi do", "--json")
    assert len(json.loads(r.stdout)["rows"]) == 1  # type: ignore[attr-defined]
    r = police(data, "tips", "event", number, "transferred", "--to", "CQCSĐT Công an tỉnh Tuyên Quang",
               "--method", "Trực tiếp")
    assert r.returncode == 0 and number in r.stdout  # type: ignore[attr-defined]
    r = police(data, "tips", "show", number, "--json")
    shown = json.loads(r.stdout)  # type: ignore[attr-defined]
    assert shown["status"] == "transferred" and [e["kind"] for e in shown["events"]] == ["received", "transferred"]
    out = tmp_path / "bb.pdf"
    r = police(data, "tips", "print", number, "--out", str(out))
    assert r.returncode == 0 and out.read_bytes().startswith(b"%PDF")  # type: ignore[attr-defined]
    book = tmp_path / "so.pdf"
    r = police(data, "tips", "register", "--year", str(tip["register_year"]), "--out", str(book))
    assert r.returncode == 0 and book.exists()  # type: ignore[attr-defined]
    r = police(data, "tips", "show", number)
    assert r.returncode == 0 and "Vàng A Sử" in r.stdout  # type: ignore[attr-defined]
    # an administrator may not see tips at all
    r = tipdesk(data, "tips", "list")
    assert r.returncode == 1 and r.stderr.startswith("tipdesk: ") and r.stderr.count("\n") == 1


def test_bad_input_gets_one_line_and_changes_nothing(data: Path, tmp_path: Path) -> None:
    future = (dt.datetime.now() + dt.timedelta(days=2)).strftime("%d/%m/%Y %H:%M")
    r = police(data, "tips", "add", "--type", "to_giac", "--channel", "phone", "--received", future,
               "--summary", "x", lang="en")
    assert r.returncode == 1 and "Traceback" not in r.stderr  # type: ignore[attr-defined]
    assert "in the future" in r.stderr  # type: ignore[attr-defined]
    r = police(data, "tips", "event", "01/2026", "reject")
    assert r.returncode == 2  # type: ignore[attr-defined]
    r = police(data, "tips", "list", "--json")
    assert json.loads(r.stdout)["rows"] == []  # type: ignore[attr-defined]
    bad = tmp_path / "so.xlsx"
    bad.write_bytes(b"not a workbook")
    r = police(data, "tips", "import-register", str(bad))
    assert r.returncode == 1 and "so.xlsx" in r.stderr  # type: ignore[attr-defined]


def test_import_register_dry_run_then_import(data: Path, tmp_path: Path) -> None:
    csv_file = tmp_path / "so.csv"
    csv_file.write_text("Số,Ngày tiếp nhận,Nội dung\n1,05/01/2026 08:00,Tố giác thứ nhất\n"
                        "2,40/01/2026,Ngày sai\n", "utf-8")
    r = police(data, "tips", "import-register", str(csv_file), "--dry-run", lang="en")
    assert r.returncode == 1 and "line 3:" in r.stdout and "40/01/2026" in r.stdout  # type: ignore[attr-defined]
    r = police(data, "tips", "import-register", str(csv_file))
    assert r.returncode == 1  # type: ignore[attr-defined]
    mapping = tmp_path / "m.json"
    r = police(data, "tips", "import-register", str(csv_file), "--skip-invalid", "--save-mapping", str(mapping),
               "--json")
    out = json.loads(r.stdout)  # type: ignore[attr-defined]
    assert out["result"]["imported"] == 1 and out["result"]["rejected"] == 1
    assert out["mapping"]["received_at"] == "Ngày tiếp nhận"
    assert (tmp_path / "so_loi.csv").exists() and json.loads(mapping.read_text("utf-8"))["columns"]["summary"]
