"""Reference data shipped as JSON under ``resources/data``: one cached loader plus validation helpers.

Laws change, so deadlines, support types, evidence items and trafficking forms are
data files. A malformed file raises ``UserError`` (code ``data_invalid``) naming the
file and the problem, never a bare ``KeyError``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from tipdesk import paths
from tipdesk.errors import UserError
from tipdesk.i18n import N_, _

T = TypeVar("T")

# Labels and legal references of the shipped deadline rules are gettext msgids kept in
# JSON, which Babel cannot extract: they are listed here (a test keeps the lists in step).
DEFAULT_RULE_MSGIDS = (
    N_("Transfer to the competent investigation agency"),
    N_("Notify the procuracy in writing"),
    N_("Decision on the tip (20 days)"),
    N_("Decision on the tip (extended, 2 months)"),
    N_("Request an extension from the procuracy (at least 5 days before expiry)"),
    N_("Decision on the tip (extended by the procuracy)"),
    N_("Send the suspension decision to the procuracy"),
    N_("Decision after resumption (1 month)"),
    N_("Initial verification after hand-over to the provincial health department"),
    N_("Essential-needs support period"),
    N_("Criminal Procedure Code 2015 Art 146(3), amended 2021; Joint Circular 01/2017"),
    N_("Criminal Procedure Code 2015 Art 146"),
    N_("Criminal Procedure Code 2015 Art 147(1)"),
    N_("Criminal Procedure Code 2015 Art 147(2)"),
    N_("Criminal Procedure Code 2015 Art 147"),
    N_("Criminal Procedure Code 2015 Art 148"),
    N_("Criminal Procedure Code 2015 Art 149"),
    N_("Law 53/2024/QH15 Art 27, amended by Law 86/2025/QH15"),
    N_("Law 53/2024/QH15 Chapter V; Decree 162/2025/NĐ-CP"),
)

_TYPE_NAMES: Mapping[type, str] = {
    str: N_("text"), int: N_("a whole number"), bool: N_("true or false"), list: N_("a list"), dict: N_("an object"),
}


def data_dir() -> Path:
    return paths.resources_dir() / "data"


def invalid(source: str, problem: str) -> UserError:
    """The error for a malformed data file ``source`` (already translated ``problem``)."""
    return UserError(
        _("The data file {file} is invalid: {problem}").format(file=source, problem=problem), code="data_invalid"
    )


def read_json(path: Path) -> Any:
    """Parse ``path`` as JSON; unreadable or malformed files raise ``UserError``."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(
            _("The data file {file} cannot be read: {error}").format(file=path, error=exc.strerror or exc),
            code="data_unreadable",
        ) from exc
    try:
        return json.loads(text)
    except ValueError as exc:
        raise invalid(str(path), _("not valid JSON ({error})").format(error=exc)) from exc


@functools.cache
def load(name: str) -> Any:
    """The parsed JSON of ``resources/data/<name>``, read once per process. Treat as read-only."""
    return read_json(data_dir() / name)


def clear_cache() -> None:
    """Forget cached files (tests, or after the data directory changed)."""
    load.cache_clear()


def field(obj: Mapping[str, Any], name: str, kind: type[T], where: str, source: str) -> T:
    """``obj[name]`` checked to be of ``kind`` (bool is not accepted as int)."""
    if name not in obj:
        raise invalid(source, _("{where}: missing field “{field}”").format(where=where, field=name))
    value = obj[name]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise invalid(
            source,
            _("{where}: field “{field}” must be {kind}").format(
                where=where, field=name, kind=_(_TYPE_NAMES.get(kind, kind.__name__))
            ),
        )
    return value


def optional(obj: Mapping[str, Any], name: str, kind: type[T], where: str, source: str, default: T) -> T:
    if obj.get(name) is None:
        return default
    return field(obj, name, kind, where, source)


def text(obj: Mapping[str, Any], name: str, where: str, source: str) -> str:
    value = field(obj, name, str, where, source).strip()
    if not value:
        raise invalid(source, _("{where}: field “{field}” is empty").format(where=where, field=name))
    return value


def text_list(obj: Mapping[str, Any], name: str, where: str, source: str) -> tuple[str, ...]:
    values = optional(obj, name, list, where, source, [])
    if not all(isinstance(v, str) and v.strip() for v in values):
        raise invalid(source, _("{where}: field “{field}” must be a list of names").format(where=where, field=name))
    return tuple(v.strip() for v in values)


def object_list(data: Any, name: str, source: str) -> Sequence[Mapping[str, Any]]:
    """``data[name]``: a non-empty list of JSON objects."""
    if not isinstance(data, dict):
        raise invalid(source, _("the top level must be a JSON object"))
    items = field(data, name, list, source, source)
    if not items:
        raise invalid(source, _("the list “{field}” is empty").format(field=name))
    for index, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise invalid(source, _("entry {index} of “{field}” is not an object").format(index=index, field=name))
    return items


def unique_codes(codes: Sequence[str], source: str) -> None:
    seen: set[str] = set()
    for code in codes:
        if code in seen:
            raise invalid(source, _("the code “{code}” appears twice").format(code=code))
        seen.add(code)
