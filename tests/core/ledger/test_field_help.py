"""Field help on the ledger form (issue #16): every field says what to enter, in which
format and why it matters; the indicators each activity type feeds, the entry deadline
and the attendance bounds are read from the year's rule set."""
from __future__ import annotations

import re

from core.indicators.catalogue import seed_ruleset

TODAY_YEAR = 2027  # the suite's fixed today (tests/conftest.py)


def _form(client, branch):
    r = client.get(f"/ledger/branch/{branch.id}/new")
    assert r.status_code == 200
    return r.get_data(as_text=True)


def _described_by(page, field_id) -> list[str]:
    tag = re.search(rf'<[^>]*\bid="{field_id}"[^>]*>', page).group(0)
    return re.search(r'aria-describedby="([^"]*)"', tag).group(1).split()


def _text_of(page, element_id) -> str:
    """The text of the element with that id (up to its closing tag), tags removed."""
    m = re.search(rf'id="{element_id}"[^>]*>(.*?)</(div|details|p)>', page, re.S)
    return re.sub(r"<[^>]+>|\s+", "", m.group(1))


def test_each_field_says_what_to_enter_and_is_described_by_it(client, login, secretary, branch, members):
    login(secretary)
    page = _form(client, branch)
    for field_id, words in (("type", "每类活动计入各自的考核指标"), ("held_on", "格式2026-03-15"),
                            ("held_on", "逾期录入只计部分分值"), ("topic", "最多200字"),
                            ("location", "不影响得分"), ("minutes", "保存后于记录页上传附件")):
        assert f"{field_id}-hint" in _described_by(page, field_id)
        assert words in _text_of(page, f"{field_id}-hint")


def test_type_help_lists_the_indicators_of_the_years_rule_set(client, db, login, secretary, branch, members):
    ruleset = seed_ruleset(db, TODAY_YEAR)
    ruleset.settings = {**ruleset.settings, "late_factor": "0.3"}
    db.commit()
    login(secretary)
    page = _form(client, branch)
    assert "type-help" in _described_by(page, "type")
    help_text = _text_of(page, "type-help")
    assert "计入哪些指标（2027年考核细则）" in help_text
    # the committee meeting feeds B-MECH-COMMITTEE: monthly, 7 days, the rule set's late share
    committee = help_text.split("支部委员会", 1)[1].split("党小组会", 1)[0]
    assert "B-MECH-COMMITTEE" in committee and "星级管理" in committee and "3.00分" in committee
    assert "每月至少1次有效记录，召开后7天内录入得全分，逾期录入按30%计" in committee
    # the life meeting has its own 15-day deadline; the appraisal feeds two indicators
    assert "召开后15天内录入" in help_text.split("组织生活会")[-1]
    assert "B-TEAM-APPRAISAL" in help_text and "B-TEAM-RESULT" in help_text
    # attendance: the bounds of the rule set, under the attendance sheet
    assert re.search(r"出勤率计入 B-TEAM-ATTEND .*达到 90% 得满分，不高于 50% 不得分", page)


def test_without_a_rule_set_the_form_still_helps_but_names_no_indicator(client, login, secretary, branch, members):
    login(secretary)
    page = _form(client, branch)
    assert 'id="type-help"' not in page and "type-help" not in _described_by(page, "type")
    assert "格式 2026-03-15" in page


def test_field_help_in_english(client, db, login, secretary, branch, members):
    seed_ruleset(db, TODAY_YEAR)
    db.commit()
    login(secretary)
    client.post("/language/en")
    page = _form(client, branch)
    assert "Which indicators it counts for" in page and "format 2026-03-15" in page
