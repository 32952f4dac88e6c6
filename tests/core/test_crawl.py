"""Crawl (Odoo's test_crawl as the model; issue #19): log in as each demo role, follow
every link within the app from the home page, in Chinese and in English, and fail on
any 5xx, any template error (they raise in tests) and any page slower than a generous
bound. Each route is opened at most a few times (its first ids from the demo), so the
crawl stays bounded while reaching every page the menus and pages link to.

The English crawl is also the English sweep (issue #16): every English page it opens
must show no Chinese outside user data (tests/core/english_check.py says what that is).
It opens the same pages with the same data and queries as the Chinese one, so it runs
once, on SQLite (marker database_independent); the Chinese crawl runs on both databases."""
from __future__ import annotations

import re
import sqlite3
import time
from collections import Counter
from datetime import date
from urllib.parse import urldefrag, urlsplit

import pytest
from werkzeug.exceptions import MethodNotAllowed, NotFound

from core.org import demodata
from core.scoring.demo_periods import close_demo_periods
from tests import sqlite_copy
from tests.core import english_check

HREF = re.compile(r'href="(/[^"]*)"')
#: Never followed: leaving the session, or downloads of many MB the crawl need not fetch.
SKIP = re.compile(r"^/(logout|static/)")
PER_ENDPOINT = 3
SLOW_SECONDS = 10.0
ROLES = {"admin": "demo-admin-2026", "lg_reviewer": "demo-reviewer-2026", "lg_secretary": "demo-secretary-2026",
         "viewer": "demo-viewer-2026"}


#: A copy of the seeded in-memory SQLite database of each plugin set, kept for this process.
_SEEDED: dict[tuple, sqlite3.Connection] = {}


@pytest.fixture
def demo(app, db):
    """The demo data (seed_demo) in the test's database. Seeding takes seconds and five
    tests want it, so on in-memory SQLite it is seeded once per process (per xdist
    worker) and copied into each later test's database (tests/sqlite_copy.py: the same
    rows, ids and all, in milliseconds). On PostgreSQL it is seeded each time."""
    engine = app.extensions["starbranch.db"].engine
    if not sqlite_copy.is_in_memory(engine):
        seed_demo(app.extensions["starbranch.plugins"], db)
        return
    key = tuple(sorted(app.config["PLUGINS"].items()))
    db.commit()
    if key in _SEEDED:
        sqlite_copy.put_back(_SEEDED[key], engine)
    else:
        seed_demo(app.extensions["starbranch.plugins"], db)
        db.commit()
        _SEEDED[key] = sqlite_copy.take(engine)


def seed_demo(registry, db):
    """The demo data with closed periods and a draft rule set (the browser's axe crawl seeds it too)."""
    result = demodata.build_demo(db, password_method="pbkdf2:sha256:1000")
    demodata.enable_demo_plugins(db, registry, result)
    registry.hook.starbranch_demo_data(session=db, units=result.units, branches=result.branches)
    close_demo_periods(db, registry, date.today())
    # a draft rule set too (next year's copy): its edit pages must answer as well
    from core.indicators.admin import copy_ruleset
    from core.indicators.catalogue import active_ruleset

    copy_ruleset(db, active_ruleset(db, date.today().year), year=date.today().year + 1, actor=None)
    db.commit()
    return result


def walk(app, admit, visit) -> int:
    """Follow links within the app from the home page, breadth first: each new URL whose
    endpoint admit(endpoint, url) accepts is opened by visit(url), which returns the hrefs
    of what it opened. Returns how many URLs were seen (the browser's axe crawl uses it too)."""
    adapter = app.url_map.bind("localhost")
    queue, visited = ["/"], set()
    while queue:
        url = queue.pop(0)
        if url in visited:
            continue
        visited.add(url)
        try:
            endpoint, _args = adapter.match(urlsplit(url).path, method="GET")
        except (NotFound, MethodNotAllowed):
            continue
        except Exception:  # a redirect rule and the like
            continue
        if not admit(endpoint, url):
            continue
        for href in visit(url):
            href = urldefrag(href.replace("&amp;", "&"))[0]
            if href and not SKIP.match(href) and href not in visited:
                queue.append(href)
    return len(visited)


def _crawl(app, client, seen_endpoints: Counter, failures: list, slow: list, on_page=None) -> int:
    """The crawl as one logged-in client; on_page(url, html), if given, sees every HTML page."""

    def admit(endpoint, _url):
        if seen_endpoints[endpoint] >= PER_ENDPOINT:
            return False
        seen_endpoints[endpoint] += 1
        return True

    def visit(url):
        started = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - started
        if response.status_code >= 500:
            failures.append((url, response.status_code))
        if elapsed > SLOW_SECONDS:
            slow.append((url, round(elapsed, 2)))
        hrefs = []
        if response.mimetype == "text/html":
            html = response.get_data(as_text=True)
            if on_page is not None and response.status_code == 200:
                on_page(url, html)
            hrefs = HREF.findall(html)
        response.close()
        return hrefs

    return walk(app, admit, visit)


def log_in_speaking(client, username, language):
    """Log in, then choose the language (a log-in takes the user's saved language)."""
    r = client.post("/login", data={"username": username, "password": ROLES[username]})
    assert r.status_code == 302, (username, r.get_data(as_text=True)[:300])
    client.post(f"/language/{language}")


def crawl_as_every_role(app, language, on_page=None):
    """The crawl of each demo role in `language`; fails on a 5xx or a slow page and
    returns {role: (pages, endpoints)}."""
    failures, slow, report = [], [], {}
    for username in ROLES:
        client = app.test_client()
        log_in_speaking(client, username, language)
        seen = Counter()
        pages = _crawl(app, client, seen, failures, slow, on_page=on_page)
        report[username] = (pages, len(seen))
    print(f"crawl in {language}, role → (pages, endpoints):", report)
    assert failures == [], failures
    assert slow == [], slow
    assert report["admin"][1] >= 40, "the admin's crawl must reach the platform's pages"
    assert report["lg_secretary"][1] >= 10
    return report


def test_every_page_reachable_by_every_role_answers(app, db, demo):
    crawl_as_every_role(app, "zh_CN")


@pytest.mark.database_independent  # the same pages, queries and data as the Chinese crawl; only the words differ
def test_every_page_reachable_by_every_role_answers_in_english_without_chinese(app, db, demo):
    chinese = {}
    user_data = english_check.UserData.from_database(db)

    def sweep(url, html):
        found = english_check.leaks(html, user_data)
        if found:
            chinese[url] = found

    crawl_as_every_role(app, "en", on_page=sweep)
    assert chinese == {}, f"{len(chinese)} English pages show Chinese outside user data:\n" + "\n".join(
        f"{url}: {'; '.join(texts)}" for url, texts in sorted(chinese.items()))
