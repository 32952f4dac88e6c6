"""Benchmark branches (标杆支部), observation routes (观摩路线) and benchmarking visits
(对标观摩).

Decisions (README, plugin brands):
- One benchmark per branch category per year (a unique key; a second one is refused
  with the holder's name). Only the admin designates; the branch is of that category,
  active, in a unit with the plugin enabled, and the designation date lies in the year
  and not in a closed period (it brings the benchmark bonus from that day).
- Routes are configurable rows (the demo seeds 主业线、辅业线、改制线): a group route
  (no unit) is kept by the admin, a unit's route by the admin or that unit's
  reviewers. A stop must be a branch the acting user can see, active, in a unit with
  the plugin enabled, once per route; stops keep their order (1, 2, …).
- A visit is recorded by the admin or a reviewer: the visiting branches must be in the
  recorder's scope with the plugin enabled; the host may be any such branch, a
  benchmark of the year or a stop of an active route (showcases are group-wide).
"""
from __future__ import annotations

from datetime import date

from flask_babel import gettext
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core.plugins.api import (CATEGORIES, Branch, audit, branch_clause, ensure_open, plugin_enabled, unit_ids_in_scope)
from plugins.brands.models import Benchmark, Route, RouteStop, Visit, VisitBranch
from plugins.brands.stages import PLUGIN, BrandError


def _branch_by_code(session: Session, code: str) -> Branch:
    code = (code or "").strip()
    branch = session.scalar(select(Branch).where(Branch.code == code)) if code else None
    if branch is None or not branch.active:
        raise BrandError(gettext("找不到支部编码 %(code)s。", code=code or "—"), "branch_code")
    return branch


def _in_scope(session: Session, user, branch: Branch) -> bool:
    return session.scalar(select(Branch.id).where(Branch.id == branch.id,
                                                  branch_clause(user, Branch.id, Branch.unit_id))) is not None


def _enabled(session: Session, branch: Branch) -> None:
    if not plugin_enabled(session, branch.unit_id, PLUGIN):
        raise BrandError(gettext("%(name)s所在单位未启用支部品牌创建插件。", name=branch.name), "branch_code")


# ------------------------------------------------------------------ benchmarks

def designate_benchmark(session: Session, *, actor, year: int, category: str, branch_code: str,
                        designated_on: date, note: str = "") -> Benchmark:
    if getattr(actor, "role", None) != "admin":
        raise BrandError(gettext("标杆支部由组织部确定。"))
    if category not in CATEGORIES:
        raise BrandError(gettext("请选择支部类别。"), "category")
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise BrandError(gettext("年度无效。"), "year")
    branch = _branch_by_code(session, branch_code)
    _enabled(session, branch)
    if branch.category != category:
        raise BrandError(gettext("%(name)s不是%(category)s支部。", name=branch.name,
                                 category=gettext(CATEGORIES[category])), "branch_code")
    if not isinstance(designated_on, date) or designated_on.year != year:
        raise BrandError(gettext("确定日期须在 %(year)s 年内。", year=year), "designated_on")
    holder = session.scalar(select(Benchmark).where(Benchmark.year == year, Benchmark.category == category))
    if holder is not None:
        held = session.get(Branch, holder.branch_id)
        raise BrandError(gettext("%(year)s年%(category)s的标杆支部已确定为%(name)s；每类每年只能确定一个。",
                                 year=year, category=gettext(CATEGORIES[category]), name=held.name), "category")
    ensure_open(session, designated_on)
    b = Benchmark(year=year, category=category, branch_id=branch.id, unit_id=branch.unit_id,
                  designated_on=designated_on, note=(note or "").strip()[:2000], created_by=actor.id)
    session.add(b)
    session.flush()
    audit(session, actor=actor, action="brands.benchmark.designate", obj=b,
          new={"year": year, "category": category, "branch": branch.code, "on": designated_on})
    return b


