"""POST /api/v1/production/actuals — actuals pushed by an upstream system (MES/ERP).

Authentication: `Authorization: Bearer <personal API token>` of a user with rights on
the branches (admin, the unit's reviewer, or the branch's secretary). The endpoint is
exempt from CSRF only when the request is token-authenticated; a browser session
posting here must carry the CSRF token like any form.

Payload (all-or-nothing):
    {"source_ref": "MES-20260401-001",            # optional, kept on the rows
     "actuals": [{"branch": "B0001", "measure": "产量" | "output" | "production.output",
                  "month": "2026-03", "value": "12500.5"}, ...]}
Idempotent on the natural key (branch, measure, month): the same value again changes
nothing ("unchanged"); a different value updates the row and is audited ("updated").
"""
from __future__ import annotations

import json
from decimal import Decimal

from flask import current_app, jsonify, request
from flask_login import current_user

from core.plugins.api import authenticated_by_token, get_session, plugin_blueprint, requires
from plugins.production.services import Entry, parse_month, parse_quantity, save_entries

bp = plugin_blueprint("production", "production_api", __name__, url_prefix="/api/v1/production")

MAX_ITEMS = 5000


def _error(status: int, code: str, message: str, errors=None):
    body = {"ok": False, "error": code, "message": message}
    if errors is not None:
        body["errors"] = errors
    return jsonify(body), status


@bp.route("/actuals", methods=["POST"])
@requires("admin", "reviewer", "secretary")
def push_actuals():
    if not authenticated_by_token():
        current_app.extensions["csrf"].protect()  # session callers need the CSRF token
    try:
        payload = json.loads(request.get_data(as_text=True) or "null", parse_float=Decimal)
    except (ValueError, RecursionError):  # RecursionError: nesting 100,000 levels deep
        return _error(400, "bad_json", "请求体不是合法的 JSON。")
    if not isinstance(payload, dict) or not isinstance(payload.get("actuals"), list):
        return _error(400, "bad_payload", "请求体应为 {\"actuals\": [...]} 形式的 JSON 对象。")
    items = payload["actuals"]
    if not items:
        return _error(400, "empty", "actuals 不能为空。")
    if len(items) > MAX_ITEMS:
        return _error(413, "too_many", f"一次最多推送 {MAX_ITEMS} 条。")
    source_ref = payload.get("source_ref")
    if source_ref is not None and (not isinstance(source_ref, str) or len(source_ref) > 80):
        return _error(400, "bad_payload", "source_ref 应为不超过 80 个字符的字符串。")

    entries, errors = [], []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            errors.append({"index": i, "field": "", "message": "每一条应为 JSON 对象。"})
            continue
        bad = False
        for name in ("branch", "measure", "month", "value"):
            if item.get(name) in (None, ""):
                errors.append({"index": i, "field": name, "message": "不能为空。"})
                bad = True
        if bad:
            continue
        try:
            month = parse_month(item["month"])
        except ValueError as exc:
            errors.append({"index": i, "field": "month", "message": str(exc)})
            continue
        try:
            value = parse_quantity(item["value"])
        except ValueError as exc:
            errors.append({"index": i, "field": "value", "message": str(exc)})
            continue
        entries.append(Entry(ref=i, branch=str(item["branch"]), measure=str(item["measure"]), month=month,
                             actual=value))
    session = get_session()
    if not errors:
        result, problems = save_entries(session, current_user, entries, source="api", source_ref=source_ref,
                                        field_names={"actual": "value"})
        errors = [{"index": p.ref, "field": p.field, "code": p.code, "message": p.message} for p in problems]
    if errors:
        session.rollback()
        locked = any(e.get("code") == "locked" for e in errors)
        return _error(409 if locked else 422, "locked" if locked else "invalid",
                      f"推送被拒绝，共 {len(errors)} 处错误，未写入任何数据。", errors)
    session.commit()
    return jsonify({"ok": True, "created": result.created, "updated": result.updated,
                    "unchanged": result.unchanged, "items": result.items})


@bp.record_once
def _exempt_token_calls_from_global_csrf(state):
    """The global CSRF check is skipped for this view; `push_actuals` runs it itself for
    callers that are not token-authenticated."""
    csrf = state.app.extensions.get("csrf")
    if csrf is not None:
        csrf.exempt(push_actuals)
