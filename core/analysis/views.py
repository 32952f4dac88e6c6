"""Analysis pages: branch dashboard, rankings, tier ladder, annual star report, their
Excel exports, and the read-only JSON API (/api/v1, blueprint "analysis_api")."""
from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import func, select

from core.analysis import exports, queries, reports
from core.auth.access import requires
from core.auth.scoping import get_branch_or_404
from core.db import get_session
from core.jobs.exports import as_job_if_large
from core.indicators.models import INDICES
from core.org.models import CATEGORIES
from core.periods.keys import PeriodKey
from core.periods.models import Period
from core.plugins.service import enabled_plugins
from core.plugins.web import MenuItem
from core.scoring.models import TIERS
from core.xlsx import write_workbook, xlsx_response

bp = Blueprint("analysis", __name__, template_folder="templates")
api = Blueprint("analysis_api", __name__, url_prefix="/api/v1")

MENU = [
    MenuItem("统计分析", "我的支部看板", "analysis.my_dashboard", roles=("secretary",), order=5),
    MenuItem("统计分析", "排名", "analysis.rankings", order=10),
    MenuItem("统计分析", "梯级分布", "analysis.tiers", order=20),
    MenuItem("统计分析", "年度星级报告", "analysis.star_report", roles=("admin", "reviewer", "viewer"), order=30),
]

API_MAX_PER_PAGE = 200


@bp.app_template_global("select_options")
def select_options(items, value_attr: str, label_attr: str, selected=None) -> Markup:
    """The <option>s of a selector (periods, units) with `selected` marked. Built here,
    not in a Jinja loop: every analysis page prints ~60 of them and Jinja's per-value
    escaping was a sixth of a ranking page's time."""
    chosen = None if selected is None else str(selected)
    out = []
    for item in items:
        value = str(getattr(item, value_attr))
        mark = " selected" if value == chosen else ""
        out.append(f'<option value="{escape(value)}"{mark}>{escape(getattr(item, label_attr))}</option>')
    return Markup("".join(out))



def _page_no() -> int:
    try:
        return max(1, int(request.args.get("page", 1)))
    except ValueError:
        return 1


# ------------------------------------------------------------------ dashboard

@bp.route("/dashboard")
@requires()
def my_dashboard():
    if current_user.role == "secretary" and current_user.branch_id:
        return redirect(url_for("analysis.dashboard", branch_id=current_user.branch_id))
    return redirect(url_for("analysis.rankings"))


def plugin_panels(session, branch, period) -> list:
    """Panels from plugins enabled in the branch's unit only (the core is always asked)."""
    registry = current_app.extensions["starbranch.plugins"]
    enabled = enabled_plugins(session, branch.unit_id)
    off = [registry.pm.get_plugin(n) for n in registry.manifests if n not in enabled]
    caller = registry.pm.subset_hook_caller("starbranch_dashboard_panels", remove_plugins=[p for p in off if p])
    return [panel for batch in caller(session=session, branch=branch, period=period) for panel in (batch or [])]


@bp.route("/branches/<int:branch_id>/dashboard")
@requires()
def dashboard(branch_id):
    session = get_session()
    branch = get_branch_or_404(session, current_user, branch_id)
    board = reports.branch_dashboard(session, branch, request.args.get("period") or None)
    due = reports.ledger_due_list(session, branch)
    panels = plugin_panels(session, branch, board.period)
    return render_template("analysis/dashboard.html", board=board, branch=branch, due=due, panels=panels,
                           due_items=[reports.item_view(i) for i in due.items], indices=INDICES,
                           categories=CATEGORIES)


# ------------------------------------------------------------------ rankings

def _ranking_context(session):
    period, choices = queries.pick_period(session, request.args.get("period"), provisional=True)
    filters = queries.RankingFilters.from_args(request.args)
    return period, choices, filters


@bp.route("/analysis/rankings")
@requires()
def rankings():
    session = get_session()
    period, choices, filters = _ranking_context(session)
    page = sizes = None
    if period is not None:
        sizes = queries.category_sizes(session, period)
        page = queries.ranking_page(session, current_user, period.id, filters, _page_no(),
                                    current_app.config["PAGE_SIZE"], sizes=sizes)
    groups = reports.ranking_groups(page.items, sizes, period.key, _("一票否决")) if page is not None else []
    return render_template("analysis/rankings.html", period=period, choices=choices, filters=filters, page=page,
                           groups=groups, sizes=sizes or {}, units=queries.scope_units(session, current_user),
                           categories=CATEGORIES, tiers=TIERS, indices=INDICES,
                           unknown_period=bool(request.args.get("period")) and period is None)


@bp.route("/analysis/rankings.xlsx")
@requires()
def rankings_export():
    session = get_session()
    period, _choices, filters = _ranking_context(session)
    if period is None:
        abort(404)
    args = {**request.args.to_dict(), "period_id": period.id}
    stmt = queries.ranking_stmt(current_user, period.id, filters)
    n = session.scalar(select(func.count()).select_from(stmt.subquery()))
    job = as_job_if_large(session, "rankings", n, args, f"{period.label}排名")
    if job is not None:
        return job
    data, filename, _rows = exports.rankings_workbook(session, current_user, args)
    return xlsx_response(data, filename)


# ------------------------------------------------------------------ tier ladder

def _tier_context(session):
    period, choices = queries.pick_period(session, request.args.get("period"), kinds=("quarter", "year"))
    filters = queries.RankingFilters.from_args(request.args)
    prev = None
    if period is not None:
        prev = session.scalar(select(Period).where(Period.key == period.pkey.previous().key))
    return period, choices, filters, prev


