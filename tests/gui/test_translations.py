"""Every text of the GUI shell has a Vietnamese translation with the same {placeholders}."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file

from tests.gui.conftest import vietnamese_catalog
from tipdesk import i18n, paths
from tipdesk.i18n import placeholders

ROOT = Path(__file__).resolve().parents[2]
SHELL_FILES = [
    *sorted(p for p in (ROOT / "tipdesk" / "gui").glob("*.py")),
    *(ROOT / "tipdesk" / "gui" / "pages" / name for name in (
        "__init__.py", "admin.py", "admin_audit.py", "admin_settings.py", "admin_users.py", "audit_filter.py",
        "user_dialogs.py")),
    ROOT / "tipdesk" / "reports" / "recovery_sheet.py",
]
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}


def shell_messages() -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for path in SHELL_FILES:
        for lineno, message, _comments, _context in extract_from_file("python", str(path), keywords=KEYWORDS):
            key = message if isinstance(message, str) else message[0]
            found.append((key, f"{path.relative_to(ROOT)}:{lineno}"))
    return found


def test_every_shell_text_is_translated() -> None:
    catalog = vietnamese_catalog()
    missing = [f"{where}: {key!r}" for key, where in shell_messages() if key not in catalog]
    assert not missing, "\n".join(missing)


def test_translations_keep_the_placeholders() -> None:
    catalog = vietnamese_catalog()
    wrong = []
    for key, where in shell_messages():
        message = catalog.get(key)
        if message is None:
            continue
        string = message.string if isinstance(message.string, str) else message.string[0]  # type: ignore[attr-defined]
        if placeholders(string) != placeholders(key):
            wrong.append(f"{where}: {key!r} -> {string!r}")
    assert not wrong, "\n".join(wrong)


def test_merged_catalog_is_used(merged_vietnamese: None) -> None:
    assert i18n.language() == "vi" and paths.i18n_dir() != ROOT / "i18n"
    assert i18n._("Log in to tipdesk") == "Đăng nhập tipdesk"
    assert i18n.ngettext("{n} row shown", "{n} rows shown", 3).format(n=3) == "Đang hiện 3 dòng"


@pytest.mark.parametrize("key", ["&File", "&Next >", "Welcome to tipdesk"])
def test_keys_have_vietnamese_text(key: str) -> None:
    string = vietnamese_catalog()[key].string  # type: ignore[attr-defined]
    assert string and string != key
