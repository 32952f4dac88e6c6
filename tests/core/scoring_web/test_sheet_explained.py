"""The sheet a reviewer can follow: evidence in words, the path from points to index
scores, caps where they bite, star facts, the result box following verifications,
确认全部自动得分 and the verification queue."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from core.indicators.models import Indicator
from core.ledger.models import PointRecord
from core.periods.models import Period
from core.scoring.models import Evaluation, ScoreResult


def _item(db, branch, code, key):
    return db.scalars(select(Evaluation).join(Indicator, Indicator.id == Evaluation.indicator_id)
                      .join(Period, Period.id == Evaluation.period_id)
                      .where(Evaluation.branch_id == branch.id, Indicator.code == code, Period.key == key)).first()


def _text(html: str) -> str:
    """The page's visible text, tags dropped and white space collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _result(db, branch, key):
    db.expire_all()
    return db.scalar(select(ScoreResult).join(Period, Period.id == ScoreResult.period_id)
                     .where(Period.key == key, ScoreResult.branch_id == branch.id))


def test_ledger_evidence_is_told_in_words(client, login, reviewer, branch, scored):
    login(reviewer)
    page = _text(client.get(f"/scoring/sheet/{branch.id}?period=2026Q1").get_data(as_text=True))
    assert "支部委员会：应开 1 次，按时上传 1 次，逾期 0 次（7 天内上传为按时；逾期按 0.5 次计）。" in page
    assert "支部委员会：应开 1 次，按时上传 0 次，逾期 0 次" in page  # January and February
    assert "deadline_days" not in page and "on_time=" not in page


def test_attendance_and_manual_evidence_in_words(client, login, reviewer, branch, scored):
    login(reviewer)
    page = _text(client.get(f"/scoring/sheet/{branch.id}?period=2026Q1").get_data(as_text=True))
    assert "人工评分：支部自评，审核人按评分标准评定（0 至 5.00 分）。" in page
    assert re.search(r"实到 \d+ / 应到 \d+ 人次，出勤率 [\d.]+%（不高于 50% 不得分，达到 90% 得满分", page) \
        or "本期无活动记录，出勤率按 0 计，不得分。" in page


def test_evidence_words_in_english(client, login, reviewer, branch, scored):
    login(reviewer)
    from core.scoring.evidence import describe
    from core.scoring.sources import kinds_from
    ind = scored.scalar(select(Indicator).where(Indicator.code == "B-MECH-COMMITTEE"))
    ev = {"required": 1, "on_time": 1, "late": 0, "not_counted": 0, "deadline_days": 7,
          "types": ["committee_meeting"]}
    from flask_babel import force_locale
    with client.application.test_request_context(), force_locale("en"):
        words = describe(ev, ind, None, kinds_from(client.application.extensions["starbranch.plugins"]))
    assert "required 1" in words and "on time 1" in words and "within 7 days" in words


def test_unknown_method_falls_back_to_key_value(scored):
    from types import SimpleNamespace

    from core.scoring.evidence import describe
    words = describe({"b": 2, "a": 1}, SimpleNamespace(method="nobody", code="X"), None, {})
    assert words == "a=1；b=2"


def test_index_path_shows_rescaled_weight(client, login, reviewer, branch, scored):
    """Brand has only an annual item: in Q1 it drops out and the others are re-scaled."""
    login(reviewer)
    page = _text(client.get(f"/scoring/sheet/{branch.id}?period=2026Q1").get_data(as_text=True))
    result = _result(scored, branch, "2026Q1")
    assert result.brand is None
    assert "本期无评分项：该指数不计" in page
    m = re.search(r"权重重新分摊：(\d+) × 100 / (\d+) = ([\d.]+)", page)
    assert m, page[:2000]
    w, wp, eff = int(m.group(1)), int(m.group(2)), Decimal(m.group(3))
    assert eff == (Decimal(w) * 100 / wp).quantize(Decimal("0.01"))
    assert re.search(r"得分 = [\d.]+ × [\d.]+ / [\d.]+ = [\d.]+（实得 / 应得 × 有效权重）", page)


