"""Bundled Unicode fonts for PDF output.

reportlab's built-in Type 1 fonts (Times-Roman, Helvetica) have no Vietnamese
glyphs, so tipdesk ships Liberation Serif (metric-compatible with Times New
Roman, as Decree 30/2020/NĐ-CP asks) and Liberation Sans (charts) under
``resources/fonts/`` (SIL OFL 1.1) and embeds subsets of them in every PDF.
The app never uses system fonts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from tipdesk import paths
from tipdesk.errors import UserError
from tipdesk.i18n import _


@dataclass(frozen=True)
class FontNames:
    """reportlab names of the registered fonts (use these in styles and canvases)."""

    family: str = "TipdeskSerif"
    regular: str = "TipdeskSerif"
    bold: str = "TipdeskSerif-Bold"
    italic: str = "TipdeskSerif-Italic"
    bold_italic: str = "TipdeskSerif-BoldItalic"
    sans: str = "TipdeskSans"
    sans_bold: str = "TipdeskSans-Bold"


FONT_FILES: dict[str, str] = {
    "TipdeskSerif": "LiberationSerif-Regular.ttf",
    "TipdeskSerif-Bold": "LiberationSerif-Bold.ttf",
    "TipdeskSerif-Italic": "LiberationSerif-Italic.ttf",
    "TipdeskSerif-BoldItalic": "LiberationSerif-BoldItalic.ttf",
    "TipdeskSans": "LiberationSans-Regular.ttf",
    "TipdeskSans-Bold": "LiberationSans-Bold.ttf",
}


def font_paths(directory: Path | None = None) -> dict[str, Path]:
    """Map each reportlab font name to its bundled file; raise UserError if one is missing."""
    base = directory if directory is not None else paths.fonts_dir()
    result = {name: base / filename for name, filename in FONT_FILES.items()}
    for path in result.values():
        if not path.is_file():
            raise UserError(
                _("The font file {path} is missing. Reinstall tipdesk to restore it.").format(path=path),
                code="font_missing",
            )
    return result


def _register_one(name: str, path: Path) -> None:
    if name in pdfmetrics.getRegisteredFontNames():
        return
    try:
        pdfmetrics.registerFont(TTFont(name, str(path)))
    except (TTFError, OSError) as exc:
        raise UserError(
            _("The font file {path} cannot be read. Reinstall tipdesk to restore it.").format(path=path),
            code="font_unreadable",
        ) from exc


def register_fonts(directory: Path | None = None) -> FontNames:
    """Register the bundled fonts with reportlab (idempotent) and return their names.

    The files are checked on every call, so a missing font is reported even
    when an earlier call already registered it.
    """
    names = FontNames()
    files = font_paths(directory)
    for name, path in files.items():
        _register_one(name, path)
    pdfmetrics.registerFontFamily(
        names.family, normal=names.regular, bold=names.bold, italic=names.italic, boldItalic=names.bold_italic
    )
    pdfmetrics.registerFontFamily(
        names.sans, normal=names.sans, bold=names.sans_bold, italic=names.sans, boldItalic=names.sans_bold
    )
    return names
