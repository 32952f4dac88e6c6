"""Empty lists say why they are empty and link to what to do next (issue #16), for the
role looking at them; the production plugin's tables look like the core's."""
from __future__ import annotations

import re

import pytest


def _empty(page) -> str:
    """The text of the page's empty-state box, and the links in it."""
    m = re.search(r'<p class="empty">(.*?)</p>', page, re.S)
    assert m, "no empty state on the page"
    return m.group(1)


def _get(client, url) -> str:
    r = client.get(url)
    assert r.status_code == 200, url
    return r.get_data(as_text=True)


@pytest.fixture
def world(make_unit, make_branch, make_user):
    unit = make_unit(name="炼铁厂党委")
    branch = make_branch(unit=unit, name="炼铁一车间党支部")
    return {"unit": unit, "branch": branch,
            "secretary": make_user("secretary", branch=branch),
            "reviewer": make_user("reviewer", units=[unit]),
            "admin": make_user("admin")}


def test_an_empty_ledger_tells_the_secretary_to_add_a_record(client, login, world):
    login(world["secretary"])
    box = _empty(_get(client, f"/ledger/branch/{world['branch'].id}"))
    assert "还没有活动记录" in box and "点击“新增活动记录”" in box
    assert f'href="/ledger/branch/{world["branch"].id}/new"' in box


def test_an_empty_ledger_tells_a_viewer_who_records(client, login, world, make_user):
    login(make_user("viewer", units=[world["unit"]]))
    box = _empty(_get(client, f"/ledger/branch/{world['branch'].id}"))
    assert "由支部书记" in box and "/new" not in box


def test_a_filtered_empty_ledger_offers_to_clear_the_filter(client, login, world):
    login(world["secretary"])
    box = _empty(_get(client, f"/ledger/branch/{world['branch'].id}?type=party_lecture&month=2027-05"))
    assert "所选类型或月份没有活动记录" in box and f'href="/ledger/branch/{world["branch"].id}"' in box


def test_an_empty_queue_says_why_and_the_admin_gets_the_periods_page(client, login, world):
    login(world["admin"])
    box = _empty(_get(client, "/scoring/queue?period=2027Q1"))
    assert "还没有试算" in box and 'href="/scoring/periods"' in box
    login(world["reviewer"])
    assert "/scoring/periods" not in _empty(_get(client, "/scoring/queue?period=2027Q1"))


def test_an_empty_search_says_what_to_try(client, login, world):
    login(world["secretary"])
    box = _empty(_get(client, "/search?q=不存在的支部"))
    assert "没有找到“不存在的支部”" in box and "范围以外" in box


def test_an_empty_document_register_says_how_documents_appear(client, login, world):
    login(world["secretary"])
    assert "出具后在这里列出" in _empty(_get(client, "/documents"))
    login(world["admin"])
    assert "在上方“出具文书”" in _empty(_get(client, "/documents"))
    assert 'href="/documents"' in _empty(_get(client, "/documents?q=XYZ"))


def test_empty_campaign_list_per_role(client, login, world, enable_plugin):
    enable_plugin(world["unit"], "typical_staff")
    login(world["admin"])
    box = _empty(_get(client, "/typical-staff/"))
    assert "点击“发起活动”" in box and 'href="/typical-staff/campaigns/new"' in box
    login(world["secretary"])
    box = _empty(_get(client, "/typical-staff/"))
    assert "由组织部（宣传部）发起" in box and "<a " not in box


def test_a_branch_without_a_brand_is_told_how_to_declare(client, login, world, enable_plugin):
    enable_plugin(world["unit"], "brands")
    login(world["secretary"])
    assert "在下方“申报品牌”" in _empty(_get(client, f"/brands/branch/{world['branch'].id}"))
    login(world["reviewer"])
    assert "由本支部书记申报" in _empty(_get(client, f"/brands/branch/{world['branch'].id}"))


def test_production_says_what_to_do_without_measures_or_matches(client, login, world, enable_plugin):
    enable_plugin(world["unit"], "production")
    login(world["admin"])
    assert "指标由组织部在“指标定义”中按类别设置" in _empty(_get(client, f"/production/branch/{world['branch'].id}"))
    box = _empty(_get(client, "/production/?q=没有这个支部"))
    assert "没有符合筛选条件的支部" in box and 'href="/production/"' in box