def test_deduction_cap_explained_where_it_bites(client, login, reviewer, branch, scored):
    for pts in ("3", "4"):
        scored.add(PointRecord(branch_id=branch.id, unit_id=branch.unit_id, kind="deduction", points=Decimal(pts),
                               dated=date(2026, 3, 10), reason="台账漏报", indicator_code="D-LEDGER"))
    for pts in ("3", "4"):
        scored.add(PointRecord(branch_id=branch.id, unit_id=branch.unit_id, kind="bonus", points=Decimal(pts),
                               dated=date(2026, 2, 10), reason="获市级表彰"))
    scored.commit()
    login(reviewer)
    page = _text(client.get(f"/scoring/sheet/{branch.id}?period=2026Q1").get_data(as_text=True))
    assert "台账资料弄虚作假、漏报每月最多扣 5.00 分：2026年3月记录 3.00+4.00 分，计 5.00 分。" in page
    assert "加分每个考核期最多 5.00 分：本期记录 3.00+4.00 分，计 5.00 分。" in page
    # the records table names each record's indicator and its cap
    assert "D-LEDGER 台账资料弄虚作假、漏报" in page and "上限 5.00 分 / 月度" in page


def test_star_facts_name_band_and_previous_quarter(client, login, reviewer, branch, scored):
    login(reviewer)
    page = _text(client.get(f"/scoring/sheet/{branch.id}?period=2026Q1").get_data(as_text=True))
    result = _result(scored, branch, "2026Q1")
    assert f"总分 {result.total:.2f}，按分段应评 {result.notes['band_star']} 星。" in page
    assert "逐级晋升：上一季度（2025年第四季度）无已结账星级，本季度不受限制。" in page
    assert f"结果：{result.stars} 星。" in page


def test_star_facts_gate_without_provider_and_veto(app, db, branch):
    from types import SimpleNamespace

    from core.periods.keys import PeriodKey
    from core.scoring.explain import star_facts, star_marker
    ruleset = SimpleNamespace(setting=lambda n: {"promotion_step": True, "gates": {"5": "brand_accepted"}}[n])
    notes = {"band_star": 5, "steps": [{"rule": "promotion", "from": 5, "to": 3, "previous": 2},
                                       {"rule": "gate", "from": 3, "to": 2, "gate": "x", "unknown": True},
                                       {"rule": "veto", "from": 2, "to": 1}]}
    result = SimpleNamespace(stars=1, total=Decimal("93.00"), notes=notes)
    veto = SimpleNamespace(dated=date(2026, 2, 3), reason="重大安全事故")
    with app.test_request_context():
        lines = star_facts(result, ruleset, PeriodKey.parse("2026Q1"), previous_star=2, gates={},
                           veto_records=[veto])
        marker = star_marker(notes)
    text = "\n".join(lines)
    assert "逐级晋升：上一季度（2025年第四季度）为 2 星，本季度最多 3 星。" in text
    assert "5 星门槛“brand_accepted”：没有任何插件提供此门槛" in text
    assert "否决记录：2026年2月3日 重大安全事故。" in text
    assert "逐级晋升：上一季度 2 星，5 星降为 3 星。" in text
    assert "一票否决：星级封顶为 1 星" in text
    assert marker == "逐级晋升"


def test_verification_refreshes_the_result_box(client, login, reviewer, branch, scored):
    row = _result(scored, branch, "2026Q1")
    before_service, before_total = row.service, row.total
    assert before_service == Decimal("0.00")
    ev = _item(scored, branch, "S-SERVICE", "2026Q1")
    login(reviewer)
    r = client.post(f"/scoring/sheet/{branch.id}/items/{ev.period_id}/{ev.indicator_id}/verify",
                    data={"earned": "4", "reason": "志愿服务3次", "version": str(ev.version), "period": "2026Q1"})
    assert r.status_code == 302
    after = _result(scored, branch, "2026Q1")
    assert after.service > 0 and after.total > before_total
    # the same numbers a fresh 试算 gives
    from core.scoring.close import recompute
    recompute(scored, "2026Q1", client.application.extensions["starbranch.plugins"])
    scored.commit()
    fresh = _result(scored, branch, "2026Q1")
    assert (fresh.service, fresh.base, fresh.total, fresh.stars, fresh.rank) == \
        (after.service, after.base, after.total, after.stars, after.rank)
    year = _result(scored, branch, "2026")
    assert year is None  # never tried: nothing invented


