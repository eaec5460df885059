"""Every msgid has a Vietnamese translation with the same placeholders; catalogs are never stale."""

from __future__ import annotations

import io

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from tipdesk import i18n, paths

KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}


def _source_msgids() -> set[object]:
    root = paths.i18n_dir().parent
    found: set[object] = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(
        str(root), method_map=[("tipdesk/**.py", "python")], keywords=KEYWORDS
    ):
        found.add(message)
    return found


def _catalog(lang: str):  # type: ignore[no-untyped-def]
    with open(paths.i18n_dir() / lang / "LC_MESSAGES" / "tipdesk.po", "rb") as fh:
        return read_po(fh, locale=lang)


def test_every_msgid_has_a_vietnamese_translation() -> None:
    catalog = _catalog("vi")
    translated = {m.id for m in catalog if m.id and m.string and not m.fuzzy
                  and (all(m.string) if isinstance(m.string, tuple) else True)}
    missing = sorted(str(m) for m in _source_msgids() - translated)
    assert not missing, f"{len(missing)} msgids lack a Vietnamese translation: {missing[:20]}"


def test_placeholders_match() -> None:
    bad = []
    for lang in i18n.LANGUAGES:
        for m in _catalog(lang):
            if not m.id or not m.string:
                continue
            ids = m.id if isinstance(m.id, tuple) else (m.id,)
            strings = m.string if isinstance(m.string, tuple) else (m.string,)
            for s in strings:
                if s and i18n.placeholders(s) != i18n.placeholders(ids[-1]):
                    bad.append((lang, ids[0], s))
    assert not bad, bad[:10]


def test_compiled_catalog_is_never_stale() -> None:
    for lang in i18n.LANGUAGES:
        po = paths.i18n_dir() / lang / "LC_MESSAGES" / "tipdesk.po"
        with open(po, "rb") as fh:
            catalog = read_po(fh, locale=lang)
        buf = io.BytesIO()
        write_mo(buf, catalog, use_fuzzy=False)
        assert i18n.compiled_catalog(lang) == buf.getvalue()


def test_guard_rejects_a_translation_with_other_placeholders(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from babel.messages.catalog import Catalog

    cat = Catalog(locale="vi")
    cat.add("Hello {name}", "Xin chào {ten}")
    cat.add("Good", "Tốt")
    buf = io.BytesIO()
    write_mo(buf, cat)
    t = i18n._GuardedTranslations(io.BytesIO(buf.getvalue()))
    assert t.gettext("Hello {name}") == "Hello {name}"
    assert t.gettext("Good") == "Tốt"


def test_vietnamese_is_default_and_formats() -> None:
    assert i18n.language() == "vi"
    assert i18n.format_vnd(1500000) == "1.500.000\xa0₫"
    i18n.set_language("en")
    assert i18n.format_vnd(1500000) == "₫1,500,000"
    i18n.set_language("vi")
