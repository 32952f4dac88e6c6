"""The English UI, finished (issue #16). The crawl (tests/core/test_crawl.py) opens every
page each demo role reaches in English and fails on Chinese outside user data; here:
the judge itself (tests/core/english_check.py) — that it catches what it must and lets
user data be — and the English pages a crawl cannot reach by links: the log-in page,
search results, forms reached by id, an issued document, refusals, form errors and
flash messages."""
from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from tests.core import english_check
from tests.core.test_crawl import ROLES, demo, log_in_speaking  # noqa: F401  (the crawl's demo fixture)

USER_DATA = english_check.UserData(["炼铁厂党委", "万庆亮", "吨", "2026年度星级党支部考核细则（第1版）"])


def _leaks(html):
    return english_check.leaks(html, USER_DATA)


# ------------------------------------------------------------------ the judge

def test_judge_reports_chinese_words_and_full_width_punctuation():
    assert _leaks("<main><h1>评分表</h1></main>") == ["'评分表'"]
    assert _leaks("<p>Code：LT-01</p>") == ["'Code：LT-01'"]
    assert _leaks("<p>Production（58）</p>") == ["'Production（58）'"]
    assert _leaks("<p>Members\u3000Units</p>")                          # the ideographic space
    assert _leaks('<button aria-label="删除">x</button>') == ["[aria-label] '删除'"]
    assert _leaks('<input placeholder="搜索支部">') == ["[placeholder] '搜索支部'"]
    assert _leaks("<title>首页 · Star Party Branch Platform</title>") == ["<title> '首页 · Star Party Branch Platform'"]
    assert _leaks('<select><option value="1">全部</option></select>') == ["'全部'"]


def test_judge_reports_words_run_together():
    assert _leaks("<p>Tier 3Management focus</p>") == ["run together: 'Tier 3Management focus'"]
    assert _leaks("<p>Q3 2026Total</p>") == ["run together: 'Q3 2026Total'"]
    assert _leaks("<p>Q3 2026 total · LT-01 · iPhone · 3 stars</p>") == []


def test_judge_lets_user_data_be():
    # marked user data (the zh filter), stored values, a stored one-character unit alone
    assert _leaks('<p>Unit: <span lang="zh-CN">炼钢厂党委 <b>王强</b></span></p>') == []
    assert _leaks("<td>炼铁厂党委</td><td>Score sheet: 炼铁厂党委 (LT)</td>") == []
    assert _leaks('<button aria-label="Delete: 万庆亮">x</button>') == []
    assert _leaks("<th>Output (吨)</th>") == []
    assert _leaks("<td>2026年度星级党支部考核细则（第1版）</td>") == []
    assert _leaks("<textarea>任意文字</textarea><script>var a = '脚本';</script>") == []
    # …but not the punctuation around it, nor a one-character value inside a word
    assert _leaks("<td>Score sheet：炼铁厂党委</td>") == ["'Score sheet：炼铁厂党委'"]
    assert _leaks("<td>Output (吨位)</td>") == ["'Output (吨位)'"]
    assert _leaks('<p lang="en">炼钢厂</p>') == ["'炼钢厂'"]


def test_user_data_comes_from_every_stored_string(db, make_branch, make_member):
    branch = make_branch(name="测试作业区党支部")
    make_member(branch, name="欧阳明")
    db.commit()
    data = english_check.UserData.from_database(db)
    assert data.strip("Members of 测试作业区党支部: 欧阳明") == "Members of \x00: \x00"
    assert data.strip("未知") == "未知"


# ------------------------------------------------------------------ pages a crawl does not reach

def _sweep(client, urls, user_data, statuses=(200,)):
    leaks, answered = {}, {}
    for url in urls:
        r = client.get(url, follow_redirects=True)
        answered[url] = r.status_code
        if r.status_code in statuses and r.mimetype == "text/html":
            found = english_check.leaks(r.get_data(as_text=True), user_data)
            if found:
                leaks[url] = found
    return answered, leaks


def _first(db, column):
    return db.scalars(select(column).order_by(column)).first()