@bp.route("/analysis/tiers")
@requires()
def tiers():
    session = get_session()
    period, choices, filters, prev = _tier_context(session)
    counts, moved, page, chart = {}, {"up": 0, "down": 0}, None, None
    direction = request.args.get("direction") if request.args.get("direction") in ("up", "down") else None
    if period is not None:
        counts = queries.tier_counts(session, current_user, period.id, filters.unit_id, filters.category)
        chart = reports.tier_ladder_chart(counts, _("%(p)s阶梯式分层管理梯级分布", p=period.label))
        if prev is not None:
            moved = queries.mover_counts(session, current_user, period.id, prev.id, filters.unit_id, filters.category)
            stmt = queries.movers_stmt(current_user, period.id, prev.id, filters.unit_id, filters.category, direction)
            page = queries.paginate_rows(session, stmt, _page_no(), current_app.config["PAGE_SIZE"])
    return render_template("analysis/tiers.html", period=period, prev=prev, choices=choices, filters=filters,
                           counts=counts, moved=moved, page=page, chart=chart, tiers=TIERS, direction=direction,
                           units=queries.scope_units(session, current_user), categories=CATEGORIES)


@bp.route("/analysis/tiers.xlsx")
@requires()
def tiers_export():
    session = get_session()
    period, _c, filters, prev = _tier_context(session)
    if period is None:
        abort(404)
    counts = queries.tier_counts(session, current_user, period.id, filters.unit_id, filters.category)
    movers = session.execute(queries.movers_stmt(current_user, period.id, prev.id, filters.unit_id, filters.category)) \
        if prev is not None else []
    return xlsx_response(write_workbook(exports.tier_sheets(counts, movers)), f"{period.label}梯级分布.xlsx")


# ------------------------------------------------------------------ annual star report

def _report_context(session):
    period, choices = queries.pick_period(session, request.args.get("period"), kinds=("year",))
    filters = queries.RankingFilters.from_args(request.args)
    return period, choices, filters


@bp.route("/analysis/star-report")
@requires("admin", "reviewer", "viewer")
def star_report():
    session = get_session()
    period, choices, filters = _report_context(session)
    report = summary = None
    if period is not None:
        report = queries.star_report(session, current_user, period, filters.unit_id)
        summary = reports.star_report_summary(report, period.year)
    return render_template("analysis/star_report.html", period=period, choices=choices, filters=filters,
                           report=report, summary=summary, units=queries.scope_units(session, current_user),
                           categories=CATEGORIES)


@bp.route("/analysis/star-report.xlsx")
@requires("admin", "reviewer", "viewer")
def star_report_export():
    session = get_session()
    period, _c, filters = _report_context(session)
    if period is None:
        abort(404)
    report = queries.star_report(session, current_user, period, filters.unit_id)
    summary = reports.star_report_summary(report, period.year)
    return xlsx_response(write_workbook(exports.star_report_sheets(report, summary)), f"{period.year}年度星级报告.xlsx")


# ------------------------------------------------------------------ JSON API

def _dec(v):
    return None if v is None else str(Decimal(v))


def _score_json(sr, size: int | None = None) -> dict:
    out = {"category": sr.category, "category_label": CATEGORIES.get(sr.category, sr.category),
           "indices": {c: _dec(getattr(sr, c)) for c in INDICES},
           "base": _dec(sr.base), "bonus": _dec(sr.bonus), "deduction": _dec(sr.deduction), "total": _dec(sr.total),
           "stars": sr.stars, "tier": sr.tier, "tier_label": TIERS[sr.tier][0] if sr.tier else None,
           "rank": sr.rank, "vetoed": bool(sr.vetoed)}
    if size is not None:
        out["category_size"] = size
    return out


def _api_error(code: int, error: str, message: str):
    return jsonify(error=error, message=message), code


@api.route("/scores")
@requires()
def api_scores():
    session = get_session()
    key = request.args.get("period")
    if key:
        try:
            key = PeriodKey.parse(key).key
        except ValueError as exc:
            return _api_error(400, "bad_request", str(exc))
    period, _choices = queries.pick_period(session, key)
    if period is None:
        return _api_error(404, "not_found", "该期间尚未结账或不存在。" if key else "尚无已结账的期间。")
    try:
        per_page = min(API_MAX_PER_PAGE, max(1, int(request.args.get("per_page", current_app.config["PAGE_SIZE"]))))
    except ValueError:
        per_page = current_app.config["PAGE_SIZE"]
    filters = queries.RankingFilters.from_args(request.args)
    sizes = queries.category_sizes(session, period)
    page = queries.ranking_page(session, current_user, period.id, filters, _page_no(), per_page, sizes=sizes)
    items = [{"branch": {"id": r.branch_id, "code": r.branch_code, "name": r.branch_name},
              "unit": {"id": r.unit_id, "name": r.unit_name}, **_score_json(r, sizes.get(r.category))}
             for r in page.items]
    return jsonify(period={"key": period.key, "label": period.label, "kind": period.kind},
                   page=page.page, per_page=page.per_page, pages=page.pages, total=page.total, items=items)


@api.route("/branches/<int:branch_id>/scores")
@requires()
def api_branch_scores(branch_id):
    session = get_session()
    branch = get_branch_or_404(session, current_user, branch_id)
    history = queries.branch_history(session, branch.id, limit=200)
    kind = request.args.get("kind")
    items = [{"period": {"key": p.key, "label": p.label, "kind": p.kind}, **_score_json(sr)}
             for sr, p in history if kind in (None, "", p.kind)]
    return jsonify(branch={"id": branch.id, "code": branch.code, "name": branch.name, "category": branch.category,
                           "unit_id": branch.unit_id}, items=items)


bp.register_blueprint(api)
