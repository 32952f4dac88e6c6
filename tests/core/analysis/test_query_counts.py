"""No page issues a query per row: the statements per page do not grow with branches."""
from __future__ import annotations

import pytest


def _seed(db, make_unit, make_ruleset, make_period, make_score, n):
    from core.org.models import Branch

    units = [make_unit(), make_unit()]
    rs = make_ruleset()
    periods = [make_period(k) for k in ("2026-01", "2026-02", "2026-03", "2025Q4", "2026Q1")]
    branches = []
    for i in range(n):
        u = units[i % 2]
        b = Branch(code=f"QC{n}-{i:04d}", name=f"测试党支部{i}", category=("production", "market")[i % 2],
                   parent_id=u.id, unit_id=u.id)
        db.add(b)
        branches.append(b)
    db.flush()
    for p in periods:
        for i, b in enumerate(branches):
            make_score(b, p, rs, pct=40 + (i * 7) % 60, rank=i // 2 + 1, commit=False)
    db.commit()
    return units, branches


@pytest.mark.parametrize("role", ["admin", "reviewer"])
def test_ranking_and_dashboard_query_counts_do_not_depend_on_branch_count(
        app, db, client, login, make_user, make_unit, make_ruleset, make_period, make_score, count_queries, role):
    app.config["PAGE_SIZE"] = 50
    counts = {}
    for n in (10, 100):
        # a fresh set of rows each time, in the same database
        from core.scoring.models import ScoreResult
        from core.periods.models import Period
        from core.indicators.models import IndexWeight, RuleSet
        db.query(ScoreResult).delete()
        db.query(Period).delete()
        db.query(IndexWeight).delete()
        db.query(RuleSet).delete()
        db.commit()
        units, branches = _seed(db, make_unit, make_ruleset, make_period, make_score, n)
        user = make_user(role, units=units if role == "reviewer" else ())
        c = app.test_client()
        login(user, c)
        pages = {"ranking": "/analysis/rankings?period=2026Q1", "dashboard": f"/branches/{branches[3].id}/dashboard",
                 "tiers": "/analysis/tiers?period=2026Q1", "api": "/api/v1/scores?period=2026Q1"}
        for name, url in pages.items():
            with count_queries() as statements:
                r = c.get(url)
            assert r.status_code == 200, (name, r.status_code)
            counts[(name, n)] = len(statements)
    for name in ("ranking", "dashboard", "tiers", "api"):
        assert counts[(name, 10)] == counts[(name, 100)], (name, counts)
        assert counts[(name, 100)] <= 15, (name, counts)