def test_confirming_unchanged_score_needs_no_reason(client, login, reviewer, branch, scored):
    ev = _item(scored, branch, "B-MECH-COMMITTEE", "2026-03")
    login(reviewer)
    client.post(f"/scoring/sheet/{branch.id}/items/{ev.period_id}/{ev.indicator_id}/verify",
                data={"earned": str(ev.auto_earned), "reason": "", "version": str(ev.version)})
    scored.expire_all()
    ev = scored.get(Evaluation, ev.ident)
    assert ev.verified_earned == ev.auto_earned and ev.verify_reason == "确认自动得分"
    r = client.post(f"/scoring/sheet/{branch.id}/items/{ev.period_id}/{ev.indicator_id}/verify",
                    data={"earned": "0.5", "reason": "", "version": str(ev.version)}, follow_redirects=True)
    assert "审核调整必须填写理由" in r.get_data(as_text=True)
    scored.expire_all()
    assert scored.get(Evaluation, ev.ident).verified_earned == ev.auto_earned


def test_confirm_all_verifies_every_automatic_item(client, login, reviewer, branch, scored):
    login(reviewer)
    r = client.post(f"/scoring/sheet/{branch.id}/confirm", data={"period": "2026Q1"}, follow_redirects=True)
    assert "已确认" in r.get_data(as_text=True)
    scored.expire_all()
    rows = scored.scalars(select(Evaluation).where(Evaluation.branch_id == branch.id)).all()
    auto = [e for e in rows if e.auto_earned is not None]
    manual = [e for e in rows if e.auto_earned is None]
    assert auto and all(e.verified_earned == e.auto_earned and e.verify_reason == "确认自动得分" for e in auto)
    assert manual and all(e.verified_earned is None for e in manual)
    from core.audit.models import AuditEntry
    entry = scored.scalars(select(AuditEntry).where(AuditEntry.action == "evaluation.confirm_all")).one()
    assert entry.new["confirmed"] == len(auto)
    # a second confirm changes nothing
    client.post(f"/scoring/sheet/{branch.id}/confirm", data={"period": "2026Q1"})
    assert scored.scalars(select(AuditEntry).where(AuditEntry.action == "evaluation.confirm_all")).all() == [entry]


def test_confirm_all_refused_in_closed_window(client, login, reviewer, branch, scored, close_period):
    close_period("2026Q1")
    login(reviewer)
    r = client.post(f"/scoring/sheet/{branch.id}/confirm", data={"period": "2026Q1"}, follow_redirects=True)
    assert "已结账锁定" in r.get_data(as_text=True)
    scored.expire_all()
    assert all(e.verified_earned is None for e in scored.scalars(select(Evaluation)))


def test_secretary_cannot_confirm_all(client, login, secretary, branch, scored):
    login(secretary)
    assert client.post(f"/scoring/sheet/{branch.id}/confirm", data={"period": "2026Q1"}).status_code in (403, 404)
    scored.expire_all()
    assert all(e.verified_earned is None for e in scored.scalars(select(Evaluation)))


def test_queue_steps_through_waiting_branches(app, client, login, reviewer, branch, unit, make_branch, scored):
    from core.scoring.close import recompute
    second = make_branch(unit=unit, name="炼铁二车间党支部")
    recompute(scored, "2026Q1", app.extensions["starbranch.plugins"])
    scored.commit()
    login(reviewer)
    page = client.get("/scoring/queue?period=2026Q1").get_data(as_text=True)
    assert "炼铁一车间党支部" in page and "炼铁二车间党支部" in page
    first, other = sorted([branch, second], key=lambda b: b.code)
    sheet = client.get(f"/scoring/sheet/{first.id}?period=2026Q1&queue=1").get_data(as_text=True)
    assert f"下一个待审核支部：{other.name}" in sheet
    # the other branch done (every item verified): the first has no next
    for ev in scored.scalars(select(Evaluation).where(Evaluation.branch_id == other.id)):
        ev.verified_earned, ev.verify_reason = ev.auto_earned or Decimal(0), "测试"
    scored.commit()
    sheet = client.get(f"/scoring/sheet/{first.id}?period=2026Q1&queue=1").get_data(as_text=True)
    assert "本单位其他支部均已审核完毕" in sheet
    page = client.get("/scoring/queue?period=2026Q1").get_data(as_text=True)
    assert other.name not in page


def test_queue_is_scoped_to_the_reviewers_unit(client, login, reviewer, make_unit, make_branch, scored, app):
    from core.scoring.close import recompute
    outsider = make_branch(unit=make_unit(name="焦化厂党委"), name="焦化一车间党支部")
    recompute(scored, "2026Q1", app.extensions["starbranch.plugins"])
    scored.commit()
    login(reviewer)
    assert outsider.name not in client.get("/scoring/queue?period=2026Q1").get_data(as_text=True)


