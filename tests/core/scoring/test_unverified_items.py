"""SCORING.md "Manual and verified items": manual items are on every sheet of an open
window from its start, and an unverified one is never silently 0 — a close lists
them per unit and is refused, unless the admin chooses what they count as (each
policy tested), with a reason that is audited."""
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.audit.models import AuditEntry
from core.periods.models import Period
from core.scoring.adjust import self_assess, verify_item
from core.scoring.close import close_check, close_period
from core.scoring.errors import ReasonRequired
from core.scoring.manual import UnverifiedItems
from core.scoring.models import Evaluation, ScoreResult

MANUAL_Q = {"index_code": "service", "points": 10, "cycle": "quarter", "method": "manual"}
MANUAL_M = {"index_code": "team", "points": 10, "cycle": "month", "method": "manual"}


@pytest.fixture
def world(db, make_unit, make_branch, make_ruleset, close):
    """Two units, three branches (two in 炼铁厂), a quarterly and a monthly manual item."""
    u1, u2 = make_unit(name="炼铁厂党委"), make_unit(name="炼钢厂党委")
    a, b, c = make_branch(unit=u1), make_branch(unit=u1), make_branch(unit=u2)
    rs = make_ruleset(indicators=[MANUAL_Q, MANUAL_M])
    return {"units": (u1, u2), "branches": (a, b, c), "rs": rs}


def _item(db, branch, indicator, key):
    return db.scalar(select(Evaluation).join(Period, Period.id == Evaluation.period_id)
                     .where(Evaluation.branch_id == branch.id, Evaluation.indicator_id == indicator.id,
                            Period.key == key))


def _sheet(client, branch, key):
    return client.get(f"/scoring/sheet/{branch.id}?period={key}").get_data(as_text=True)


def test_close_lists_unverified_items_per_unit_and_refuses(db, world, registry):
    a, b, c = world["branches"]
    with pytest.raises(UnverifiedItems) as refused:
        close_period(db, "2026-01", kinds=registry)
    db.rollback()
    summary = refused.value.summary
    assert summary.count == 3
    assert sorted(summary.lines()) == ["炼钢厂党委：1 项", "炼铁厂党委：2 项"]
    assert "还有 3 项人工评分项未审核" in str(refused.value) and "炼铁厂党委：2 项" in str(refused.value)
    assert db.scalar(select(Period.status).where(Period.key == "2026-01")) in (None, "open")
    assert db.scalar(select(ScoreResult.id)) is None


def test_close_goes_through_once_every_item_is_verified(db, world, registry, close):
    a, b, c = world["branches"]
    rs = world["rs"]
    _ensure_january(db, registry, rs)
    for branch, value in ((a, "8"), (b, "10"), (c, "6.5")):
        ev = _item(db, branch, rs.indicators[1], "2026-01")
        verify_item(db, ev.ident, value, "查阅会议记录", ev.version)
    db.commit()
    result = close("2026-01")
    assert result.unverified == 0 and result.unverified_policy is None
    assert close_check(db, "2026-01", kinds=registry).closed


def _ensure_january(db, registry, rs):
    """January's manual rows, as the sheet creates them when first viewed."""
    from core.periods.keys import PeriodKey
    from core.scoring.manual import ensure_items
    from core.scoring.sources import kinds_from
    ensure_items(db, [PeriodKey.parse("2026-01")], rs, kinds_from(registry))
    db.commit()


def test_policy_self_counts_the_self_assessment_with_an_audited_reason(db, world, registry, result_of, make_user):
    a, b, c = world["branches"]
    rs = world["rs"]
    _ensure_january(db, registry, rs)
    ev = _item(db, a, rs.indicators[1], "2026-01")
    self_assess(db, ev.ident, "7", "按要求完成", expected_version=ev.version)
    db.commit()
    with pytest.raises(ReasonRequired, match="须填写理由"):
        close_period(db, "2026-01", kinds=registry, unverified="self")
    db.rollback()
    admin = make_user(role="admin")
    close_period(db, "2026-01", kinds=registry, unverified="self", reason="审核员出差，按自评结账", actor=admin)
    db.commit()
    assert result_of(a, "2026-01").total == Decimal("70.00")     # self-assessed 7 of 10
    assert result_of(b, "2026-01").total == Decimal("0.00")      # no self-assessment: 0
    ev = _item(db, a, rs.indicators[1], "2026-01")
    assert ev.verified_earned == Decimal("7.00") and "按支部自评计分" in ev.verify_reason
    assert "审核员出差" in ev.verify_reason and ev.verified_by == admin.id   # the admin's choice, as theirs
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "period.close"))
    assert entry.reason == "审核员出差，按自评结账"
    assert entry.new["unverified"] == {"policy": "self", "items": 3, "written": 3,
                                       "per_unit": {str(a.unit_id): 2, str(c.unit_id): 1}}


