"""The demo spreads brands over every stage (scoring them through the demo's closes)
and the CLI prints the stage counts and exports the matrix."""
from __future__ import annotations

from collections import Counter
from datetime import date

from openpyxl import load_workbook
from sqlalchemy import func, select

from plugins.brands.demo import add_demo
from plugins.brands.models import Benchmark, Brand, BrandEvent, Route, RouteStop, Visit


def test_demo_spreads_brands_over_the_stages(app, db, make_unit, make_branch, enable_plugin):
    units = [make_unit(code=f"D{i}") for i in range(3)]
    for u in units[:2]:
        enable_plugin(u, "brands")
    cats = ["production", "auxiliary", "management", "market", "nonpublic"]
    branches = [make_branch(unit=units[i % 3], category=cats[i % 5]) for i in range(90)]
    n = add_demo(db, units, branches, today=date(2026, 11, 29))
    db.commit()
    assert n == db.scalar(select(func.count(Brand.id))) and 30 < n < 60
    assert db.scalar(select(func.count(Brand.id)).where(Brand.unit_id == units[2].id)) == 0
    stages = Counter(db.scalars(select(Brand.stage)))
    assert {"declared", "cultivating", "accepted", "named"} <= set(stages)
    for brand in db.scalars(select(Brand)):   # the current stage is the history's last, dates in order
        events = db.scalars(select(BrandEvent).where(BrandEvent.brand_id == brand.id).order_by(BrandEvent.id)).all()
        assert events[-1].to_stage == brand.stage and events[-1].happened_on == brand.stage_on
        assert [e.happened_on for e in events] == sorted(e.happened_on for e in events)
        assert all(e.happened_on < date(2026, 11, 29) for e in events)
    assert db.scalar(select(func.count(Benchmark.id))) >= 1
    assert {r.name for r in db.scalars(select(Route))} == {"主业线", "辅业线", "改制线"}
    assert db.scalar(select(func.count(RouteStop.id))) >= 3 and db.scalar(select(func.count(Visit.id))) >= 1


def test_cli_stage_counts_and_matrix_export(app, db, world, walk, tmp_path):
    walk(world["a"])
    runner = app.test_cli_runner()
    brands = {c.name: c for b in app.extensions["starbranch.plugins"].hook.starbranch_cli_commands() for c in b}["brands"]
    out = runner.invoke(brands, ["stages"])
    assert out.exit_code == 0 and "炼钢厂党委\t命名\t1" in out.output
    path = tmp_path / "m.xlsx"
    out = runner.invoke(brands, ["matrix", "-o", str(path)])
    assert out.exit_code == 0, out.output
    rows = list(load_workbook(path).active.values)
    assert rows[1][1:3] == ("LG01", "一号转炉作业区党支部")
