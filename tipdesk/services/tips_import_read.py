"""Reading an existing register from .xlsx or .csv, and parsing its cells.

Every problem with the file itself (missing, not a workbook, not UTF-8, no header row) raises
``UserError`` naming the file; problems with single cells are returned as row errors by the
importer, never raised.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tipdesk.domain.deadlines import VN_TZ
from tipdesk.domain.text import fold
from tipdesk.errors import UserError
from tipdesk.i18n import _

MAX_ROWS = 100_000
EXCEL_EPOCH = dt.datetime(1899, 12, 30)


@dataclass(frozen=True)
class RawTable:
    """The header row and the data rows of the first sheet (or a named one), cells as read."""

    source: str
    headers: list[str]
    rows: list[list[Any]]
    first_line: int = 2  # spreadsheet line number of rows[0]

    def cell(self, row: list[Any], header: str) -> Any:
        index = self.headers.index(header)
        return row[index] if index < len(row) else None


def _bad(path: Path, problem: str) -> UserError:
    return UserError(_("The file {name} cannot be imported: {problem}").format(name=path.name, problem=problem),
                     "import_file_invalid")


def read_table(path: Path, sheet: str | None = None) -> RawTable:
    """Read ``path`` (.xlsx or .csv); the first non-empty row holds the column names."""
    if not path.is_file():
        raise _bad(path, _("the file does not exist."))
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        lines = _xlsx_lines(path, sheet)
    elif suffix in (".csv", ".txt"):
        lines = _csv_lines(path)
    else:
        raise _bad(path, _("only .xlsx and .csv files are supported."))
    return _table(path, lines)


def _xlsx_lines(path: Path, sheet: str | None) -> list[list[Any]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise _bad(path, _("it is not a readable Excel workbook ({error}).").format(error=type(exc).__name__)) from exc
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise _bad(path, _("there is no sheet named “{sheet}”.").format(sheet=sheet))
        ws = book[sheet] if sheet else book.worksheets[0]
        lines = []
        for values in ws.iter_rows(values_only=True):
            lines.append(list(values))
            if len(lines) > MAX_ROWS + 1:
                raise _bad(path, _("it has more than {count} rows.").format(count=MAX_ROWS))
        return lines
    finally:
        book.close()


def _csv_lines(path: Path) -> list[list[Any]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _bad(path, _("it is not UTF-8 text; save it again as “CSV UTF-8”.")) from exc
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        return [list(r) for r in csv.reader(io.StringIO(text), dialect)]
    except csv.Error as exc:
        raise _bad(path, _("the CSV text is malformed ({error}).").format(error=exc)) from exc


HEADER_SEARCH_LINES = 20


def _header_line(lines: list[list[Any]]) -> int | None:
    """The header row: among the first lines, the first with the most filled cells (titles above it have one)."""
    counts = [sum(1 for c in line if _text(c)) for line in lines[:HEADER_SEARCH_LINES]]
    if not counts or max(counts) == 0:
        return None
    return counts.index(max(counts))


def _table(path: Path, lines: list[list[Any]]) -> RawTable:
    start = _header_line(lines)
    if start is None:
        raise _bad(path, _("it contains no data."))
    headers = [_text(c) for c in lines[start]]
    while headers and not headers[-1]:
        headers.pop()
    named = [h for h in headers if h]
    if len(set(named)) != len(named):
        raise _bad(path, _("two columns have the same name in the header row."))
    headers = [h or _("(column {n})").format(n=i + 1) for i, h in enumerate(headers)]
    rows = [line[: len(headers)] for line in lines[start + 1:]]
    keep = [r for r in rows if any(_text(c) for c in r)]
    if not keep:
        raise _bad(path, _("it has a header row but no data rows."))
    return RawTable(str(path), headers, rows, first_line=start + 2)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


cell_text = _text


# --- cell parsers: each returns a value or raises ValueError with a translated message ----------------------

_FORMATS = ("%d/%m/%Y %H:%M", "%H:%M %d/%m/%Y", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y", "%d-%m-%Y %H:%M", "%d-%m-%Y",
            "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d", "%d.%m.%Y")


def parse_datetime(value: Any) -> dt.datetime:
    """A cell as an aware date-time; naive values are Vietnam local time."""
    if isinstance(value, dt.datetime):
        naive = value
    elif isinstance(value, dt.date):
        naive = dt.datetime.combine(value, dt.time(0, 0))
    elif isinstance(value, int | float) and 20000 <= value <= 80000:
        naive = EXCEL_EPOCH + dt.timedelta(days=float(value))
    else:
        naive = _parse_text_datetime(_text(value))
    if naive.tzinfo is not None:
        return naive
    return naive.replace(tzinfo=VN_TZ).astimezone(dt.UTC)


def _parse_text_datetime(text: str) -> dt.datetime:
    text = " ".join(text.split())
    for fmt in _FORMATS:
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise ValueError(_("“{value}” is not a date (dd/mm/yyyy, optionally with hh:mm).").format(value=text))


_YES = {"x", "co", "1", "yes", "true", "y", "bi mat", "giu bi mat", "khan", "khan cap"}
_NO = {"", "khong", "0", "no", "false", "n", "-"}


def parse_flag(value: Any) -> bool:
    folded = fold(_text(value))
    if folded in _YES:
        return True
    if folded in _NO:
        return False
    raise ValueError(_("“{value}” is neither yes nor no (use x, có or để trống).").format(value=_text(value)))


def parse_register_no(value: Any) -> tuple[int, int | None]:
    """"12" → (12, None); "12/2026" → (12, 2026)."""
    text = _text(value)
    number, _sep, year = text.partition("/")
    try:
        parsed = int(number.strip())
        parsed_year = int(year.strip()) if year.strip() else None
    except ValueError:
        raise ValueError(_("“{value}” is not a register number.").format(value=text)) from None
    if parsed < 1:
        raise ValueError(_("A register number starts at 1."))
    return parsed, parsed_year


def match_choice(value: Any, choices: Iterable[tuple[str, Iterable[str]]]) -> str:
    """The code whose folded names include the folded cell (exactly, or as the start of a name)."""
    folded = fold(_text(value))
    table = [(code, [fold(n) for n in names]) for code, names in choices]
    for code, names in table:
        if folded in names:
            return code
    starts = {code for code, names in table if folded and any(n.startswith(folded) for n in names)}
    if len(starts) == 1:
        return starts.pop()
    raise ValueError(_("“{value}” is not one of the known values.").format(value=_text(value)))
