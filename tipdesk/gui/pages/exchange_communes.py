"""Province exchange page, "Communes" tab: per enrolled commune, the last batch and its date, days
since, gaps, waiting records, conflicts and receipts not confirmed; late communes first and
highlighted; a summary line; "only late or with gaps"; the lateness threshold (a setting); and the
key management buttons."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QSpinBox, QVBoxLayout, QWidget

from tipdesk.domain.roles import Perm
from tipdesk.gui import common
from tipdesk.gui.language import Retranslatable
from tipdesk.gui.pages import exchange as ui
from tipdesk.i18n import N_, _, format_date, format_datetime, ngettext
from tipdesk.services.exchange_status import MAX_LATE_DAYS, CommuneSummary, PeerStatus

if TYPE_CHECKING:
    from tipdesk.gui.pages.exchange_province import ProvinceExchangePage, ProvinceState

PEER_COLUMNS = (N_("Commune"), N_("Last batch"), N_("Made on"), N_("Days since last batch"), N_("Missing batches"),
                N_("Waiting"), N_("Conflicts"), N_("Receipts not confirmed"), N_("Last result"),
                N_("Key fingerprint"), N_("Alarm"))
COL_DAYS, COL_MISSING, COL_RECEIPTS, COL_KEY, COL_ALARM = 3, 4, 7, 9, 10
LATE_BACKGROUND = QColor("#fdecea")
LATE_COLOUR = QColor("#b00020")
GAP_COLOUR = QColor("#8a5a00")


def peer_row(p: PeerStatus) -> tuple[object, ...]:
    days: object = _("never sent") if p.days_since_last_batch is None else p.days_since_last_batch
    result = ui.status_label(p.last_status, p.last_code) if p.last_status else ""
    alarm = _("FORK") if p.fork_alarm else (_("revoked") if p.revoked else "")
    return (p.commune_name, f"{p.epoch}-{p.last_seq}" if p.epoch else "",
            format_date(p.last_batch_at), days, ", ".join(map(str, p.missing)), p.waiting, p.open_conflicts,
            p.unconfirmed_receipts, result, p.fingerprint, alarm)


def summary_text(s: CommuneSummary) -> str:
    return ", ".join((
        ngettext("{n} commune", "{n} communes", s.communes).format(n=s.communes),
        ngettext("{n} up to date", "{n} up to date", s.up_to_date).format(n=s.up_to_date),
        ngettext("{n} late", "{n} late", s.late).format(n=s.late),
        ngettext("{n} with gaps", "{n} with gaps", s.with_gaps).format(n=s.with_gaps),
    )) + "."


class CommunesTab(Retranslatable, QWidget):
    def __init__(self, page: ProvinceExchangePage) -> None:
        super().__init__(page)
        self.page = page
        self.shown: list[PeerStatus] = []
        self.root = QLabel(self)
        self.root.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary = QLabel(self)
        bold = QFont(self.summary.font())
        bold.setBold(True)
        self.summary.setFont(bold)
        self.attention_only = QCheckBox(self)
        self.attention_only.toggled.connect(lambda _b: self.show_state(self.page.state))
        self.late_label = QLabel(self)
        self.late_days = QSpinBox(self)
        self.late_days.setRange(1, MAX_LATE_DAYS)
        self.late_days.setEnabled(page.ctx.desk.can(Perm.SETTINGS_MANAGE))
        self.late_days.editingFinished.connect(self._late_days_edited)
        self.late_label.setBuddy(self.late_days)
        self.table = ui.table(self, len(PEER_COLUMNS))
        self.enrol = ui.button(self, page.enrol)
        self.revoke = ui.button(self, page.revoke)
        self.rotation = ui.button(self, page.accept_rotation)
        self.trust = ui.button(self, page.export_trust)
        self.clear_alarm = ui.button(self, page.clear_alarm)
        self.message = common.MessageLabel(self)
        self._layout(page.ctx.desk.can(Perm.KEYS_MANAGE))
        self.retranslate()

    def _layout(self, manage: bool) -> None:
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.attention_only)
        top.addSpacing(16)
        top.addWidget(self.late_label)
        top.addWidget(self.late_days)
        buttons = QHBoxLayout()
        for b in (self.enrol, self.revoke, self.rotation, self.trust, self.clear_alarm):
            b.setVisible(manage)
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.root)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.message)

    def retranslate(self) -> None:
        self.enrol.setText(_("&Enrol a commune installation…"))
        self.revoke.setText(_("&Revoke the commune's key…"))
        self.rotation.setText(_("Accept a key cha&nge…"))
        self.trust.setText(_("Export a &trust bundle…"))
        self.clear_alarm.setText(_("Clear the fork &alarm"))
        self.attention_only.setText(_("Only late or &with gaps"))
        self.late_label.setText(_("&Late after"))
        self.late_days.setSuffix(" " + _("days without a batch"))
        self.late_days.setToolTip(_("A commune that has made no batch for longer than this is late."))
        self.table.setHorizontalHeaderLabels([_(c) for c in PEER_COLUMNS])
        receipts = self.table.horizontalHeaderItem(COL_RECEIPTS)
        if receipts is not None:
            receipts.setToolTip(_("Receipts issued here and not yet known to have reached the commune: a receipt "
                                  "counts as delivered once a batch the commune made after it arrives."))
        self.show_state(self.page.state)

    def show_state(self, state: ProvinceState | None) -> None:
        if state is None:
            return
        self.root.setText(_("Province fingerprint, for the communes' installation guide: {fp}").format(
            fp=state.fingerprint))
        self.summary.setText(summary_text(CommuneSummary.of(state.peers)))
        if not self.late_days.hasFocus():
            self.late_days.setValue(state.late_days)
        self.shown = [p for p in state.peers if p.needs_attention or not self.attention_only.isChecked()]
        ui.fill(self.table, [peer_row(p) for p in self.shown], [p.install_id for p in self.shown])
        for r, p in enumerate(self.shown):
            self._highlight(r, p)

    def _highlight(self, row: int, p: PeerStatus) -> None:
        items = [self.table.item(row, c) for c in range(self.table.columnCount())]
        if p.late:
            for item in items:
                if item is not None:
                    item.setBackground(LATE_BACKGROUND)
        days = items[COL_DAYS]
        if days is not None and p.late:
            days.setForeground(LATE_COLOUR)
            font = QFont(days.font())
            font.setBold(True)
            days.setFont(font)
            days.setToolTip(_("Late: no batch for more than {n} days.").format(n=p.late_days))
        for column in (COL_MISSING, COL_ALARM):
            item = items[column]
            if item is not None and (p.missing or p.fork_alarm):
                item.setForeground(GAP_COLOUR if column == COL_MISSING else LATE_COLOUR)
        key = items[COL_KEY]
        if key is not None and p.audit_hash:
            key.setToolTip(_("Audit anchor: {seq}: {hash}…").format(seq=p.audit_seq, hash=p.audit_hash[:12]))
        first = items[0]
        if first is not None:
            first.setToolTip(_("{name} ({code}): enrolled on {when}; last import {last}.").format(
                name=p.commune_name, code=p.commune, when=format_datetime(p.enrolled_at),
                last=format_datetime(p.last_import_at) or "—"))

    def _late_days_edited(self) -> None:
        state = self.page.state
        days = self.late_days.value()
        if state is None or days == state.late_days:
            return
        self.page.ctx.tasks.run_db(lambda: self.page.ex.status.set_late_days(days), lambda _r: self.page.reload(),
                                   lambda exc: self.message.set_error(common.error_text(exc)))

    def selected_peer(self) -> PeerStatus | None:
        install_id = ui.selected_key(self.table)
        return next((p for p in self.shown if p.install_id == install_id), None)
