"""The audit log in words (审计日志): who did what to which object, old → new, in
Chinese (or English through the catalog) — not action codes, table ids and Python
dicts (issue #16). Data for machines stays as stored; this module only reads it.

Labels come from the hook `starbranch_audit_words` (the core's are below; plugins add
theirs). An unknown code is shown as it is, never hidden.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from flask import current_app, url_for
from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.formatting import cn_date, sep


@dataclass(frozen=True)
class AuditWords:
    """What a module's audit codes mean: action → label, field → label, table → label."""

    actions: dict[str, str] = field(default_factory=dict)
    fields: dict[str, str] = field(default_factory=dict)
    objects: dict[str, str] = field(default_factory=dict)


CORE_WORDS = AuditWords(
    actions={
        "branch.create": "新建支部", "branch.update": "修改支部", "branch.activate": "停用/恢复支部",
        "branch.import": "导入支部", "org_node.create": "新建组织", "org_node.update": "修改组织",
        "org_node.activate": "停用/恢复组织", "member.create": "新增党员", "member.update": "修改党员",
        "member.activate": "停用/恢复党员", "member.import": "导入党员", "member.transfer": "转接组织关系",
        "member.transfer_out": "转出组织关系",
        "user.create": "新建用户", "user.update": "修改用户", "user.activate": "停用/恢复用户",
        "user.reset_password": "重置密码", "user.change_password": "修改本人密码",
        "user.api_token": "生成 API 令牌", "user.api_token_revoke": "撤销 API 令牌",
        "plugin.enable": "启用插件", "plugin.disable": "停用插件",
        "period.close": "结账", "period.reopen": "重新开启期间", "period.recompute": "试算",
        "evaluation.verify": "审核评分", "evaluation.self_assess": "支部自评",
        "ledger.record.create": "新增台账记录", "ledger.record.update": "修改台账记录",
        "ledger.record.delete": "删除台账记录", "ledger.attachment.add": "上传附件",
        "ledger.attachment.delete": "删除附件", "ledger.appraisal.update": "登记民主评议结果",
        "ledger.point.create": "登记加扣分", "ledger.point.delete": "删除加扣分",
        "ledger.points.create": "登记加扣分", "ledger.points.delete": "删除加扣分",
        "honour.create": "登记荣誉", "honour.update": "修改荣誉", "honour.delete": "删除荣誉",
        "targets.create": "分解目标", "targets.update": "修改目标", "targets.delete": "删除目标",
        "targets.progress": "登记目标进度",
        "indicator.create": "新增指标", "indicator.update": "修改指标", "indicator.delete": "删除指标",
        "ruleset.seed": "生成考核细则", "ruleset.copy": "复制考核细则", "ruleset.activate": "启用考核细则",
        "ruleset.retire": "停用考核细则", "ruleset.weights": "修改指数权重", "ruleset.bands": "修改星级分数段",
        "ruleset.settings": "修改考核参数",
        "notice.start": "开始公示", "notice.cancel": "撤销公示", "notice.finalise": "确定定级结果",
        "objection.file": "提出异议", "objection.resolve": "处理异议",
        "correction.start": "开启年度更正", "correction.finish": "完成年度更正",
    },
    fields={
        "name": "名称", "code": "编码", "kind": "类型", "category": "类别", "parent_id": "上级组织",
        "unit_id": "所属单位", "branch_id": "支部", "active": "在用", "secretary_name": "支部书记",
        "username": "用户名", "display_name": "姓名", "role": "角色", "unit_ids": "负责单位",
        "password": "密码", "api_token": "API 令牌", "api_tokens_revoked": "撤销的令牌数", "label": "名称",
        "token_id": "令牌编号", "status": "状态", "stars": "星级", "total": "总分",
        "earned": "得分", "verified_earned": "审核得分", "self_earned": "自评得分", "reason": "理由",
        "results": "结果", "rows": "行数", "title": "名称", "topic": "主题", "held_on": "日期",
        "points": "分值", "completion": "完成率", "month": "月份", "plugin": "插件",
        "rows_moved": "随支部转移的记录", "gender": "性别", "issuer": "颁发单位", "level": "级别",
        "awarded_on": "授予日期", "note": "备注", "weights": "权重", "bands": "分数段",
        "auto_earned": "自动得分", "verify_reason": "审核理由", "self_note": "自评说明",
    },
    objects={
        "branches": "党支部", "org_nodes": "组织", "members": "党员", "users": "用户", "periods": "考核期间",
        "evaluations": "评分项", "activity_records": "台账记录", "attachments": "附件",
        "point_records": "加扣分记录", "honours": "荣誉", "targets": "目标", "indicators": "指标",
        "rulesets": "考核细则", "annual_notices": "年度公示", "objections": "异议", "year_corrections": "年度更正", "unit_plugins": "插件启用",
    },
)

#: Objects shown by name with a link: table → (model path, name attribute, endpoint, id argument).
NAMED_OBJECTS = {
    "branches": ("core.org.models:Branch", "name", "org.branch_detail", "branch_id"),
    "org_nodes": ("core.org.models:OrgNode", "name", None, None),
    "members": ("core.org.models:Member", "name", "org.member_detail", "member_id"),
    "users": ("core.auth.models:User", "display_name", "users.edit", "user_id"),
    "activity_records": ("core.ledger.models:ActivityRecord", "topic", "ledger.record", "record_id"),
    "honours": ("core.honours.models:Honour", "title", None, None),
    "targets": ("core.targets.models:Target", "title", None, None),
}
#: Fields an entry keeps as the context of the change, not as something it changed (the
#: automatic score a reviewer saw when verifying): shown as a plain value, no arrow.
CONTEXT_FIELDS = {"auto_earned"}
#: Fields holding an id whose name is shown instead.
ID_FIELDS = {"unit_id": "org_nodes", "parent_id": "org_nodes", "branch_id": "branches"}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def words(app=None) -> AuditWords:
    """Every module's words merged (first label of a code wins), cached per app."""
    app = app or current_app._get_current_object()
    merged = app.extensions.get("starbranch.audit_words")
    if merged is None:
        out = AuditWords()
        for batch in app.extensions["starbranch.plugins"].hook.starbranch_audit_words():
            for name in ("actions", "fields", "objects"):
                target = getattr(out, name)
                for code, label in getattr(batch, name).items():
                    target.setdefault(code, label)
        merged = app.extensions["starbranch.audit_words"] = out
    return merged


