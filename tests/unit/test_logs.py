"""Rotating log files hold no personal data: after a full demo run (demo data, failed logins, a backup,
a verification and two restores, every step a CLI run with logging set up) no name, ID number, phone or
reporter detail that the database holds appears in any log file."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest
from sqlalchemy import String, Text, select

from tests.conftest import ADMIN_PASSWORD, COMMUNE_CODE
from tipdesk import logs, paths
from tipdesk.db.models import Base
from tipdesk.services.auth import open_desk

# Columns that hold personal data: names, identity numbers, phones, addresses, reporter details.
PERSONAL = re.compile(
    r"(^|_)(full_name|name|names|alias|aliases|phone|phones|contact|id_number|identity_number|cccd|address|"
    r"birth_place|guardian[a-z_]*|father[a-z_]*|mother[a-z_]*|officer_name|reporter_[a-z_]+)$"
)
NOT_PERSONAL = {"username", "unit_name", "filename", "file_name", "reporter_kind", "reporter_secret",
                "name_folded", "name_key", "search_text"}

# The CLI as the lead wires it in tipdesk/cli/main.py: logging set up before the command runs.
RUNNER = (
    "import logging, sys\n"
    "from tipdesk.logs import setup_logging\n"
    "from tipdesk.cli.main import run\n"
    "setup_logging(logging.DEBUG)\n"
    "sys.exit(run(sys.argv[1:]))\n"
)


def tipdesk(data: Path, *args: str, password: str | None = ADMIN_PASSWORD) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIPDESK_")}
    env["TIPDESK_DATA_DIR"] = str(data)
    if password is not None:
        env["TIPDESK_PASSWORD"] = password
    return subprocess.run([sys.executable, "-c", RUNNER, *args], capture_output=True, text=True, env=env,
                          timeout=300, stdin=subprocess.DEVNULL, cwd=Path(__file__).resolve().parents[2])


def personal_values(data: Path) -> set[str]:
    """Every personal value the database holds, read through the ORM tables."""
    desk = open_desk("admin", ADMIN_PASSWORD, data_dir=data)
    values: set[str] = set()
    try:
        with desk.read() as session:
            for table in Base.metadata.sorted_tables:
                for column in table.columns:
                    if column.name in NOT_PERSONAL or not PERSONAL.search(column.name):
                        continue
                    if not isinstance(column.type, String | Text):
                        continue
                    for value in session.scalars(select(column).distinct()):
                        values.update(_pieces(value))
    finally:
        desk.close()
    return values


def _pieces(value: object) -> Iterable[str]:
    """The value itself, and for lists stored as text their items; short fragments are skipped."""
    if not isinstance(value, str):
        return []
    items = [value, *re.split(r"[;\n|]", value)]
    return {item.strip() for item in items if len(item.strip()) >= 5}


def leaks(log_dir: Path, values: set[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for logfile in sorted(log_dir.rglob("*")):
        if not logfile.is_file():
            continue
        text = logfile.read_text("utf-8", errors="replace")
        hits = sorted(v for v in values if v in text)
        if hits:
            found[logfile.name] = hits[:10]
    return found


@pytest.mark.slow
def test_no_personal_data_in_the_logs_after_a_full_demo_run(tmp_path: Path) -> None:
    data, other = tmp_path / "data", tmp_path / "other-pc"
    steps = [
        tipdesk(data, "init", "--profile", "commune", "--unit", COMMUNE_CODE),
        tipdesk(data, "demo", "--tips", "60", "--persons", "40", "--json"),
        tipdesk(data, "user", "list", password="not the password"),
        tipdesk(data, "--user", "nobody.here", "user", "list", password="not the password"),
        tipdesk(data, "--user", "canbo.demo", "user", "list", password="wrong demo password"),
        tipdesk(data, "backup", str(tmp_path)),
    ]
    assert [s.returncode for s in steps] == [0, 0, 1, 1, 1, 0], [s.stderr for s in steps]
    (made,) = tmp_path.glob("*.tdbackup")
    steps = [
        tipdesk(data, "backup", "verify", str(made)),
        tipdesk(other, "restore", str(made), password="wrong restore password"),
        tipdesk(other, "restore", str(made)),
        tipdesk(data, "restore", str(made)),
        tipdesk(data, "backup", "status"),
    ]
    assert [s.returncode for s in steps] == [0, 1, 0, 0, 0], [s.stderr for s in steps]

    values = personal_values(data)
    assert len(values) >= 3, values  # at least the staff names; with demo persons and tips many more
    for folder in (data, other):
        log_dir = folder / "logs"
        text = "".join(p.read_text("utf-8") for p in log_dir.glob("tipdesk.log*"))
        assert "backup" in text  # logging really ran in these commands
        assert leaks(log_dir, values) == {}


def test_the_leak_search_finds_a_planted_name(tmp_path: Path) -> None:
    log_dir = tmp_path / "logs"
    log_dir.mkdir()
    (log_dir / "tipdesk.log.1").write_text("2026-03-10 INFO tipdesk.x: saved Nguyễn Thị Hoa 012345678901\n", "utf-8")
    assert leaks(log_dir, {"Nguyễn Thị Hoa", "0987654321"}) == {"tipdesk.log.1": ["Nguyễn Thị Hoa"]}
    assert _pieces("Lê Văn Tám; Trần Thị B") >= {"Lê Văn Tám", "Trần Thị B"}


def test_log_files_rotate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "data").mkdir()  # logging never creates a data folder of its own
    paths.set_data_dir(tmp_path / "data")
    monkeypatch.setattr(logs, "_configured", False)
    root = logging.getLogger("tipdesk")
    before = list(root.handlers)
    try:
        logfile = logs.setup_logging()
        assert logfile == tmp_path / "data" / "logs" / "tipdesk.log"
        (handler,) = [h for h in root.handlers if h not in before]
        assert isinstance(handler, logging.handlers.RotatingFileHandler)
        assert handler.maxBytes > 0 and handler.backupCount >= 3
        for i in range(handler.backupCount + 3):
            logging.getLogger("tipdesk.test").info("line %d %s", i, "x" * 200)
            handler.doRollover()
        rotated = sorted(p.name for p in logfile.parent.iterdir())
        assert len(rotated) == handler.backupCount + 1 and "tipdesk.log.1" in rotated
    finally:
        for h in [h for h in root.handlers if h not in before]:
            root.removeHandler(h)
            h.close()
