"""Benchmark of the quarterly close (issue 3 "Figures").

    python bench/close.py --branches 20000 [--database-url URL] [--sample 200] [--seed 1]

Generates a synthetic group (units, branches, members) with a year of ledger records
at realistic frequencies (支委会, 党小组会 ×2, 主题党日 monthly; 支部党员大会, 党课
quarterly; 民主评议党员 and 组织生活会 yearly; some missed, late or inquorate),
attendance counts, appraisal results, point records and targets with monthly progress;
seeds the default rule set; then, in the same run:

- close_s  — the real close of 2026-01, 2026-02, 2026-03 and 2026Q1 (commits included);
- floor_s  — one hand-written GROUP BY counting the same ledger rows (Q1) per branch,
             month and type, all rows fetched;
- ratio    — close_s / floor_s;
- with --plugins production: the production plugin enabled in every unit with a plan
  and (mostly) an actual per branch, measure and month (plugins/production/benchdata.py);
  floor_s stays the ledger floor defined by issue 3, and a second floor,
  plugin_floor_s, also counts the Q1 plan × actual rows per branch and month (one GROUP
  BY over the plans LEFT JOIN actuals); ratio_with_plugin_floor = close_s /
  (floor_s + plugin_floor_s), since the close then scores 2.3× as many items;
- orm_s    — an honest per-branch ORM loop (query each branch's records per indicator,
             build Evaluation and ScoreResult objects, flush) on --sample branches,
             extrapolated to all branches; speed-up = orm_s / close_s.

Default database: a fresh SQLite file under /tmp. For PostgreSQL pass a scratch
database URL (its tables are dropped and re-created).
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select, text  # noqa: E402

TYPES_MONTHLY = ["committee_meeting", "group_meeting", "group_meeting", "theme_day"]
TYPES_QUARTERLY = ["member_meeting", "party_lecture"]
TYPES_YEARLY = [("appraisal", 12), ("life_meeting", 1)]
CATS = ["production", "auxiliary", "management", "market", "nonpublic"]
GROUPS = ["safety_production", "basic_work", "key_tasks"]
NOW = datetime(2026, 1, 1)


def load(session, table, columns, rows):
    """Bulk load `rows` (tuples) into `table`: COPY on PostgreSQL, executemany on SQLite."""
    conn = session.connection()
    quoted = ", ".join(f'"{c}"' for c in columns)
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        with raw.cursor() as cur, cur.copy(f'COPY {table} ({quoted}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
    else:
        cur = conn.connection.cursor()
        cur.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({', '.join('?' * len(columns))})", rows)
        cur.close()


def fix_sequences(session, tables):
    if session.get_bind().dialect.name != "postgresql":
        return
    for t in tables:
        session.execute(text(f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), COALESCE((SELECT MAX(id) FROM {t}), 1))"))


def generate(session, n_branches: int, seed: int) -> dict:
    rnd = random.Random(seed)
    n_units = max(1, n_branches // 500)
    load(session, "org_nodes", ["id", "code", "name", "kind", "parent_id", "unit_id", "active", "version"],
         [(1, "G", "集团党委", "group", None, None, True, 1)] +
         [(u + 2, f"U{u:04d}", f"第{u}二级单位党委", "unit", 1, u + 2, True, 1) for u in range(n_units)])
    branches = []
    for b in range(1, n_branches + 1):
        unit = 2 + (b - 1) % n_units
        branches.append((b, f"B{b:06d}", f"第{b}党支部", CATS[b % 5], unit, unit, True, NOW, 1))
    load(session, "branches", ["id", "code", "name", "category", "parent_id", "unit_id", "active", "created_at", "version"], branches)
    members, mid = [], 0
    size = {}
    for b in range(1, n_branches + 1):
        size[b] = rnd.randint(5, 20)
        for _ in range(size[b]):
            mid += 1
            members.append((mid, b, f"党员{mid}", "male", "full" if rnd.random() > 0.08 else "probationary", True, 1))
    load(session, "members", ["id", "branch_id", "name", "gender", "status", "active", "version"], members)
    first_member = {}
    m = 0
    for b in range(1, n_branches + 1):
        first_member[b] = m + 1
        m += size[b]

    recs, results, rid = [], [], 0

    def add(b, unit, typ, held):
        nonlocal rid
        rid += 1
        late = rnd.random() < 0.1
        up = datetime.combine(held, datetime.min.time()) + timedelta(days=rnd.randint(10, 30) if late else rnd.randint(0, 6), hours=9)
        expected = size[b]
        present = expected - rnd.randint(0, max(1, expected // 3))
        if typ == "member_meeting" and rnd.random() < 0.03:
            present = expected // 2
        valid = not (typ == "member_meeting" and present * 2 <= expected)
        recs.append((rid, b, unit, typ, held, up, "主题", present, expected, 0, 0, valid, 1))
        return rid

    for b in range(1, n_branches + 1):
        unit = branches[b - 1][5]
        for month in range(1, 13):
            for typ in TYPES_MONTHLY:
                if rnd.random() < 0.95:
                    add(b, unit, typ, date(2026, month, rnd.randint(1, 28)))
        for q in range(4):
            for typ in TYPES_QUARTERLY:
                if rnd.random() < 0.95:
                    add(b, unit, typ, date(2026, 3 * q + rnd.randint(1, 3), rnd.randint(1, 28)))
        for typ, month in TYPES_YEARLY:
            r = add(b, unit, typ, date(2026, month, rnd.randint(1, 20)))
            if typ == "appraisal":
                for k in range(size[b]):
                    results.append((len(results) + 1, r, first_member[b] + k,
                                    rnd.choices(["excellent", "qualified", "basic", "unqualified"], [30, 65, 4, 1])[0]))
    load(session, "activity_records", ["id", "branch_id", "unit_id", "type", "held_on", "uploaded_at", "topic",
                                       "present_full", "expected_full", "present_probationary",
                                       "expected_probationary", "valid", "version"], recs)
    load(session, "appraisal_results", ["id", "record_id", "member_id", "result"], results)

    points, targets, progress = [], [], []
    for b in range(1, n_branches + 1):
        unit = branches[b - 1][5]
        for q in range(4):
            if rnd.random() < 0.05:
                points.append((len(points) + 1, b, unit, "deduction", rnd.randint(1, 3) * 100,
                               date(2026, 3 * q + 1, 15), "台账漏报", "D-LEDGER", NOW))
            if rnd.random() < 0.03:
                points.append((len(points) + 1, b, unit, "bonus", rnd.randint(1, 4) * 100,
                               date(2026, 3 * q + 2, 10), "获上级表彰", None, NOW))
            if rnd.random() < 0.002:
                points.append((len(points) + 1, b, unit, "veto", 0, date(2026, 3 * q + 3, 5), "重大事故", "V-ACCIDENT", NOW))
        for t in range(2):
            tid = len(targets) + 1
            deadline = date(2026, rnd.randint(1, 12), 28)
            targets.append((tid, b, unit, f"目标{t}", GROUPS[t % 3], "performance", 500, "责任人", deadline, NOW, 1))
            c = 0
            for month in range(1, deadline.month + 1):
                c = min(100, c + rnd.randint(5, 40))
                progress.append((len(progress) + 1, tid, date(2026, month, 1), c * 100, NOW))
    load(session, "point_records", ["id", "branch_id", "unit_id", "kind", "points", "dated", "reason",
                                    "indicator_code", "created_at"], points)
    load(session, "targets", ["id", "branch_id", "unit_id", "title", "group", "index_code", "points", "owner",
                              "deadline", "created_at", "version"], targets)
    load(session, "target_progress", ["id", "target_id", "month", "completion", "recorded_at"], progress)
    fix_sequences(session, ["org_nodes", "branches", "members", "activity_records", "appraisal_results",
                            "point_records", "targets", "target_progress"])
    session.commit()
    q1 = sum(1 for r in recs if r[4] < date(2026, 4, 1))
    return {"records": len(recs), "records_q1": q1, "members": len(members), "targets": len(targets),
            "point_records": len(points), "appraisal_results": len(results)}


def floor_query(session):
    """The floor: count the Q1 ledger rows per branch, month and type."""
    dialect = session.get_bind().dialect.name
    month = "strftime('%Y-%m', held_on)" if dialect == "sqlite" else "to_char(held_on, 'YYYY-MM')"
    return session.execute(text(
        f"SELECT branch_id, {month} AS m, type, COUNT(*) FROM activity_records "
        f"WHERE held_on >= :s AND held_on <= :e GROUP BY branch_id, {month}, type"),
        {"s": date(2026, 1, 1), "e": date(2026, 3, 31)}).all()


def plugin_floor_query(session):
    """The production part of the second floor: count the Q1 plan × actual rows per
    branch and month."""
    return session.execute(text(
        "SELECT p.branch_id, p.month, COUNT(*), COUNT(a.id) FROM production_plans p "
        "LEFT JOIN production_actuals a ON a.branch_id = p.branch_id AND a.measure_id = p.measure_id "
        "AND a.month = p.month WHERE p.month >= :s AND p.month <= :e GROUP BY p.branch_id, p.month"),
        {"s": date(2026, 1, 1), "e": date(2026, 3, 1)}).all()


def orm_loop(session, ruleset, branch_ids):
    """The honest per-branch baseline: per branch, per cycle period, per indicator one
    ORM query; Evaluation and ScoreResult objects added and flushed; aggregation in
    Python per branch. Rolled back afterwards."""
    from core.indicators.models import INDICES
    from core.ledger.models import ActivityRecord, PointRecord
    from core.org.models import Branch
    from core.periods.keys import PeriodKey
    from core.periods.services import get_or_create_period
    from core.points import ZERO, clamp, to_points
    from core.scoring.models import Evaluation, ScoreResult
    from core.targets.models import Target

    weights = {}
    for w in ruleset.weights:
        weights.setdefault(w.category, {})[w.index_code] = w.weight
    windows = [PeriodKey(2026, "month", m) for m in (1, 2, 3)] + [PeriodKey(2026, "quarter", 1)]
    periods = {k.key: get_or_create_period(session, PeriodKey.parse(k.key.replace("2026", "2099", 1))) for k in windows}
    for bid in branch_ids:
        branch = session.get(Branch, bid)
        for w in windows:
            sums = {}
            for ind in ruleset.indicators:
                if ind.cycle != w.kind or ind.kind not in ("basic", "special"):
                    continue
                earned = None
                if ind.method in ("ledger_count", "attendance"):
                    recs = session.scalars(select(ActivityRecord).where(
                        ActivityRecord.branch_id == bid, ActivityRecord.type.in_(ind.params["record_types"]),
                        ActivityRecord.held_on >= w.starts_on, ActivityRecord.held_on <= w.ends_on)).all()
                    if ind.method == "ledger_count":
                        ok = sum(1 for r in recs if r.valid and (r.uploaded_at.date() - r.held_on).days <= ind.params["deadline_days"])
                        late = sum(1 for r in recs if r.valid) - ok
                        earned = ind.points * min(Decimal(1), (ok + Decimal("0.5") * late) / ind.params["min_count"])
                    else:
                        exp = sum(r.expected_full + r.expected_probationary for r in recs)
                        pres = sum(r.present_full + r.present_probationary for r in recs)
                        rate = Decimal(pres) / exp if exp else ZERO
                        earned = ind.points * clamp((rate - Decimal("0.5")) / Decimal("0.4"), ZERO, Decimal(1))
                elif ind.method == "target":
                    ts = session.scalars(select(Target).where(Target.branch_id == bid, Target.deadline >= w.starts_on,
                                                              Target.deadline <= w.ends_on)).all()
                    if not ts:
                        continue
                    earned = ind.points * sum((t.progress[-1].completion / 100 if t.progress else ZERO) for t in ts) / len(ts)
                ev = Evaluation(branch_id=bid, unit_id=branch.unit_id, indicator_id=ind.id, period_id=periods[w.key].id,
                                points=ind.points, auto_earned=None if earned is None else to_points(earned), evidence={})
                session.add(ev)
                acc = sums.setdefault(ind.index_code, [ZERO, ZERO])
                acc[0] += ind.points
                acc[1] += ev.auto_earned or ZERO
            recs = session.scalars(select(PointRecord).where(PointRecord.branch_id == bid,
                                                             PointRecord.dated >= w.starts_on, PointRecord.dated <= w.ends_on)).all()
            total = sum((to_points(Decimal(weights[branch.category][i]) * s[1] / s[0]) for i, s in sums.items() if s[0]), ZERO)
            total += min(sum((r.points for r in recs if r.kind == "bonus"), ZERO), Decimal(5))
            total -= sum((r.points for r in recs if r.kind == "deduction"), ZERO)
            session.add(ScoreResult(period_id=periods[w.key].id, branch_id=bid, unit_id=branch.unit_id,
                                    category=branch.category, ruleset_id=ruleset.id,
                                    base=total, bonus=ZERO, deduction=ZERO, total=clamp(total, ZERO, Decimal(100)), rank=0,
                                    **{i: None for i in INDICES}))
        session.flush()
    session.rollback()


def bench_app(database_url: str | None, plugins: dict, **config):
    """(app, url): the app on `database_url`, default a fresh SQLite file under /tmp."""
    from core.app import create_app

    url = database_url
    if not url:
        fd, path = tempfile.mkstemp(prefix="starbranch-bench-", suffix=".sqlite")
        os.close(fd)
        url = f"sqlite:///{path}"
    app = create_app({"DATABASE_URL": url, "PLUGINS": plugins, "ENV": "testing", "SECRET_KEY": "bench", **config},
                     instance_path=tempfile.mkdtemp(prefix="starbranch-bench-instance-"))
    return app, url


def fresh_database(app, url: str, n_branches: int, seed: int, plugins: dict):
    """Inside the app context: empty tables, the synthetic group, the plugins' data and
    the default 2026 rule set. Returns (session, counts, rule set)."""
    from core.indicators.catalogue import seed_ruleset

    db = app.extensions["starbranch.db"]
    db.drop_all()
    db.create_all()
    session = db.session_factory()
    t0 = time.perf_counter()
    counts = generate(session, n_branches, seed)
    if "production" in plugins:
        from plugins.production.benchdata import generate as generate_production
        print("production:", generate_production(session, load, seed=seed))
        session.commit()
    if "brands" in plugins:
        from plugins.brands.benchdata import generate as generate_brands
        print("brands:", generate_brands(session, load, seed=seed))
        session.commit()
    ruleset = seed_ruleset(session, 2026, None, registry=app.extensions["starbranch.plugins"])
    session.commit()
    if url.startswith("postgresql"):
        session.execute(text("ANALYZE"))
        session.commit()
    print(f"database: {session.get_bind().dialect.name}  branches: {n_branches}  "
          f"records: {counts['records']} (Q1 {counts['records_q1']})  members: {counts['members']}  "
          f"targets: {counts['targets']}  point records: {counts['point_records']}  "
          f"generated in {time.perf_counter() - t0:.1f}s")
    return session, counts, ruleset


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--branches", type=int, default=20000)
    parser.add_argument("--database-url")
    parser.add_argument("--sample", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--plugins", default="", help="comma-separated plugins to load and fill (production, brands)")
    args = parser.parse_args(argv)
    plugins = {n: f"plugins.{n}" for n in args.plugins.split(",") if n}

    from core.scoring.close import close_period

    app, url = bench_app(args.database_url, plugins)
    db = app.extensions["starbranch.db"]
    registry = app.extensions["starbranch.plugins"]
    with app.app_context():
        session, counts, ruleset = fresh_database(app, url, args.branches, args.seed, plugins)
        session.close()
        session = db.session_factory()
        t0 = time.perf_counter()
        floor_rows = floor_query(session)
        floor_s = time.perf_counter() - t0
        session.rollback()

        session = db.session_factory()
        t0 = time.perf_counter()
        steps = []
        for key in ("2026-01", "2026-02", "2026-03", "2026Q1"):
            s0 = time.perf_counter()
            # the quarterly manual item (S-SERVICE) is unverified in the synthetic data: the
            # close counts it 0 as the admin's choice (listed, written and audited)
            result = close_period(session, key, kinds=registry, actor=None, unverified="zero",
                                  reason="bench: unverified manual items count 0")
            session.commit()
            steps.append(f"{key} {time.perf_counter() - s0:.2f}s ({result.evaluations} evaluations)")
        close_s = time.perf_counter() - t0
        print("close steps: " + "; ".join(steps))
        print(f"Q1 stars: {result.stars}")

        session = db.session_factory()
        t0 = time.perf_counter()
        floor_rows = floor_query(session)
        floor_s = min(floor_s, time.perf_counter() - t0)
        session.rollback()
        plugin_floor_s = None
        if "production" in plugins:
            for _ in range(2):
                session = db.session_factory()
                t0 = time.perf_counter()
                plugin_rows = plugin_floor_query(session)
                elapsed = time.perf_counter() - t0
                plugin_floor_s = elapsed if plugin_floor_s is None else min(plugin_floor_s, elapsed)
                session.rollback()

        sample = list(range(1, min(args.sample, args.branches) + 1))
        session = db.session_factory()
        ruleset = session.merge(ruleset)
        t0 = time.perf_counter()
        orm_loop(session, ruleset, sample)
        sample_s = time.perf_counter() - t0
        orm_s = sample_s * args.branches / len(sample)
        session.close()

        print(f"floor rows: {len(floor_rows)}")
        print(f"close_s={close_s:.3f}")
        print(f"floor_s={floor_s:.3f}")
        print(f"ratio={close_s / floor_s:.2f}")
        if plugin_floor_s is not None:
            print(f"plugin floor rows: {len(plugin_rows)}  plugin_floor_s={plugin_floor_s:.3f}")
            print(f"ratio_with_plugin_floor={close_s / (floor_s + plugin_floor_s):.2f}  "
                  f"(close_s / (floor_s + plugin_floor_s))")
        print(f"orm_loop_sample_s={sample_s:.3f} (n={len(sample)})  orm_extrapolated_s={orm_s:.1f}")
        print(f"speedup={orm_s / close_s:.1f}x")
    db.engine.dispose()


if __name__ == "__main__":
    main()
