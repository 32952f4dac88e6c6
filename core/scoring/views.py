"""Scoring pages: period close/reopen (admin), the explainable branch sheet with
self-assessment and verification, and the annual public notice (公示) when the engine
provides it. Views parse, call the engine's services, render."""
from __future__ import annotations

import importlib
from datetime import date
from decimal import Decimal

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import and_, func, select

from core import clock
from core.auth.access import requires
from core.auth.scoping import can_keep_ledger, can_review, get_branch_or_404, visible_branches
from core.db import get_session
from core.http_inputs import year_arg
from core.formatting import sep
from core.indicators.models import CYCLES, INDICATOR_KINDS, INDICES, UNVERIFIED_POLICIES, Indicator, ruleset_status_label
from core.jobs.queueing import QueueUnavailable, could_not_queue_message
from core.ledger.models import POINT_KINDS, PointRecord
from core.org.models import CATEGORIES, Branch, OrgNode
from core.periods.keys import PeriodKey
from core.periods.locks import PeriodLocked
from core.periods.models import Period
from core.periods.services import all_keys_of_year, list_periods
from core.plugins.web import MenuItem
from core.scoring.errors import ScoringError
from core.scoring.models import TIERS, Evaluation, ScoreResult
from core.scoring.services import window_results
from core.views_util import attempt
from core.web import Page

bp = Blueprint("scoring", __name__, url_prefix="/scoring", template_folder="templates")

MENU = [
    MenuItem("考核设置", "期间结账", "scoring.periods", roles=("admin",), order=20),
    MenuItem("考核设置", "规则调整模拟", "scoring.whatif", roles=("admin",), order=25),
    MenuItem("台账与考核", "考核评分表", "scoring.sheets", order=30),
    MenuItem("台账与考核", "待审核队列", "scoring.queue", roles=("admin", "reviewer"), order=35),
    MenuItem("台账与考核", "年度定级公示", "scoring.notice_index", order=40),
]