@pytest.mark.database_independent  # the words of pages whose Chinese versions the feature tests open on both
def test_pages_reached_by_form_or_id_speak_english(app, db, demo):  # noqa: F811
    from core.documents.service import RenderSettings, issue
    from core.documents.types import IssueRequest, document_types
    from core.honours.models import Honour
    from core.ledger.models import ActivityRecord
    from core.org.models import Branch
    from core.periods.models import Period
    from plugins.typical_staff.models import Declaration

    branch_id = _first(db, Branch.id)
    closed = db.scalars(select(Period.key).where(Period.kind == "quarter", Period.status == "closed")
                        .order_by(Period.starts_on.desc())).first()
    doc = issue(db, document_types(app), IssueRequest(doc_type="score_sheet", period_key=closed,
                                                      branch_ids=[branch_id]),
                RenderSettings.from_app(app, "http://verify.test/"), actor=None).documents[0]
    db.commit()
    appraisal = db.scalars(select(ActivityRecord.id).where(ActivityRecord.type == "appraisal")).first()
    branch = db.get(Branch, branch_id)
    honour = Honour(branch_id=branch.id, unit_id=branch.unit_id, title="先进基层党组织", level="city",
                    issuer="中共某某市委", awarded_on=date(2026, 6, 30), evidence_name="证书.pdf")
    db.add(honour)
    db.commit()
    user_data = english_check.UserData.from_database(db)

    anonymous = app.test_client()
    anonymous.post("/language/en")
    answered, leaks = _sweep(anonymous, ["/login", "/verify", f"/verify/{doc.serial}", "/verify/NOT-A-SERIAL"],
                             user_data, statuses=(200, 404))
    assert answered["/login"] == 200 and answered[f"/verify/{doc.serial}"] == 200

    admin = app.test_client()
    log_in_speaking(admin, "admin", "en")
    urls = ["/profile/password", "/search?q=炼铁", "/search?q=王", "/search?q=LT-0", "/search?q=nothing-like-this",
            f"/documents/{doc.id}", f"/honours/{honour.id}/edit",
            f"/typical-staff/declarations/{_first(db, Declaration.id)}/edit"]
    if appraisal:
        urls.append(f"/ledger/record/{appraisal}/appraisal")
    more, more_leaks = _sweep(admin, urls, user_data)
    answered.update(more)
    leaks.update(more_leaks)
    # the search query is what the user typed: it is marked, not a stored value
    user_data_free = english_check.UserData([])
    page = admin.get("/search?q=查无此人").get_data(as_text=True)
    assert english_check.leaks(page, user_data_free) == [], "the query must be marked as user data"
    assert [u for u, s in answered.items() if s != 200 and not u.startswith("/verify/NOT")] == [], answered
    assert leaks == {}, "\n".join(f"{u}: {t}" for u, t in leaks.items())


@pytest.mark.database_independent  # the words of refusals the feature tests make on both databases
def test_refusals_form_errors_and_flashes_speak_english(app, db, demo):  # noqa: F811
    """Bad input in English: the refusal, the marked fields and the flash are English."""
    from core.auth.models import User
    from core.org.models import Branch

    user_data = english_check.UserData.from_database(db)
    pages = {}

    anonymous = app.test_client()
    anonymous.post("/language/en")
    r = anonymous.post("/login", data={"username": "admin", "password": "wrong"}, follow_redirects=True)
    pages["log-in refused"] = r

    secretary = app.test_client()
    log_in_speaking(secretary, "lg_secretary", "en")
    branch_id = db.scalar(select(User.branch_id).where(User.username == "lg_secretary"))
    pages["ledger record without date or topic"] = secretary.post(
        f"/ledger/branch/{branch_id}/new", data={"type": "party_lecture", "held_on": "", "topic": ""})
    pages["ledger record with a bad date"] = secretary.post(
        f"/ledger/branch/{branch_id}/new", data={"type": "party_lecture", "held_on": "2026-13-45", "topic": "x"})
    pages["wrong current password"] = secretary.post(
        "/profile/password", data={"current": "wrong", "password": "short", "confirm": "other"}, follow_redirects=True)
    pages["search too short"] = secretary.get("/search?q=" + "x" * 200)

    admin = app.test_client()
    log_in_speaking(admin, "admin", "en")
    pages["close a quarter before its months"] = admin.post("/scoring/periods/2027Q1/close", data={},
                                                            follow_redirects=True)
    other = db.scalars(select(Branch.id).order_by(Branch.id.desc())).first()
    pages["a branch outside the secretary's scope"] = secretary.get(f"/branches/{other}/dashboard")

    leaks = {}
    for what, r in pages.items():
        assert r.status_code < 500, (what, r.status_code)
        html = r.get_data(as_text=True)
        found = english_check.leaks(html, user_data)
        if found:
            leaks[what] = found
    # the refusals are there (each says something, in English)
    assert "Wrong username or password." in pages["log-in refused"].get_data(as_text=True)
    assert 'aria-invalid="true"' in pages["ledger record without date or topic"].get_data(as_text=True)
    assert leaks == {}, "\n".join(f"{w}: {t}" for w, t in leaks.items())


@pytest.mark.parametrize("language, expected", [("zh_CN", "2026年第三季度"), ("en", "Q3 2026")])
def test_period_names_follow_the_language(app, language, expected):
    from flask import session
    from flask_babel import refresh

    from core.formatting import cn_period, sep

    with app.test_request_context():
        session["locale"] = language
        refresh()
        assert cn_period("quarter", 2026, 3) == expected
        assert sep("colon") == ("：" if language == "zh_CN" else ": ")


def test_judge_takes_a_name_marked_in_the_body_as_user_data_in_the_title():
    page = '<title>Search: 欧阳 · Platform</title><h1>Search: <span lang="zh-CN">欧阳</span></h1>'
    assert _leaks(page) == []
    assert _leaks('<title>Search: 欧阳 · 平台</title><h1><span lang="zh-CN">欧阳</span></h1>') == \
        ["<title> 'Search: 欧阳 · 平台'"]
