"""Extract messages to i18n/tipdesk.pot and update the vi and en catalogs.

Run from the repository root:  python i18n/update_catalogs.py
Translations found in i18n/vi_parts/*.po are merged into vi (the parts are then removed).
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
LANGS = ("vi", "en")


def extract() -> Catalog:
    catalog = Catalog(project="tipdesk", charset="utf-8")
    method_map = [("tipdesk/**.py", "python")]
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT), method_map=method_map, keywords=KEYWORDS, comment_tags=("TRANSLATORS:",),
        strip_comment_tags=True,
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def load(path: Path, locale: str) -> Catalog:
    if not path.exists():
        return Catalog(locale=locale, project="tipdesk", charset="utf-8")
    with open(path, "rb") as fh:
        return read_po(fh, locale=locale)


def _empty(string: object) -> bool:
    return not string or (isinstance(string, tuple) and not any(string))


def main() -> int:
    template = extract()
    with open(ROOT / "i18n" / "tipdesk.pot", "wb") as fh:
        write_po(fh, template, width=100, omit_header=False, sort_output=True)
    parts: dict[object, object] = {}
    for part in sorted((ROOT / "i18n" / "vi_parts").glob("*.po")):
        for msg in load(part, "vi"):
            if msg.id and not _empty(msg.string):
                parts[msg.id] = msg.string
    for lang in LANGS:
        po_path = ROOT / "i18n" / lang / "LC_MESSAGES" / "tipdesk.po"
        catalog = load(po_path, lang)
        if lang == "vi":
            for msg in catalog:
                if msg.id in parts and _empty(msg.string):
                    msg.string = parts[msg.id]
            for msgid, string in parts.items():
                if msgid not in catalog:
                    catalog.add(msgid, string)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.language_team = lang
        po_path.parent.mkdir(parents=True, exist_ok=True)
        with open(po_path, "wb") as fh:
            write_po(fh, catalog, width=100, sort_output=True, ignore_obsolete=True)
        missing = [m.id for m in catalog if m.id and _empty(m.string)]
        print(f"{lang}: {len(catalog)} messages, {len(missing)} untranslated")
        if lang == "vi" and missing and "-v" in sys.argv:
            for m in missing:
                print("  ", m)
    return 0


if __name__ == "__main__":
    sys.exit(main())