def _optional(module: str):
    """An engine module that may not exist yet (the view is left out then)."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise
        return None


def _registry():
    return current_app.extensions["starbranch.plugins"]


# ---- period close / reopen -------------------------------------------------------------

@bp.route("/periods")
@requires("admin")
def periods():
    db = get_session()
    today = clock.today()
    year = year_arg(default=today.year)
    rows = {p.key: p for p in list_periods(db, year=year)}
    keys = all_keys_of_year(year)
    ordered = sorted(keys, key=lambda k: ({"year": 0, "quarter": 1, "month": 2}[k.kind], k.starts_on))
    from core.jobs.models import ACTIVE, Job
    running = {j.target: j for j in db.scalars(select(Job).where(Job.kind == "close", Job.status.in_(ACTIVE),
                                                                 Job.target.in_([k.key for k in keys])))}
    return render_template("scoring/periods.html", year=year, keys=ordered, rows=rows, today=today, running=running,
                           tasks=_optional("core.scoring.tasks") is not None)


def _key_or_404(key: str) -> PeriodKey:
    """The period key in the URL ('2026-03', '2026Q1', '2026'); 404 when it is not one."""
    try:
        return PeriodKey.parse(key)
    except ValueError:
        abort(404)


def _run_close(key: str, unverified: str | None, reason: str | None):
    """Close in-process by default; with a broker configured, fanned out per unit over
    the workers (core.scoring.fanout) — unless the admin chose what unverified manual
    items count as, which the in-process close records item by item. Returns
    (CloseResult or None, job id or None)."""
    from core.jobs.service import broker_configured
    db = get_session()
    if broker_configured(current_app) and not unverified:
        from core.jobs.queueing import ensure_broker
        from core.scoring.fanout import start_close
        ensure_broker(current_app)  # Redis down: say so at once, before a job row exists
        job = start_close(db, key, actor=current_user)
        job_id = job.id if job is not None else None
        _commit_and_send(db, job_id)
        if job is None:
            from core.scoring.close import CloseResult
            return CloseResult(key=key, already_closed=True), None
        return None, job_id
    from core.scoring.close import close_period
    result = close_period(db, key, kinds=_registry(), actor=current_user, unverified=unverified, reason=reason)
    db.commit()
    return result, None


def _commit_and_send(db, job_id) -> None:
    """Commit the close's job; its chord is sent by the commit. A broker that cannot be
    reached fails the job with the reason (releasing the period) and raises
    QueueUnavailable, for the page to say the close could not be queued."""
    from core.jobs.queueing import broker_errors
    from core.jobs.service import fail_job
    try:
        db.commit()
    except broker_errors() as exc:
        db.close()  # the commit went through; its sending failed after it
        fail_job(db, job_id, f"{could_not_queue_message()}（{type(exc).__name__}: {exc}）")
        raise QueueUnavailable(str(exc)) from exc


@bp.route("/periods/<key>/close", methods=["GET", "POST"])
@requires("admin")
def close(key):
    """GET: the close page — what stands in the way and the unverified manual items per
    unit, with the admin's choice for them; POST: the close."""
    from core.scoring.close import close_check
    from core.scoring.forms import CloseForm
    pk = _key_or_404(key)
    db = get_session()
    form = CloseForm()
    if request.method == "POST":
        if not form.validate():
            for errors in form.errors.values():
                for e in errors:
                    flash(str(e), "error")
            return redirect(url_for("scoring.close", key=pk.key))
        try:
            result, job_id = _run_close(pk.key, form.unverified.data or None, form.reason.data)
        except ScoringError as exc:
            db.rollback()
            flash(str(exc), "error")
            return redirect(url_for("scoring.close", key=pk.key))
        except QueueUnavailable:
            flash(could_not_queue_message(), "error")
            return redirect(url_for("scoring.close", key=pk.key))
        if job_id:
            flash(_("%(p)s 的结账已提交后台任务，完成后状态将变为“已结账”。", p=pk.label), "info")
            return redirect(url_for("jobs.show", job_id=job_id))
        if result.already_closed:
            flash(_("%(p)s 已经结账，未作任何更改。", p=pk.label), "info")
        else:
            stars = sep("comma").join(_("%(s)s星 %(n)s 个", s=s, n=n) for s, n in sorted(result.stars.items(), reverse=True) if s)
            flash(_("%(p)s 已结账锁定：评分 %(e)s 项，%(r)s 个党支部出结果。%(s)s", p=pk.label, e=result.evaluations,
                    r=result.results, s=stars), "success")
            if result.unverified_policy:
                flash(_("%(n)s 项未审核的人工评分项已按“%(p)s”计入（已记入审计日志）。", n=result.unverified,
                        p=_(UNVERIFIED_POLICIES[result.unverified_policy])), "info")
            for w in result.warnings:
                flash(str(w), "info")
        return redirect(url_for("scoring.periods", year=pk.year))
    check = close_check(db, pk, kinds=_registry())
    if not form.unverified.data:
        form.unverified.data = check.default_policy
    names = {}
    if check.unverified and check.unverified.items:
        shown = check.unverified.items[:200]
        names = {"branches": dict(db.execute(select(Branch.id, Branch.code + " " + Branch.name).where(
                     Branch.id.in_({i.branch_id for i in shown}))).all()),
                 "indicators": dict(db.execute(select(Indicator.id, Indicator.code + " " + Indicator.name).where(
                     Indicator.id.in_({i.indicator_id for i in shown}))).all())}
    return render_template("scoring/close.html", pk=pk, check=check, form=form, names=names,
                           policies=UNVERIFIED_POLICIES)


@bp.route("/periods/<key>/recompute", methods=["POST"])
@requires("admin")
def recompute(key):
    pk = _key_or_404(key)
    from core.scoring.close import recompute as run
    db = get_session()
    with attempt(db, ScoringError) as done:
        result = run(db, pk.key, _registry(), actor=current_user)
    if done:
        flash(_("%(p)s 已试算：评分 %(e)s 项，%(r)s 个党支部（未锁定，结果为临时结果）。", p=pk.label,
                e=result.evaluations, r=result.results), "success")
        if result.not_due:
            flash(_("以下期间尚未结束，其评分项显示为“未到期”，不计入试算结果：%(k)s。",
                    k=sep("list").join(PeriodKey.parse(k).label for k in result.not_due)), "info")
        if result.unverified:
            flash(_("%(n)s 项已到期的人工评分项尚未审核，试算暂按 0 分计；结账前须完成审核或由管理员选择处理方式。",
                    n=result.unverified), "info")
    return redirect(url_for("scoring.periods", year=pk.year))


