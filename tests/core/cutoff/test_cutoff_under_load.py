"""A close is a true cut-off, proven under concurrent load through the real web stack
(Werkzeug's threaded server on 127.0.0.1, a random port; a SQLite file, or PostgreSQL
when STARBRANCH_TEST_DATABASE_URL is set): secretaries post ledger records with
attendance and reviewers verify sheet items while an admin closes the same month;
many rounds (the month is reopened between them). After every round:
- every request answered "saved" has its row, every refused one has none (and was
  refused with "已结账锁定" or, for a verification, as stale);
- no write committed into the month after the close began reading its evidence;
- `verify_window` (starbranch verify) finds no difference.
The second test starts a quarter's trial (试算) and the close of its first month at
the same moment: they run one after the other, and the closed month is never
rewritten."""
from __future__ import annotations

import random
import threading
import time
from datetime import date

import pytest
from sqlalchemy import func, select

from core.audit.models import AuditEntry
from core.ledger.models import ActivityRecord, AttendanceEntry
from core.periods.models import Period
from core.scoring.close import recompute, reopen_period
from core.scoring.models import Evaluation
from core.scoring.replay import stored_rows, verify_window
from tests.conftest import TEST_DB_URL
from tests.core.cutoff.harness import (
    Client, Server, Timeline, current_version, next_topic, post_period, post_record, post_verify,
    seed_world,
)

MONTH, QUARTER = "2026-01", "2026Q1"
ROUNDS = 4


@pytest.fixture
def served(request, tmp_path, monkeypatch):
    """The app on a database real threads can share (a SQLite file, or PostgreSQL),
    seeded, served, instrumented."""
    if not TEST_DB_URL:
        request.node.add_marker(pytest.mark.config({"DATABASE_URL": f"sqlite:///{tmp_path}/cutoff.sqlite"}))
    request.node.add_marker(pytest.mark.plugins())
    app = request.getfixturevalue("app")
    session_factory = app.extensions["starbranch.db"].session_factory
    with session_factory() as s:
        world = seed_world(s, secretaries=4, reviewers=2)
    with session_factory() as s:   # a trial, so the month's items exist for the reviewers
        recompute(s, MONTH, app.extensions["starbranch.plugins"])
        s.commit()
        month_id = s.scalar(select(Period.id).where(Period.key == MONTH))
    timeline = Timeline()
    uninstall = timeline.install(monkeypatch)
    try:
        with Server(app) as server:
            yield app, session_factory, world, server, timeline, month_id
    finally:
        uninstall()


class Load:
    """Writers running until stopped; what each request got back."""

    def __init__(self, server, world, session_factory, month_id, *, reviewers=True):
        self.stop = threading.Event()
        self.records: list[tuple[str, str, int]] = []        # (topic, outcome, members)
        self.verifies: list[tuple[tuple, str, str]] = []     # (item, reason, outcome)
        self.errors: list[BaseException] = []
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._secretary, args=(Client(server, u), b, ms))
                        for u, b, ms in world.secretaries]
        if reviewers:
            self.threads += [threading.Thread(target=self._reviewer,
                                              args=(Client(server, u), bs, session_factory, month_id,
                                                    world.manual_indicator_id))
                             for u, bs in world.reviewers]

    def _guard(self, fn):
        try:
            fn()
        except BaseException as exc:  # reported by the test
            self.errors.append(exc)
            self.stop.set()

    def _secretary(self, client, branch_id, member_ids):
        def run():
            n = 0
            while not self.stop.is_set():
                n += 1
                topic = next_topic(f"b{branch_id}")
                outcome = post_record(client, branch_id, member_ids, date(2026, 1, 1 + n % 28), topic)
                with self.lock:
                    self.records.append((topic, outcome, len(member_ids)))
        self._guard(run)

    def _reviewer(self, client, branch_ids, session_factory, month_id, indicator_id):
        def run():
            rnd = random.Random(month_id)
            while not self.stop.is_set():
                for b in branch_ids:
                    item = (month_id, b, indicator_id)
                    version = current_version(session_factory, *item)
                    reason = next_topic("审核")
                    earned = f"{rnd.randint(0, 1000) / 100:.2f}"
                    outcome = post_verify(client, b, month_id, indicator_id, version, earned, reason)
                    with self.lock:
                        self.verifies.append((item, reason, outcome))
        self._guard(run)

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=120)


