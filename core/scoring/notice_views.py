"""The annual notice page (年度定级公示): every round of the year with its objections,
starting a round on a chosen date for a number of working days, objections filed online
or recorded from a letter, call or visit, their resolution, the guided correction after
an upheld one, and the commendation list with its rule. "Today" comes from core.clock.

Routes live on the scoring blueprint (core.scoring.views imports this module)."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from core.formatting import sep
from core.auth.access import requires
from core.auth.models import User
from core.auth.scoping import visible_branches
from core.clock import today
from core.db import get_session
from core.org.models import CATEGORIES, Branch, OrgNode
from core.periods.keys import PeriodKey
from core.periods.models import Period
from core.scoring import correction as corrections
from core.scoring import notice as notices
from core.scoring.errors import ScoringError
from core.scoring.models import (CORRECTION_STATUSES, NOTICE_STATUSES, OBJECTION_CHANNELS, OBJECTION_STATUSES,
                                 Objection, ScoreResult)
from core.scoring.notice_forms import CorrectionForm, ObjectionForm, StartNoticeForm
from core.scoring.views import bp
from core.views_util import attempt
from core.web import Page

#: Branches listed by the objection form's search.
SEARCH_LIMIT = 20


def _visible_ids():
    return visible_branches(current_user).with_only_columns(Branch.id)


def _period(db, year: int) -> Period | None:
    return db.scalar(select(Period).where(Period.key == str(year)))


def _results_page(db, period):
    stmt = (select(ScoreResult, Branch).join(Branch, Branch.id == ScoreResult.branch_id)
            .where(ScoreResult.period_id == (period.id if period else 0), Branch.id.in_(_visible_ids()))
            # the ranking's display order (core.scoring.ranking.display_key) among equal ranks
            .order_by(ScoreResult.category, ScoreResult.rank, ScoreResult.performance.is_(None),
                      ScoreResult.performance.desc(), Branch.code))
    total = db.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    page_no = request.args.get("page", 1, type=int) or 1
    per = current_app.config["PAGE_SIZE"]
    return Page(items=db.execute(stmt.limit(per).offset((max(page_no, 1) - 1) * per)).all(),
                page=max(page_no, 1), per_page=per, total=total)


def _rounds(db, year: int) -> list[dict]:
    """Every round of the year with its objections in the viewer's scope (oldest first)."""
    out = []
    for number, n in enumerate(notices.notices_of_year(db, year), start=1):
        rows = db.execute(select(Objection, Branch).join(Branch, Branch.id == Objection.branch_id)
                          .where(Objection.notice_id == n.id, Branch.id.in_(_visible_ids()))
                          .order_by(Objection.filed_at, Objection.id)).all()
        out.append({"number": number, "notice": n, "objections": rows})
    return out


def _proportion_effect(db, period, ruleset) -> list[tuple]:
    """(branch, step or warning) of the annual grades the guide proportions changed."""
    if ruleset is None or ruleset.setting("proportion_mode") == "off" or ruleset.setting("proportion_scope") == "quarter":
        return []
    rows = db.execute(select(ScoreResult.notes, Branch).join(Branch, Branch.id == ScoreResult.branch_id)
                      .where(ScoreResult.period_id == period.id, Branch.id.in_(_visible_ids()))
                      .order_by(ScoreResult.category, ScoreResult.rank, Branch.code)).all()
    out = []
    for notes, branch in rows:
        notes = notes or {}
        for step in notes.get("steps") or []:
            if step.get("rule") == "proportion":
                out.append((branch, step))
        if notes.get("proportion_warning"):
            out.append((branch, {"warning": True, **notes["proportion_warning"]}))
    return out


def _search_hits(db, year_period, query: str) -> list:
    """Branches in scope with a grade in the year whose name or code contains `query`."""
    from core.search.services import search
    if year_period is None or not (query or "").strip():
        return []
    branches = [row[0] for row in search(db, current_user, query, limit=200).branches.items]
    graded = set(db.scalars(select(ScoreResult.branch_id).where(ScoreResult.period_id == year_period.id,
                                                                ScoreResult.branch_id.in_([b.id for b in branches]))))
    return [b for b in branches if b.id in graded][:SEARCH_LIMIT]