def test_policy_zero_counts_zero_and_keeps_verified_values(db, world, registry, result_of):
    a, b, c = world["branches"]
    rs = world["rs"]
    _ensure_january(db, registry, rs)
    ev = _item(db, a, rs.indicators[1], "2026-01")
    verify_item(db, ev.ident, "9", "核实", ev.version)
    ev = _item(db, b, rs.indicators[1], "2026-01")
    self_assess(db, ev.ident, "10", None, expected_version=ev.version)
    db.commit()
    result = close_period(db, "2026-01", kinds=registry, unverified="zero", reason="逾期未审核按 0 分计")
    db.commit()
    assert (result.unverified, result.unverified_policy) == (2, "zero")
    assert result_of(a, "2026-01").total == Decimal("90.00")
    assert result_of(b, "2026-01").total == Decimal("0.00")      # a self-assessment does not count under zero


def test_policy_refuse_chosen_explicitly_refuses_even_when_the_ruleset_allows(db, make_branch, make_ruleset,
                                                                              registry):
    make_branch()
    make_ruleset(indicators=[MANUAL_M], settings={"unverified_policy": "zero"})
    with pytest.raises(UnverifiedItems):
        close_period(db, "2026-01", kinds=registry, unverified="refuse")
    db.rollback()
    # the rule set's own setting applies without a reason; the audit names the setting
    result = close_period(db, "2026-01", kinds=registry)
    db.commit()
    assert result.unverified_policy == "zero"
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "period.close"))
    assert "考核细则" in entry.reason and entry.new["unverified"]["items"] == 1


def test_manual_items_are_on_the_sheet_from_the_windows_start(client, login, make_user, db, world, clock):
    """No trial has run: the secretary self-assesses and the reviewer verifies at once;
    the reviewer's to-do counts the items."""
    a, b, c = world["branches"]
    u1, _u2 = world["units"]
    rs = world["rs"]
    clock("2026-02-10")
    secretary = make_user("secretary", branch=a)
    login(secretary)
    page = _sheet(client, a, "2026Q1")
    assert rs.indicators[0].name in page and "自评" in page
    ev = _item(db, a, rs.indicators[0], "2026Q1")
    assert ev is not None and ev.auto_earned is None
    r = client.post(f"/scoring/sheet/{a.id}/items/{ev.period_id}/{ev.indicator_id}/self",
                    data={"earned": "9", "note": "服务群众记录齐全", "version": ev.version, "period": "2026Q1"},
                    follow_redirects=True)
    assert "自评已保存" in r.get_data(as_text=True)
    client.post("/logout")
    reviewer = make_user("reviewer", units=[u1])
    login(reviewer)
    home = client.get("/").get_data(as_text=True)
    # unit 1: two branches × (Q1 item + January and February monthly items) = 6 to review
    assert "6" in home
    from core.home.services import home_summary
    assert home_summary(db, reviewer, kinds=client.application.extensions["starbranch.plugins"]).awaiting_review == 6
    db.expire_all()
    ev = _item(db, a, rs.indicators[0], "2026Q1")
    r = client.post(f"/scoring/sheet/{a.id}/items/{ev.period_id}/{ev.indicator_id}/verify",
                    data={"earned": "8", "reason": "两次活动无照片", "version": ev.version, "period": "2026Q1"},
                    follow_redirects=True)
    assert "审核结果已保存" in r.get_data(as_text=True)
    assert home_summary(db, reviewer, kinds=client.application.extensions["starbranch.plugins"]).awaiting_review == 5


def test_close_page_lists_unverified_items_and_takes_the_admins_choice(client, login, make_user, db, world):
    login(make_user("admin"))
    page = client.get("/scoring/periods/2026-01/close").get_data(as_text=True)
    assert "共 3 项未审核" in page and "炼铁厂党委" in page and "炼钢厂党委" in page
    r = client.post("/scoring/periods/2026-01/close", data={"unverified": "refuse"}, follow_redirects=True)
    assert "不能结账" in r.get_data(as_text=True)
    r = client.post("/scoring/periods/2026-01/close", data={"unverified": "zero", "reason": ""}, follow_redirects=True)
    assert "须填写理由" in r.get_data(as_text=True)
    assert db.scalar(select(Period.status).where(Period.key == "2026-01")) in (None, "open")
    r = client.post("/scoring/periods/2026-01/close", data={"unverified": "zero", "reason": "年底集中处理"},
                    follow_redirects=True)
    html = r.get_data(as_text=True)
    assert "已结账锁定" in html and "3 项未审核的人工评分项已按“按 0 分计”计入" in html
    db.expire_all()
    assert db.scalar(select(Period.status).where(Period.key == "2026-01")) == "closed"