def check_round(app, session_factory, load: Load, timeline: Timeline, month_id) -> dict:
    """The assertions of one round; returns the counts."""
    assert not load.errors, load.errors
    writes, runs = timeline.take()
    closes = [r for r in runs if r[0] == "close" and r[1] == MONTH]
    assert len(closes) == 1, runs
    _what, _key, started, _committing = closes[0]
    late = [w for w in writes if w[0] > started]
    assert not late, f"{len(late)} write(s) committed into {MONTH} after its close began: {late[:5]}"
    with session_factory() as s:
        assert s.scalar(select(Period.status).where(Period.id == month_id)) == "closed"
        ok = {t for t, o, _ in load.records if o == "ok"}
        refused = {t for t, o, _ in load.records if o != "ok"}
        stored = dict(s.execute(select(ActivityRecord.topic, ActivityRecord.id)).all())
        assert ok <= set(stored), f"saved but missing: {sorted(ok - set(stored))[:5]}"
        assert not (refused & set(stored)), f"refused but stored: {sorted(refused & set(stored))[:5]}"
        sheet = dict(s.execute(select(AttendanceEntry.record_id, func.count()).group_by(AttendanceEntry.record_id)).all())
        assert all(sheet.get(stored[t]) == n for t, o, n in load.records if o == "ok")
        last_ok = {}
        for item, reason, outcome in load.verifies:
            if outcome == "ok":
                last_ok[item] = reason
        for item, reason in last_ok.items():
            ev = s.get(Evaluation, item)
            assert ev.verify_reason == reason, (item, ev.verify_reason, reason)
        # nothing lost in the audit either: one entry per saved record and per saved verification
        ok_ids = [stored[t] for t in ok]
        if ok_ids:
            audited = set(s.scalars(select(AuditEntry.object_id).where(
                AuditEntry.action == "ledger.record.create", AuditEntry.object_id.in_([str(i) for i in ok_ids]))))
            assert audited == {str(i) for i in ok_ids}, "a saved record has no audit entry"
        ok_reasons = [r for _i, r, o in load.verifies if o == "ok"]
        if ok_reasons:
            assert s.scalar(select(func.count()).select_from(AuditEntry).where(
                AuditEntry.action == "evaluation.verify", AuditEntry.reason.in_(ok_reasons))) == len(ok_reasons)
        refused_reasons = [r for _i, r, o in load.verifies if o != "ok"]
        if refused_reasons:
            assert not s.scalar(select(func.count()).select_from(AuditEntry)
                                .where(AuditEntry.reason.in_(refused_reasons)))
    with session_factory() as s:
        diffs = verify_window(s, MONTH, app.extensions["starbranch.plugins"])
    assert diffs == [], [str(d) for d in diffs[:10]]
    return {"ok": len(ok) + sum(o == "ok" for *_x, o in load.verifies),
            "refused": len(refused) + sum(o != "ok" for *_x, o in load.verifies)}


def reopen(session_factory, n):
    with session_factory() as s:
        reopen_period(s, MONTH, f"并发测试第{n}轮")
        s.commit()


def test_writes_and_close_of_the_same_month_are_serialised(served):
    app, session_factory, world, server, timeline, month_id = served
    admin = Client(server, world.admin)
    totals = {"ok": 0, "refused": 0}
    for n in range(ROUNDS):
        timeline.take()
        with Load(server, world, session_factory, month_id) as load:
            time.sleep(0.3)
            flashes = post_period(admin, MONTH)
            assert any(c == "success" for c, _m in flashes), flashes
            time.sleep(0.2)   # writers keep posting into the closed month: all refused
        for k, v in check_round(app, session_factory, load, timeline, month_id).items():
            totals[k] += v
        reopen(session_factory, n)
    assert totals["ok"] > 0 and totals["refused"] > 0, totals


def test_quarter_trial_and_close_of_its_month_run_one_after_the_other(served):
    app, session_factory, world, server, timeline, month_id = served
    admin, admin2 = Client(server, world.admin), Client(server, world.admin2)
    for n in range(ROUNDS):
        timeline.take()
        with Load(server, world, session_factory, month_id, reviewers=False) as load:
            time.sleep(0.2)
            start = threading.Barrier(2)
            out = {}

            def trial():
                start.wait()
                out["trial"] = post_period(admin2, QUARTER, "recompute")

            t = threading.Thread(target=trial)
            t.start()
            start.wait()
            out["close"] = post_period(admin, MONTH)
            with session_factory() as s:
                after_close = stored_rows(s, MONTH)
            t.join(timeout=120)
            assert any(c == "success" for c, _m in out["close"]), out
            assert any(c == "success" for c, _m in out["trial"]), out
        with session_factory() as s:
            assert stored_rows(s, MONTH) == after_close, f"round {n}: {MONTH} rewritten after its close"
        pending_runs = list(timeline.runs)
        close = [r for r in pending_runs if r[0] == "close" and r[1] == MONTH]
        trial_runs = [r for r in pending_runs if r[0] == "recompute" and r[1] == QUARTER]
        assert len(close) == 1 and len(trial_runs) == 1, pending_runs
        (_a, _b, c0, c1), (_c, _d, t0, t1) = close[0], trial_runs[0]
        assert c1 < t0 or t1 < c0, f"round {n}: the trial of {QUARTER} and the close of {MONTH} overlapped"
        check_round(app, session_factory, load, timeline, month_id)
        reopen(session_factory, n)
