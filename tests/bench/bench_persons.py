"""Benchmarks of the persons feature. Run: ``python -m pytest -q -m bench tests/bench/bench_persons.py -s``

1. ``tipdesk demo`` persons: 100,000 persons (``TIPDESK_BENCH_PERSONS`` changes the size) with their
   events, support entries and plans in one transaction; wall and CPU time, rows per second.
2. The persons list over those persons with the real database worker: time to the first painted page
   against the same on an empty list (target: ratio at most 2), resident memory growth while the list is
   open (target < 60 MB), and the service times of a deep page, an accent-insensitive search, a filter
   combination and the count.

Prints the measurements; asserts only correctness (no flaky timing assertions).
"""

from __future__ import annotations

import os
import random
import time
from typing import Any

import psutil
import pytest
from sqlalchemy import func, select

from tests.bench.paint import wait_painted
from tests.conftest import Installed
from tests.gui.tips_helpers import page_context
from tests.unit.persons_helpers import desk_for
from tipdesk.clock import FixedClock
from tipdesk.db.models.persons import Person, PersonEvent, SupportEntry
from tipdesk.gui.models.paged import FIRST_PAGE
from tipdesk.gui.pages.persons import PersonsPage
from tipdesk.gui.tasks import TaskManager
from tipdesk.services import demo_persons
from tipdesk.services.context import Desk
from tipdesk.services.paging import PageRequest
from tipdesk.services.persons import PersonService

pytestmark = pytest.mark.bench
PERSONS = int(os.environ.get("TIPDESK_BENCH_PERSONS", "100000"))
MB = 1024 * 1024


def _rss() -> int:
    return int(psutil.Process().memory_info().rss)


def _first_paint(desk: Desk, qtbot: Any) -> tuple[float, PersonsPage, TaskManager]:
    tasks = TaskManager()
    start = time.perf_counter()
    page = PersonsPage(page_context(desk, tasks))
    qtbot.addWidget(page)
    page.resize(1166, 700)
    page.show()
    page.page_shown()
    wait_painted(page.list.table, page.list.model)
    seconds = time.perf_counter() - start
    # its counts and panels (queued once the rows are painted), before the next measure
    qtbot.waitUntil(lambda: page.list.total is not None and not tasks.busy, timeout=60000)
    return seconds, page, tasks


def _timed(fn: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def _rows(desk: Desk) -> int:
    with desk.read() as s:
        return sum(int(s.scalar(select(func.count()).select_from(m)) or 0) for m in (Person, PersonEvent, SupportEntry))


def test_demo_and_list_over_many_persons(admin_desk: Any, installed: Installed, clock: FixedClock,
                                         qtbot: Any) -> None:
    sw = desk_for(admin_desk, installed, clock, "social_worker", "xahoi")
    empty = []
    for _ in range(3):
        seconds, page, tasks = _first_paint(sw, qtbot)
        empty.append(seconds)
        tasks.shutdown()
        page.ctx.bridge.close()
        page.close()
    wall, cpu = time.perf_counter(), time.process_time()
    made = demo_persons.generate(admin_desk, random.Random(1), PERSONS, lambda *_a: None)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    rows = _rows(admin_desk)
    assert made == PERSONS
    before = _rss()
    full = []
    for _ in range(3):
        seconds, page, tasks = _first_paint(sw, qtbot)
        full.append(seconds)
        assert 0 < page.list.model.rowCount() <= FIRST_PAGE and not page.list.model.complete  # a screenful
        grown = _rss() - before
        tasks.shutdown()
        page.ctx.bridge.close()
        page.close()
    svc = PersonService(sw)
    request = PageRequest(sort="received", descending=True, limit=100)
    for _ in range(50):  # 50 pages down, as a long scroll does
        request = PageRequest(sort="received", descending=True, limit=100, after=svc.list(request).next_cursor)
    deep, page_rows = _timed(lambda: svc.list(request).rows)
    search, found = _timed(lambda: svc.search("nguyen thi lan", 100))
    filtered, hits = _timed(lambda: svc.list(PageRequest(filters={"age_group": "18_29", "sex": "female",
                                                                  "support_type": "medical", "from_country": "KH"},
                                                         limit=100)).rows)
    counted, total = _timed(svc.count)
    assert len(page_rows) == 100 and total == PERSONS and found and hits
    print(f"\npersons demo: {PERSONS} persons, {rows} rows (persons, events, support) in {wall:.1f} s wall, "
          f"{cpu:.1f} s CPU ({rows / wall:,.0f} rows/s)")
    print(f"persons list first paint: empty {min(empty) * 1000:.0f} ms, {PERSONS} persons {min(full) * 1000:.0f} ms, "
          f"ratio {min(full) / min(empty):.2f} (target <= 2); memory growth {grown / MB:.1f} MB (target < 60)")
    print(f"page 51 {deep * 1000:.0f} ms; search {search * 1000:.0f} ms ({len(found)} hits); "
          f"4 filters {filtered * 1000:.0f} ms ({len(hits)} rows); count {counted * 1000:.0f} ms")
    sw.close()
