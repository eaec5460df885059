"""gettext for tipdesk: ``_``, ``N_``, ``ngettext`` and Babel formatting.

Vietnamese (``vi``) is the default language, English (``en``) the second.
Catalogs live in ``i18n/<lang>/LC_MESSAGES/tipdesk.po``; the compiled ``.mo``
is rebuilt from the ``.po`` whenever it is missing or older, so a compiled
catalog is never stale. A translation whose ``{placeholders}`` differ from
the source is ignored (the source string is used), like Electrum's guard.
"""

from __future__ import annotations

import datetime as dt
import gettext as _gettext
import io
import re
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers

from tipdesk import paths

DOMAIN = "tipdesk"
LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"
_PLACEHOLDER = re.compile(r"\{[^{}]*\}|%\([a-z_]+\)[sd]|%[sd]")

_lock = threading.Lock()
_language = DEFAULT_LANGUAGE
_translations: _gettext.NullTranslations = _gettext.NullTranslations()
_listeners: list[Any] = []


def placeholders(text: str) -> list[str]:
    return sorted(_PLACEHOLDER.findall(text))


def _compile(po_path: Path) -> bytes:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with open(po_path, "rb") as fh:
        catalog = read_po(fh, locale=po_path.parent.parent.name)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    return buf.getvalue()


def compiled_catalog(lang: str) -> bytes | None:
    """Return the .mo bytes for ``lang``, recompiling when the .po is newer."""
    po = paths.i18n_dir() / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    mo = po.with_suffix(".mo")
    if not po.exists():
        return mo.read_bytes() if mo.exists() else None
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        return mo.read_bytes()
    data = _compile(po)
    try:
        tmp = mo.with_suffix(".mo.tmp")
        tmp.write_bytes(data)
        tmp.replace(mo)
    except OSError:
        pass  # read-only install: use the in-memory compile
    return data


class _GuardedTranslations(_gettext.GNUTranslations):
    def gettext(self, message: str) -> str:
        translated = super().gettext(message)
        if translated is not message and placeholders(translated) != placeholders(message):
            return message
        return translated

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        translated = super().ngettext(msgid1, msgid2, n)
        source = msgid1 if n == 1 else msgid2
        if placeholders(translated) != placeholders(source) and placeholders(translated) != placeholders(msgid2):
            return source
        return translated


def set_language(lang: str | None) -> str:
    """Activate ``lang`` (``vi`` or ``en``); returns the language in force."""
    global _language, _translations
    lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
    with _lock:
        data = compiled_catalog(lang)
        if data:
            _translations = _GuardedTranslations(io.BytesIO(data))
        else:
            _translations = _gettext.NullTranslations()
        _language = lang
    for listener in list(_listeners):
        listener(lang)
    return lang


def on_language_changed(callback: Any) -> None:
    _listeners.append(callback)


def language() -> str:
    return _language


def _(message: str) -> str:
    return _translations.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translations.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a string for extraction; translate it later with ``_()``."""
    return message


def locale() -> Locale:
    return Locale.parse("vi_VN" if _language == "vi" else "en_GB")


def local_tz() -> dt.tzinfo:
    tz = dt.datetime.now().astimezone().tzinfo
    assert tz is not None
    return tz


def to_local(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(local_tz())


def format_date(value: dt.date | dt.datetime | None, fmt: str = "short") -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = to_local(value).date()
    if _language == "vi":
        return value.strftime("%d/%m/%Y")
    return babel_dates.format_date(value, format=fmt, locale=locale())


def format_datetime(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    local = to_local(value)
    if _language == "vi":
        return local.strftime("%H:%M %d/%m/%Y")
    return babel_dates.format_datetime(local, format="short", locale=locale())


def format_number(value: int | float | Decimal) -> str:
    return babel_numbers.format_decimal(value, locale=locale())


def format_percent(value: float) -> str:
    return babel_numbers.format_percent(value, format="#,##0.0%", locale=locale())


def format_vnd(amount: int | Decimal) -> str:
    """VND amounts: no minor unit; ``1.500.000 ₫`` in Vietnamese."""
    return babel_numbers.format_currency(amount, "VND", locale=locale(), currency_digits=True)


set_language(DEFAULT_LANGUAGE)