@bp.route("/whatif", methods=["GET", "POST"])
@requires("admin")
def whatif():
    """规则调整模拟: a rule set tried on a closed year; nothing is stored."""
    from core.indicators.models import RuleSet
    from core.scoring.forms import WhatIfForm
    from core.scoring.whatif import run_whatif
    db = get_session()
    form = WhatIfForm()
    rulesets = list(db.scalars(select(RuleSet).order_by(RuleSet.year.desc(), RuleSet.version.desc())))
    form.ruleset_id.choices = [(rs.id, f"{rs.name}{sep('open')}{ruleset_status_label(rs.status)}{sep('close')}")
                               for rs in rulesets]
    closed_years = sorted(db.scalars(select(Period.year).where(Period.kind == "year", Period.status == "closed")),
                          reverse=True)
    if request.method == "GET" and closed_years:
        form.year.data = closed_years[0]
    report, error = None, None
    if form.validate_on_submit():
        draft = db.get(RuleSet, form.ruleset_id.data)
        try:
            report = run_whatif(db, draft, form.year.data, kinds=_registry())
        except ScoringError as exc:
            error = str(exc)
        finally:
            db.rollback()
    return render_template("scoring/whatif.html", form=form, report=report, error=error, closed_years=closed_years,
                           categories=CATEGORIES)


@bp.route("/periods/<key>/reopen", methods=["POST"])
@requires("admin")
def reopen(key):
    pk = _key_or_404(key)
    from core.scoring.close import reopen_period
    db = get_session()
    with attempt(db, ScoringError) as done:
        reopen_period(db, pk.key, request.form.get("reason", ""), actor=current_user)
    if done:
        flash(_("%(p)s 已重新开启，可以修改数据；修改完成后请重新结账。", p=pk.label), "success")
    return redirect(url_for("scoring.periods", year=pk.year))


# ---- the explainable sheet, self-assessment and verification ------------------------------





def window_of(text: str | None) -> PeriodKey:
    """The window asked for (?period=2026Q1), default the current quarter."""
    try:
        return PeriodKey.parse(text) if text else PeriodKey.of_date("quarter", date.today())
    except ValueError:
        return PeriodKey.of_date("quarter", date.today())


def explain_notes(notes: dict | None) -> list[str]:
    """The sheet's plain-language notes from ScoreResult.notes that are not star steps
    (those are told by core.scoring.explain.star_facts)."""
    if not notes:
        return []
    lines = []
    if notes.get("no_evaluations"):
        lines.append(_("本期没有任何评分项。"))
    if notes.get("rescaled"):
        names = sep("list").join(_(INDICES.get(i, i)) for i in notes["rescaled"])
        lines.append(_("以下指数本期无评分项，其权重按比例分摊给其他指数：%(n)s。", n=names))
    if "clamped_from" in notes:
        lines.append(_("计算得分 %(t)s 超出 0–100，按边界计。", t=notes["clamped_from"]))
    return lines


def _evidence_link(branch_id: int, indicator: Indicator, period: Period) -> str | None:
    types = (indicator.params or {}).get("record_types") or []
    if indicator.method in ("ledger_count", "attendance", "appraisal"):
        rtype = types[0] if len(types) == 1 else ("appraisal" if indicator.method == "appraisal" else "")
        return url_for("ledger.branch", branch_id=branch_id, type=rtype, month=period.key)
    if indicator.method == "target" and "targets.branch" in current_app.view_functions:
        return url_for("targets.branch", branch_id=branch_id)
    return None


def _sheet_ruleset(db, window: Period | None, result: ScoreResult | None, year: int):
    """The rule set that scored (or will score) the window."""
    from core.indicators.catalogue import active_ruleset
    from core.indicators.models import RuleSet
    if window is not None and window.is_closed and window.ruleset_id:
        return db.get(RuleSet, window.ruleset_id)
    if result is not None:
        return db.get(RuleSet, result.ruleset_id)
    return active_ruleset(db, year)


