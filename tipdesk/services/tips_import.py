"""Migrating an existing tip register from Excel or CSV.

The user maps columns to tip fields (``ColumnMapping``, guessed from the header names, editable in
a dialog or saved as JSON for the CLI), sees a preview with each row's errors, and imports. Nothing
is written unless every accepted row is valid: the whole import is one transaction. Rows with errors
are either a reason to stop (the default) or, with ``skip_invalid``, left out and written to an
error file (the original columns plus an error column) that the user can fix and import again.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from tipdesk.db.models.tips import Tip
from tipdesk.domain.deadlines import local_date
from tipdesk.domain.persons import trafficking_forms
from tipdesk.domain.roles import Perm
from tipdesk.domain.text import fold
from tipdesk.domain.tips import Channel, SourceType, TipEventKind
from tipdesk.errors import UserError, ValidationError
from tipdesk.events import Changes
from tipdesk.i18n import N_, _, language, ngettext
from tipdesk.services.tips_import_read import (
    RawTable,
    cell_text,
    match_choice,
    parse_datetime,
    parse_flag,
    parse_register_no,
)
from tipdesk.services.tips_types import ReporterKind, TipEventInput, TipInput
from tipdesk.services.tips_validate import CleanTip, clean_tip

if TYPE_CHECKING:
    from tipdesk.services.tips import TipService


@dataclass(frozen=True)
class ImportField:
    name: str
    label: str  # msgid
    aliases: tuple[str, ...]  # folded header names that map here
    required: bool = False


FIELDS: tuple[ImportField, ...] = (
    ImportField("register_no", N_("Register number"), ("so", "stt", "so tt", "so thu tu", "so tiep nhan",
                                                       "so vao so", "so dang ky")),
    ImportField("received_at", N_("Received (date and time)"), ("ngay tiep nhan", "thoi gian tiep nhan", "ngay",
                                                                 "ngay gio tiep nhan", "ngay nhan"), True),
    ImportField("source_type", N_("Type of source"), ("loai", "loai nguon tin", "phan loai", "loai tin")),
    ImportField("channel", N_("Channel"), ("hinh thuc", "hinh thuc tiep nhan", "kenh", "kenh tiep nhan")),
    ImportField("reporter_name", N_("Reporter's name"), ("nguoi to giac", "ho ten nguoi to giac", "nguoi bao tin",
                                                         "ho ten", "nguoi to giac bao tin")),
    ImportField("reporter_contact", N_("Reporter's contact"), ("so dien thoai", "dien thoai", "lien he", "sdt")),
    ImportField("reporter_address", N_("Reporter's address"), ("dia chi", "dia chi nguoi to giac")),
    ImportField("reporter_id_number", N_("Reporter's ID number"), ("cccd", "so cccd", "so cmnd", "can cuoc")),
    ImportField("reporter_secret", N_("Secrecy requested"), ("bi mat", "giu bi mat", "yeu cau giu bi mat")),
    ImportField("summary", N_("Summary"), ("noi dung", "tom tat", "tom tat noi dung", "noi dung to giac"), True),
    ImportField("account", N_("Full account"), ("chi tiet", "noi dung chi tiet", "tuong trinh")),
    ImportField("place_detail", N_("Place of the events"), ("dia diem", "noi xay ra", "dia diem xay ra")),
    ImportField("suspects", N_("Suspected persons"), ("doi tuong", "nguoi bi to giac", "doi tuong bi to giac")),
    ImportField("officer_name", N_("Receiving officer"), ("can bo tiep nhan", "nguoi tiep nhan", "can bo")),
    ImportField("forms", N_("Trafficking forms"), ("hinh thuc mua ban", "thu doan", "hinh thuc mua ban nguoi")),
    ImportField("urgent", N_("Urgent"), ("khan cap", "khan")),
    ImportField("transferred_at", N_("Transferred on"), ("ngay chuyen", "ngay chuyen giao")),
    ImportField("transferred_to", N_("Transferred to"), ("noi nhan", "chuyen den", "co quan nhan", "chuyen cho")),
)
FIELD_NAMES = tuple(f.name for f in FIELDS)
_SOURCE_WORDS = {"to_giac": ("to giac",), "tin_bao": ("tin bao", "tin bao ve toi pham"),
                 "kien_nghi_khoi_to": ("kien nghi khoi to", "kien nghi")}
_CHANNEL_WORDS = {
    "in_person_oral": ("truc tiep", "truc tiep bang loi", "loi noi"), "in_person_written": ("don", "truc tiep bang don"),
    "phone": ("dien thoai",), "hotline_111": ("111", "duong day nong", "tong dai 111"),
    "post": ("buu dien", "buu chinh", "thu", "cong van"), "electronic": ("dien tu", "email", "thu dien tu"),
    "agency_transfer": ("co quan chuyen", "chuyen den", "co quan khac chuyen"), "media": ("bao chi", "truyen thong"),
}


def field_label(name: str) -> str:
    return next((_(f.label) for f in FIELDS if f.name == name), name)


@dataclass
class ColumnMapping:
    """Which spreadsheet column feeds which field; ``defaults`` fill unmapped source type and channel."""

    columns: dict[str, str] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)
    sheet: str | None = None

    @classmethod
    def guess(cls, headers: Sequence[str]) -> ColumnMapping:
        folded = {fold(h): h for h in headers}
        columns: dict[str, str] = {}
        for f in FIELDS:
            names = (*f.aliases, fold(f.name.replace("_", " ")), fold(_(f.label)))
            hit = next((folded[a] for a in names if a in folded and folded[a] not in columns.values()), None)
            if hit is not None:
                columns[f.name] = hit
        return cls(columns)

    @classmethod
    def load(cls, path: Path) -> ColumnMapping:
        try:
            data = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise UserError(_("The mapping file {name} cannot be read: {error}").format(name=path.name, error=exc),
                            "mapping_invalid") from exc
        if not isinstance(data, dict) or not isinstance(data.get("columns"), dict):
            raise UserError(_("The mapping file {name} needs a “columns” object (field → column name).").format(
                name=path.name), "mapping_invalid")
        unknown = sorted(set(data["columns"]) - set(FIELD_NAMES))
        if unknown:
            raise UserError(_("The mapping file names an unknown field: {field}").format(field=unknown[0]),
                            "mapping_invalid")
        return cls({str(k): str(v) for k, v in data["columns"].items() if v},
                   {str(k): str(v) for k, v in dict(data.get("defaults") or {}).items()}, data.get("sheet"))

    def save(self, path: Path) -> None:
        path.write_text(json.dumps({"columns": self.columns, "defaults": self.defaults, "sheet": self.sheet},
                                   ensure_ascii=False, indent=1), "utf-8")

    def check(self, table: RawTable) -> None:
        missing = [f for f in FIELDS if f.required and f.name not in self.columns]
        if missing:
            raise UserError(_("Choose the column for “{field}”.").format(field=_(missing[0].label)), "mapping_missing")
        absent = sorted(v for v in self.columns.values() if v not in table.headers)
        if absent:
            raise UserError(_("The file has no column named “{column}”.").format(column=absent[0]), "mapping_invalid")


@dataclass(frozen=True)
class RowResult:
    line: int  # line number in the spreadsheet
    cells: list[Any]
    errors: tuple[str, ...]
    clean: CleanTip | None = None
    register_no: int | None = None
    transfer: TipEventInput | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class ImportPreview:
    rows: list[RowResult]

    @property
    def valid(self) -> int:
        return sum(1 for r in self.rows if r.ok)

    @property
    def invalid(self) -> int:
        return len(self.rows) - self.valid


@dataclass(frozen=True)
class ImportResult:
    imported: int
    rejected: int
    error_file: Path | None


class TipImporter:
    def __init__(self, tips: TipService) -> None:
        self.tips = tips
        self.desk = tips.desk

    def preview(self, table: RawTable, mapping: ColumnMapping) -> ImportPreview:
        """Check every row (values, dates, register numbers against the database and the file)."""
        self.desk.require(Perm.TIP_IMPORT)
        mapping.check(table)
        parsed = [self._parse(table, mapping, table.first_line + i, row) for i, row in enumerate(table.rows)
                  if any(cell_text(c) for c in row)]
        return ImportPreview(self._check_numbers(parsed))

    def run(self, table: RawTable, mapping: ColumnMapping, *, skip_invalid: bool = False,
            error_file: Path | None = None) -> ImportResult:
        """Import all rows in one transaction, or none. Rejected rows go to ``error_file``."""
        preview = self.preview(table, mapping)
        if preview.invalid and not skip_invalid:
            raise UserError(ngettext("{count} row has errors; nothing was imported. Fix it or import only the "
                                     "valid rows.", "{count} rows have errors; nothing was imported. Fix them or "
                                     "import only the valid rows.", preview.invalid).format(count=preview.invalid),
                            "import_rows_invalid")
        good = [r for r in preview.rows if r.ok]
        if not good:
            raise UserError(_("No row can be imported; nothing was written."), "import_nothing")
        written = None
        if preview.invalid:
            written = write_error_file(error_file or default_error_path(Path(table.source)), table, preview.rows)
        with self.desk.write(Changes.of("tip")) as session:
            for row in sorted(good, key=lambda r: r.register_no is None):  # explicit numbers first
                assert row.clean is not None
                tip = self.tips.create_in(session, row.clean, row.register_no)
                if row.transfer is not None:
                    self.tips.record_in(session, tip, row.transfer)
            self.desk.audit.append(session, "import", "tip", "", {"file": Path(table.source).name,
                                                                  "imported": len(good), "rejected": preview.invalid})
        return ImportResult(len(good), preview.invalid, written)

    # -- one row -----------------------------------------------------------------------------------------------
    def _parse(self, table: RawTable, mapping: ColumnMapping, line: int, cells: list[Any]) -> RowResult:
        errors: list[str] = []

        def get(name: str) -> Any:
            header = mapping.columns.get(name)
            return table.cell(cells, header) if header else None

        def parse(name: str, parser: Any, default: Any = None) -> Any:
            value = get(name)
            if cell_text(value) == "":
                return default
            try:
                return parser(value)
            except ValueError as exc:
                errors.append(f"{field_label(name)}: {exc}")
                return default

        values = {n: cell_text(get(n)) for n in ("reporter_name", "reporter_contact", "reporter_address",
                                                 "reporter_id_number", "summary", "account", "place_detail",
                                                 "suspects", "officer_name")}
        received = parse("received_at", parse_datetime)
        number = parse("register_no", parse_register_no)
        data = TipInput(
            source_type=SourceType(parse("source_type", _source, mapping.defaults.get("source_type", "to_giac"))),
            channel=Channel(parse("channel", _channel, mapping.defaults.get("channel", "in_person_oral"))),
            received_at=received or dt.datetime(1900, 1, 1, tzinfo=dt.UTC),
            reporter_secret=parse("reporter_secret", parse_flag, False), urgent=parse("urgent", parse_flag, False),
            forms=parse("forms", _forms, ()), summary=values["summary"], account=values["account"],
            reporter_kind=ReporterKind.PERSON if values["reporter_name"] else ReporterKind.ANONYMOUS,
            reporter_name=values["reporter_name"], reporter_contact=values["reporter_contact"],
            reporter_address=values["reporter_address"], reporter_id_number=values["reporter_id_number"],
            place_detail=values["place_detail"], suspects=values["suspects"], officer_name=values["officer_name"],
        )
        if received is None and not errors:
            errors.append(_("{field}: empty").format(field=field_label("received_at")))
        clean = self._clean(data, errors) if not errors else None
        transfer = self._transfer(parse("transferred_at", parse_datetime), cell_text(get("transferred_to")), errors)
        year = local_date(received).year if received else None
        if number and number[1] is not None and year is not None and number[1] != year:
            errors.append(_("The register number {number} belongs to another year than the reception date.").format(
                number=cell_text(get("register_no"))))
        return RowResult(line, list(cells), tuple(errors), clean, number[0] if number else None, transfer)

    def _clean(self, data: TipInput, errors: list[str]) -> CleanTip | None:
        try:
            return clean_tip(data, self.desk.now(), self.tips.default_officer_name())
        except ValidationError as exc:
            name = next(iter(exc.fields), "")
            errors.append(f"{field_label(name)}: {exc.message}" if name else exc.message)
            return None

    @staticmethod
    def _transfer(when: dt.datetime | None, to: str, errors: list[str]) -> TipEventInput | None:
        if when is None and not to:
            return None
        if when is None or not to:
            errors.append(_("Give both the transfer date and the agency it went to, or neither."))
            return None
        return TipEventInput(TipEventKind.TRANSFERRED, when, recipient=to)

    def _check_numbers(self, rows: list[RowResult]) -> list[RowResult]:
        """Register numbers must be free in the database and unique in the file."""
        unit = self.desk.installation.unit_code
        wanted = {(local_date(r.clean.values["received_at"]).year, r.register_no)  # type: ignore[arg-type]
                  for r in rows if r.clean is not None and r.register_no is not None}
        years = {y for y, _n in wanted}
        with self.desk.read() as session:
            rows_used = session.execute(select(Tip.register_year, Tip.register_no).where(
                Tip.unit_code == unit, Tip.register_year.in_(years))).all() if years else []
            used = {(int(y), int(n)) for y, n in rows_used}
        seen: set[tuple[int, int]] = set()
        result = []
        for r in rows:
            if r.clean is None or r.register_no is None:
                result.append(r)
                continue
            key = (local_date(r.clean.values["received_at"]).year, r.register_no)  # type: ignore[arg-type]
            problem = _("Register number {number} is already used in the register.") if key in used else \
                _("Register number {number} appears twice in the file.") if key in seen else ""
            seen.add(key)
            if problem:
                r = replace(r, errors=(*r.errors, problem.format(number=f"{key[1]:02d}/{key[0]}")))
            result.append(r)
        return result


def _source(value: Any) -> str:
    return match_choice(value, [(s.value, (s.value, s.label(), *_SOURCE_WORDS[s.value])) for s in SourceType])


def _channel(value: Any) -> str:
    return match_choice(value, [(c.value, (c.value, c.label(), *_CHANNEL_WORDS[c.value])) for c in Channel])


def _forms(value: Any) -> tuple[str, ...]:
    choices = [(f.code, (f.code, f.name_vi, f.name_en)) for f in trafficking_forms()]
    parts = [p for p in cell_text(value).replace(";", ",").split(",") if p.strip()]
    return tuple(dict.fromkeys(match_choice(p, choices) for p in parts))


def default_error_path(source: Path) -> Path:
    suffix = ".xlsx" if source.suffix.lower() in (".xlsx", ".xlsm") else ".csv"
    word = "loi" if language() == "vi" else "errors"
    return source.with_name(f"{source.stem}_{word}{suffix}")


def write_error_file(path: Path, table: RawTable, rows: Sequence[RowResult]) -> Path:
    """The rejected rows with their original cells and an error column, as .xlsx or .csv (UTF-8)."""
    headers = [*table.headers, _("Errors")]
    bad = [[*r.cells, *[None] * (len(table.headers) - len(r.cells)), "; ".join(r.errors)] for r in rows if not r.ok]
    if path.suffix.lower() == ".xlsx":
        import openpyxl

        book = openpyxl.Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.append(headers)
        for line in bad:
            sheet.append(line)
        book.save(path)
    else:
        with open(path, "w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(headers)
            writer.writerows([[cell_text(c) for c in line] for line in bad])
    return path