def _correction_form(db, year: int, rounds) -> CorrectionForm | None:
    """The next step after an upheld objection of the open round, for admins."""
    if current_user.role != "admin" or not rounds or rounds[-1]["notice"].status != "open":
        return None
    upheld = [(o, b) for o, b in rounds[-1]["objections"] if o.status == "upheld"]
    if not upheld:
        return None
    form = CorrectionForm(prefix="corr")
    form.objection_id.choices = [(o.id, f"{b.code} {b.name}：{o.text[:40]}") for o, b in upheld]
    keys = [PeriodKey(year, "year", 0)] + PeriodKey(year, "year", 0).children() + [
        PeriodKey(year, "month", m) for m in range(1, 13)]
    form.from_key.choices = [(k.key, k.label) for k in keys]
    return form


def _page(year: int, *, start_form=None, objection_form=None, correction_form=None, status=200):
    from core.indicators.models import RuleSet
    db = get_session()
    period = _period(db, year)
    ruleset = db.get(RuleSet, period.ruleset_id) if period is not None and period.ruleset_id else None
    current = notices.current_notice(db, year)
    rounds = _rounds(db, year)
    pending = corrections.open_correction(db, year)
    closed = period is not None and period.is_closed
    graded = closed or pending is not None
    final, commended = notices.commendation_list(db, year) if graded else (False, {})
    top_n, ties = notices.commendation_rule(db, year)
    listed = [c.branch_id for rows in commended.values() for c in rows]
    units_of = dict(db.execute(select(Branch.id, OrgNode.name).join(OrgNode, OrgNode.id == Branch.unit_id)
                               .where(Branch.id.in_(listed))).all()) if listed else {}
    in_scope = set(db.scalars(_visible_ids().where(Branch.id.in_(listed)))) if listed else set()
    provisional = (period is not None and not closed and db.scalar(
        select(ScoreResult.id).where(ScoreResult.period_id == period.id).limit(1)) is not None)
    now = today()
    if start_form is None and current_user.role == "admin":
        start_form = StartNoticeForm(prefix="start", formdata=None,
                                     data={"starts_on": now, "working_days": int(ruleset.setting("notice_days"))
                                           if ruleset else 5})
    can_object = (current_user.role in ("admin", "reviewer", "secretary") and current is not None
                  and current.status == "open" and current.starts_on <= now <= current.ends_on)
    if objection_form is None and can_object:
        objection_form = ObjectionForm(prefix="obj", formdata=None, data={"received_on": now})
    query = request.args.get("q", "")
    users = {}
    if current_user.role == "admin":
        ids = {i for r in rounds for o, _b in r["objections"] for i in (o.filed_by, o.resolved_by) if i}
        ids |= {i for c in corrections.corrections_of_year(db, year) for i in (c.opened_by, c.closed_by) if i}
        users = dict(db.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all()) if ids else {}
    pending_branch = db.get(Branch, pending.branch_id) if pending else None
    return render_template(
        "scoring/notice.html", year=year, period=period, ruleset=ruleset, current=current, rounds=rounds,
        page=_results_page(db, period) if graded else None, final=final, commended=commended,
        categories=CATEGORIES, units_of=units_of, in_scope=in_scope, top_n=top_n, ties=ties,
        notice_statuses=NOTICE_STATUSES, objection_statuses=OBJECTION_STATUSES, channels=OBJECTION_CHANNELS,
        correction_statuses=CORRECTION_STATUSES, today=now, provisional=provisional, can_object=can_object,
        start_form=start_form, objection_form=objection_form, query=query,
        hits=_search_hits(db, period, query) if can_object else [],
        correction_form=correction_form or _correction_form(db, year, rounds), pending=pending,
        pending_branch=pending_branch, labels=lambda keys: sep("list").join(PeriodKey.parse(k).label for k in keys),
        history=corrections.corrections_of_year(db, year), users=users,
        proportion_effect=_proportion_effect(db, period, ruleset) if graded else []), status


@bp.route("/notice")
@requires()
def notice_index():
    db = get_session()
    last_closed = db.scalar(select(func.max(Period.year)).where(Period.kind == "year", Period.status == "closed"))
    return redirect(url_for("scoring.notice", year=last_closed or today().year))


@bp.route("/notice/<int:year>")
@requires()
def notice(year):
    return _page(year)