def load_sheet(db, branch: Branch, pk: PeriodKey) -> dict:
    """Everything on one branch's sheet for window `pk`: the items with their evidence in
    words, the index path, the caps and the star facts (core.scoring.explain)."""
    from core.scoring import explain
    from core.scoring.compute import cycle_keys, previous_stars
    from core.scoring.evidence import describe
    from core.scoring.gates import gates_from
    from core.scoring.sources import kinds_from

    keys = [k.key for k in cycle_keys(pk)]
    periods = {p.id: p for p in db.scalars(select(Period).where(Period.key.in_(keys)))}
    rows = db.execute(
        select(Evaluation, Indicator).join(Indicator, Indicator.id == Evaluation.indicator_id)
        .where(Evaluation.branch_id == branch.id, Evaluation.period_id.in_(list(periods) or [0]))
    ).all()
    window = next((p for p in periods.values() if p.key == pk.key), None)
    result = None
    if window is not None:
        result = db.scalar(select(ScoreResult).where(ScoreResult.period_id == window.id,
                                                     ScoreResult.branch_id == branch.id))
    ruleset = _sheet_ruleset(db, window, result, pk.year)
    kinds = kinds_from(_registry())
    order = list(INDICES)
    rows.sort(key=lambda r: (order.index(r[1].index_code) if r[1].index_code in order else 99, r[1].position,
                             periods[r[0].period_id].starts_on))
    by_index: dict[str, dict] = {i: {"items": [], "points": Decimal(0), "earned": Decimal(0)} for i in INDICES}
    unverified = 0
    today = clock.today()
    for ev, ind in rows:
        group = by_index.setdefault(ind.index_code, {"items": [], "points": Decimal(0), "earned": Decimal(0)})
        period = periods[ev.period_id]
        locked = any(p.is_closed for p in periods.values()
                     if p.starts_on <= period.starts_on and p.ends_on >= period.ends_on)
        # 未到期: the item's cycle period has not ended — shown, counted in no sum
        not_due = not period.is_closed and period.ends_on >= today
        group["items"].append({"ev": ev, "ind": ind, "period": period, "locked": locked, "not_due": not_due,
                               "words": describe(ev.evidence, ind, ruleset, kinds),
                               "evidence_url": _evidence_link(branch.id, ind, period)})
        if not not_due:
            group["points"] += ev.points
            group["earned"] += ev.earned
        unverified += ev.verified_earned is None and not locked
    points = list(db.scalars(select(PointRecord).where(
        PointRecord.branch_id == branch.id, PointRecord.dated >= pk.starts_on, PointRecord.dated <= pk.ends_on)
        .order_by(PointRecord.dated, PointRecord.id)))
    catalogue = {i.code: i for i in (ruleset.indicators if ruleset is not None else [])}
    weights = {}
    if ruleset is not None:
        from core.scoring.aggregate import weights_of
        weights = weights_of(ruleset).get(branch.category, {})
    facts = []
    if result is not None and pk.kind != "month":
        gates = gates_from(_registry())
        prev = previous_stars(db, pk, [branch.id]).get(branch.id) if pk.kind == "quarter" else None
        facts = explain.star_facts(result, ruleset, pk, previous_star=prev, gates=gates,
                                   veto_records=[r for r in points if r.kind == "veto"])
    return {"by_index": by_index, "window": window, "result": result, "point_records": points,
            "n_items": len(rows), "notes": explain_notes(result.notes if result else None),
            "ruleset": ruleset, "catalogue": catalogue, "unverified": unverified,
            "paths": explain.index_paths(by_index, weights, result.index_scores() if result else {}),
            "limits": explain.point_limits(points, ruleset, pk), "star_facts": facts}


