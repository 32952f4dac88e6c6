"""The English sweep in the browser (issue #16): each demo role, in English, opens its home
page, every page of its menu and its personal pages, at 1366 px and (the secretary, who
works on her phone) at 390 px; the DOM as chromium shows it — after app.js has run, so
text the script adds is judged too — must hold no Chinese outside user data, by the same
judge as the server-side crawl (tests/core/english_check.py: elements marked lang="zh-CN"
and values stored in the database are user data; words, full-width punctuation and words
run together are not)."""
from __future__ import annotations

import time

import pytest

from conftest import CHROMIUM  # noqa: F401  (the browser tests' chromium, launched by the fixture)
from tests.core import english_check
from tests.core.test_crawl import ROLES, seed_demo

pytestmark = pytest.mark.browser

PERSONAL = ("/", "/profile", "/notifications", "/help", "/search?q=炼铁")
RUNS = [(user, 1366, 900) for user in ROLES] + [("lg_secretary", 390, 844)]


def _log_in_in_english(page, base, username):
    page.goto(f"{base}/login")
    page.click("form[action$='/language/en'] button")
    page.wait_for_selector("html[lang=en]")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", ROLES[username])
    page.click(".login-card button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    if page.locator("html[lang=en]").count() == 0:   # the account's saved language won
        page.click("form[action$='/language/en'] button")
        page.wait_for_selector("html[lang=en]")


def test_every_roles_main_pages_show_no_chinese_outside_user_data(live_app, chromium):
    app, base = live_app
    session = app.extensions["starbranch.db"].session_factory()
    seed_demo(app.extensions["starbranch.plugins"], session)
    user_data = english_check.UserData.from_database(session)
    session.close()

    leaks, report = {}, {}
    for username, width, height in RUNS:
        started = time.perf_counter()
        ctx = chromium.new_context(locale="en-GB", viewport={"width": width, "height": height})
        try:
            page = ctx.new_page()
            page.set_default_timeout(20_000)
            _log_in_in_english(page, base, username)
            menu = page.eval_on_selector_all("nav.sidebar a[href^='/']", "els => els.map(e => e.getAttribute('href'))")
            urls = list(dict.fromkeys(list(PERSONAL) + menu))
            for url in urls:
                response = page.goto(base + url)
                assert response is not None and response.status < 500, (username, url)
                assert page.locator("html[lang=en]").count() == 1, (username, url, "not in English")
                found = english_check.leaks(page.content(), user_data)
                if found:
                    leaks[f"{username} @{width}px {url}"] = found
        finally:
            ctx.close()
        report[(username, width)] = (len(urls), round(time.perf_counter() - started, 1))

    print("\nEnglish sweep (role, width) → (pages, seconds):", report)
    assert report[("admin", 1366)][0] >= 15, "the admin's menu must reach the platform's pages"
    assert report[("lg_secretary", 390)][0] >= len(PERSONAL) + 3
    assert leaks == {}, "Chinese outside user data:\n" + "\n".join(f"{where}: {texts}" for where, texts in leaks.items())