def test_sheet_period_menu_is_newest_first(app):
    from core.scoring.views import _period_choices
    keys = [k.key for k in _period_choices(2026)]
    assert keys[:6] == ["2026Q4", "2026-12", "2026", "2026-11", "2026-10", "2026Q3"]
    assert keys.index("2026-01") < keys.index("2025Q4")


def test_target_item_shows_its_group_breakdown_on_the_sheet(app, client, login, reviewer, branch, db):
    from core.indicators.catalogue import seed_ruleset
    from core.scoring.close import recompute
    from core.targets.models import Target, TargetProgress

    seed_ruleset(db, 2026)
    for title, group, points, completion in (("安全生产零事故", "safety_production", "10", "100"),
                                             ("党建课题结题", "key_tasks", "5", "60")):
        t = Target(branch_id=branch.id, unit_id=branch.unit_id, title=title, group=group, index_code="performance",
                   points=Decimal(points), owner="王厂长", deadline=date(2026, 3, 31))
        t.progress.append(TargetProgress(month=date(2026, 3, 1), completion=Decimal(completion)))
        db.add(t)
    db.commit()
    recompute(db, "2026Q1", app.extensions["starbranch.plugins"])
    db.commit()
    login(reviewer)
    page = _text(client.get(f"/scoring/sheet/{branch.id}?period=2026Q1").get_data(as_text=True))
    assert "本期到期目标 2 项，按期完成 1 项，逾期未完成 0 项。" in page
    assert "安全生产经营（权重 50%）：得 10.00 / 10.00 分，完成 100.00%" in page
    assert "重点工作任务（权重 20%）：得 3.00 / 5.00 分，完成 60.00%" in page


def test_sheet_names_an_unprovided_gate_and_the_veto_record(app, client, login, reviewer, branch, db, members):
    from core.indicators.catalogue import active_ruleset, seed_ruleset
    from core.scoring.close import recompute

    seed_ruleset(db, 2026)
    ruleset = active_ruleset(db, 2026)
    ruleset.settings = {**(ruleset.settings or {}), "gates": {"5": "no_such_gate"}}  # a gate nobody provides
    db.add(PointRecord(branch_id=branch.id, unit_id=branch.unit_id, kind="veto", points=Decimal(0),
                       dated=date(2026, 2, 3), reason="发生重大安全生产事故", indicator_code="V-ACCIDENT"))
    db.commit()
    recompute(db, "2026Q1", app.extensions["starbranch.plugins"])
    db.commit()
    login(reviewer)
    page = _text(client.get(f"/scoring/sheet/{branch.id}?period=2026Q1").get_data(as_text=True))
    assert "5 星门槛“no_such_gate”：没有任何插件提供此门槛，无支部能达到（请检查考核细则）。" in page
    assert "否决记录：2026年2月3日 发生重大安全生产事故。" in page
    assert "V-ACCIDENT 重大安全生产事故" in page


def test_sheet_service_items_carry_the_evidence_in_words(app, branch, scored):
    from core.scoring.sheet import branch_sheet
    registry = app.extensions["starbranch.plugins"]
    with app.test_request_context():
        sheet = branch_sheet(scored, branch.id, "2026Q1", kinds=registry)
    march = next(i for s in sheet.sections for i in s.items if i.code == "B-MECH-COMMITTEE" and i.period_key == "2026-03")
    assert march.words.startswith("支部委员会：应开 1 次，按时上传 1 次，逾期 0 次")


def test_notice_of_an_open_year_links_its_provisional_ranking(app, client, login, reviewer, branch, db, members):
    from core.indicators.catalogue import seed_ruleset
    from core.scoring.close import recompute

    seed_ruleset(db, 2026)
    db.commit()
    login(reviewer)
    assert "查看临时排名" not in client.get("/scoring/notice/2026").get_data(as_text=True)
    recompute(db, "2026", app.extensions["starbranch.plugins"])
    db.commit()
    page = client.get("/scoring/notice/2026").get_data(as_text=True)
    assert "2026年度尚未结账" in page and 'href="/analysis/rankings?period=2026"' in page
    ranking = client.get("/analysis/rankings?period=2026").get_data(as_text=True)
    assert "临时排名：2026年度尚未结账" in ranking and branch.name in ranking