@bp.route("/sheets")
@requires()
def sheets():
    """Branches in scope with their result for the chosen window (one joined query)."""
    if current_user.role == "secretary" and current_user.branch_id:
        return redirect(url_for("scoring.sheet", branch_id=current_user.branch_id, **request.args))
    db = get_session()
    pk = window_of(request.args.get("period"))
    window = db.scalar(select(Period.id).where(Period.key == pk.key))
    stmt = (select(Branch, ScoreResult)
            .outerjoin(ScoreResult, and_(ScoreResult.branch_id == Branch.id, ScoreResult.period_id == (window or 0)))
            .where(Branch.id.in_(visible_branches(current_user).with_only_columns(Branch.id)), Branch.active.is_(True))
            .order_by(Branch.unit_id, Branch.code))
    q = (request.args.get("q") or "").strip()
    if q:
        stmt = stmt.where(Branch.name.contains(q) | Branch.code.contains(q))
    total = db.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    try:
        page_no = max(1, int(request.args.get("page", 1)))
    except ValueError:
        page_no = 1
    per = current_app.config["PAGE_SIZE"]
    items = db.execute(stmt.limit(per).offset((page_no - 1) * per)).all()
    page = Page(items=items, page=page_no, per_page=per, total=total)
    return render_template("scoring/sheets.html", page=page, pk=pk, q=q, choices=_period_choices(pk.year))


@bp.route("/results.<any(xlsx, csv):fmt>")
@requires()
def results_export(fmt):
    """Results of any window (?period=2026Q1), of the branches the user may see."""
    from core.auth.scoping import branch_clause
    from core.scoring.export import export_results
    from core.xlsx import xlsx_response

    pk = window_of(request.args.get("period"))
    rows = window_results(get_session(), pk, branch_clause=branch_clause(current_user, Branch.id))
    return xlsx_response(export_results(rows, fmt, title=pk.label), f"{pk.label}考核结果.{fmt}")


@bp.route("/sheet/<int:branch_id>.xlsx")
@requires()
def sheet_export(branch_id):
    from core.exports import score_sheet
    from core.xlsx import write_workbook, xlsx_response

    db = get_session()
    br = get_branch_or_404(db, current_user, branch_id)
    pk = window_of(request.args.get("period"))
    data = write_workbook(score_sheet(br, pk, load_sheet(db, br, pk)))
    return xlsx_response(data, f"{br.name}_{pk.label}考核评分表.xlsx")


def _period_choices(year: int) -> list[PeriodKey]:
    """The windows of `year` and the year before, newest first (as every period menu:
    core.analysis.queries.chronological)."""
    from core.analysis.queries import KIND_PRIORITY
    keys = [k for y in (year, year - 1) for k in
            [PeriodKey(y, "year", 0)] + [PeriodKey(y, "quarter", q) for q in range(1, 5)] +
            [PeriodKey(y, "month", m) for m in range(1, 13)]]
    return sorted(keys, key=lambda k: (-k.ends_on.toordinal(), KIND_PRIORITY[k.kind]))


@bp.route("/sheet/<int:branch_id>")
@requires()
def sheet(branch_id):
    db = get_session()
    br = get_branch_or_404(db, current_user, branch_id)
    pk = window_of(request.args.get("period"))
    from core.scoring.manual import ensure_branch_items
    if ensure_branch_items(db, br.id, pk, _registry()):
        db.commit()
    data = load_sheet(db, br, pk)
    can_verify = can_review(current_user, br)
    following = None
    if can_verify and request.args.get("queue"):
        from core.scoring.queue import next_waiting, waiting_branches
        following = next_waiting(waiting_branches(db, current_user, pk, br.unit_id), br)
    return render_template("scoring/sheet.html", branch=br, pk=pk, choices=_period_choices(pk.year),
                           following=following, in_queue=bool(request.args.get("queue")),
                           indices=INDICES, kinds=INDICATOR_KINDS, cycles=CYCLES, tiers=TIERS,
                           point_kinds=POINT_KINDS, can_verify=can_verify, policies=UNVERIFIED_POLICIES,
                           can_self=current_user.role == "secretary" and can_keep_ledger(current_user, br),
                           **data)


def _evaluation_of(db, branch_id: int, period_id: int, indicator_id: int) -> tuple[int, int, int]:
    """The key of the branch's evaluation item, or 404."""
    if db.get(Evaluation, {"period_id": period_id, "branch_id": branch_id, "indicator_id": indicator_id}) is None:
        abort(404)
    return period_id, branch_id, indicator_id


