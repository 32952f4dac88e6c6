"""Scoring pages: period close/reopen (admin), the explainable branch sheet with
self-assessment and verification, and the annual public notice (公示) when the engine
provides it. Views parse, call the engine's services, render."""
from __future__ import annotations

import importlib
from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.auth.access import requires
from core.db import get_session
from core.periods.keys import PeriodKey
from core.periods.services import all_keys_of_year, list_periods
from core.plugins.web import MenuItem
from core.scoring.errors import ScoringError

bp = Blueprint("scoring", __name__, url_prefix="/scoring", template_folder="templates")

MENU = [
    MenuItem("考核设置", "期间结账", "scoring.periods", roles=("admin",), order=20),
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
    try:
        year = int(request.args.get("year") or date.today().year)
    except ValueError:
        year = date.today().year
    rows = {p.key: p for p in list_periods(db, year=year)}
    keys = all_keys_of_year(year)
    ordered = sorted(keys, key=lambda k: ({"year": 0, "quarter": 1, "month": 2}[k.kind], k.starts_on))
    return render_template("scoring/periods.html", year=year, keys=ordered, rows=rows,
                           tasks=_optional("core.scoring.tasks") is not None)


def _run_close(key: str):
    """Close in-process by default; through Celery when the engine provides a task and a
    broker is configured (eager otherwise, which is in-process as well)."""
    tasks = _optional("core.scoring.tasks")
    task = getattr(tasks, "close_period_task", None) if tasks else None
    if task is not None and current_app.config.get("CELERY_BROKER_URL"):
        async_result = task.delay(key, current_user.id)
        return None, async_result.id
    from core.scoring.close import close_period
    db = get_session()
    result = close_period(db, key, kinds=_registry(), actor=current_user)
    db.commit()
    return result, None


@bp.route("/periods/<key>/close", methods=["POST"])
@requires("admin")
def close(key):
    try:
        pk = PeriodKey.parse(key)
    except ValueError:
        abort(404)
    db = get_session()
    try:
        result, job_id = _run_close(pk.key)
    except ScoringError as exc:
        db.rollback()
        flash(str(exc), "error")
        return redirect(url_for("scoring.periods", year=pk.year))
    if job_id:
        flash(_("%(p)s 的结账已提交后台任务（编号 %(j)s），完成后状态将变为“已结账”。", p=pk.label, j=job_id), "info")
    elif result.already_closed:
        flash(_("%(p)s 已经结账，未作任何更改。", p=pk.label), "info")
    else:
        stars = "，".join(f"{s}星 {n} 个" for s, n in sorted(result.stars.items(), reverse=True) if s)
        flash(_("%(p)s 已结账锁定：评分 %(e)s 项，%(r)s 个党支部出结果。%(s)s", p=pk.label, e=result.evaluations,
                r=result.results, s=stars), "success")
        for w in result.warnings:
            flash(str(w), "info")
    return redirect(url_for("scoring.periods", year=pk.year))


@bp.route("/periods/<key>/recompute", methods=["POST"])
@requires("admin")
def recompute(key):
    try:
        pk = PeriodKey.parse(key)
    except ValueError:
        abort(404)
    from core.scoring.close import recompute as run
    db = get_session()
    try:
        result = run(db, pk.key, _registry(), actor=current_user)
        db.commit()
        flash(_("%(p)s 已试算：评分 %(e)s 项，%(r)s 个党支部（未锁定，结果为临时结果）。", p=pk.label,
                e=result.evaluations, r=result.results), "success")
    except ScoringError as exc:
        db.rollback()
        flash(str(exc), "error")
    return redirect(url_for("scoring.periods", year=pk.year))


@bp.route("/periods/<key>/reopen", methods=["POST"])
@requires("admin")
def reopen(key):
    try:
        pk = PeriodKey.parse(key)
    except ValueError:
        abort(404)
    from core.scoring.close import reopen_period
    db = get_session()
    try:
        reopen_period(db, pk.key, request.form.get("reason", ""), actor=current_user)
        db.commit()
        flash(_("%(p)s 已重新开启，可以修改数据；修改完成后请重新结账。", p=pk.label), "success")
    except ScoringError as exc:
        db.rollback()
        flash(str(exc), "error")
    return redirect(url_for("scoring.periods", year=pk.year))
