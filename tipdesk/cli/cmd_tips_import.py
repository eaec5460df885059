"""``tipdesk tips import-register``: preview and import an existing register (see services.tips_import)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from tipdesk.cli.common import emit_json
from tipdesk.i18n import _, ngettext
from tipdesk.services.context import Desk
from tipdesk.services.tips import TipService
from tipdesk.services.tips_import import ColumnMapping, ImportPreview, TipImporter, field_label
from tipdesk.services.tips_import_read import read_table

MAX_SHOWN = 50


def _report(preview: ImportPreview) -> None:
    print(_("{valid} valid rows, {invalid} rows with errors.").format(valid=preview.valid, invalid=preview.invalid))
    bad = [r for r in preview.rows if not r.ok]
    for row in bad[:MAX_SHOWN]:
        print(_("  line {line}: {errors}").format(line=row.line, errors="; ".join(row.errors)))
    if len(bad) > MAX_SHOWN:
        print(ngettext("  ... and {count} more row", "  ... and {count} more rows", len(bad) - MAX_SHOWN).format(
            count=len(bad) - MAX_SHOWN))


def run_import(args: argparse.Namespace, with_desk: Any) -> int:
    mapping = ColumnMapping.load(Path(args.mapping)) if args.mapping else None
    table = read_table(Path(args.file), args.sheet or (mapping.sheet if mapping else None))
    if mapping is None:
        mapping = ColumnMapping.guess(table.headers)
        if not args.json:
            print(_("Columns guessed from the header row:"))
            for name, header in mapping.columns.items():
                print(f"  {field_label(name)} ← {header}")
    if args.save_mapping:
        mapping.save(Path(args.save_mapping))

    def work(desk: Desk, tips: TipService) -> Any:
        importer = TipImporter(tips)
        preview = importer.preview(table, mapping)
        if args.dry_run:
            return preview, None
        return preview, importer.run(table, mapping, skip_invalid=args.skip_invalid,
                                     error_file=Path(args.errors) if args.errors else None)

    preview, result = with_desk(args, work)
    if args.json:
        emit_json({"valid": preview.valid, "invalid": preview.invalid, "result": result, "mapping": mapping.columns,
                   "errors": [{"line": r.line, "errors": r.errors} for r in preview.rows if not r.ok]})
        return 0 if preview.invalid == 0 or result is not None else 1
    _report(preview)
    if result is None:
        print(_("Dry run: nothing was written."))
        return 0 if preview.invalid == 0 else 1
    print(_("{count} tips imported.").format(count=result.imported))
    if result.error_file is not None:
        print(_("{count} rows were left out and written to {path}; fix them there and import that file.").format(
            count=result.rejected, path=result.error_file))
    return 0
