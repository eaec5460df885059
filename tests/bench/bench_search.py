"""Benchmarks of search and of lists at scale. Run: ``python -m pytest -q -s -m bench tests/bench/bench_search.py``

Builds a demo database of ``TIPDESK_BENCH_SCALE`` persons and as many tips (default 1,000,000 each when
run by hand; CI sets ``TIPDESK_BENCH_SCALE=100000`` to stay well inside its time budget) with the bulk
generators (executemany; the FTS5 triggers index every row in the same transaction), then measures:

1. search as you type over 200 realistic queries (names typed part way, Telex, typos, register numbers,
   ID and phone numbers, places) as a social worker (identity index, audit row per search): median and
   p95 latency, against a raw FTS5 MATCH of the already folded query (last word as a prefix, both
   indexes, ``LIMIT 20``) on the same file in the same run. Target: p95 at most 2x the raw p95.
2. the tips list (the Qt paged model on the real DB worker): first paint and the end of the list (the
   reversed keyset order, which is how the list reaches its last row without loading every row), against
   the same on an empty list (a second, empty installation, the two timed in turn), and the resident memory
   growth (target < 100 MB).
3. index build time (``reindex``: rebuild of the three FTS5 tables) and index size against the table size.

Prints the measurements; asserts only correctness (no timing assertions).
"""

from __future__ import annotations

import os
import random
import statistics
import time
from pathlib import Path
from typing import Any

import psutil
import pytest
from PySide6.QtWidgets import QApplication
from sqlalchemy import text

from tests.bench.bench_tips import empty_installation
from tests.bench.paint import wait_painted
from tests.conftest import Installed
from tests.gui.tips_helpers import page_context
from tests.unit.persons_helpers import desk_for
from tests.unit.tips_support import police_desk
from tipdesk.clock import FixedClock
from tipdesk.domain.text import fold, fold_telex
from tipdesk.gui.pages.tips import TipsPage
from tipdesk.gui.tasks import TaskManager
from tipdesk.services import demo_persons, demo_tips
from tipdesk.services.context import Desk
from tipdesk.services.search import reindex, search

pytestmark = pytest.mark.bench
SCALE = int(os.environ.get("TIPDESK_BENCH_SCALE", "1000000"))
QUERIES = 200
RUNS = 7  # list first paints per case, empty (a second installation) and full in turn; the best of each counts
OPEN_LISTS = 3  # lists held open for the memory measure
MB = 1024 * 1024
_TELEX = {"ê": "ee", "ô": "oo", "â": "aa", "đ": "dd", "ư": "uw", "ơ": "ow", "ă": "aw"}


def rss() -> int:
    return int(psutil.Process().memory_info().rss)


def _typed(words: list[str], rng: random.Random) -> str:
    """Words as typed part way: all but the last whole, the last cut after 1 to all of its letters."""
    last = words[-1]
    return " ".join([*words[:-1], last[: rng.randint(1, len(last))]])


def _telex(name: str) -> str:
    return "".join(_TELEX.get(ch, ch) for ch in name.lower())


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + word[i + 1] + word[i] + word[i + 2:]


def realistic_queries(desk: Desk, rng: random.Random) -> list[str]:
    """200 queries made from the data: names, places, register numbers, ID and phone numbers."""
    with desk.read() as s:
        people = s.execute(text("SELECT full_name, id_number, phone, pseudonym FROM persons "
                                "ORDER BY random() LIMIT 120")).all()
        tips = s.execute(text("SELECT register_no, register_year, place_detail, summary FROM tips "
                              "ORDER BY random() LIMIT 80")).all()
    out: list[str] = []
    for i, p in enumerate(people):
        words = fold(p.full_name).split()
        kind = i % 6
        if kind == 0:
            out.append(_typed(words, rng))
        elif kind == 1:
            out.append(" ".join(reversed(words)))
        elif kind == 2:
            out.append(_telex(p.full_name))
        elif kind == 3:
            out.append(" ".join(_typo(w, rng) for w in words))
        elif kind == 4:
            out.append((p.id_number or p.pseudonym)[: rng.randint(6, 12)])
        else:
            out.append(p.phone or p.full_name)
    for i, t in enumerate(tips):
        if i % 2 == 0:
            label = f"{t.register_no:02d}/{t.register_year}"
            out.append(label[: rng.randint(len(label) - 3, len(label))])
        else:
            words = (fold(t.place_detail) or fold(t.summary)).split()[:3] or ["nguoi"]
            out.append(_typed(words, rng))
    return out[:QUERIES]


