"""Benchmarks (one per category and year), observation routes (scope, enabling, order)
and benchmarking visits: refused clearly, nothing written."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from core.audit.models import AuditEntry
from plugins.brands import showcase
from plugins.brands.models import Benchmark, Route, RouteStop, Visit
from plugins.brands.stages import BrandError

from .conftest import TODAY


def _bench(db, world, **kw):
    args = {"actor": world["admin"], "year": 2026, "category": "production", "branch_code": "LG01",
            "designated_on": date(2026, 3, 1), **kw}
    b = showcase.designate_benchmark(db, **args)
    db.commit()
    return b


def test_one_benchmark_per_category_and_year(db, world):
    _bench(db, world)
    with pytest.raises(BrandError, match="一号转炉作业区党支部") as exc:
        _bench(db, world, branch_code="LT01")
    assert exc.value.field == "category"
    db.rollback()
    assert db.scalar(select(func.count(Benchmark.id))) == 1
    _bench(db, world, year=2025, designated_on=date(2025, 6, 1), branch_code="LT01")   # another year
    _bench(db, world, category="auxiliary", branch_code="LG03")                        # another category
    assert db.scalar(select(func.count(Benchmark.id))) == 3


def test_the_database_also_refuses_a_second_benchmark(db, world):
    from sqlalchemy.exc import IntegrityError

    _bench(db, world)
    db.add(Benchmark(year=2026, category="production", branch_id=world["t"].id, unit_id=world["t"].unit_id,
                     designated_on=date(2026, 4, 1)))
    with pytest.raises(IntegrityError):
        db.flush()
    db.rollback()


@pytest.mark.parametrize("kw,match", [
    ({"actor": "reviewer"}, "组织部"),
    ({"category": "auxiliary"}, "不是"),                    # LG01 is 生产类
    ({"branch_code": "WL01"}, "未启用"),                    # plugin off in 物流公司
    ({"branch_code": "NOPE"}, "找不到"),
    ({"designated_on": date(2025, 12, 31)}, "年内"),
])
def test_bad_benchmarks_are_refused(db, world, kw, match):
    if kw.get("actor"):
        kw = {**kw, "actor": world[kw["actor"]]}
    with pytest.raises(BrandError, match=match):
        _bench(db, world, **kw)
    db.rollback()
    assert db.scalar(select(func.count(Benchmark.id))) == 0


def test_revoking_a_benchmark_needs_a_reason_and_is_audited(db, world):
    b = _bench(db, world)
    with pytest.raises(BrandError):
        showcase.revoke_benchmark(db, b, actor=world["admin"], reason=" ")
    showcase.revoke_benchmark(db, b, actor=world["admin"], reason="年度评审调整")
    db.commit()
    assert db.scalar(select(func.count(Benchmark.id))) == 0
    assert db.scalar(select(AuditEntry.reason).where(AuditEntry.action == "brands.benchmark.revoke")) == "年度评审调整"


# ------------------------------------------------------------------ routes

def test_a_route_is_an_ordered_list_of_branches(db, world):
    route = showcase.create_route(db, actor=world["admin"], name="主业线")
    for code in ("LG01", "LT01", "LG02"):
        showcase.add_stop(db, route, actor=world["admin"], branch_code=code)
    db.commit()
    order = lambda: [s.branch_id for s in db.scalars(select(RouteStop).order_by(RouteStop.position))]  # noqa: E731
    assert order() == [world["a"].id, world["t"].id, world["a2"].id]
    stop = db.scalar(select(RouteStop).where(RouteStop.branch_id == world["a2"].id))
    showcase.move_stop(db, route, stop, -1, actor=world["admin"])
    db.commit()
    assert order() == [world["a"].id, world["a2"].id, world["t"].id]
    first = db.scalar(select(RouteStop).where(RouteStop.branch_id == world["a"].id))
    showcase.remove_stop(db, route, first, actor=world["admin"])
    db.commit()
    assert order() == [world["a2"].id, world["t"].id]
    assert [s.position for s in db.scalars(select(RouteStop).order_by(RouteStop.position))] == [1, 2]


@pytest.mark.parametrize("actor,code,match", [
    ("admin", "WL01", "未启用"),           # a branch of a unit where the plugin is disabled
    ("reviewer", "LT01", "找不到"),        # outside the reviewer's scope: answered like an unknown code
    ("admin", "LG01", "已在该路线上"),       # twice
    ("admin", "NOPE", "找不到"),
])
def test_bad_stops_are_refused_and_nothing_is_written(db, world, actor, code, match):
    route = showcase.create_route(db, actor=world["admin"] if actor == "admin" else world["reviewer"],
                                  name="辅业线", unit_id=None if actor == "admin" else world["on"].id)
    showcase.add_stop(db, route, actor=world["admin"], branch_code="LG01")
    db.commit()
    with pytest.raises(BrandError, match=match):
        showcase.add_stop(db, route, actor=world[actor], branch_code=code)
    db.rollback()
    assert db.scalar(select(func.count(RouteStop.id))) == 1


def test_reviewers_keep_their_units_routes_only(db, world):
    with pytest.raises(BrandError):
        showcase.create_route(db, actor=world["reviewer"], name="集团线")               # a group route
    with pytest.raises(BrandError):
        showcase.create_route(db, actor=world["reviewer"], name="炼铁线", unit_id=world["other"].id)
    with pytest.raises(BrandError):
        showcase.create_route(db, actor=world["secretary"], name="支部线", unit_id=world["on"].id)
    group = showcase.create_route(db, actor=world["admin"], name="改制线")
    db.commit()
    with pytest.raises(BrandError):
        showcase.add_stop(db, group, actor=world["reviewer"], branch_code="LG01")
    own = showcase.create_route(db, actor=world["reviewer"], name="炼钢线", unit_id=world["on"].id)
    showcase.add_stop(db, own, actor=world["reviewer"], branch_code="LG02")
    db.commit()
    with pytest.raises(BrandError, match="本单位"):
        showcase.add_stop(db, own, actor=world["admin"], branch_code="LT01")
    names = {r.name for r in db.scalars(showcase.visible_routes(db, world["other_reviewer"]))}
    assert names == {"改制线"}


def test_route_names_are_unique(db, world):
    showcase.create_route(db, actor=world["admin"], name="主业线")
    db.commit()
    with pytest.raises(BrandError, match="同名"):
        showcase.create_route(db, actor=world["admin"], name=" 主业线 ")
    db.rollback()
    assert db.scalar(select(func.count(Route.id))) == 1


# ------------------------------------------------------------------ visits

def test_a_visit_records_the_visitors_date_and_what_they_learned(db, world):
    v = showcase.record_visit(db, actor=world["reviewer"], host_code="LG01", visitor_codes=["LG02", "LG03", "LG02"],
                              visited_on=date(2026, 5, 8), learned="学习党员责任区做法", today=TODAY)
    db.commit()
    assert sorted(vb.branch_id for vb in v.visitors) == sorted([world["a2"].id, world["aux"].id])


def test_the_host_may_be_a_showcase_of_another_unit(db, world):
    _bench(db, world, category="production", branch_code="LT01", designated_on=date(2026, 2, 1))
    with pytest.raises(BrandError, match="找不到"):   # 高炉作业区 is not a benchmark of 2025
        showcase.record_visit(db, actor=world["reviewer"], host_code="LT01", visitor_codes=["LG02"],
                              visited_on=date(2025, 5, 8), learned="x", today=TODAY)
    showcase.record_visit(db, actor=world["reviewer"], host_code="LT01", visitor_codes=["LG02"],
                          visited_on=date(2026, 5, 8), learned="对标高炉党支部", today=TODAY)
    db.commit()


@pytest.mark.parametrize("kw,match", [
    ({"actor": "secretary"}, "记录"),
    ({"visitor_codes": ["LT01"]}, "找不到"),            # outside the reviewer's scope
    ({"visitor_codes": []}, "观摩支部"),
    ({"visitor_codes": ["LG01"]}, "本身"),
    ({"host_code": "WL01"}, "未启用"),
    ({"learned": " "}, "收获"),
    ({"visited_on": date(2026, 11, 21)}, "晚于今天"),
])
def test_bad_visits_are_refused(db, world, kw, match):
    args = {"actor": world["reviewer"], "host_code": "LG01", "visitor_codes": ["LG02"],
            "visited_on": date(2026, 5, 8), "learned": "学习", "today": TODAY, **kw}
    if isinstance(args["actor"], str):
        args["actor"] = world[args["actor"]]
    with pytest.raises(BrandError, match=match):
        showcase.record_visit(db, **args)
    db.rollback()
    assert db.scalar(select(func.count(Visit.id))) == 0