def _model(path: str):
    import importlib

    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


@dataclass
class Change:
    field: str
    old: str
    new: str


@dataclass
class EntryInWords:
    """One audit entry as people read it."""

    at: str
    actor: str
    action: str
    action_code: str
    object_kind: str
    object_name: str
    object_url: str | None
    changes: list[Change]
    reason: str


def _names(session: Session, table_ids: dict[str, set]) -> dict[tuple[str, str], str]:
    out = {}
    for table_name, ids in table_ids.items():
        spec = NAMED_OBJECTS.get(table_name)
        numeric = sorted({int(i) for i in ids if str(i).isdigit()})
        if spec is None or not numeric:
            continue
        model = _model(spec[0])
        for oid, name in session.execute(select(model.id, getattr(model, spec[1])).where(model.id.in_(numeric))):
            out[(table_name, str(oid))] = name
    return out


def _evaluation_objects(session: Session, keys: set) -> dict[str, tuple[str, str]]:
    """Evaluation items ("period-branch-indicator") as "branch · indicator（period）" with
    a link to the item on its sheet: one query each for periods, branches, indicators."""
    from core.indicators.models import Indicator
    from core.org.models import Branch
    from core.periods.keys import PeriodKey
    from core.periods.models import Period

    parts = {k: tuple(int(p) for p in k.split("-")) for k in keys if re.fullmatch(r"\d+-\d+-\d+", str(k))}
    if not parts:
        return {}

    def lookup(model, column, position):
        ids = sorted({p[position] for p in parts.values()})
        return dict(session.execute(select(model.id, column).where(model.id.in_(ids))).all())

    periods, branches = lookup(Period, Period.key, 0), lookup(Branch, Branch.name, 1)
    indicators = lookup(Indicator, Indicator.name, 2)
    out = {}
    for key, (period_id, branch_id, indicator_id) in parts.items():
        if period_id in periods and branch_id in branches and indicator_id in indicators:
            period = PeriodKey.parse(periods[period_id])
            out[key] = (gettext("%(branch)s · %(item)s（%(period)s）", branch=branches[branch_id],
                                item=indicators[indicator_id], period=period.label),
                        url_for("scoring.sheet", branch_id=branch_id, period=period.key) + f"#ev-{key}")
    return out


def _text(value, field_name: str, names) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("是") if value else gettext("否")
    if field_name in ID_FIELDS and str(value).isdigit():
        return names.get((ID_FIELDS[field_name], str(value)), str(value))
    if isinstance(value, dict):
        return sep("semicolon").join(f"{k}{sep('colon')}{_text(v, '', names)}" for k, v in sorted(value.items(), key=lambda kv: str(kv[0])))
    if isinstance(value, list):
        return sep("list").join(_text(v, "", names) for v in value) or "—"
    if isinstance(value, str) and _ISO_DATE.match(value):
        return cn_date(date.fromisoformat(value))
    return str(value)


def describe(session: Session, entries, users: dict) -> list[EntryInWords]:
    """The entries in words; object and id names are looked up in one query per table."""
    w = words()
    wanted: dict[str, set] = {}
    for e in entries:
        if e.object_id:
            wanted.setdefault(e.object_type, set()).add(e.object_id)
        for values in (e.old or {}, e.new or {}):
            for key, value in values.items():
                if key in ID_FIELDS and value is not None:
                    wanted.setdefault(ID_FIELDS[key], set()).add(str(value))
    names = _names(session, wanted)
    items = _evaluation_objects(session, wanted.get("evaluations", set()))
    out = []
    for e in entries:
        old, new = e.old or {}, e.new or {}
        changes = [Change(gettext(w.fields[k]) if k in w.fields else k, "", _text(old[k], k, names))
                   if k in CONTEXT_FIELDS and k not in new else
                   Change(gettext(w.fields[k]) if k in w.fields else k,
                          _text(old.get(k), k, names) if k in old else "",
                          _text(new.get(k), k, names) if k in new else "")
                   for k in sorted(set(old) | set(new))]
        spec = NAMED_OBJECTS.get(e.object_type)
        name = names.get((e.object_type, str(e.object_id)))
        url = None
        if spec and spec[2] and name is not None:
            url = url_for(spec[2], **{spec[3]: int(e.object_id)})
        elif e.object_type == "evaluations" and e.object_id in items:
            name, url = items[e.object_id]
        actor = users.get(e.user_id)
        out.append(EntryInWords(
            at=cn_date(e.at),
            actor=actor.display_name if actor else gettext("系统"),
            action=gettext(w.actions[e.action]) if e.action in w.actions else e.action,
            action_code=e.action,
            object_kind=gettext(w.objects[e.object_type]) if e.object_type in w.objects else e.object_type,
            object_name=name if name is not None else (f"#{e.object_id}" if e.object_id else ""),
            object_url=url, changes=changes, reason=e.reason or ""))
    return out