def raw_match(words: list[str]) -> str:
    parts = [f'"{w.replace("/", " ")}"' for w in words]
    parts[-1] += "*"
    return " AND ".join(parts)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def measure_search(desk: Desk, queries: list[str]) -> tuple[list[float], list[float], int]:
    ours, raw, found = [], [], 0
    for query in queries:
        started = time.perf_counter()
        hits = search(desk, query)
        ours.append(time.perf_counter() - started)
        found += bool(hits)
        words = fold_telex(query).split()
        started = time.perf_counter()
        with desk.read() as s:
            for table in ("tips_fts", "persons_full_fts"):
                s.execute(text(f"SELECT rowid FROM {table} WHERE {table} MATCH :q LIMIT 20"),
                          {"q": raw_match(words)}).all()
        raw.append(time.perf_counter() - started)
    return ours, raw, found


def first_paint(desk: Desk, qtbot: Any) -> tuple[float, float, TipsPage, TaskManager]:
    """Seconds to the first painted page of the tips list, then to its end painted (the reversed keyset order:
    the header click that takes a user to the oldest tips)."""
    tasks = TaskManager()
    started = time.perf_counter()
    page = TipsPage(page_context(desk, tasks))
    qtbot.addWidget(page)
    page.resize(1166, 700)
    page.show()
    page.page_shown()
    model = page.list.model
    wait_painted(page.list.table, model)
    first = time.perf_counter() - started
    # its counts and panels (queued once the rows are painted), before the next measure
    qtbot.waitUntil(lambda: page.list.total is not None and not tasks.busy, timeout=120000)
    started = time.perf_counter()
    model.set_query(descending=not model.descending)
    wait_painted(page.list.table, model)
    return first, time.perf_counter() - started, page, tasks


def _close(qtbot: Any, page: TipsPage, tasks: TaskManager) -> None:
    qtbot.waitUntil(lambda: not tasks.busy, timeout=120000)
    QApplication.processEvents()
    tasks.shutdown()
    page.ctx.bridge.close()
    page.close()


def first_paints(desk: Desk, qtbot: Any, runs: int) -> list[tuple[float, float]]:
    """(first paint, end of list) pairs, each list closed before the next opens (one list at a time)."""
    times = []
    for _ in range(runs):
        first, end, page, tasks = first_paint(desk, qtbot)
        times.append((first, end))
        _close(qtbot, page, tasks)
    return times


def fts_bytes(desk: Desk) -> tuple[int, int, int]:
    """(bytes of the three FTS5 indexes, bytes of the folded text they index, database file bytes)."""
    with desk.read() as s:
        index = 0
        for table in ("tips_fts", "persons_public_fts", "persons_full_fts"):
            index += int(s.execute(text(f"SELECT coalesce(sum(length(block)), 0) FROM {table}_data")).scalar_one())
            index += int(s.execute(text(f"SELECT coalesce(sum(length(sz)), 0) FROM {table}_docsize")).scalar_one())
        folded = int(s.execute(text("SELECT coalesce(sum(length(search_text)), 0) FROM tips")).scalar_one())
        folded += int(s.execute(text("SELECT coalesce(sum(length(search_public) + length(search_full)), 0) "
                                     "FROM persons")).scalar_one())
        size = int(s.execute(text("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()"))
                   .scalar_one())
    return index, folded, size


