"""Start-up: the login window is painted before the heavy modules are imported (issue #2).

The real start (``tipdesk.__main__.main`` with a data folder) runs in a fresh interpreter up to the first paint
of the login window; at that moment nothing of SQLAlchemy, the database layer, Argon2 and the ciphers, the
services, the main window or its pages, reportlab, alembic or openpyxl may be loaded. The main window with its pages must not need reportlab, alembic or openpyxl
either (they load when a PDF, a migration or a spreadsheet is made). See tests/bench/bench_startup.py for the times.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Installed
from tipdesk.cli.main import _gui_only, build_parser

ROOT = Path(__file__).resolve().parents[2]
NEVER_BEFORE_LOGIN = ("sqlalchemy", "sqlcipher3", "reportlab", "alembic", "openpyxl", "argon2", "cryptography",
                      "tipdesk.services", "tipdesk.db.", "tipdesk.gui.main_window", "tipdesk.gui.pages",
                      "tipdesk.gui.dialogs", "tipdesk.cli.cmd_", "tipdesk.gui.wizard")
NEVER_WITH_MAIN_WINDOW = ("reportlab", "alembic", "openpyxl")

LOGIN_PAINTED = r"""
import json, sys
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

prefixes = tuple(json.loads(sys.argv[2]))
found = {}


class Probe(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint and watched.isWidgetType() and "window" not in found:
            found["window"] = type(watched.window()).__name__
            found["loaded"] = sorted(m for m in sys.modules if m.startswith(prefixes))
            QTimer.singleShot(0, app.quit)
        return False


app = QApplication(sys.argv[:1])
probe = Probe()
app.installEventFilter(probe)
QTimer.singleShot(30000, app.quit)
from tipdesk.__main__ import main
main(["--data-dir", sys.argv[1], "--lang", "vi"])
print(json.dumps(found))
"""


def _run(code: str, *args: str) -> str:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120,
                          env=env, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout.strip().splitlines()[-1]


def test_the_login_window_is_painted_before_the_heavy_modules_load(installed: Installed) -> None:
    found = json.loads(_run(LOGIN_PAINTED, str(installed.data_dir), json.dumps(NEVER_BEFORE_LOGIN)))
    assert found["window"] == "LoginDialog"
    assert found["loaded"] == []


def test_the_main_window_and_its_pages_load_no_pdf_migration_or_spreadsheet_library() -> None:
    code = (
        "import json, sys\n"
        "from tipdesk.gui.pages import discover_pages\n"
        "import tipdesk.gui.main_window\n"
        "assert discover_pages()\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.startswith({NEVER_WITH_MAIN_WINDOW!r}))))\n"
    )
    assert json.loads(_run(code)) == []


def test_the_preloaded_modules_exist_and_the_core_list_is_qt_free() -> None:
    import importlib.util

    from tipdesk.gui.app import PRELOAD_CORE, PRELOAD_GUI

    assert all(importlib.util.find_spec(name) is not None for name in (*PRELOAD_CORE, *PRELOAD_GUI))
    assert not any(name.startswith("tipdesk.gui") for name in PRELOAD_CORE)


@pytest.mark.parametrize("files", [(), ("keyslots.json",), ("tipdesk.db",), ("keyslots.json", "tipdesk.db")])
def test_the_light_initialised_check_agrees_with_the_service(tmp_path: Path, files: tuple[str, ...]) -> None:
    from tipdesk.gui.app import is_initialised as light
    from tipdesk.services.auth import is_initialised

    for name in files:
        (tmp_path / name).write_bytes(b"x")
    assert light(tmp_path) == is_initialised(tmp_path) == (len(files) == 2)


@pytest.mark.parametrize("where", ["settings", "option"])
def test_with_a_database_server_the_service_decides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    where: str) -> None:
    from tipdesk import paths
    from tipdesk.config import MachineSettings
    from tipdesk.gui.app import is_initialised as light
    from tipdesk.services import auth

    url = "postgresql+psycopg://tipdesk@127.0.0.1/tipdesk"
    if where == "settings":
        MachineSettings(database_url=url).save(tmp_path / "settings.json")
    else:
        monkeypatch.setattr(paths, "_database_url_override", url)
    asked: list[Path | None] = []
    monkeypatch.setattr(auth, "is_initialised", lambda data_dir=None: asked.append(data_dir) or True)
    assert light(tmp_path) is True and asked == [tmp_path]  # no local file, yet the server says yes
    assert auth.OpenPaths.of(tmp_path).on_server


@pytest.mark.parametrize(("argv", "gui_only"), [
    ([], True),
    (["gui"], True),
    (["--data-dir", "/tmp/x", "--lang", "en", "--user", "lan", "gui"], True),
    (["--lang=vi", "--data-dir=/tmp/x"], True),
    (["--data-dir"], False),
    (["gui", "gui"], False),
    (["--help"], False),
    (["gui", "--help"], False),
    (["--version"], False),
    (["--self-test"], False),
    (["--data", "/tmp/x"], False),  # an abbreviation: the full parser decides
    (["tips", "list"], False),
    (["--lang", "vi", "backup", "create"], False),
])
def test_only_a_plain_gui_start_skips_the_commands(argv: list[str], gui_only: bool) -> None:
    assert _gui_only(argv) is gui_only


def test_the_short_parser_reads_a_gui_start_as_the_full_one_does() -> None:
    for argv in ([], ["gui"], ["--data-dir", "/tmp/x", "--lang", "en", "--user", "lan", "gui"]):
        assert vars(build_parser(commands=False).parse_args(argv)) == vars(build_parser().parse_args(argv))
    with pytest.raises(SystemExit):
        build_parser(commands=False).parse_args(["tips", "list"])
