"""The campaign pipeline through its services, step by step and by role: declare, unit
review, correction of a returned declaration, group review, notice, objection, selection,
publicity; quotas at both levels; deadlines; refusals write nothing."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from core.audit.models import AuditEntry
from plugins.typical_staff import services
from plugins.typical_staff.models import Declaration, Objection, PublicityRecord, Review, StudyRecord
from plugins.typical_staff.services import StaffError
from tests.plugins.typical_staff.conftest import DEED, TODAY


def count(db, model, *where):
    return db.scalar(select(func.count()).select_from(model).where(*where))


def refused(db, fn, *args, match=None, **kw):
    """fn raises StaffError; the session is rolled back (as views do)."""
    with pytest.raises(StaffError, match=match):
        fn(*args, **kw)
    db.rollback()


def test_whole_pipeline_step_by_step_by_role(db, world, make_campaign, declare):
    c = make_campaign()
    d = declare(c, world.secretary_a, world.branch_a)
    assert d.status == "submitted" and d.unit_id == world.unit_a.id

    # Only the unit's reviewers (or organisers) review at unit level.
    refused(db, services.review, db, world.secretary_a, d, decision="approve", comment="", today=TODAY)
    refused(db, services.review, db, world.reviewer_b, d, decision="approve", comment="", today=TODAY)
    # A return needs a comment; with one it goes back to the declarer.
    refused(db, services.review, db, world.reviewer_a, d, decision="return", comment=" ", today=TODAY,
            match="审核意见")
    services.review(db, world.reviewer_a, d, decision="return", comment="请补充事例", today=TODAY)
    db.commit()
    assert d.status == "returned"
    # The declarer corrects before the deadline: submitted again.
    services.correct(db, world.secretary_a, d, today=TODAY + timedelta(days=1), name="王建国", gender="male",
                     post="高炉炉前工班长", frontline_years=19, category_id=c.categories[1].id,
                     deed=DEED + "补充：2026年带头完成大修。", recommenders="班组职工代表")
    db.commit()
    assert (d.status, d.post, d.category.name) == ("submitted", "高炉炉前工班长", "帮扶救助")
    services.review(db, world.reviewer_a, d, decision="approve", comment="同意推荐", today=TODAY + timedelta(days=1))
    db.commit()
    assert d.status == "recommended"
    # Group level: organisers only.
    refused(db, services.review, db, world.reviewer_a, d, decision="approve", comment="", today=TODAY)
    services.review(db, world.admin, d, decision="approve", comment="同意入围", today=TODAY + timedelta(days=2))
    db.commit()
    assert d.status == "shortlisted"
    assert [(r.level, r.decision) for r in d.reviews] == [("unit", "return"), ("unit", "approve"), ("group", "approve")]

    # Notice: organisers publish; the window is 5 working days over the National Day holiday.
    refused(db, services.publish_notice, db, world.reviewer_a, c, today=TODAY)
    first, last = services.publish_notice(db, world.admin, c, today=TODAY + timedelta(days=2))
    db.commit()
    assert (first, last) == (date(2026, 9, 30), date(2026, 10, 12))
    # Anyone logged in objects, with a reason; selection waits for the window and the objection.
    o = services.file_objection(db, world.viewer_a, d, reason="据反映其2025年有违章作业记录。", today=date(2026, 10, 9))
    db.commit()
    refused(db, services.select_winners, db, world.admin, c, today=date(2026, 10, 12), match="期满")
    refused(db, services.select_winners, db, world.admin, c, today=date(2026, 10, 13), match="异议未处理")
    refused(db, services.resolve_objection, db, world.reviewer_a, o, upheld=False, resolution="不实")
    services.resolve_objection(db, world.admin, o, upheld=False, resolution="经核实，该记录系他人，异议不成立。")
    db.commit()
    assert o.status == "dismissed" and d.status == "shortlisted"
    winners = services.select_winners(db, world.admin, c, today=date(2026, 10, 13))
    db.commit()
    assert [w.name for w in winners] == ["王建国"] and c.status == "selected" and d.status == "selected"

    # Publicity per channel, and the unit's 学习宣传 follow-up.
    services.add_publicity(db, world.admin, c, channel="wechat", published_on=date(2026, 10, 20),
                           reference="https://mp.weixin.qq.com/s/example", title="最美一线员工王建国",
                           declaration_id=d.id)
    db.commit()
    refused(db, services.add_publicity, db, world.admin, c, channel="fax", published_on=date(2026, 10, 20),
            reference="x")
    services.add_study(db, world.reviewer_a, c, unit_id=world.unit_a.id, held_on=date(2026, 10, 22),
                       title="学习王建国同志先进事迹座谈会", summary="全厂班组长参加", participants=46)
    db.commit()
    refused(db, services.add_study, db, world.reviewer_b, c, unit_id=world.unit_a.id, held_on=date(2026, 10, 22),
            title="x", summary="", participants=1)
    db.commit()
    assert count(db, PublicityRecord) == 1 and count(db, StudyRecord) == 1
    actions = set(db.scalars(select(AuditEntry.action).where(AuditEntry.action.like("typical_staff.%"))))
    assert {"typical_staff.declaration.create", "typical_staff.review.unit", "typical_staff.review.group",
            "typical_staff.declaration.correct", "typical_staff.notice.publish", "typical_staff.objection.file",
            "typical_staff.objection.resolve", "typical_staff.select", "typical_staff.publicity.add",
            "typical_staff.study.add"} <= actions


def test_declaration_quota_of_the_unit_is_enforced(db, world, make_campaign, declare):
    c = make_campaign(quotas={world.unit_a.id: (2, 1), world.unit_b.id: (1, 1)})
    declare(c, world.secretary_a, world.branch_a, name="甲")
    second = declare(c, world.secretary_a2, world.branch_a2, name="乙")
    refused(db, declare, c, world.secretary_a, world.branch_a, name="丙", match="申报名额已满（2 名）")
    assert count(db, Declaration) == 2
    # The other unit has its own quota.
    declare(c, world.secretary_b, world.branch_b, name="丁")
    # A declaration the unit turns down frees its place.
    services.review(db, world.reviewer_a, second, decision="reject", comment="事迹不够突出", today=TODAY)
    db.commit()
    declare(c, world.secretary_a, world.branch_a, name="丙")
    assert count(db, Declaration) == 4


def test_unit_without_a_quota_cannot_declare(db, world, make_campaign, declare):
    c = make_campaign(quotas={world.unit_a.id: (2, 1)})
    refused(db, declare, c, world.secretary_b, world.branch_b, match="申报名额已满（0 名）")


def test_recommendation_quota_at_unit_level(db, world, make_campaign, declare):
    c = make_campaign(quotas={world.unit_a.id: (3, 1), world.unit_b.id: (1, 1)})
    a1 = declare(c, world.secretary_a, world.branch_a, name="甲")
    a2 = declare(c, world.secretary_a2, world.branch_a2, name="乙")
    services.review(db, world.reviewer_a, a1, decision="approve", comment="", today=TODAY)
    db.commit()
    refused(db, services.review, db, world.reviewer_a, a2, decision="approve", comment="", today=TODAY,
            match="推荐名额已满（1 名）")
    assert a2.status == "submitted" and count(db, Review, Review.declaration_id == a2.id) == 0


def test_group_quota_at_group_level(db, world, make_campaign, declare):
    c = make_campaign(group_quota=1)
    a = declare(c, world.secretary_a, world.branch_a, name="甲")
    b = declare(c, world.secretary_b, world.branch_b, name="乙")
    for d, r in ((a, world.reviewer_a), (b, world.reviewer_b)):
        services.review(db, r, d, decision="approve", comment="", today=TODAY)
    services.review(db, world.admin, a, decision="approve", comment="", today=TODAY)
    db.commit()
    refused(db, services.review, db, world.admin, b, decision="approve", comment="", today=TODAY,
            match="集团评选名额已满（1 名）")
    assert b.status == "recommended"
    # The group may still refuse or return it.
    services.review(db, world.admin, b, decision="reject", comment="名额所限", today=TODAY)
    db.commit()
    assert b.status == "group_rejected"


def test_quota_settings_are_checked(db, world, make_campaign):
    c = make_campaign()
    refused(db, services.set_quotas, db, world.admin, c, {world.unit_a.id: (1, 2)}, match="推荐名额不能多于")
    refused(db, services.set_quotas, db, world.admin, c, {world.unit_off.id: (1, 1)}, match="未启用")
    refused(db, services.set_quotas, db, world.reviewer_a, c, {world.unit_a.id: (5, 5)})


def test_declaring_after_the_deadline_is_refused(db, world, make_campaign, declare):
    c = make_campaign()
    declare(c, world.secretary_a, world.branch_a, today=c.declaration_deadline)  # the last day counts
    refused(db, declare, c, world.secretary_b, world.branch_b, today=c.declaration_deadline + timedelta(days=1),
            match="申报已于 2026-09-25 截止")
    assert count(db, Declaration) == 1


def test_a_returned_declaration_cannot_be_corrected_after_the_deadline(db, world, make_campaign, declare):
    c = make_campaign()
    d = declare(c, world.secretary_a, world.branch_a)
    services.review(db, world.reviewer_a, d, decision="return", comment="补充材料", today=TODAY)
    db.commit()
    refused(db, services.correct, db, world.secretary_a, d, today=c.declaration_deadline + timedelta(days=1),
            name="王建国", gender="male", post="x", frontline_years=1, category_id=c.categories[0].id, deed=DEED,
            recommenders="y", match="截止")
    assert d.status == "returned" and d.post == "高炉炉前工"


def test_unit_review_after_its_deadline_is_refused(db, world, make_campaign, declare):
    c = make_campaign()
    d = declare(c, world.secretary_a, world.branch_a)
    refused(db, services.review, db, world.reviewer_a, d, decision="approve", comment="",
            today=c.unit_review_deadline + timedelta(days=1), match="单位审核已于")


def test_a_candidate_is_declared_once_per_campaign(db, world, make_campaign, declare, make_member):
    c = make_campaign()
    declare(c, world.secretary_a, world.branch_a, name="王建国")
    # The same person again from another branch of the same unit.
    refused(db, declare, c, world.secretary_a2, world.branch_a2, name="王建国", match="不能重复申报")
    # A member is identified by the record, whatever name is typed.
    m = make_member(world.branch_a, name="赵敏")
    declare(c, world.reviewer_a, world.branch_a, name="赵敏", member=m)
    refused(db, declare, c, world.secretary_a, world.branch_a, name="赵小敏", member=m, match="不能重复申报")
    # Another unit's employee of the same name is another person.
    declare(c, world.secretary_b, world.branch_b, name="王建国")
    assert count(db, Declaration) == 3


def test_a_member_of_another_branch_cannot_be_linked(db, world, make_campaign, declare, make_member):
    c = make_campaign()
    m = make_member(world.branch_a2, name="钱进")
    refused(db, declare, c, world.secretary_a, world.branch_a, name="钱进", member=m, match="不属于申报支部")


def test_secretary_declares_only_for_her_branch(db, world, make_campaign, declare):
    c = make_campaign()
    refused(db, declare, c, world.secretary_a, world.branch_a2, match="不能为该单位或支部申报")
    refused(db, declare, c, world.viewer_a, world.branch_a)
    # The unit reviewer may declare for any branch of his unit, or for the unit itself.
    declare(c, world.reviewer_a, world.branch_a2, name="孙立军")
    d = services.declare(db, world.reviewer_a, c, unit_id=world.unit_a.id, branch_id=None, member_id=None,
                         today=TODAY, name="周晓燕", gender="female", post="调度员", frontline_years=8,
                         category_id=c.categories[0].id, deed=DEED, recommenders="厂工会")
    assert d.branch_id is None and d.unit_id == world.unit_a.id


@pytest.mark.parametrize("field, value, message", [
    ("name", " ", "姓名"), ("frontline_years", -1, "一线工作年限"), ("deed", "太短了", "主要事迹"),
    ("recommenders", "", "推荐人"), ("gender", "x", "性别"), ("category_id", 999999, "事迹类别"),
])
def test_incomplete_declarations_are_refused(db, world, make_campaign, declare, field, value, message):
    c = make_campaign()
    refused(db, declare, c, world.secretary_a, world.branch_a, match=message, **{field: value})
    assert count(db, Declaration) == 0


def test_declaring_where_the_plugin_is_off_is_refused(db, world, make_campaign, declare):
    c = make_campaign()
    refused(db, declare, c, world.secretary_off, world.branch_off, match="未启用")
    refused(db, declare, c, world.admin, world.branch_off, match="未启用")


def test_draft_campaign_takes_no_declarations(db, world, make_campaign, declare):
    c = make_campaign(status="draft")
    refused(db, declare, c, world.secretary_a, world.branch_a, match="不接受申报")


def test_campaign_dates_must_be_in_order_and_used_categories_stay(db, world, make_campaign, declare):
    c = make_campaign()
    values = {k: getattr(c, k) for k in services.CAMPAIGN_FIELDS}
    refused(db, services.update_campaign, db, world.admin, c, categories=["爱岗敬业"],
            **(values | {"notice_start": c.declaration_deadline - timedelta(days=1)}), match="日期须依次")
    declare(c, world.secretary_a, world.branch_a)  # uses 爱岗敬业
    refused(db, services.update_campaign, db, world.admin, c, categories=["帮扶救助"], **values, match="爱岗敬业")
    services.update_campaign(db, world.admin, c, categories=["爱岗敬业", "技术革新"], **values)
    db.commit()
    assert [x.name for x in c.categories] == ["爱岗敬业", "技术革新"]


def test_publishing_waits_for_every_review(db, world, make_campaign, declare):
    c = make_campaign()
    a = declare(c, world.secretary_a, world.branch_a, name="甲")
    refused(db, services.publish_notice, db, world.admin, c, today=TODAY, match="待审核")
    services.review(db, world.reviewer_a, a, decision="reject", comment="不符合条件", today=TODAY)
    db.commit()
    refused(db, services.publish_notice, db, world.admin, c, today=TODAY, match="没有入围")
    assert c.status == "open"


def test_upheld_objection_withdraws_the_candidate(db, world, shortlisted):
    c, a, b = shortlisted
    services.publish_notice(db, world.admin, c, today=TODAY)
    o = services.file_objection(db, world.secretary_b, a, reason="申报事迹与实际不符。", today=date(2026, 9, 30))
    services.resolve_objection(db, world.admin, o, upheld=True, resolution="经核实，部分事迹不实。")
    db.commit()
    assert a.status == "withdrawn"
    refused(db, services.file_objection, db, world.viewer_a, a, reason="再次异议", today=date(2026, 10, 8),
            match="不在公示名单")
    winners = services.select_winners(db, world.admin, c, today=date(2026, 10, 13))
    assert [w.name for w in winners] == ["李秀英"] and a.status == "withdrawn"
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "typical_staff.declaration.withdraw")) is not None


def test_objection_without_a_reason_or_outside_the_window_is_refused(db, world, shortlisted):
    c, a, _ = shortlisted
    services.publish_notice(db, world.admin, c, today=TODAY)
    db.commit()
    refused(db, services.file_objection, db, world.viewer_a, a, reason="   ", today=date(2026, 10, 8),
            match="理由")
    refused(db, services.file_objection, db, world.viewer_a, a, reason="有问题", today=date(2026, 9, 29),
            match="不在公示期内")
    refused(db, services.file_objection, db, world.viewer_a, a, reason="有问题", today=date(2026, 10, 13),
            match="不在公示期内")
    assert count(db, Objection) == 0


def test_selection_is_refused_before_the_window_ends(db, world, shortlisted):
    c, a, b = shortlisted
    refused(db, services.select_winners, db, world.admin, c, today=date(2026, 10, 20), match="不在公示阶段")
    services.publish_notice(db, world.admin, c, today=TODAY)
    db.commit()
    # Calendar days would end the notice on 4 Oct; working days end it on 12 Oct.
    for day in (date(2026, 10, 5), date(2026, 10, 12)):
        refused(db, services.select_winners, db, world.admin, c, today=day, match="期满")
    assert a.status == b.status == "shortlisted" and c.status == "notice"


def test_a_holiday_added_in_the_table_moves_the_end_of_the_notice(db, world, shortlisted):
    from core.workdays.service import set_day

    c, a, b = shortlisted
    set_day(db, day=date(2026, 10, 9), is_workday=False, name="厂休", actor=world.admin)
    first, last = services.publish_notice(db, world.admin, c, today=TODAY)
    assert (first, last) == (date(2026, 9, 30), date(2026, 10, 13))


def test_objection_resolution_needs_a_finding_and_is_final(db, world, shortlisted):
    c, a, _ = shortlisted
    services.publish_notice(db, world.admin, c, today=TODAY)
    o = services.file_objection(db, world.viewer_a, a, reason="有问题", today=date(2026, 10, 8))
    db.commit()
    refused(db, services.resolve_objection, db, world.admin, o, upheld=True, resolution=" ", match="调查核实")
    assert o.status == "open" and a.status == "shortlisted"
    services.resolve_objection(db, world.admin, o, upheld=False, resolution="不实")
    db.commit()
    refused(db, services.resolve_objection, db, world.admin, o, upheld=True, resolution="改判", match="已处理")


def test_publicity_only_after_selection_and_for_the_selected(db, world, shortlisted):
    c, a, b = shortlisted
    refused(db, services.add_publicity, db, world.admin, c, channel="tv", published_on=TODAY, reference="新闻联播",
            match="评选结果确定后")
    services.publish_notice(db, world.admin, c, today=TODAY)
    o = services.file_objection(db, world.viewer_a, b, reason="不实", today=date(2026, 10, 8))
    services.resolve_objection(db, world.admin, o, upheld=True, resolution="属实")
    services.select_winners(db, world.admin, c, today=date(2026, 10, 13))
    db.commit()
    refused(db, services.add_publicity, db, world.admin, c, channel="tv", published_on=TODAY, reference="x",
            declaration_id=b.id, match="当选者")
    for channel in ("intranet", "tv", "newspaper", "weibo", "wechat", "moral_lecture", "pictorial"):
        services.add_publicity(db, world.admin, c, channel=channel, published_on=date(2026, 10, 20),
                               reference=f"{channel}-ref", declaration_id=a.id)
    db.commit()
    assert count(db, PublicityRecord) == 7


def test_a_group_return_goes_back_to_the_declarer_and_through_the_unit_again(db, world, make_campaign, declare):
    c = make_campaign()
    d = declare(c, world.secretary_a, world.branch_a)
    services.review(db, world.reviewer_a, d, decision="approve", comment="", today=TODAY)
    services.review(db, world.admin, d, decision="return", comment="请补充获奖证明", today=TODAY)
    db.commit()
    assert d.status == "returned"
    # Its place in the unit's recommendation quota is free again while it is corrected.
    assert services._count(db, c.id, ("recommended", "shortlisted", "selected"), world.unit_a.id) == 0
    services.correct(db, world.secretary_a, d, today=TODAY, name="王建国", gender="male", post="高炉炉前工",
                     frontline_years=18, category_id=c.categories[0].id, deed=DEED, recommenders="班组职工代表")
    db.commit()
    assert d.status == "submitted"
    services.review(db, world.reviewer_a, d, decision="approve", comment="已补充", today=TODAY)
    db.commit()
    assert [(r.level, r.decision) for r in d.reviews] == [("unit", "approve"), ("group", "return"), ("unit", "approve")]
