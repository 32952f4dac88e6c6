"""Lists a user sees, as sheets (core.xlsx writes them): the ledger's records with their
attendance counts, targets with their monthly progress, a branch's score sheet and the
audit log. Each function takes an already scoped statement (or a branch the view has
checked), so an export shows exactly what the page shows; numbers are numeric cells,
dates date cells, text typed text cells. Rows are streamed (no ORM list held for
100,000 rows)."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.indicators.models import INDICES
from core.ledger.models import ACTIVITY_TYPES, ActivityRecord, PointRecord, POINT_KINDS
from core.org.models import Branch
from core.targets.models import TARGET_GROUPS, Target, TargetProgress
from core.xlsx import Sheet

DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


def ledger_sheets(session: Session, stmt) -> list[Sheet]:
    """stmt: a scoped select of ActivityRecord."""
    q = (stmt.add_columns(Branch.code, Branch.name).join(Branch, Branch.id == ActivityRecord.branch_id)
         .order_by(Branch.code, ActivityRecord.held_on, ActivityRecord.id))

    def rows():
        for rec, code, name in session.execute(q).yield_per(2000):
            yield [code, name, ACTIVITY_TYPES.get(rec.type, rec.type), rec.held_on, rec.uploaded_at, rec.topic,
                   rec.location or "", rec.expected_full, rec.present_full, rec.expected_probationary,
                   rec.present_probationary, rec.present_full + rec.present_probationary,
                   "有效" if rec.valid else "无效"]
    headers = ["支部编码", "党支部", "活动类型", "召开日期", "上传时间", "主题", "地点", "应到正式党员", "实到正式党员",
               "应到预备党员", "实到预备党员", "实到合计", "是否有效"]
    return [Sheet("电子台账", headers, rows(), widths=[12, 28, 14, 12, 16, 36, 16, 12, 12, 12, 12, 10, 8],
                  formats={4: DATETIME_FORMAT})]


def point_sheet(session: Session, stmt) -> Sheet:
    """stmt: a scoped select of PointRecord (加扣分)."""
    q = (stmt.add_columns(Branch.code, Branch.name).join(Branch, Branch.id == PointRecord.branch_id)
         .order_by(Branch.code, PointRecord.dated, PointRecord.id))

    def rows():
        for rec, code, name in session.execute(q).yield_per(2000):
            yield [code, name, POINT_KINDS.get(rec.kind, rec.kind), rec.dated, Decimal(rec.points), rec.reason,
                   rec.indicator_code or ""]
    return Sheet("加扣分", ["支部编码", "党支部", "类别", "日期", "分值", "事由", "指标编码"], rows(),
                 widths=[12, 28, 10, 12, 8, 48, 14])


def target_sheets(session: Session, stmt) -> list[Sheet]:
    """stmt: a scoped select of Target. Two sheets: the targets with their latest
    completion, and every monthly progress entry."""
    targets = session.execute(stmt.add_columns(Branch.code, Branch.name).join(Branch, Branch.id == Target.branch_id)
                              .order_by(Branch.code, Target.deadline, Target.id)).all()
    ids = [t.id for t, _c, _n in targets]
    progress: dict[int, list[TargetProgress]] = {}
    for i in range(0, len(ids), 900):
        for p in session.scalars(select(TargetProgress).where(TargetProgress.target_id.in_(ids[i:i + 900]))
                                 .order_by(TargetProgress.month)):
            progress.setdefault(p.target_id, []).append(p)
    main = [[code, name, t.title, TARGET_GROUPS.get(t.group, t.group), INDICES.get(t.index_code, t.index_code),
             Decimal(t.points), t.owner, t.deadline, t.batch or "",
             Decimal(progress[t.id][-1].completion) if progress.get(t.id) else None,
             progress[t.id][-1].month.strftime("%Y-%m") if progress.get(t.id) else ""]
            for t, code, name in targets]
    monthly = [[code, name, t.title, p.month.strftime("%Y-%m"), Decimal(p.completion), p.note or ""]
               for t, code, name in targets for p in progress.get(t.id, ())]
    return [Sheet("目标", ["支部编码", "党支部", "目标", "类别", "指数", "分值", "责任人", "完成期限", "批次",
                         "最新完成率（%）", "最新进度月份"], main, widths=[12, 28, 36, 14, 12, 8, 10, 12, 12, 14, 12]),
            Sheet("月度进度", ["支部编码", "党支部", "目标", "月份", "完成率（%）", "说明"], monthly,
                  widths=[12, 28, 36, 10, 12, 40])]


def score_sheet(branch: Branch, pk, data: dict) -> list[Sheet]:
    """A branch's score sheet (scoring.views.load_sheet's data) as it is on the page."""
    rows = []
    for code, label in INDICES.items():
        group = data["by_index"].get(code) or {"items": []}
        for item in group["items"]:
            ev, ind, period = item["ev"], item["ind"], item["period"]
            rows.append([label, ind.code, ind.name, period.label, Decimal(ev.points),
                         None if ev.auto_earned is None else Decimal(ev.auto_earned),
                         None if ev.self_earned is None else Decimal(ev.self_earned),
                         None if ev.verified_earned is None else Decimal(ev.verified_earned), Decimal(ev.earned),
                         ev.verify_reason or ""])
    items = Sheet(f"{branch.code}评分表", ["指数", "指标编码", "指标", "期间", "分值", "自动得分", "自评得分", "核定得分",
                                        "得分", "核定理由"], rows, widths=[12, 14, 40, 14, 8, 10, 10, 10, 8, 30])
    result = data.get("result")
    summary = [["党支部", branch.name], ["支部编码", branch.code], ["考核期间", pk.label]]
    if result is not None:
        scores = result.index_scores()
        summary += [[INDICES[i], scores[i]] for i in INDICES if scores.get(i) is not None]
        summary += [["总分", Decimal(result.total)], ["星级", result.stars or ""], ["类别内排名", result.rank]]
    points = [[p.dated, POINT_KINDS.get(p.kind, p.kind), Decimal(p.points), p.reason] for p in data["point_records"]]
    return [Sheet("汇总", ["项目", "内容"], summary, widths=[16, 40]), items,
            Sheet("加扣分记录", ["日期", "类别", "分值", "事由"], points, widths=[12, 10, 8, 60])]
