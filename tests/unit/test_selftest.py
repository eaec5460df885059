"""``tipdesk --self-test``: every step runs in a temporary folder, a failure is reported and gives exit 1."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tipdesk import selftest
from tipdesk.cli.main import build_parser


def _cli(*args: str, data: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIPDESK_")}
    env["TIPDESK_DATA_DIR"] = str(data)
    env["QT_QPA_PLATFORM"] = "offscreen"
    return subprocess.run([sys.executable, "-m", "tipdesk", *args], capture_output=True, text=True, env=env,
                          timeout=300, stdin=subprocess.DEVNULL, cwd=Path(__file__).resolve().parents[2])


def test_self_test_passes_and_names_every_step() -> None:
    out = io.StringIO()
    assert selftest.run_self_test(out) == 0
    text = out.getvalue()
    for name, _step in selftest.STEPS:
        assert f"ok   {name}" in text
    assert "FAIL" not in text and text.rstrip().endswith(("Self-test passed.", "Tự kiểm tra đạt."))


def test_a_failing_step_gives_exit_1_and_the_others_still_run(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(_ctx: object) -> str:
        raise RuntimeError("fonts are missing")

    steps = [(name, broken if name == "PDF" else step) for name, step in selftest.STEPS]
    monkeypatch.setattr(selftest, "STEPS", steps)
    out = io.StringIO()
    assert selftest.run_self_test(out) == 1
    text = out.getvalue()
    assert "FAIL PDF: RuntimeError: fonts are missing" in text
    assert "ok   signature" in text and "ok   backup" in text


def test_backup_step_needs_the_database_step(monkeypatch: pytest.MonkeyPatch) -> None:
    steps = [(name, step) for name, step in selftest.STEPS if name != "encrypted database"]
    monkeypatch.setattr(selftest, "STEPS", steps)
    out = io.StringIO()
    assert selftest.run_self_test(out) == 1
    assert "FAIL backup" in out.getvalue()


def test_self_test_is_a_global_flag_and_a_command(tmp_path: Path) -> None:
    assert build_parser().parse_args(["--self-test"]).self_test is True
    data = tmp_path / "never-created"
    flag = _cli("--self-test", data=data)
    assert flag.returncode == 0, flag.stdout + flag.stderr
    command = _cli("--lang", "en", "self-test", "--qt", data=data)
    assert command.returncode == 0, command.stdout + command.stderr
    assert "Self-test passed." in command.stdout and "platform offscreen" in command.stdout
    assert not data.exists()  # the user's data folder is never touched
