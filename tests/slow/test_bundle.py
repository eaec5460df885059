"""The frozen build: build_installer.spec makes a Linux one-folder bundle whose self-test passes offscreen,
and whose command line writes a backup that it restores into another data folder."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ADMIN_PASSWORD, COMMUNE_CODE

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(importlib.util.find_spec("PyInstaller") is None, reason="PyInstaller is not installed"),
    pytest.mark.skipif(sys.platform == "win32", reason="the Windows build is made by hand (README)"),
]


def build(work: Path) -> Path:
    cmd = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
           "--distpath", str(work / "dist"), "--workpath", str(work / "build"), str(ROOT / "build_installer.spec")]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-4000:]
    exe = work / "dist" / "tipdesk" / "tipdesk"
    assert exe.is_file()
    return exe


def _run(exe: Path, *args: str, data: Path | None = None, password: str | None = None,
         ) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIPDESK_") and k != "PYTHONPATH"}
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["HOME"] = str(exe.parent.parent / "home")
    if data is not None:
        env["TIPDESK_DATA_DIR"] = str(data)
    if password is not None:
        env["TIPDESK_PASSWORD"] = password
    return subprocess.run([str(exe), *args], capture_output=True, text=True, env=env, timeout=300,
                          stdin=subprocess.DEVNULL, cwd=exe.parent.parent)


def test_bundle(tmp_path: Path) -> None:
    """One test (one build, also under pytest-xdist): self-test, contents, a backup restored elsewhere."""
    exe = build(tmp_path / "pyinstaller")
    check_self_test(exe)
    check_contents(exe)
    check_backup_restores_on_another_data_dir(exe, tmp_path)


def check_self_test(bundle: Path) -> None:
    done = _run(bundle, "--self-test")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "(frozen build)" in done.stdout or "(bản đóng gói)" in done.stdout
    for step in ("bundled data", "encrypted database", "PDF", "signature", "batch", "backup"):
        assert f"ok   {step}" in done.stdout, done.stdout
    qt = _run(bundle, "self-test", "--qt")
    assert qt.returncode == 0 and "platform offscreen" in qt.stdout, qt.stdout + qt.stderr


def check_contents(bundle: Path) -> None:
    internal = bundle.parent / "_internal"
    assert (internal / "i18n" / "vi" / "LC_MESSAGES" / "tipdesk.mo").is_file()
    assert (internal / "i18n" / "en" / "LC_MESSAGES" / "tipdesk.mo").is_file()
    assert not list((internal / "i18n").rglob("*.po"))
    versions = {p.name for p in (internal / "tipdesk" / "db" / "migrations" / "versions").glob("*.py")}
    assert versions == {p.name for p in (ROOT / "tipdesk" / "db" / "migrations" / "versions").glob("*.py")}
    assert (internal / "tipdesk" / "db" / "migrations" / "script.py.mako").is_file()
    assert (internal / "resources" / "fonts" / "LiberationSerif-Regular.ttf").is_file()
    assert not (internal / "resources" / "installer").exists()
    assert list((internal / "vietnam_provinces" / "data").glob("*.json"))
    qt_translations = {p.stem for p in (internal / "PySide6" / "Qt" / "translations").glob("*.qm")}
    assert all(name.endswith(("_vi", "_en")) for name in qt_translations), qt_translations
    locales = {p.stem for p in (internal / "babel" / "locale-data").glob("*.dat")}
    assert {"vi", "en", "root"} <= locales and "fr" not in locales and len(locales) < 12
    qt_modules = {p.name.split(".")[0] for p in (internal / "PySide6").glob("Qt*.so")}
    assert not qt_modules & {"QtNetwork", "QtQml", "QtQuick", "QtMultimedia", "QtSql", "QtTest"}


def check_backup_restores_on_another_data_dir(bundle: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "pc1", tmp_path / "pc2"
    init = _run(bundle, "init", "--profile", "commune", "--unit", COMMUNE_CODE, "--json", data=first,
                password=ADMIN_PASSWORD)
    assert init.returncode == 0, init.stderr
    out = tmp_path / "usb"
    out.mkdir()
    made = _run(bundle, "backup", str(out), data=first, password=ADMIN_PASSWORD)
    assert made.returncode == 0, made.stderr
    (backup_file,) = out.glob("*.tdbackup")
    restored = _run(bundle, "restore", str(backup_file), data=second, password=ADMIN_PASSWORD)
    assert restored.returncode == 0, restored.stderr
    status = _run(bundle, "backup", "status", "--json", data=second, password=ADMIN_PASSWORD)
    assert status.returncode == 0, status.stderr
