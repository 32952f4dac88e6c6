"""Catalogue admin: rule sets per year (seed, copy, activate), weights and bands with
field errors, settings, indicators with the 5+N attributes, and the lock of a rule set
used by a closed period."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.indicators.catalogue import seed_ruleset
from core.indicators.models import IndexWeight, Indicator, RuleSet, StarBand
from core.org.models import CATEGORIES
from core.periods.models import Period


@pytest.fixture
def admin_client(client, login, make_user):
    login(make_user("admin"))
    return client


@pytest.fixture
def rs(db):
    ruleset = seed_ruleset(db, 2026)
    db.commit()
    return ruleset


def _weights(rs, **override):
    data = {f"w_{w.category}_{w.index_code}": str(w.weight) for w in rs.weights}
    data.update(override)
    return data


def _close_with(db, rs, key="2026-03"):
    db.add(Period(key=key, kind="month", year=2026, number=3, starts_on=__import__("datetime").date(2026, 3, 1),
                  ends_on=__import__("datetime").date(2026, 3, 31), status="closed", ruleset_id=rs.id))
    db.commit()


def test_admin_seeds_ruleset_for_a_year(admin_client, db):
    r = admin_client.post("/catalogue/seed", data={"year": "2027"})
    assert r.status_code == 302
    rs = db.scalar(select(RuleSet).where(RuleSet.year == 2027))
    assert rs.status == "active" and len(rs.indicators) > 6 and len(rs.weights) == 25
    assert "组织生活" in admin_client.get(f"/catalogue/{rs.id}").get_data(as_text=True)


def test_non_admin_cannot_open_catalogue(client, login, make_user, make_unit, unchanged):
    login(make_user("reviewer", units=[make_unit()]))
    assert client.get("/catalogue/").status_code == 404
    with unchanged():
        assert client.post("/catalogue/seed", data={"year": "2027"}).status_code == 404


def test_copy_as_new_version_and_activate(admin_client, rs, db):
    r = admin_client.post(f"/catalogue/{rs.id}/copy", data={"year": "2026"})
    assert r.status_code == 302
    copy = db.scalar(select(RuleSet).where(RuleSet.year == 2026, RuleSet.version == 2))
    assert copy.status == "draft" and len(copy.indicators) == len(rs.indicators)
    admin_client.post(f"/catalogue/{copy.id}/activate")
    db.expire_all()
    assert db.get(RuleSet, copy.id).status == "active" and db.get(RuleSet, rs.id).status == "retired"


def test_weights_saved_when_each_category_sums_to_100(admin_client, rs, db):
    data = _weights(rs, w_production_performance="25", w_production_brand="20")
    r = admin_client.post(f"/catalogue/{rs.id}/weights", data=data)
    assert r.status_code == 302
    w = db.scalar(select(IndexWeight).where(IndexWeight.ruleset_id == rs.id, IndexWeight.category == "production",
                                            IndexWeight.index_code == "brand"))
    assert w.weight == 20


def test_weights_not_summing_to_100_rerender_with_field_errors(admin_client, rs, db):
    r = admin_client.post(f"/catalogue/{rs.id}/weights", data=_weights(rs, w_market_team="35"))
    page = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "合计 115，应为 100" in page and "本行合计须为 100" in page
    assert 'value="35"' in page  # the entered value is kept
    db.expire_all()
    assert db.scalar(select(IndexWeight.weight).where(IndexWeight.ruleset_id == rs.id, IndexWeight.category == "market",
                                                      IndexWeight.index_code == "team")) == 20


def test_weight_not_a_number_is_a_field_error(admin_client, rs, unchanged):
    with unchanged():
        r = admin_client.post(f"/catalogue/{rs.id}/weights", data=_weights(rs, w_production_team="abc"))
    assert r.status_code == 200 and "has-error" in r.get_data(as_text=True)


def test_bands_saved(admin_client, rs, db):
    r = admin_client.post(f"/catalogue/{rs.id}/bands",
                          data={"min_5": "95", "min_4": "85", "min_3": "70", "min_2": "60", "min_1": "0"})
    assert r.status_code == 302
    assert db.scalar(select(StarBand.min_score).where(StarBand.ruleset_id == rs.id, StarBand.stars == 5)) == Decimal("95.00")


@pytest.mark.parametrize("data,message", [
    ({"min_5": "80", "min_4": "85", "min_3": "70", "min_2": "60", "min_1": "0"}, "须高于4星的最低分"),
    ({"min_5": "90", "min_4": "80", "min_3": "70", "min_2": "60", "min_1": "10"}, "一星须从 0 分开始"),
    ({"min_5": "90", "min_4": "80", "min_3": "80", "min_2": "60", "min_1": "0"}, "须高于3星的最低分"),
])
def test_bands_with_gaps_or_overlaps_rerender_with_field_errors(admin_client, rs, db, data, message):
    r = admin_client.post(f"/catalogue/{rs.id}/bands", data=data)
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and message in page
    db.expire_all()
    assert db.scalar(select(StarBand.min_score).where(StarBand.ruleset_id == rs.id, StarBand.stars == 5)) == Decimal("90.00")


def _settings(**kw):
    data = {"late_factor": "0.5", "attendance_low": "0.5", "attendance_high": "0.9", "bonus_cap": "5",
            "veto_cap": "1", "promotion_step": "y", "proportion_mode": "warn", "share_5": "10", "share_4": "30",
            "proportion_scope": "both", "proportion_rounding": "half_up_min1", "commendation_ties": "include",
            "gate_5": "brand_accepted", "commendation_top_n": "3", "notice_days": "5",
            "tg_safety_production": "50", "tg_basic_work": "30", "tg_key_tasks": "20"}
    data.update(kw)
    return data


def test_settings_saved(admin_client, rs, db):
    r = admin_client.post(f"/catalogue/{rs.id}/settings", data=_settings(
        bonus_cap="3", notice_days="7", proportion_scope="quarter", proportion_rounding="floor", commendation_ties="order"))
    assert r.status_code == 302
    db.expire_all()
    s = db.get(RuleSet, rs.id)
    assert s.setting("bonus_cap") == "3" and s.setting("notice_days") == 7
    assert (s.setting("proportion_scope"), s.setting("proportion_rounding"), s.setting("commendation_ties")) == (
        "quarter", "floor", "order")
    assert s.setting("proportions") == {"5": 10, "4": 30} and s.setting("gates") == {"5": "brand_accepted"}
    assert s.setting("proportion_mode") == "warn" and s.setting("promotion_step") is True


def test_target_group_weights_must_sum_to_100(admin_client, rs, db):
    r = admin_client.post(f"/catalogue/{rs.id}/settings", data=_settings(tg_key_tasks="30"))
    assert "应为 100" in r.get_data(as_text=True)
    db.expire_all()
    assert db.get(RuleSet, rs.id).setting("target_groups")["key_tasks"] == 20


def test_create_ledger_indicator_with_upload_standard(admin_client, rs, db):
    r = admin_client.post(f"/catalogue/{rs.id}/indicators/new", data={
        "code": "b-extra", "name": "党小组会加密", "index_code": "management", "kind": "basic", "points": "2",
        "standard": "每月2次", "cycle": "month", "categories": ["production", "market"], "method": "ledger_count",
        "record_types": ["group_meeting"], "min_count": "2", "deadline_days": "5"})
    assert r.status_code == 302
    ind = db.scalar(select(Indicator).where(Indicator.ruleset_id == rs.id, Indicator.code == "B-EXTRA"))
    assert ind.params == {"record_types": ["group_meeting"], "min_count": 2, "deadline_days": 5}
    assert ind.categories == ["market", "production"] and ind.points == Decimal("2.00")


def test_indicator_method_choices_come_from_registered_kinds(admin_client, rs):
    page = admin_client.get(f"/catalogue/{rs.id}/indicators/new").get_data(as_text=True)
    assert 'value="ledger_count"' in page and 'value="manual"' in page


def test_ledger_indicator_without_record_types_is_refused(admin_client, rs, db):
    before = db.scalar(select(func.count()).select_from(Indicator))
    r = admin_client.post(f"/catalogue/{rs.id}/indicators/new", data={
        "code": "X1", "name": "x", "index_code": "management", "kind": "basic", "points": "2",
        "cycle": "month", "method": "ledger_count"})
    assert "须选择台账活动类型" in r.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(Indicator)) == before


def test_ruleset_used_by_closed_period_cannot_be_edited(admin_client, rs, db):
    _close_with(db, rs)
    r = admin_client.post(f"/catalogue/{rs.id}/weights", data=_weights(rs), follow_redirects=True)
    assert "复制为新版本" in r.get_data(as_text=True) and "不能再修改" in r.get_data(as_text=True)
    ind = rs.indicators[0]
    r = admin_client.post(f"/catalogue/{rs.id}/indicators/{ind.id}", data={
        "code": ind.code, "name": "改名", "index_code": ind.index_code, "kind": ind.kind, "points": "1",
        "cycle": ind.cycle, "method": "manual"}, follow_redirects=True)
    assert "不能再修改" in r.get_data(as_text=True)
    r = admin_client.post(f"/catalogue/{rs.id}/bands",
                          data={"min_5": "95", "min_4": "85", "min_3": "70", "min_2": "60", "min_1": "0"})
    db.expire_all()
    assert db.get(Indicator, ind.id).name != "改名"
    assert db.scalar(select(StarBand.min_score).where(StarBand.ruleset_id == rs.id, StarBand.stars == 5)) == Decimal("90.00")
    # copying is the way out
    assert admin_client.post(f"/catalogue/{rs.id}/copy", data={"year": "2026"}).status_code == 302


def test_all_categories_means_null(admin_client, rs, db):
    admin_client.post(f"/catalogue/{rs.id}/indicators/new", data={
        "code": "M1", "name": "人工项", "index_code": "service", "kind": "special", "points": "3",
        "cycle": "quarter", "method": "manual", "categories": list(CATEGORIES)})
    assert db.scalar(select(Indicator).where(Indicator.code == "M1")).categories is None
