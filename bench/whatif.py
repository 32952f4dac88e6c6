"""Benchmark of the what-if (规则调整模拟, issue 9).

    python bench/whatif.py --branches 20000 [--database-url URL] [--seed 1]

Generates the synthetic group of bench/close.py (a year of ledger records, targets and
point records for --branches branches), closes the whole year 2026 with the default
rule set (12 months, 4 quarters, the year; unverified manual items counted 0), then
tries a draft — a copy with other index weights, star bands and a stricter upload
standard — on the closed year:

- close_year_s — the real close of the 17 windows (commits included);
- whatif_s     — `run_whatif` (re-closes the 17 windows with the draft inside a
                 savepoint and rolls it back), with the number of movers;
- cpu          — the process's CPU time for each (SQLite runs in-process), a figure
                 less disturbed by other work on the machine than the wall time;
- the check that nothing was stored (the year's rows before and after are identical).
"""
from __future__ import annotations

import argparse
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text  # noqa: E402

from bench.close import bench_app, fresh_database  # noqa: E402


def fingerprint(session) -> tuple:
    """Counts and sums over the engine's rows and the periods (cheap "nothing changed")."""
    return tuple(session.execute(text(
        "SELECT (SELECT count(*) FROM evaluations), (SELECT sum(coalesce(auto_earned, 0) + "
        "coalesce(verified_earned, 0) + indicator_id) FROM evaluations), (SELECT count(*) FROM score_results), "
        "(SELECT sum(total + coalesce(stars, 0) + rank + ruleset_id) FROM score_results), "
        "(SELECT count(*) FROM periods WHERE status = 'closed'), (SELECT count(*) FROM audit_log)")).one())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--branches", type=int, default=20000)
    parser.add_argument("--database-url")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    from core.indicators.admin import copy_ruleset
    from core.periods.services import all_keys_of_year
    from core.scoring.close import close_period
    from core.scoring.whatif import run_whatif

    app, url = bench_app(args.database_url, {}, TODAY="2027-01-05")
    registry = app.extensions["starbranch.plugins"]
    db = app.extensions["starbranch.db"]
    with app.app_context():
        session, _counts, ruleset = fresh_database(app, url, args.branches, args.seed, {})
        t0, c0 = time.perf_counter(), time.process_time()
        for pk in all_keys_of_year(2026):
            close_period(session, pk, kinds=registry, unverified="zero", reason="bench")
            session.commit()
        close_year_s, close_year_cpu = time.perf_counter() - t0, time.process_time() - c0
        print(f"close_year_s={close_year_s:.2f}  cpu={close_year_cpu:.2f}  (17 windows)")
        draft = copy_ruleset(session, ruleset, year=2026, actor=None)
        for w in draft.weights:
            w.weight = {"team": 25, "management": 25, "performance": 20, "brand": 10, "service": 20}[w.index_code]
        for band in draft.bands:
            band.min_score = {5: Decimal(85), 4: Decimal(75), 3: Decimal(65), 2: Decimal(55)}.get(band.stars,
                                                                                               band.min_score)
        session.commit()
        before = fingerprint(session)
        session.close()
        session = db.session_factory()
        t0, c0 = time.perf_counter(), time.process_time()
        report = run_whatif(session, draft, 2026, kinds=registry)
        session.rollback()
        whatif_s, whatif_cpu = time.perf_counter() - t0, time.process_time() - c0
        print(f"whatif_s={whatif_s:.2f}  cpu={whatif_cpu:.2f}  movers={len(report.movers)}  gains={len(report.gains)}  "
              f"losses={len(report.losses)}")
        print("year grades before:", report.distribution["2026"][0], " after:", report.distribution["2026"][1])
        unchanged = fingerprint(session) == before
        print(f"nothing stored: {unchanged}")
        session.close()


if __name__ == "__main__":
    main()
