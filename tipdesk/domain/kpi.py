"""The five targets of the national plans, each a numerator over a denominator counted from tip events.

The targets are data (``resources/data/kpi_targets.json``, or an edited copy in the installation's
data folder): Plan 19/KH-BCĐ138/CP (15/01/2024, under Decision 193/QĐ-TTg) asks that 100% of tips
be received, classified and handled; above 90% be resolved; above 90% of prosecuted cases be
discovered (điều tra, khám phá); 95% be resolved and indicted (truy tố); 90% be tried.

**One formula for all five: the workload of the period.** Each target names three sets of tip
event kinds: ``entry`` (the tip enters the population), ``done`` (the target is achieved for it)
and ``exclude`` (it leaves the population: outside the remit). For a tip, ``entry_at``,
``done_at`` and ``excluded_at`` are the first events of those kinds. For a period ``[S, E)``
(local midnights, see :mod:`tipdesk.domain.report_periods`; ``E`` is capped at the moment of the
report for a period still running):

* **denominator** = tips with ``entry_at < E``, not done before the period (``done_at`` is empty
  or ``done_at >= S``) and not excluded by its end (``excluded_at`` empty or ``>= E``): the
  tips carried over from earlier periods plus those that entered during it, like the "số phải
  giải quyết" (carried over + new) of the statistics regimes;
* **numerator** = the tips of the denominator with ``S <= done_at < E``;
* **rate** = numerator / denominator; with a denominator of 0 there is *no data* (never 0%);
* **met** = rate >= target (``at_least``) or rate > target (``above``); unknown without data.

The shipped definitions:

1. *tips_handled*: entry ``received``; done: the first step after receipt (verification,
   transfer, transfer outside the remit, decision or suspension).
2. *tips_resolved*: entry ``received``; done: a decision to open or not to open a case;
   tips transferred outside the remit (``transferred_other``) are excluded.
3. *cases_solved*: entry ``decision_prosecute``; done ``case_solved``.
4. *cases_indicted*: entry ``case_solved``; done ``indicted``.
5. *cases_tried*: entry ``indicted``; done ``tried``.

A "case" is a tip that led to a decision to open a case. The upstream steps ``case_solved``
(the investigation identified and charged the offenders: khởi tố bị can), ``indicted`` (the
procuracy indicted: truy tố) and ``tried`` (first-instance trial: xét xử sơ thẩm) are not yet
tip event kinds of the tips feature: they are named here (``UPSTREAM_EVENTS``), recorded by the
commune when the outcome is reported back, in a tip whose status stays "case opened".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from tipdesk.domain import refdata
from tipdesk.domain.tips import TipEventKind
from tipdesk.i18n import N_, _, language

FILE_NAME = "kpi_targets.json"
FORMAT = 1

# Upstream outcomes the targets 3-5 count (not yet TipEventKind values: see the module docstring).
CASE_SOLVED = "case_solved"
INDICTED = "indicted"
TRIED = "tried"
UPSTREAM_EVENTS: Mapping[str, str] = {
    CASE_SOLVED: N_("Case investigated and solved (accused charged)"),
    INDICTED: N_("Case indicted by the procuracy"),
    TRIED: N_("Case tried at first instance"),
}


def known_events() -> frozenset[str]:
    return frozenset(k.value for k in TipEventKind) | frozenset(UPSTREAM_EVENTS)


def event_label(kind: str) -> str:
    """The translated name of a tip event kind (tips' own kinds or the upstream ones)."""
    if kind in UPSTREAM_EVENTS:
        return _(UPSTREAM_EVENTS[kind])
    try:
        return TipEventKind(kind).label()
    except ValueError:
        return kind


class Comparison(StrEnum):
    AT_LEAST = "at_least"
    ABOVE = "above"

    def symbol(self) -> str:
        return "≥" if self is Comparison.AT_LEAST else ">"


@dataclass(frozen=True)
class Texts:
    vi: str
    en: str

    def text(self, lang: str | None = None) -> str:
        return self.vi if (lang or language()) == "vi" else self.en


@dataclass(frozen=True)
class KpiOutcome:
    numerator: int
    denominator: int
    rate: float | None  # percent; None: no data
    met: bool | None  # None: no data


@dataclass(frozen=True)
class KpiTarget:
    code: str
    name: Texts
    short: Texts
    target_pct: float
    comparison: Comparison
    entry: tuple[str, ...]
    done: tuple[str, ...]
    exclude: tuple[str, ...] = ()

    def evaluate(self, numerator: int, denominator: int) -> KpiOutcome:
        """Rate and verdict; no data (``None``) when the denominator is 0."""
        if numerator < 0 or denominator < 0 or numerator > denominator:
            raise ValueError(f"impossible figures {numerator}/{denominator} for {self.code}")
        if denominator == 0:
            return KpiOutcome(numerator, denominator, None, None)
        rate = 100.0 * numerator / denominator
        met = rate >= self.target_pct if self.comparison is Comparison.AT_LEAST else rate > self.target_pct
        return KpiOutcome(numerator, denominator, rate, met)

    def target_text(self) -> str:
        """"≥ 100%" / "> 90%"."""
        return f"{self.comparison.symbol()} {_format_pct(self.target_pct)}%"

    def footnote(self) -> str:
        """The formula in words, from the event lists (so it never drifts from what is counted)."""
        numerator = _("Numerator: the tips of the denominator whose first {done} falls within the period.").format(
            done=_joined(self.done))
        denominator = _("Denominator: the tips with {entry} before the end of the period and no {done} before "
                        "its start (carried over and new).").format(entry=_joined(self.entry),
                                                                    done=_joined(self.done))
        parts = [numerator, denominator]
        if self.exclude:
            parts.append(_("Tips with {excluded} by the end of the period are not counted.").format(
                excluded=_joined(self.exclude)))
        return " ".join(parts)


def _joined(kinds: Sequence[str]) -> str:
    """“A”, “B” or “C”."""
    quoted = [f"“{event_label(k)}”" for k in kinds]
    if len(quoted) == 1:
        return quoted[0]
    return _("{items} or {last}").format(items=", ".join(quoted[:-1]), last=quoted[-1])


def _format_pct(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


@dataclass(frozen=True)
class ReportSettings:
    """Texts of the printed report that depend on the agency (configuration, not law)."""

    subject: Texts
    number_suffix: Mapping[str, str]
    signer: Mapping[str, Texts]
    parent_agency: Mapping[str, Texts]
    recipients: Mapping[str, tuple[Texts, ...]]


@dataclass(frozen=True)
class KpiTargets:
    plan_ref: Texts
    deadline_rule: str
    targets: tuple[KpiTarget, ...]
    report: ReportSettings

    def target(self, code: str) -> KpiTarget:
        for target in self.targets:
            if target.code == code:
                return target
        raise KeyError(code)

    def event_sets(self) -> dict[str, tuple[str, ...]]:
        """Every distinct event-kind set the targets use, keyed by a stable column name."""
        sets: dict[tuple[str, ...], str] = {}
        for target in self.targets:
            for kinds in (target.entry, target.done, target.exclude):
                if kinds and kinds not in sets:
                    sets[kinds] = f"ev{len(sets)}"
        return {name: kinds for kinds, name in sets.items()}

    def column_of(self, kinds: tuple[str, ...]) -> str | None:
        for name, value in self.event_sets().items():
            if value == kinds:
                return name
        return None


# --- loading ------------------------------------------------------------------------------------------------


def load_targets(path: Path | None = None) -> KpiTargets:
    if path is None:
        return parse_targets(refdata.load(FILE_NAME), FILE_NAME)
    return parse_targets(refdata.read_json(path), str(path))


def targets_for(data_dir: Path | None) -> KpiTargets:
    """The installation's edited copy (``<data dir>/kpi_targets.json``) if any, else the shipped targets."""
    override = data_dir / FILE_NAME if data_dir is not None else None
    return load_targets(override if override is not None and override.exists() else None)


def _texts(item: Mapping[str, Any], prefix: str, where: str, source: str) -> Texts:
    return Texts(refdata.text(item, f"{prefix}vi", where, source), refdata.text(item, f"{prefix}en", where, source))


def _events(item: Mapping[str, Any], name: str, where: str, source: str, required: bool) -> tuple[str, ...]:
    kinds = refdata.text_list(item, name, where, source)
    if required and not kinds:
        raise refdata.invalid(source, _("{where}: “{field}” needs at least one event").format(where=where, field=name))
    for kind in kinds:
        if kind not in known_events():
            raise refdata.invalid(source, _("{where}: unknown event “{event}”").format(where=where, event=kind))
    return tuple(dict.fromkeys(kinds))


def _target(item: Mapping[str, Any], index: int, source: str) -> KpiTarget:
    where = _("target {index}").format(index=index)
    pct = item.get("target_pct")
    if isinstance(pct, bool) or not isinstance(pct, int | float) or not 0 < pct <= 100:
        raise refdata.invalid(source, _("{where}: “target_pct” must be a percentage above 0 and at most 100")
                              .format(where=where))
    comparison = refdata.text(item, "comparison", where, source)
    if comparison not in Comparison._value2member_map_:
        raise refdata.invalid(source, _("{where}: “comparison” must be “at_least” or “above”").format(where=where))
    return KpiTarget(
        code=refdata.text(item, "code", where, source),
        name=_texts(item, "", where, source),
        short=_texts(item, "short_", where, source),
        target_pct=float(pct),
        comparison=Comparison(comparison),
        entry=_events(item, "entry", where, source, True),
        done=_events(item, "done", where, source, True),
        exclude=_events(item, "exclude", where, source, False),
    )


def _by_profile_texts(data: Mapping[str, Any], name: str, source: str) -> dict[str, Texts]:
    raw = refdata.optional(data, name, dict, source, source, {})
    return {str(k): _texts(v, "", f"{name}.{k}", source) for k, v in raw.items() if isinstance(v, dict)}


def _report_settings(data: Mapping[str, Any], source: str) -> ReportSettings:
    report = refdata.field(data, "report", dict, source, source)
    raw_recipients = refdata.optional(report, "recipients", dict, source, source, {})
    recipients = {
        str(profile): tuple(_texts(item, "", f"recipients.{profile}", source) for item in items
                            if isinstance(item, dict))
        for profile, items in raw_recipients.items() if isinstance(items, list)
    }
    suffixes = refdata.optional(report, "number_suffix", dict, source, source, {})
    return ReportSettings(
        subject=_texts(report, "subject_", "report", source),
        number_suffix={str(k): str(v) for k, v in suffixes.items()},
        signer=_by_profile_texts(report, "signer", source),
        parent_agency=_by_profile_texts(report, "parent_agency", source),
        recipients=recipients,
    )


def parse_targets(data: Any, source: str) -> KpiTargets:
    if not isinstance(data, dict) or refdata.field(data, "format", int, source, source) != FORMAT:
        raise refdata.invalid(source, _("unsupported format version"))
    items = refdata.object_list(data, "targets", source)
    targets = tuple(_target(item, index, source) for index, item in enumerate(items, start=1))
    refdata.unique_codes([t.code for t in targets], source)
    plan = refdata.field(data, "plan_ref", dict, source, source)
    if "{period}" not in refdata.field(refdata.field(data, "report", dict, source, source), "subject_vi", str,
                                       "report", source):
        raise refdata.invalid(source, _("report: “subject_vi” must name the period with the placeholder “{placeholder}”").format(
            placeholder="{period}"))
    return KpiTargets(
        plan_ref=_texts(plan, "", "plan_ref", source),
        deadline_rule=refdata.text(data, "deadline_rule", source, source),
        targets=targets,
        report=_report_settings(data, source),
    )
