"""The synthetic group of bench/close.py, generated inside PostgreSQL (INSERT … SELECT
over generate_series) for the sizes where building the rows in Python is too slow or
too large: 200,000 branches are ~11 million ledger records, which bench/close.py would
hold as Python tuples (several GB) before its COPY.

Same shapes and frequencies as bench/close.py (units of 500 branches, branches dealt to
units in turn, 5–20 members each; 支委会, 党小组会 ×2, 主题党日 monthly and 支部党员大会,
党课 quarterly, each held with probability 0.95; 民主评议党员 in December and 组织生活会
in January; 10 % uploaded late; attendance counts, 3 % inquorate member meetings;
appraisal results 30/65/4/1 %; per quarter 5 % deduction, 3 % bonus, 0.2 % veto
records; two targets per branch with monthly progress), but drawn by PostgreSQL's
random() after setseed(), so the rows are not those of bench/close.py for the same
seed. Deterministic for a seed: the session runs without parallel workers.

Loading: plain indexes of the big tables are dropped and rebuilt after the load (one
sorted build each instead of an index insert per row), and foreign-key triggers are
off for the session (session_replication_role = replica; the rows are consistent by
construction). Records are inserted in branch order, as bench/close.py writes them.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import text

CATS = ["production", "auxiliary", "management", "market", "nonpublic"]
NOW = datetime(2026, 1, 1)
#: Tables whose plain (non-unique) indexes are rebuilt after the load.
BIG_TABLES = ("members", "activity_records", "appraisal_results", "point_records", "targets", "target_progress")


def _rand_int(lo: int, hi: int) -> str:
    """SQL for a uniform integer in [lo, hi] (Python's randint)."""
    return f"({lo} + floor(random() * {hi - lo + 1})::int)"


STATEMENTS = [
    # units and branches (branch b in unit 2 + (b − 1) mod units, as bench/close.py)
    """INSERT INTO org_nodes (id, code, name, kind, parent_id, unit_id, active, version)
       SELECT 1, 'G', '集团党委', 'group', NULL, NULL, true, 1
       UNION ALL
       SELECT u + 2, 'U' || lpad(u::text, 4, '0'), '第' || u || '二级单位党委', 'unit', 1, u + 2, true, 1
       FROM generate_series(0, :units - 1) u""",
    """INSERT INTO branches (id, code, name, category, parent_id, unit_id, active, created_at, version)
       SELECT b, 'B' || lpad(b::text, 6, '0'), '第' || b || '党支部', (CAST(:cats AS text[]))[b % 5 + 1],
              2 + (b - 1) % :units, 2 + (b - 1) % :units, true, :now, 1
       FROM generate_series(1, :branches) b""",
    # members: 5–20 per branch, numbered consecutively branch after branch
    f"""CREATE TEMP TABLE bench_sizes ON COMMIT DROP AS
        SELECT b, size, sum(size) OVER (ORDER BY b) - size + 1 AS first_member
        FROM (SELECT b, {_rand_int(5, 20)} AS size FROM generate_series(1, :branches) b) s""",
    # a temp table has no statistics until analysed: without them the joins below may
    # be planned as nested loops over every branch
    "ALTER TABLE bench_sizes ADD PRIMARY KEY (b)",
    "ANALYZE bench_sizes",
    """INSERT INTO members (id, branch_id, name, gender, status, active, version)
       SELECT s.first_member + k, s.b, '党员' || (s.first_member + k), 'male',
              CASE WHEN random() > 0.08 THEN 'full' ELSE 'probationary' END, true, 1
       FROM bench_sizes s, generate_series(0, s.size - 1) k ORDER BY 1""",
    # the ledger: monthly and quarterly types held with probability 0.95, the yearly ones always
    f"""INSERT INTO activity_records (branch_id, unit_id, type, held_on, uploaded_at, topic, present_full,
                                      expected_full, present_probationary, expected_probationary, valid, version)
        SELECT branch_id, unit_id, type, held_on, uploaded_at, '主题', present, expected, 0, 0,
               NOT (type = 'member_meeting' AND present * 2 <= expected), 1
        FROM (SELECT r.branch_id, r.unit_id, r.type, r.held_on, r.expected,
                     r.held_on + make_interval(days => CASE WHEN random() < 0.1 THEN {_rand_int(10, 30)}
                                                            ELSE {_rand_int(0, 6)} END, hours => 9) AS uploaded_at,
                     CASE WHEN r.type = 'member_meeting' AND random() < 0.03 THEN r.expected / 2
                          ELSE r.expected - floor(random() * (greatest(1, r.expected / 3) + 1))::int END AS present
              FROM (SELECT b.id AS branch_id, b.unit_id, s.size AS expected, p.type, p.held_on, p.n
                    FROM branches b JOIN bench_sizes s ON s.b = b.id
                    CROSS JOIN LATERAL (
                        SELECT t.type, make_date(2026, m, {_rand_int(1, 28)}) AS held_on, m * 10 + t.n AS n,
                               random() < 0.95 AS held
                        FROM generate_series(1, 12) m,
                             unnest(ARRAY['committee_meeting', 'group_meeting', 'group_meeting', 'theme_day'])
                                 WITH ORDINALITY t(type, n)
                        UNION ALL
                        SELECT t.type, make_date(2026, 3 * q + {_rand_int(1, 3)}, {_rand_int(1, 28)}),
                               200 + q * 10 + t.n, random() < 0.95
                        FROM generate_series(0, 3) q, unnest(ARRAY['member_meeting', 'party_lecture'])
                                                          WITH ORDINALITY t(type, n)
                        UNION ALL
                        SELECT 'appraisal', make_date(2026, 12, {_rand_int(1, 20)}), 300, true
                        UNION ALL
                        SELECT 'life_meeting', make_date(2026, 1, {_rand_int(1, 20)}), 301, true
                        -- b.id in the lateral: drawn again for every branch
                        OFFSET 0 * b.id) p
                    WHERE p.held) r
              ORDER BY r.branch_id, r.n) x""",
    "ANALYZE activity_records",
    # every member of the branch rated in its 民主评议党员 record
    """INSERT INTO appraisal_results (record_id, member_id, result)
       SELECT a.id, s.first_member + k,
              CASE WHEN x < 0.30 THEN 'excellent' WHEN x < 0.95 THEN 'qualified'
                   WHEN x < 0.99 THEN 'basic' ELSE 'unqualified' END
       FROM activity_records a JOIN bench_sizes s ON s.b = a.branch_id
       CROSS JOIN LATERAL (SELECT k, random() AS x FROM generate_series(0, s.size - 1) k OFFSET 0 * a.id) g
       WHERE a.type = 'appraisal' ORDER BY a.id, k""",
    # point records per branch and quarter
    f"""INSERT INTO point_records (branch_id, unit_id, kind, points, dated, reason, indicator_code, created_at)
        SELECT branch_id, unit_id, kind, points, dated, reason, code, :now FROM (
            SELECT b.id AS branch_id, b.unit_id, q, d, bo, v FROM branches b,
                   LATERAL (SELECT q, random() AS d, random() AS bo, random() AS v
                            FROM generate_series(0, 3) q OFFSET 0 * b.id) r) r
        CROSS JOIN LATERAL (
            SELECT 'deduction' AS kind, {_rand_int(1, 3)} * 100 AS points, make_date(2026, 3 * q + 1, 15) AS dated,
                   '台账漏报' AS reason, 'D-LEDGER' AS code WHERE d < 0.05
            UNION ALL
            SELECT 'bonus', {_rand_int(1, 4)} * 100, make_date(2026, 3 * q + 2, 10), '获上级表彰', NULL WHERE bo < 0.03
            UNION ALL
            SELECT 'veto', 0, make_date(2026, 3 * q + 3, 5), '重大事故', 'V-ACCIDENT' WHERE v < 0.002) k
        ORDER BY branch_id, q, kind""",
    f"""INSERT INTO targets (branch_id, unit_id, title, "group", index_code, points, owner, deadline, created_at, version)
        SELECT b.id, b.unit_id, '目标' || t, (ARRAY['safety_production', 'basic_work', 'key_tasks'])[t % 3 + 1],
               'performance', 500, '责任人', make_date(2026, m, 28), :now, 1
        FROM branches b, LATERAL (SELECT t, {_rand_int(1, 12)} AS m FROM generate_series(0, 1) t OFFSET 0 * b.id) x
        ORDER BY b.id, t""",
    "ANALYZE targets",
    # cumulative completion, +5–40 a month, capped at 100 %
    f"""INSERT INTO target_progress (target_id, month, completion, recorded_at)
        SELECT id, make_date(2026, m, 1), least(100, sum(step) OVER (PARTITION BY id ORDER BY m)) * 100, :now
        FROM (SELECT t.id, m, {_rand_int(5, 40)} AS step
              FROM targets t, generate_series(1, extract(month FROM t.deadline)::int) m) s
        ORDER BY id, m""",
]


def _plain_indexes(session) -> list[tuple[str, str]]:
    names = ", ".join(f"'{t}'" for t in BIG_TABLES)
    return list(session.execute(text(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i "
        f"WHERE i.schemaname = current_schema() AND i.tablename IN ({names}) AND i.indexdef NOT LIKE 'CREATE UNIQUE%'")))


def generate(session, n_branches: int, seed: int) -> dict:
    """Fill the empty tables with a group of `n_branches` branches; returns the counts."""
    n_units = max(1, n_branches // 500)
    session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))  # one random() stream
    session.execute(text("SET LOCAL work_mem = '256MB'"))
    session.execute(text("SET LOCAL session_replication_role = replica"))  # no FK trigger per row
    session.execute(text("SELECT setseed(:s)"), {"s": (seed % 1000) / 1000})
    indexes = _plain_indexes(session)
    for name, _ in indexes:
        session.execute(text(f'DROP INDEX "{name}"'))
    params = {"units": n_units, "branches": n_branches, "cats": CATS, "now": NOW}
    for sql in STATEMENTS:
        session.execute(text(sql), params)
    for _, definition in indexes:
        session.execute(text(definition))
    for table in ("org_nodes", "branches", "members"):
        session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                             f"COALESCE((SELECT MAX(id) FROM {table}), 1))"))
    counts = {t: session.scalar(text(f"SELECT count(*) FROM {t}")) for t in
              ("activity_records", "members", "appraisal_results", "point_records", "targets")}
    session.commit()
    return {"records": counts["activity_records"], "members": counts["members"],
            "appraisal_results": counts["appraisal_results"], "point_records": counts["point_records"],
            "targets": counts["targets"]}