def _done(year, message):
    flash(message, "success")
    return redirect(url_for("scoring.notice", year=year))


@bp.route("/notice/<int:year>/start", methods=["POST"])
@requires("admin")
def notice_start(year):
    form = StartNoticeForm(prefix="start")
    if not form.validate():
        return _page(year, start_form=form, status=400)
    db = get_session()
    with attempt(db, ScoringError, form=form) as done:
        n = notices.start_notice(db, year, actor=current_user, starts_on=form.starts_on.data,
                                 days=form.working_days.data)
    if not done:
        return _page(year, start_form=form, status=400)
    return _done(year, _("%(y)s年度定级结果已开始公示：%(a)s 至 %(b)s（%(n)s 个工作日）。", y=year,
                         a=format(n.starts_on, "%Y-%m-%d"), b=format(n.ends_on, "%Y-%m-%d"), n=n.working_days))


@bp.route("/notice/<int:year>/objections", methods=["POST"])
@requires("admin", "reviewer", "secretary")
def notice_object(year):
    db = get_session()
    current = notices.current_notice(db, year)
    if current is None:
        abort(404)
    form = ObjectionForm(prefix="obj")
    if not form.validate():
        return _page(year, objection_form=form, status=400)
    if db.scalar(_visible_ids().where(Branch.id == form.branch_id.data)) is None:
        abort(404)
    offline = current_user.role == "admin" and form.channel.data != "online"
    with attempt(db, ScoringError, form=form) as done:
        notices.file_objection(db, current.id, form.branch_id.data, form.text.data, actor=current_user,
                               today=today(), channel=form.channel.data if offline else "online",
                               received_on=form.received_on.data if offline else None,
                               complainant=form.complainant.data if offline else None)
    if not done:
        return _page(year, objection_form=form, status=400)
    return _done(year, _("异议已登记，等待组织部处理。") if offline else _("异议已提交，等待组织部处理。"))


@bp.route("/notice/<int:year>/objections/<int:objection_id>/resolve", methods=["POST"])
@requires("admin")
def notice_resolve(year, objection_id):
    db = get_session()
    with attempt(db, ScoringError) as done:
        notices.resolve_objection(db, objection_id, upheld=request.form.get("upheld") == "1",
                                  resolution=request.form.get("resolution", ""), actor=current_user)
    if done:
        flash(_("异议已处理。"), "success")
    return redirect(url_for("scoring.notice", year=year))


@bp.route("/notice/<int:year>/finalise", methods=["POST"])
@requires("admin")
def notice_finalise(year):
    db = get_session()
    current = notices.current_notice(db, year)
    if current is None:
        abort(404)
    with attempt(db, ScoringError) as done:
        notices.finalise_grades(db, current.id, actor=current_user, today=today())
    if done:
        flash(_("%(y)s年度定级结果已确定。", y=year), "success")
    return redirect(url_for("scoring.notice", year=year))


@bp.route("/notice/<int:year>/corrections", methods=["POST"])
@requires("admin")
def notice_correct(year):
    db = get_session()
    form = _correction_form(db, year, _rounds(db, year))
    if form is None:
        abort(404)
    if not form.validate():
        return _page(year, correction_form=form, status=400)
    with attempt(db, ScoringError, ValueError, form=form) as done:
        c = corrections.start_correction(db, year, form.objection_id.data, form.from_key.data, form.reason.data,
                                         actor=current_user)
    if not done:
        return _page(year, correction_form=form, status=400)
    return _done(year, _("已重新开启：%(keys)s。请更正后点击“完成更正并重新结账”。",
                         keys=sep("list").join(PeriodKey.parse(k).label for k in c.reopened)))


@bp.route("/notice/<int:year>/corrections/<int:correction_id>/finish", methods=["POST"])
@requires("admin")
def notice_correction_finish(year, correction_id):
    from core.periods.locks import PeriodLocked
    db = get_session()
    with attempt(db, ScoringError, PeriodLocked) as done:
        corrections.finish_correction(db, correction_id, kinds=current_app.extensions["starbranch.plugins"],
                                      actor=current_user)
    if done:
        flash(_("更正已完成，各期间已按顺序重新结账；请开始新一轮公示。"), "success")
    return redirect(url_for("scoring.notice", year=year))