def _back(branch_id):
    args = request.view_args
    return redirect(url_for("scoring.sheet", branch_id=branch_id, period=request.form.get("period") or None,
                            queue=request.form.get("queue") or None)
                    + f"#ev-{args.get('period_id')}-{branch_id}-{args.get('indicator_id')}")


def _refresh(db, branch_id: int, period_id: int) -> None:
    """The sheet's result box follows its items at once (core.scoring.refresh)."""
    from core.scoring.refresh import refresh_branch
    refresh_branch(db, branch_id, period_id, _registry())


@bp.route("/sheet/<int:branch_id>/items/<int:period_id>/<int:indicator_id>/verify", methods=["POST"])
@requires("admin", "reviewer")
def verify(branch_id, period_id, indicator_id):
    from core.scoring.adjust import verify_item
    db = get_session()
    br = get_branch_or_404(db, current_user, branch_id, can_review)
    item = _evaluation_of(db, br.id, period_id, indicator_id)
    version = request.form.get("version", "")
    with attempt(db, ScoringError, PeriodLocked) as done:
        verify_item(db, item, request.form.get("earned", ""), request.form.get("reason", ""),
                    int(version) if version.isdigit() else -1, actor=current_user)
        _refresh(db, br.id, period_id)
    if done:
        flash(_("审核结果已保存。"), "success")
    return _back(br.id)


@bp.route("/sheet/<int:branch_id>/confirm", methods=["POST"])
@requires("admin", "reviewer")
def confirm_all(branch_id):
    """确认全部自动得分: one submit for every unverified automatic item of the window."""
    from core.scoring.adjust import confirm_automatic
    from core.scoring.refresh import refresh_branch
    db = get_session()
    br = get_branch_or_404(db, current_user, branch_id, can_review)
    pk = window_of(request.form.get("period"))
    count = 0
    with attempt(db, ScoringError, PeriodLocked) as done:
        count = confirm_automatic(db, br.id, pk, actor=current_user)
        window = db.scalar(select(Period).where(Period.key == pk.key))
        if window is not None:
            refresh_branch(db, br.id, window.id, _registry())
    if done:
        flash(_("已确认 %(n)s 项自动得分（未改动的自动得分无需填写理由）。", n=count) if count
              else _("没有待确认的自动得分。"), "success")
    return redirect(url_for("scoring.sheet", branch_id=br.id, period=pk.key,
                            queue=request.form.get("queue") or None))


@bp.route("/queue")
@requires("admin", "reviewer")
def queue():
    """The verification queue of the reviewer's scope for a window (default: this quarter)."""
    from core.auth.scoping import visible_units
    from core.scoring.queue import waiting_branches
    db = get_session()
    pk = window_of(request.args.get("period"))
    from core.org.models import OrgNode
    units = list(db.scalars(visible_units(current_user).order_by(OrgNode.code)))
    unit_id = request.args.get("unit", type=int)
    if unit_id is not None and unit_id not in {u.id for u in units}:
        unit_id = None
    rows = waiting_branches(db, current_user, pk, unit_id)
    return render_template("scoring/queue.html", pk=pk, rows=rows, units=units, unit_id=unit_id,
                           unit_names={u.id: u.name for u in units}, choices=_period_choices(pk.year))


@bp.route("/sheet/<int:branch_id>/items/<int:period_id>/<int:indicator_id>/self", methods=["POST"])
@requires("secretary")
def self_assess(branch_id, period_id, indicator_id):
    from core.scoring.adjust import self_assess as run
    db = get_session()
    br = get_branch_or_404(db, current_user, branch_id, can_keep_ledger)
    item = _evaluation_of(db, br.id, period_id, indicator_id)
    version = request.form.get("version", "")
    with attempt(db, ScoringError, PeriodLocked) as done:
        run(db, item, request.form.get("earned", ""), request.form.get("note", ""), actor=current_user,
            expected_version=int(version) if version.isdigit() else -1)
        _refresh(db, br.id, period_id)
    if done:
        flash(_("自评已保存。"), "success")
    return _back(br.id)


# ---- annual public notice (公示), objections, corrections, commendation list: notice_views

from core.scoring import notice_views  # noqa: E402,F401  (registers its routes on bp)