def revoke_benchmark(session: Session, benchmark: Benchmark, *, actor, reason: str) -> None:
    if getattr(actor, "role", None) != "admin":
        raise BrandError(gettext("标杆支部由组织部确定。"))
    if not (reason or "").strip():
        raise BrandError(gettext("请填写理由。"), "reason")
    ensure_open(session, benchmark.designated_on)
    audit(session, actor=actor, action="brands.benchmark.revoke", obj=benchmark,
          old={"year": benchmark.year, "category": benchmark.category, "branch_id": benchmark.branch_id},
          reason=reason.strip())
    session.delete(benchmark)
    session.flush()


# ------------------------------------------------------------------ routes

def may_keep_route(user, route: Route | None, unit_id: int | None = None) -> bool:
    unit = route.unit_id if route is not None else unit_id
    if getattr(user, "role", None) == "admin":
        return True
    return getattr(user, "role", None) == "reviewer" and unit is not None and unit in user.unit_ids


def create_route(session: Session, *, actor, name: str, description: str = "", unit_id: int | None = None) -> Route:
    if not may_keep_route(actor, None, unit_id):
        raise BrandError(gettext("只有组织部或本单位审核员可以维护观摩路线。"))
    name = (name or "").strip()
    if not name:
        raise BrandError(gettext("请填写路线名称。"), "name")
    if len(name) > 60:
        raise BrandError(gettext("路线名称最多 60 个字。"), "name")
    if session.scalar(select(Route.id).where(Route.name == name)) is not None:
        raise BrandError(gettext("已有同名的观摩路线。"), "name")
    position = (session.scalar(select(func.max(Route.position))) or 0) + 1
    route = Route(name=name, description=(description or "").strip()[:2000], unit_id=unit_id, position=position)
    session.add(route)
    session.flush()
    audit(session, actor=actor, action="brands.route.create", obj=route, new={"name": name, "unit_id": unit_id})
    return route


def add_stop(session: Session, route: Route, *, actor, branch_code: str, note: str = "") -> RouteStop:
    """Append a branch to the route. Refused: no right on the route, a branch outside
    the actor's scope (answered like an unknown code), a unit without the plugin, a
    branch already on the route."""
    if not may_keep_route(actor, route):
        raise BrandError(gettext("只有组织部或本单位审核员可以维护观摩路线。"))
    branch = _branch_by_code(session, branch_code)
    if not _in_scope(session, actor, branch):
        raise BrandError(gettext("找不到支部编码 %(code)s。", code=branch_code.strip()), "branch_code")
    _enabled(session, branch)
    if route.unit_id is not None and branch.unit_id != route.unit_id:
        raise BrandError(gettext("本单位路线只能包含本单位的支部。"), "branch_code")
    if session.scalar(select(RouteStop.id).where(RouteStop.route_id == route.id,
                                                 RouteStop.branch_id == branch.id)) is not None:
        raise BrandError(gettext("%(name)s已在该路线上。", name=branch.name), "branch_code")
    position = (session.scalar(select(func.max(RouteStop.position)).where(RouteStop.route_id == route.id)) or 0) + 1
    stop = RouteStop(route_id=route.id, branch_id=branch.id, position=position, note=(note or "").strip()[:200])
    session.add(stop)
    session.flush()
    audit(session, actor=actor, action="brands.route.stop.add", obj=route,
          new={"branch": branch.code, "position": position})
    return stop


def move_stop(session: Session, route: Route, stop: RouteStop, step: int, *, actor) -> None:
    """Swap the stop with its neighbour above (step −1) or below (+1)."""
    if not may_keep_route(actor, route):
        raise BrandError(gettext("只有组织部或本单位审核员可以维护观摩路线。"))
    stops = list(session.scalars(select(RouteStop).where(RouteStop.route_id == route.id).order_by(RouteStop.position)))
    i = next((k for k, s in enumerate(stops) if s.id == stop.id), None)
    j = None if i is None else i + (1 if step > 0 else -1)
    if i is None or j < 0 or j >= len(stops):
        return
    stops[i].position, stops[j].position = stops[j].position, stops[i].position
    session.flush()
    audit(session, actor=actor, action="brands.route.stop.move", obj=route,
          new={"order": [s.branch_id for s in sorted(stops, key=lambda s: s.position)]})


