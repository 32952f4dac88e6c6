"""The search box finds within scope and never outside it (issue #16)."""
from __future__ import annotations


def test_search_finds_a_member_in_scope_and_not_one_outside(client, login, make_unit, make_branch, make_member,
                                                            make_user):
    mine, other = make_unit(name="炼铁厂党委"), make_unit(name="炼钢厂党委")
    own = make_branch(unit=mine, name="高炉党支部", code="LT-02")
    foreign = make_branch(unit=other, name="转炉党支部", code="LG-01")
    make_member(own, name="王建国")
    make_member(foreign, name="王建军")
    login(make_user("reviewer", units=[mine]))
    page = client.get("/search?q=王建").get_data(as_text=True)
    assert "王建国" in page and "王建军" not in page
    assert "转炉党支部" not in client.get("/search?q=转炉").get_data(as_text=True)
    page = client.get("/search?q=ｌｔ－０２").get_data(as_text=True)  # full-width, lower case
    assert "高炉党支部" in page


def test_secretary_finds_only_her_branch_and_no_accounts(client, login, make_unit, make_branch, make_member,
                                                        make_user):
    unit = make_unit()
    mine, neighbour = make_branch(unit=unit, name="一车间党支部"), make_branch(unit=unit, name="二车间党支部")
    make_member(mine, name="李红")
    make_member(neighbour, name="李明")
    make_user("admin", display_name="李部长")
    login(make_user("secretary", branch=mine, display_name="王书记"))
    page = client.get("/search?q=李").get_data(as_text=True)
    assert "李红" in page
    assert "李明" not in page and "李部长" not in page


def test_admin_finds_users_and_wildcards_are_literal(client, login, make_branch, make_member, make_user):
    make_member(make_branch(), name="张_三")
    make_member(make_branch(), name="张四")
    login(make_user("admin", display_name="赵组织"))
    assert "赵组织" in client.get("/search?q=赵").get_data(as_text=True)
    page = client.get("/search?q=张_").get_data(as_text=True)
    assert "张_三" in page and "张四" not in page
    assert "请输入要查找" in client.get("/search").get_data(as_text=True)
