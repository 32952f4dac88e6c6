"""The explainable sheet: items with automatic score and evidence, self-assessment by
the secretary, verification by reviewers (reason required, stale saves refused),
and locked windows refusing both."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from core.indicators.models import Indicator
from core.scoring.models import Evaluation


def _item(db, branch, code, key=None):
    from core.periods.models import Period
    stmt = (select(Evaluation).join(Indicator, Indicator.id == Evaluation.indicator_id)
            .join(Period, Period.id == Evaluation.period_id)
            .where(Evaluation.branch_id == branch.id, Indicator.code == code))
    if key:
        stmt = stmt.where(Period.key == key)
    return db.scalars(stmt).first()


def test_sheet_shows_items_scores_and_evidence_links(client, login, secretary, branch, scored):
    login(secretary)
    page = client.get(f"/scoring/sheet/{branch.id}?period=2026Q1").get_data(as_text=True)
    assert "运行机制·支部委员会" in page and "服务群众" in page
    assert "查看台账依据" in page and "type=committee_meeting" in page
    assert "试算结果" in page and "总分" in page


def test_secretary_self_assesses_manual_item(client, login, secretary, branch, scored):
    ev = _item(scored, branch, "S-SERVICE")
    login(secretary)
    r = client.post(f"/scoring/sheet/{branch.id}/items/{ev.period_id}/{ev.indicator_id}/self",
                    data={"earned": "4", "note": "开展志愿服务3次", "version": str(ev.version), "period": "2026Q1"})
    assert r.status_code == 302
    scored.expire_all()
    ev = scored.get(Evaluation, ev.ident)
    assert ev.self_earned == Decimal("4.00") and ev.verified_earned is None


def test_reviewer_verifies_with_reason(client, login, reviewer, branch, scored):
    ev = _item(scored, branch, "B-MECH-COMMITTEE", "2026-02")
    login(reviewer)
    r = client.post(f"/scoring/sheet/{branch.id}/items/{ev.period_id}/{ev.indicator_id}/verify",
                    data={"earned": "1.5", "reason": "二月记录补报", "version": str(ev.version)}, follow_redirects=True)
    assert "审核结果已保存" in r.get_data(as_text=True)
    scored.expire_all()
    ev = scored.get(Evaluation, ev.ident)
    assert ev.verified_earned == Decimal("1.50") and ev.auto_earned == Decimal("0.00")
    assert ev.verify_reason == "二月记录补报"


def test_verification_without_reason_is_refused(client, login, reviewer, branch, scored):
    ev = _item(scored, branch, "S-SERVICE")
    login(reviewer)
    r = client.post(f"/scoring/sheet/{branch.id}/items/{ev.period_id}/{ev.indicator_id}/verify",
                    data={"earned": "3", "reason": " ", "version": str(ev.version)}, follow_redirects=True)
    assert "必须填写理由" in r.get_data(as_text=True)
    scored.expire_all()
    assert scored.get(Evaluation, ev.ident).verified_earned is None


def test_stale_verification_is_refused_and_nothing_overwritten(client, login, reviewer, make_user, unit, branch,
                                                               scored):
    ev = _item(scored, branch, "S-SERVICE")
    seen = str(ev.version)
    login(reviewer)
    client.post(f"/scoring/sheet/{branch.id}/items/{ev.period_id}/{ev.indicator_id}/verify",
                data={"earned": "3", "reason": "第一位审核人", "version": seen})
    second = client.application.test_client()
    login(make_user("reviewer", units=[unit]), second)
    r = second.post(f"/scoring/sheet/{branch.id}/items/{ev.period_id}/{ev.indicator_id}/verify",
                    data={"earned": "5", "reason": "第二位审核人", "version": seen}, follow_redirects=True)
    assert "已被他人修改" in r.get_data(as_text=True)
    scored.expire_all()
    ev = scored.get(Evaluation, ev.ident)
    assert ev.verified_earned == Decimal("3.00") and ev.verify_reason == "第一位审核人"


def test_locked_period_refuses_verification(client, login, reviewer, branch, scored, close_period):
    ev = _item(scored, branch, "B-MECH-COMMITTEE", "2026-02")
    close_period("2026-02")
    login(reviewer)
    r = client.post(f"/scoring/sheet/{branch.id}/items/{ev.period_id}/{ev.indicator_id}/verify",
                    data={"earned": "1", "reason": "调整", "version": str(ev.version)}, follow_redirects=True)
    assert "已结账锁定" in r.get_data(as_text=True)
    scored.expire_all()
    assert scored.get(Evaluation, ev.ident).verified_earned is None


def test_locked_period_refuses_self_assessment(client, login, secretary, branch, scored, close_period):
    ev = _item(scored, branch, "S-SERVICE")
    close_period("2026Q1")
    login(secretary)
    r = client.post(f"/scoring/sheet/{branch.id}/items/{ev.period_id}/{ev.indicator_id}/self",
                    data={"earned": "4", "version": str(ev.version)}, follow_redirects=True)
    assert "已结账锁定" in r.get_data(as_text=True)
    scored.expire_all()
    assert scored.get(Evaluation, ev.ident).self_earned is None


def test_secretary_cannot_verify(client, login, secretary, branch, scored, unchanged):
    ev = _item(scored, branch, "S-SERVICE")
    login(secretary)
    with unchanged():
        r = client.post(f"/scoring/sheet/{branch.id}/items/{ev.period_id}/{ev.indicator_id}/verify",
                        data={"earned": "5", "reason": "自己审核", "version": str(ev.version)})
        assert r.status_code == 404


def test_secretary_cannot_open_other_branch_sheet(client, login, secretary, make_branch, unit):
    login(secretary)
    assert client.get(f"/scoring/sheet/{make_branch(unit=unit).id}").status_code == 404


def test_reviewer_of_other_unit_cannot_verify_or_self_assess(client, login, make_user, make_unit, branch, scored,
                                                              unchanged):
    ev = _item(scored, branch, "S-SERVICE")
    login(make_user("reviewer", units=[make_unit()]))
    item = f"/scoring/sheet/{branch.id}/items/{ev.period_id}/{ev.indicator_id}"
    with unchanged():
        r = client.post(f"{item}/verify", data={"earned": "5", "reason": "越权", "version": str(ev.version)})
        assert r.status_code == 404
        r = client.post(f"{item}/self", data={"earned": "5", "note": "越权", "version": str(ev.version)})
        assert r.status_code == 404


def test_sheets_list_for_reviewer(client, login, reviewer, branch, scored):
    login(reviewer)
    page = client.get("/scoring/sheets?period=2026Q1").get_data(as_text=True)
    assert branch.name in page
