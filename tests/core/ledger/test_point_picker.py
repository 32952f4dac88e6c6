"""Point records (加扣分): the indicator comes from the year's catalogue (searchable
list with its cap), an unknown code is refused, an entry above the cap is warned
about before it is saved."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.indicators.catalogue import seed_ruleset
from core.ledger.models import PointRecord


@pytest.fixture
def catalogue(db):
    seed_ruleset(db, 2026)
    db.commit()


def _count(db):
    return db.scalar(select(func.count()).select_from(PointRecord))


def _post(client, branch, **data):
    form = {"kind": "deduction", "points": "3", "dated": "2026-03-10", "reason": "台账漏报",
            "indicator_code": "D-LEDGER 台账资料弄虚作假、漏报"}
    form.update(data)
    return client.post(f"/ledger/branch/{branch.id}/points", data=form, follow_redirects=True)


def test_picker_lists_the_catalogue_with_caps(client, login, reviewer, branch, catalogue):
    login(reviewer)
    html = client.get(f"/ledger/branch/{branch.id}/points").get_data(as_text=True)
    assert 'list="point-indicators"' in html and '<datalist id="point-indicators">' in html
    assert 'value="D-LEDGER 台账资料弄虚作假、漏报"' in html and "每月最多 5.00 分" in html
    assert 'value="V-ACCIDENT 重大安全生产事故"' in html


def test_record_cites_the_indicator_chosen_by_code_and_name(client, db, login, reviewer, branch, catalogue):
    login(reviewer)
    assert "已记录" in _post(client, branch).get_data(as_text=True)
    assert db.scalar(select(PointRecord.indicator_code)) == "D-LEDGER"


def test_unknown_code_is_refused(client, db, login, reviewer, branch, catalogue):
    login(reviewer)
    html = _post(client, branch, indicator_code="D-LEDGR").get_data(as_text=True)
    assert "指标编码“D-LEDGR”不是2026年考核细则中的扣分项目或否决专项" in html and _count(db) == 0
    html = _post(client, branch, kind="deduction", indicator_code="V-ACCIDENT").get_data(as_text=True)
    assert "不能用于扣分记录" in html and _count(db) == 0


def test_entry_above_the_cap_is_warned_before_saving(client, db, login, reviewer, branch, catalogue):
    login(reviewer)
    _post(client, branch, points="3")
    html = _post(client, branch, points="4").get_data(as_text=True)
    assert ("台账资料弄虚作假、漏报每月最多扣 5.00 分：2026年3月已记录 3.00 分，本次 4.00 分，合计 7.00 分，"
            "超出上限的 2.00 分不计入总分。") in html
    assert _count(db) == 1
    assert 'name="confirm_over_cap" type="hidden" value="1"' in html
    html = _post(client, branch, points="4", confirm_over_cap="1").get_data(as_text=True)
    assert "已记录" in html and _count(db) == 2
    # another month starts again from 0
    assert "已记录" in _post(client, branch, points="4", dated="2026-04-02").get_data(as_text=True)


def test_deduction_without_an_indicator_is_saved_in_full(client, db, login, reviewer, branch, catalogue):
    login(reviewer)
    assert "已记录" in _post(client, branch, points="8", indicator_code="").get_data(as_text=True)
    assert db.scalar(select(PointRecord.points)) == Decimal("8.00")