def test_cli_close_lists_unverified_items_and_takes_a_policy(app, db, world):
    from core.scoring.commands import close_cmd
    runner = app.test_cli_runner()
    r = runner.invoke(close_cmd, ["2026-01"])
    assert r.exit_code != 0
    assert "炼铁厂党委：2 项" in r.output and "不能结账" in r.output
    r = runner.invoke(close_cmd, ["2026-01", "--unverified", "self", "--reason", "按自评"])
    assert r.exit_code == 0, r.output
    assert "已结账" in r.output and "3 项" in r.output


def test_confirm_all_verifies_the_unverified_automatic_items_of_open_periods_only(
        db, make_branch, make_ruleset, add_record, registry, close):
    """确认全部自动得分: of the branch's items in the window, each automatic one that no
    reviewer verified, in a cycle period still open, gets verified = automatic (and the
    confirmation is audited once); a verified, a manual or a closed month's item, and
    other branches' items, are left alone; a closed window is refused."""
    from core.periods.keys import PeriodKey
    from core.scoring.adjust import CONFIRM_AUTO, confirm_automatic
    from core.scoring.close import recompute
    from core.scoring.errors import PeriodLocked

    ledger = {"index_code": "management", "points": 10, "cycle": "month", "method": "ledger_count",
              "params": {"record_types": ["committee_meeting"], "min_count": 1}}
    b, other = make_branch(), make_branch()
    rs = make_ruleset(indicators=[ledger, MANUAL_Q])
    auto_item, manual_item = (next(i for i in rs.indicators if i.method == m) for m in ("ledger_count", "manual"))
    for month in (1, 2, 3):
        add_record(b, "committee_meeting", date(2026, month, 5))
    close("2026-01")
    recompute(db, "2026Q1", registry)
    db.commit()
    feb = _item(db, b, auto_item, "2026-02")
    verify_item(db, feb.ident, "3", "补记", feb.version)
    db.commit()

    q1 = PeriodKey.parse("2026Q1")
    assert confirm_automatic(db, b.id, q1) == 1
    db.commit()
    mar = _item(db, b, auto_item, "2026-03")
    assert (mar.verified_earned, mar.verify_reason) == (mar.auto_earned, CONFIRM_AUTO)
    assert _item(db, b, auto_item, "2026-02").verified_earned == Decimal("3.00")
    assert _item(db, b, auto_item, "2026-01").verified_earned is None          # closed month
    assert _item(db, b, manual_item, "2026Q1").verified_earned is None         # manual
    assert _item(db, other, auto_item, "2026-03").verified_earned is None      # another branch
    audits = db.scalars(select(AuditEntry).where(AuditEntry.action == "evaluation.confirm_all")).all()
    assert [(a.object_id, a.new) for a in audits] == [(str(b.id), {"window": "2026Q1", "confirmed": 1})]

    assert confirm_automatic(db, b.id, q1) == 0                                # nothing left
    assert db.scalars(select(AuditEntry).where(AuditEntry.action == "evaluation.confirm_all")).all() == audits
    for key in ("2026-02", "2026-03"):
        close(key)
    with pytest.raises(PeriodLocked):
        confirm_automatic(db, b.id, PeriodKey.parse("2026-03"))


def test_close_check_lists_every_refusal_and_the_rule_sets_policy(db, make_branch, make_ruleset, registry):
    """The close page's preflight names each reason a close would be refused — the
    window has not ended, the month before is open, the year has no rule set — and,
    once it can close, the rule set's policy for unverified items."""
    make_branch()
    early = close_check(db, "2026-02", kinds=registry, today=date(2026, 2, 15))
    assert early.key == "2026-02" and not early.can_close and early.unverified is None
    assert len(early.problems) == 3
    assert "尚未结束" in early.problems[0] and "尚未结账" in early.problems[1]
    assert "没有启用的考核细则" in early.problems[2]

    make_ruleset(indicators=[MANUAL_Q], settings={"unverified_policy": "zero"})
    ready = close_check(db, "2026-01", kinds=registry)
    assert (ready.key, ready.problems, ready.can_close, ready.default_policy) == ("2026-01", [], True, "zero")
