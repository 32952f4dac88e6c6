"""Pages of the batch imports that have no page of their own: point records (加扣分),
honours, targets with monthly progress, user accounts — each through the one import
flow (core.imports.web), with its template."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, url_for
from flask_login import current_user

from core.auth.access import requires
from core.imports.batches import KINDS
from core.imports.jobs import register_importer
from core.imports.rowwise import apply_rows, plan_rows
from core.imports.web import Importer, import_flow
from core.plugins.web import MenuItem
from core.xlsx import template_workbook, xlsx_response

bp = Blueprint("imports", __name__, url_prefix="/imports")

MENU = [MenuItem("系统管理", "数据导入", "imports.index", roles=("admin", "reviewer"), order=40)]

#: kind → (endpoint of the list it fills, roles that may import it)
PAGES = {"points": ("ledger.overview", ("admin", "reviewer")), "honours": ("honours.register", ("admin", "reviewer")),
         "targets": ("targets.index", ("admin", "reviewer")), "users": ("users.index", ("admin",))}
KIND_PATH = "<any(points, honours, targets, users):kind>"


def _allowed(kind: str) -> None:
    if current_user.role not in PAGES[kind][1]:
        abort(404)


@bp.route("/")
@requires("admin", "reviewer")
def index():
    kinds = [(k, KINDS[k][1]) for k in PAGES if current_user.role in PAGES[k][1]]
    return render_template("imports/index.html", kinds=kinds)


@bp.route(f"/{KIND_PATH}", methods=["GET", "POST"])
@requires("admin", "reviewer")
def page(kind):
    _allowed(kind)
    spec, label = KINDS[kind]
    plan, apply = _functions(spec)
    return import_flow(Importer(kind, label, plan, apply, url_for(".template", kind=kind), url_for(PAGES[kind][0])))


def _functions(spec):
    """The (plan, apply) pair of a row-wise import."""
    return (lambda s, b, actor: plan_rows(spec, s, b, actor)), (lambda s, p, actor: apply_rows(spec, s, p, actor))


@bp.record
def _importers_for_jobs(state):
    for kind, (spec, label) in KINDS.items():
        register_importer(state.app, kind, label, *_functions(spec))


@bp.route(f"/{KIND_PATH}/template.xlsx")
@requires("admin", "reviewer")
def template(kind):
    _allowed(kind)
    spec, label = KINDS[kind]
    return xlsx_response(template_workbook(label, spec.columns), f"{label}导入模板.xlsx")
