"""Exchange page, province side: receive batch files (drop or choose many, preview, import with
progress and Cancel, receipts to a folder), per-commune status and keys (``exchange_communes``), conflicts,
the import log."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from tipdesk.events import Changes
from tipdesk.exchange.format import BATCH_EXTENSION
from tipdesk.gui import common
from tipdesk.gui.language import Retranslatable
from tipdesk.gui.pages import PageContext
from tipdesk.gui.pages import exchange as ui
from tipdesk.gui.pages.exchange_communes import CommunesTab
from tipdesk.gui.pages.exchange_dialogs import EnrolDialog, PreviewDialog, RevokeDialog
from tipdesk.gui.tasks import Cancelled, TaskContext, run_with_progress
from tipdesk.i18n import N_, _, format_datetime, format_number, ngettext
from tipdesk.services.exchange import Exchange
from tipdesk.services.exchange_keys import FileWritten
from tipdesk.services.exchange_peers import PeerKeyView
from tipdesk.services.exchange_sources import ImportReport, peek_file
from tipdesk.services.exchange_status import DEFAULT_LATE_DAYS, ConflictView, LogRow, PeerStatus
from tipdesk.services.exchange_upsert import ImportCancelled

FILE_COLUMNS = (N_("File"), N_("Commune"), N_("Batch"), N_("Made on"), N_("Size"))
RESULT_COLUMNS = (N_("File"), N_("Result"), N_("Commune"), N_("Batch"), N_("New"), N_("Updated"), N_("Unchanged"),
                  N_("Conflicts"), N_("Waiting"), N_("Still missing"), N_("Receipt file"))
CONFLICT_COLUMNS = (N_("No."), N_("Kind of record"), N_("Record id"), N_("Version"), N_("Reason"), N_("Commune"),
                    N_("Arrived on"))
DIFF_COLUMNS = (N_("Field"), N_("Here at the province"), N_("Incoming"))
LOG_COLUMNS = (N_("Time"), N_("User"), N_("File"), N_("Result"), N_("Commune"), N_("Batch"), N_("Message"))
REASONS = {"same_version": N_("Same version, other content"), "origin": N_("Record of another installation"),
           "constraint": N_("Clashes with another record")}


@dataclass(frozen=True)
class ProvinceState:
    peers: list[PeerStatus]
    keys: list[PeerKeyView]
    conflicts: list[ConflictView]
    log: list[LogRow]
    fingerprint: str
    late_days: int = DEFAULT_LATE_DAYS


def load_state(ex: Exchange) -> ProvinceState:
    return ProvinceState(ex.status.peers(), ex.peers.keys(), ex.status.conflicts(), ex.status.log(),
                         ex.keys.fingerprint(), ex.status.late_days())


def _commune(peers: list[PeerStatus], install_id: str, code: str) -> str:
    peer = next((p for p in peers if p.install_id == install_id or (code and p.commune == code)), None)
    return f"{peer.commune} {peer.commune_name}" if peer else code


class ReceiveTab(Retranslatable, QWidget):
    def __init__(self, page: ProvinceExchangePage) -> None:
        super().__init__(page)
        self.page = page
        self.files: list[Path] = []
        self.receipts_dir: Path | None = None
        self.setAcceptDrops(True)
        self.hint = common.hint_label("", self)
        self.add_files = ui.button(self, self.choose_files)
        self.add_folder = ui.button(self, self.choose_folder)
        self.clear = ui.button(self, self.clear_files)
        self.file_table = ui.table(self, len(FILE_COLUMNS))
        self.files_label = QLabel(self)
        self.files_label.setBuddy(self.file_table)
        self.receipts_label = QLabel(self)
        self.receipts_button = ui.button(self, self.choose_receipts)
        self.preview = ui.button(self, page.preview)
        self.run = ui.button(self, page.run_import, default=True)
        self.message = common.MessageLabel(self)
        self.results_label = QLabel(self)
        self.results = ui.table(self, len(RESULT_COLUMNS))
        self.results_label.setBuddy(self.results)
        self._layout()
        self.retranslate()

    def _layout(self) -> None:
        top = QHBoxLayout()
        for b in (self.add_files, self.add_folder, self.clear):
            top.addWidget(b)
        top.addStretch(1)
        actions = QHBoxLayout()
        actions.addWidget(self.receipts_label, 1)
        actions.addWidget(self.receipts_button)
        actions.addSpacing(24)
        actions.addWidget(self.preview)
        actions.addWidget(self.run)
        layout = QVBoxLayout(self)
        layout.addWidget(self.hint)
        layout.addLayout(top)
        layout.addWidget(self.files_label)
        layout.addWidget(self.file_table, 2)
        layout.addLayout(actions)
        layout.addWidget(self.message)
        layout.addWidget(self.results_label)
        layout.addWidget(self.results, 3)

    def retranslate(self) -> None:
        self.hint.setText(_("Drop batch files (.tdb) here, or choose them; any number, in any order. Preview shows "
                            "what would change without changing anything. Each file gets a signed receipt for "
                            "the commune."))
        self.add_files.setText(_("Choose fi&les…"))
        self.add_folder.setText(_("Choose a f&older…"))
        self.clear.setText(_("Clear the lis&t"))
        self.files_label.setText(_("Files to import"))
        self.receipts_button.setText(_("Rec&eipts folder…"))
        self.preview.setText(_("&Preview the files…"))
        self.run.setText(_("&Import"))
        self.results_label.setText(_("Res&ults of the last import"))
        self.file_table.setHorizontalHeaderLabels([_(c) for c in FILE_COLUMNS])
        self.results.setHorizontalHeaderLabels([_(c) for c in RESULT_COLUMNS])
        self._show_receipts_dir()
        self.show_files()

    def _show_receipts_dir(self) -> None:
        where = str(self.receipts_dir) if self.receipts_dir else _("next to the first file, in “receipts”")
        self.receipts_label.setText(_("Receipts are written to: {folder}").format(folder=where))

    # -- the file list -------------------------------------------------------------------
    def add(self, paths: list[Path]) -> None:
        for path in paths:
            found = sorted(path.glob(f"*{BATCH_EXTENSION}")) if path.is_dir() else [path]
            self.files.extend(p for p in found if p not in self.files)
        self.show_files()

    def show_files(self) -> None:
        state = self.page.state
        by_key = {k.key_id: k for k in state.keys} if state else {}
        rows = []
        for path in self.files:
            header = peek_file(path)
            key = by_key.get(header.sender_key_id) if header else None
            commune = _commune(state.peers, key.install_id, key.commune) if state and key else ""
            size = path.stat().st_size if path.exists() else 0
            rows.append((path.name, commune if header else _("not a readable batch"),
                         f"{header.epoch}-{header.seq}" if header else "",
                         format_datetime(header.created_at) if header else "", _size_text(size)))
        ui.fill(self.file_table, rows)
        has_files = bool(self.files)
        self.preview.setEnabled(has_files)
        self.run.setEnabled(has_files)

    def choose_files(self) -> None:
        self.add(ui.choose_files(self, _("Choose batch files"), _(ui.BATCH_FILTER)))

    def choose_folder(self) -> None:
        folder = ui.choose_folder(self, _("Choose a folder with batch files"))
        if folder is not None:
            self.add([folder])

    def clear_files(self) -> None:
        self.files = []
        self.show_files()

    def choose_receipts(self) -> None:
        folder = ui.choose_folder(self, _("Choose the folder for the receipts"))
        if folder is not None:
            self.receipts_dir = folder
            self._show_receipts_dir()

    def receipts_folder(self) -> Path | None:
        if self.receipts_dir is None and self.files:
            return self.files[0].parent / "receipts"
        return self.receipts_dir

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        self.add(paths)
        event.acceptProposedAction()

    # -- results -------------------------------------------------------------------------
    def show_report(self, report: ImportReport) -> None:
        peers = self.page.state.peers if self.page.state else []
        rows = []
        for o in report.outcomes:
            t = o.totals()
            rows.append((o.source, ui.status_label(o.status, o.code), _commune(peers, o.install_id, o.commune),
                         f"{o.epoch}-{o.seq}" if o.epoch else "", t.new, t.updated, t.unchanged, t.conflicting,
                         t.waiting, ", ".join(map(str, o.missing)), o.receipt_path.name if o.receipt_path else ""))
        ui.fill(self.results, rows)
        for r, o in enumerate(report.outcomes):
            item = self.results.item(r, 1)
            if item is not None:
                item.setToolTip(o.message)
                if o.refused:
                    item.setForeground(Qt.GlobalColor.darkRed)


class ConflictsTab(Retranslatable, QWidget):
    def __init__(self, page: ProvinceExchangePage) -> None:
        super().__init__(page)
        self.page = page
        self.hint = common.hint_label("", self)
        self.table = ui.table(self, len(CONFLICT_COLUMNS))
        self.table.currentCellChanged.connect(lambda *_a: self.show_detail())
        self.detail_box = QGroupBox(self)
        self.detail = ui.table(self, len(DIFF_COLUMNS))
        self.detail.setWordWrap(True)
        self.keep = ui.button(self, lambda: page.resolve(take_incoming=False))
        self.take = ui.button(self, lambda: page.resolve(take_incoming=True))
        self.message = common.MessageLabel(self)
        box = QVBoxLayout(self.detail_box)
        box.addWidget(self.detail)
        row = QHBoxLayout()
        row.addWidget(self.keep)
        row.addWidget(self.take)
        row.addStretch(1)
        box.addLayout(row)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.table)
        split.addWidget(self.detail_box)
        layout = QVBoxLayout(self)
        layout.addWidget(self.hint)
        layout.addWidget(split, 1)
        layout.addWidget(self.message)
        self.retranslate()

    def retranslate(self) -> None:
        self.hint.setText(_("An incoming record with the same version as the one here but other content is not "
                            "applied: compare them and decide. Provincial notes are never touched."))
        self.detail_box.setTitle(_("Fields that differ"))
        self.keep.setText(_("&Keep the provincial version"))
        self.take.setText(_("&Take the incoming version"))
        self.table.setHorizontalHeaderLabels([_(c) for c in CONFLICT_COLUMNS])
        self.detail.setHorizontalHeaderLabels([_(c) for c in DIFF_COLUMNS])
        self.show_state(self.page.state)

    def show_state(self, state: ProvinceState | None) -> None:
        if state is None:
            return
        rows = [(c.id, ui.type_label(c.record_type), c.record_id, c.version, _(REASONS.get(c.reason, c.reason)),
                 c.commune, format_datetime(c.created_at)) for c in state.conflicts]
        ui.fill(self.table, rows, [c.id for c in state.conflicts])
        if state.conflicts and self.table.currentRow() < 0:
            self.table.selectRow(0)
        self.show_detail()

    def current(self) -> ConflictView | None:
        key = ui.selected_key(self.table)
        state = self.page.state
        return next((c for c in state.conflicts if c.id == key), None) if state else None

    def show_detail(self) -> None:
        conflict = self.current()
        self.keep.setEnabled(conflict is not None)
        self.take.setEnabled(conflict is not None)
        if conflict is None:
            ui.fill(self.detail, [])
            return
        local = conflict.local or {}
        ui.fill(self.detail, [(name, _short(local.get(name)), _short(conflict.incoming.get(name)))
                              for name in conflict.differences()])


def _size_text(size: int) -> str:
    if size < 1024 * 1024:
        return _("{n} KB").format(n=format_number(round(size / 1024, 1)))
    return _("{n} MB").format(n=format_number(round(size / (1024 * 1024), 1)))


def _counts_text(counts: dict[str, dict[str, int]]) -> str:
    """"New 30, updated 2, conflicts 1" over all kinds of records (actions that happened only)."""
    totals: dict[str, int] = {}
    for per_type in counts.values():
        for action, n in per_type.items():
            totals[action] = totals.get(action, 0) + n
    return ", ".join(f"{_(ui.ACTION_LABELS[a])}: {format_number(n)}" for a, n in totals.items()
                     if n and a in ui.ACTION_LABELS)


def _short(value: object) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= 120 else text[:117] + "…"


class LogTab(Retranslatable, QWidget):
    def __init__(self, page: ProvinceExchangePage) -> None:
        super().__init__(page)
        self.page = page
        self.table = ui.table(self, len(LOG_COLUMNS))
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        self.retranslate()

    def retranslate(self) -> None:
        self.table.setHorizontalHeaderLabels([_(c) for c in LOG_COLUMNS])
        self.show_state(self.page.state)

    def show_state(self, state: ProvinceState | None) -> None:
        if state is None:
            return
        rows = [(format_datetime(r.at), r.username, r.source, ui.status_label(r.status, r.code), r.commune,
                 f"{r.epoch}-{r.seq}" if r.epoch else "", r.message or _counts_text(r.counts)) for r in state.log]
        ui.fill(self.table, rows)


class ProvinceExchangePage(Retranslatable, QTabWidget):
    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.ex = Exchange(ctx.desk)
        self.state: ProvinceState | None = None
        self.receive = ReceiveTab(self)
        self.communes = CommunesTab(self)
        self.conflicts = ConflictsTab(self)
        self.log = LogTab(self)
        for tab in (self.receive, self.communes, self.conflicts, self.log):
            self.addTab(tab, "")
        ctx.bridge.changed.connect(self._on_changes)
        self.retranslate()

    def retranslate(self) -> None:
        open_conflicts = len(self.state.conflicts) if self.state else 0
        titles = [_("Receive data"), _("Communes"),
                  _("Conflicts ({n})").format(n=open_conflicts) if open_conflicts else _("Conflicts"),
                  _("Import log")]
        for index, title in enumerate(titles):
            self.setTabText(index, title)

    def page_shown(self) -> None:
        self.reload()

    def _on_changes(self, changes: Changes) -> None:
        if self.isVisible() and changes.touches("exchange"):
            self.reload()

    def reload(self) -> None:
        self.ctx.tasks.run_db(lambda: load_state(self.ex), self._show, self._load_failed)

    def _load_failed(self, exc: BaseException) -> None:
        common.show_error(self, exc)

    def _show(self, state: ProvinceState) -> None:
        self.state = state
        for tab in (self.communes, self.conflicts, self.log):
            tab.show_state(state)
        self.receive.show_files()
        self.retranslate()

    # -- import ----------------------------------------------------------------------------
    def _work(self, files: list[Path], dry_run: bool, receipts: Path | None):  # type: ignore[no-untyped-def]
        def work(context: TaskContext) -> ImportReport:
            def progress(done: int, total: int, name: str) -> None:
                context.progress(done, total, _("{file}: {done} of {total} records").format(
                    file=name, done=format_number(done), total=format_number(total)))

            try:
                return self.ex.imports.import_paths(files, dry_run=dry_run, receipts_dir=receipts,
                                                    progress=progress, cancelled=context.is_cancelled)
            except ImportCancelled as exc:
                raise Cancelled() from exc

        return work

    def preview(self) -> None:
        files = list(self.receive.files)
        if files:
            run_with_progress(self.ctx.tasks, self, _("Checking the files…"), self._work(files, True, None),
                              self._previewed, self._failed, on_cancel=self._cancelled)

    def _previewed(self, report: ImportReport) -> None:
        dialog = PreviewDialog(report, self)
        dialog.accepted.connect(self.run_import)
        dialog.open()
        self.preview_dialog = dialog

    def run_import(self) -> None:
        files = list(self.receive.files)
        if not files:
            return
        receipts = self.receive.receipts_folder()
        self.receive.message.clear_message()
        run_with_progress(self.ctx.tasks, self, _("Importing…"), self._work(files, False, receipts), self._imported,
                          self._failed, on_cancel=self._cancelled)

    def _imported(self, report: ImportReport) -> None:
        self.receive.show_report(report)
        accepted = sum(1 for o in report.outcomes if not o.refused)
        refused = len(report.outcomes) - accepted
        text = ngettext("{n} file imported", "{n} files imported", accepted).format(n=accepted)
        if refused:
            text += "; " + ngettext("{n} file refused: see the Result column",
                                    "{n} files refused: see the Result column", refused).format(n=refused)
            self.receive.message.set_error(text + ".")
        else:
            self.receive.message.set_ok(text + ".")
        refused_files = {o.source for o in report.outcomes if o.refused}
        self.receive.files = [f for f in self.receive.files if f.name in refused_files]  # keep what needs a look
        self.receive.show_files()
        self.reload()

    def _cancelled(self) -> None:
        self.receive.message.set_hint(_("The import was cancelled. Nothing was changed."))

    def _failed(self, exc: BaseException) -> None:
        self.receive.message.set_error(common.error_text(exc))

    # -- communes ------------------------------------------------------------------------------
    def _communes_ok(self, text: str) -> None:
        self.communes.message.set_ok(text)
        self.reload()

    def _communes_failed(self, exc: BaseException) -> None:
        self.communes.message.set_error(common.error_text(exc))

    def enrol(self) -> None:
        dialog = EnrolDialog(self.ctx, self.ex, self)
        dialog.accepted.connect(lambda: self._communes_ok(_("Commune enrolled.")))
        dialog.open()
        self.enrol_dialog = dialog

    def revoke(self) -> None:
        peer = self.communes.selected_peer()
        if peer is None or not peer.key_ids:
            self.communes.message.set_hint(_("Select a commune in the list first."))
            return
        dialog = RevokeDialog(self.ctx, self.ex, peer.key_ids[-1], peer.commune, peer.epoch, peer.contiguous_seq,
                              self)
        dialog.accepted.connect(lambda: self._communes_ok(_("Key revoked. Export a new trust bundle for the "
                                                            "communes.")))
        dialog.open()
        self.revoke_dialog = dialog

    def accept_rotation(self) -> None:
        path = ui.choose_file(self, _("Choose the key change record"), _(ui.ROTATION_FILTER))
        if path is not None:
            self.ctx.tasks.run_db(lambda: self.ex.peers.accept_rotation_file(path), self._rotation_accepted,
                                  self._communes_failed)

    def _rotation_accepted(self, view: PeerKeyView) -> None:
        self._communes_ok(_("Commune {commune} now signs with the key {fp}.").format(commune=view.commune,
                                                                                       fp=view.fingerprint))

    def export_trust(self) -> None:
        folder = ui.choose_folder(self, _("Choose where to save the trust bundle"))
        if folder is not None:
            self.ctx.tasks.run_db(lambda: self.ex.keys.write_trust_bundle(folder), self._trust_written,
                                  self._communes_failed)

    def _trust_written(self, written: FileWritten) -> None:
        self.communes.message.set_ok(_("Trust bundle written to {path}. Communes check it with the fingerprint "
                                       "{fp}.").format(path=written.path, fp=written.fingerprint))

    def clear_alarm(self) -> None:
        peer = self.communes.selected_peer()
        if peer is not None:
            install_id = peer.install_id
            self.ctx.tasks.run_db(lambda: self.ex.status.clear_fork_alarm(install_id), lambda _r: self.reload(),
                                  self._communes_failed)

    # -- conflicts -------------------------------------------------------------------------------
    def resolve(self, *, take_incoming: bool) -> None:
        conflict = self.conflicts.current()
        if conflict is None:
            return
        self.ctx.tasks.run_db(lambda: self.ex.status.resolve(conflict.id, take_incoming), self._resolved,
                              self._conflicts_failed)

    def _resolved(self, view: ConflictView) -> None:
        self.conflicts.message.set_ok(_("Conflict {id} decided.").format(id=view.id))
        self.reload()

    def _conflicts_failed(self, exc: BaseException) -> None:
        self.conflicts.message.set_error(common.error_text(exc))
