"""The core is Qt-free: importing the CLI and every core package must not load PySide6."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import tipdesk


def _core_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(tipdesk.__path__, "tipdesk."):
        if info.name.startswith("tipdesk.gui") or ".migrations" in info.name:
            continue
        names.append(info.name)
    return names


def test_core_and_cli_do_not_import_pyside6() -> None:
    modules = _core_modules()
    assert "tipdesk.cli.main" in modules and "tipdesk.services.context" in modules
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}:\n"
        "    importlib.import_module(m)\n"
        "from tipdesk.cli.main import build_parser\n"
        "build_parser().parse_args(['audit', 'verify'])\n"
        "bad = sorted(m for m in sys.modules if m.startswith('PySide6') or m.startswith('shiboken'))\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_cli_help_runs_without_qt() -> None:
    proc = subprocess.run([sys.executable, "-m", "tipdesk", "--help"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "tipdesk" in proc.stdout


def test_no_core_module_imports_pyside6_even_lazily() -> None:
    """Importing is not enough to prove it: a function-level ``import PySide6`` would load Qt later."""
    import re
    from pathlib import Path

    root = Path(tipdesk.__file__).parent
    pattern = re.compile(r"^\s*(from|import) (PySide6|shiboken6)", re.MULTILINE)
    offenders = [str(p.relative_to(root)) for p in root.rglob("*.py")
                 if "gui" not in p.relative_to(root).parts and pattern.search(p.read_text("utf-8"))]
    assert offenders == []
