"""Benchmark of the what-if (规则调整模拟, issue 9).

    python bench/whatif.py --branches 20000 [--database-url URL] [--seed 1] [--reuse]
                           [--drafts rating,standard,settings,deadline]

Generates the synthetic group of bench/close.py (a year of ledger records, targets and
point records for --branches branches), closes the whole year 2026 with the default
rule set (12 months, 4 quarters, the year; unverified manual items counted 0), then
tries drafts on the closed year, each a copy of the rule set with other index weights
and star bands, and:

- rating   — nothing else: every stored evaluation is counted as it is;
- standard — a stricter upload standard too (支委会 twice a month instead of once):
             the same records counted, so that monthly indicator is re-scored from
             the counts the close stored;
- settings — the late factor changed too, a setting the upload standards read: every
             ledger_count indicator is re-scored from the stored counts;
- deadline — a shorter upload deadline for 支委会 (5 days instead of 7): other records
             count as on time, so that indicator is evaluated again from the ledger
             for the 12 months.

--reuse: a database (--database-url) whose year 2026 is already closed is used as it
is (no generation, no close; close_year_s is not printed).

Printed: close_year_s — the real close of the 17 windows (commits included); for each
draft whatif_s — `run_whatif`, with the indicators evaluated again and the number of
movers; cpu — the process's CPU time for each (SQLite runs in-process), a figure less
disturbed by other work on the machine than the wall time; and the check that nothing
was stored (the year's rows before and after are identical).
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
    parser.add_argument("--drafts", default="rating,standard,settings,deadline")
    parser.add_argument("--reuse", action="store_true", help="use the closed year already in --database-url")
    args = parser.parse_args(argv)
    from core.indicators.models import RuleSet
    from core.periods.services import all_keys_of_year
    from core.scoring.close import close_period
    from core.scoring.whatif import run_whatif

    app, url = bench_app(args.database_url, {}, TODAY="2027-01-05")
    registry = app.extensions["starbranch.plugins"]
    db = app.extensions["starbranch.db"]
    with app.app_context():
        if args.reuse and _closed_year(db.session_factory()) is not None:
            session = db.session_factory()
            ruleset = _closed_year(session)
            print(f"reusing the closed year 2026 of {url}")
        else:
            session, _counts, ruleset = fresh_database(app, url, args.branches, args.seed, {})
            t0, c0 = time.perf_counter(), time.process_time()
            for pk in all_keys_of_year(2026):
                close_period(session, pk, kinds=registry, unverified="zero", reason="bench")
                session.commit()
            close_year_s, close_year_cpu = time.perf_counter() - t0, time.process_time() - c0
            print(f"close_year_s={close_year_s:.2f}  cpu={close_year_cpu:.2f}  (17 windows)")
        drafts = [make_draft(session, ruleset, name) for name in args.drafts.split(",")]
        session.commit()
        before = fingerprint(session)
        session.close()
        for draft_id, name in drafts:
            session = db.session_factory()
            draft = session.get(RuleSet, draft_id)
            t0, c0 = time.perf_counter(), time.process_time()
            report = run_whatif(session, draft, 2026, kinds=registry)
            session.rollback()
            whatif_s, whatif_cpu = time.perf_counter() - t0, time.process_time() - c0
            print(f"[{name}] whatif_s={whatif_s:.2f}  cpu={whatif_cpu:.2f}  evaluated={_codes(report.evaluated)}  "
                  f"rescored={_codes(report.rescored)}  reused={len(report.reused)}  movers={len(report.movers)}  "
                  f"gains={len(report.gains)}  losses={len(report.losses)}")
            print(f"[{name}] year grades before:", report.distribution["2026"][0], " after:",
                  report.distribution["2026"][1])
            print(f"[{name}] nothing stored: {fingerprint(session) == before}")
            session.close()


def _codes(codes: list[str]) -> str:
    return f"{len(codes)} ({','.join(codes[:3]) + ('…' if len(codes) > 3 else '') or '-'})"


def _closed_year(session):
    """The rule set the year 2026 was closed with, if its 17 windows are closed."""
    from sqlalchemy import func, select

    from core.indicators.models import RuleSet
    from core.periods.models import Period
    closed = session.execute(select(func.count(), func.min(Period.ruleset_id)).where(
        Period.year == 2026, Period.status == "closed")).one()
    return session.get(RuleSet, closed[1]) if closed[0] == 17 else None


def make_draft(session, ruleset, name: str) -> tuple[int, str]:
    """A draft copy of `ruleset` (see the module doc for `name`); (id, name)."""
    from core.indicators.admin import copy_ruleset

    draft = copy_ruleset(session, ruleset, year=2026, actor=None)
    for w in draft.weights:
        w.weight = {"team": 25, "management": 25, "performance": 20, "brand": 10, "service": 20}[w.index_code]
    for band in draft.bands:
        band.min_score = {5: Decimal(85), 4: Decimal(75), 3: Decimal(65), 2: Decimal(55)}.get(band.stars,
                                                                                           band.min_score)
    if name in ("standard", "settings"):
        committee = next(i for i in draft.indicators if i.code == "B-MECH-COMMITTEE")
        committee.params = {**committee.params, "min_count": 2}
    if name == "settings":
        draft.settings = {**draft.settings, "late_factor": "0.25"}
    elif name == "deadline":
        committee = next(i for i in draft.indicators if i.code == "B-MECH-COMMITTEE")
        committee.params = {**committee.params, "deadline_days": 5}
    elif name not in ("rating", "standard"):
        raise SystemExit(f"unknown draft {name!r}: rating, standard, settings or deadline")
    session.flush()
    return draft.id, name


if __name__ == "__main__":
    main()
