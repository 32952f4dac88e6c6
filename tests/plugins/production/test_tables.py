"""The production pages' tables look like the core's (issue #16): the core's `list`
table, numbers right-aligned, wide grids in a scroll box, and a year without figures
says how to enter them."""
from __future__ import annotations

import re

import pytest


@pytest.fixture
def branch(make_branch, prod_unit, measures):
    return make_branch(unit=prod_unit, category="production", code="LG01", name="炼钢一车间党支部")


def test_branch_grid_uses_the_core_table_with_numbers_aligned(client, login, make_user, prod_unit, branch, put):
    put(branch, "output", "2027-03", plan="100", actual="98.5")
    login(make_user("secretary", branch=branch))
    page = client.get(f"/production/branch/{branch.id}?year=2027").get_data(as_text=True)
    assert 'class="table"' not in page
    assert '<div class="card table-scroll">\n<table class="list">' in page
    assert re.search(r'<td class="num">100(\.0+)?</td><td class="num">98\.50*</td>', page)
    assert 'id="no-figures"' not in page
    empty_year = client.get(f"/production/branch/{branch.id}?year=2025").get_data(as_text=True)
    assert "2025年还没有计划或实绩" in empty_year and "按月填报" in empty_year


def test_other_production_tables_use_the_core_table(client, login, make_user, branch):
    login(make_user("admin"))
    for url in ("/production/", "/production/measures"):
        page = client.get(url).get_data(as_text=True)
        assert '<table class="list">' in page and 'class="table"' not in page, url
    assert '<th class="num">' in client.get("/production/measures").get_data(as_text=True)