def test_search_and_lists_at_scale(admin_desk: Any, installed: Installed, clock: FixedClock, qtbot: Any,
                                   tmp_path: Path) -> None:
    police = police_desk(admin_desk, installed, clock)
    worker = desk_for(admin_desk, installed, clock, "social_worker", "xahoi")
    empty_police = empty_installation(tmp_path / "empty", clock)
    started = time.perf_counter()
    demo_tips.generate(admin_desk, random.Random(1), SCALE, lambda *_a: None)
    tips_seconds = time.perf_counter() - started
    started = time.perf_counter()
    demo_persons.generate(admin_desk, random.Random(2), SCALE, lambda *_a: None)
    persons_seconds = time.perf_counter() - started
    queries = realistic_queries(worker, random.Random(3))
    assert len(queries) == QUERIES
    search(worker, queries[0])  # warm the page cache like a user's first search does
    ours, raw, found = measure_search(worker, queries)
    assert found >= QUERIES // 2  # the queries come from the data: most must find something
    before = rss()
    empty: list[tuple[float, float]] = []
    full: list[tuple[float, float]] = []
    for _ in range(RUNS):  # in turn, so that both lists are timed on the same (noisy) machine
        empty += first_paints(empty_police, qtbot, 1)
        full += first_paints(police, qtbot, 1)
    opened = [first_paint(police, qtbot)[2:] for _ in range(OPEN_LISTS)]
    growth = rss() - before
    model = opened[-1][0].list.model
    assert 0 < model.rowCount() <= 200 and not model.complete  # a page, never every row
    for page, tasks in opened:
        _close(qtbot, page, tasks)
    started = time.perf_counter()
    counts = reindex(admin_desk)
    build = time.perf_counter() - started
    assert counts.tips >= SCALE and counts.persons >= SCALE
    index, folded, size = fts_bytes(admin_desk)
    ms = 1000.0
    print(f"\n[search bench] scale {SCALE:,} persons + {SCALE:,} tips (TIPDESK_BENCH_SCALE)")
    print(f"[search bench] demo generation with live FTS triggers: tips {tips_seconds:.1f} s, "
          f"persons {persons_seconds:.1f} s")
    print(f"[search bench] {QUERIES} queries, {found} with hits: search() median {statistics.median(ours) * ms:.1f} ms, "
          f"p95 {percentile(ours, 0.95) * ms:.1f} ms; raw FTS5 MATCH median {statistics.median(raw) * ms:.1f} ms, "
          f"p95 {percentile(raw, 0.95) * ms:.1f} ms; p95 ratio "
          f"{percentile(ours, 0.95) / max(percentile(raw, 0.95), 1e-9):.2f} (target <= 2)")
    slow = sorted(zip(ours, queries, strict=True), reverse=True)[:5]
    print("[search bench] slowest: " + "; ".join(f"{q!r} {t * ms:.0f} ms" for t, q in slow))
    e_first, e_end = min(e[0] for e in empty), min(e[1] for e in empty)
    f_first, f_end = min(f[0] for f in full), min(f[1] for f in full)
    print(f"[search bench] tips list first paint (best of {RUNS}): empty {e_first * ms:.1f} ms, full "
          f"{f_first * ms:.1f} ms (ratio {f_first / e_first:.2f}); end of list: empty {e_end * ms:.1f} ms, full "
          f"{f_end * ms:.1f} ms (ratio {f_end / e_end:.2f})")
    print(f"[search bench] resident memory growth, lists opened {RUNS * 2} times then {OPEN_LISTS} kept open: "
          f"{growth / MB:.1f} MB (target < 100 MB)")
    print(f"[search bench] index rebuild of {counts.tips + counts.persons:,} rows: {build:.1f} s; index "
          f"{index / MB:.0f} MB for {folded / MB:.0f} MB of folded text; database file {size / MB:.0f} MB "
          f"(index {index / size:.0%} of it)")