def remove_stop(session: Session, route: Route, stop: RouteStop, *, actor) -> None:
    if not may_keep_route(actor, route):
        raise BrandError(gettext("只有组织部或本单位审核员可以维护观摩路线。"))
    if stop.route_id != route.id:
        raise BrandError(gettext("该站点不属于该路线。"))
    position = stop.position
    audit(session, actor=actor, action="brands.route.stop.remove", obj=route, old={"branch_id": stop.branch_id})
    session.delete(stop)
    session.flush()
    session.execute(update(RouteStop).where(RouteStop.route_id == route.id, RouteStop.position > position)
                    .values(position=RouteStop.position - 1))


def visible_routes(session: Session, user):
    """Active routes: group routes for everyone, a unit's routes for users of that unit."""
    stmt = select(Route).where(Route.active.is_(True)).order_by(Route.position, Route.id)
    scope = unit_ids_in_scope(session, user)
    if scope is not None:
        stmt = stmt.where(Route.unit_id.is_(None) | Route.unit_id.in_(sorted(scope)))
    return stmt


# ------------------------------------------------------------------ visits

def _showcase(session: Session, branch: Branch, year: int) -> bool:
    bench = session.scalar(select(Benchmark.id).where(Benchmark.branch_id == branch.id, Benchmark.year == year))
    stop = session.scalar(select(RouteStop.id).join(Route, Route.id == RouteStop.route_id)
                          .where(RouteStop.branch_id == branch.id, Route.active.is_(True)).limit(1))
    return bench is not None or stop is not None


def record_visit(session: Session, *, actor, host_code: str, visitor_codes: list[str], visited_on: date,
                 learned: str, route_id: int | None = None, today: date | None = None) -> Visit:
    today = today or date.today()
    if getattr(actor, "role", None) not in ("admin", "reviewer"):
        raise BrandError(gettext("对标观摩由组织部或二级单位党委审核员记录。"))
    if not isinstance(visited_on, date):
        raise BrandError(gettext("请填写日期。"), "visited_on")
    if visited_on > today:
        raise BrandError(gettext("日期不能晚于今天。"), "visited_on")
    learned = (learned or "").strip()
    if not learned:
        raise BrandError(gettext("请填写观摩收获。"), "learned")
    host = _branch_by_code(session, host_code)
    _enabled(session, host)
    if not _in_scope(session, actor, host) and not _showcase(session, host, visited_on.year):
        raise BrandError(gettext("找不到支部编码 %(code)s。", code=host_code.strip()), "host_code")
    codes = [c.strip() for c in visitor_codes if c and c.strip()]
    if not codes:
        raise BrandError(gettext("请填写观摩支部。"), "visitor_codes")
    visitors = []
    for code in dict.fromkeys(codes):
        branch = _branch_by_code(session, code)
        if not _in_scope(session, actor, branch):
            raise BrandError(gettext("找不到支部编码 %(code)s。", code=code), "visitor_codes")
        _enabled(session, branch)
        if branch.id == host.id:
            raise BrandError(gettext("观摩支部不能是被观摩支部本身。"), "visitor_codes")
        visitors.append(branch)
    if route_id is not None and session.get(Route, route_id) is None:
        raise BrandError(gettext("观摩路线不存在。"), "route_id")
    visit = Visit(visited_on=visited_on, host_branch_id=host.id, route_id=route_id, learned=learned[:5000],
                  recorded_by=actor.id)
    visit.visitors = [VisitBranch(branch_id=b.id, unit_id=b.unit_id) for b in visitors]
    session.add(visit)
    session.flush()
    audit(session, actor=actor, action="brands.visit.record", obj=visit, unit_id=host.unit_id,
          new={"host": host.code, "visitors": [b.code for b in visitors], "on": visited_on})
    return visit


def delete_visit(session: Session, visit: Visit, *, actor) -> None:
    if getattr(actor, "role", None) != "admin" and visit.recorded_by != getattr(actor, "id", None):
        raise BrandError(gettext("只有记录人或组织部可以删除观摩记录。"))
    audit(session, actor=actor, action="brands.visit.delete", obj=visit, old={"host_branch_id": visit.host_branch_id})
    session.delete(visit)
    session.flush()
