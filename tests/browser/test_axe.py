"""Accessibility guard (issue #19): axe-core injected into every page of a crawl, as each
demo role, at 1366 px and at 390 px; any critical or serious violation fails the test,
and the counts by rule and impact are printed.

Decisions:
- axe-core comes from the npm registry, pinned in tests/browser/axe/package-lock.json and
  installed by `make test-browser` (npm ci); nothing is downloaded at run time. Without
  node_modules the test fails with the command to run rather than skipping silently.
- The crawl follows links within the app from the home page like tests/core/test_crawl.py
  and opens each route (Flask endpoint) once per role at 1366 px, once in all at 390 px
  (the phone layout is the same markup for every role) and once in English: bounded
  (about four minutes) while reaching every page the menus and pages link to.
- Rules: axe's default set (WCAG 2.0/2.1 A and AA plus best practices); every impact is
  counted, critical and serious fail. English is checked too (admin, 1366 px), since
  Chinese user data inside English pages must carry lang="zh-CN".
"""
from __future__ import annotations

import time
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError

from conftest import CHROMIUM  # noqa: F401  (the browser tests' chromium, launched by the fixture)
from tests.core.test_crawl import ROLES, seed_demo, walk

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = {1366: 900, 390: 844}
FAILING = ("critical", "serious")
#: Links are collected from the rendered page; downloads and exports are not pages.
EXPORT = ("/export", ".xlsx", ".pdf", ".csv", ".zip", "/download")


def _log_in(page, base, username, password):
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click(".login-card button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def _with_axe(ctx) -> None:
    """axe-core in every page the context opens, put there by chromium at each new
    document (over the DevTools protocol, so the app's CSP, script-src 'self', stays on):
    sent once per context, not 0.5 MB through Playwright with each of ~400 pages."""
    ctx.add_init_script(script="(() => { " + AXE.read_text(encoding="utf-8") + "\n})();")


def _axe(page) -> list[dict]:
    assert page.evaluate("typeof window.axe === 'object'"), f"axe-core not loaded in {page.url}"
    return page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 3), count: v.nodes.length}));
    }""")


def _crawl(app, page, base, found: list, counts: Counter, seen: set) -> int:
    """Visit every page reachable from home whose endpoint is not in `seen` yet; returns how many."""
    checked = []

    def admit(endpoint, url):
        if endpoint in seen or any(x in url for x in EXPORT):
            return False
        seen.add(endpoint)
        return True

    def visit(url):
        try:
            response = page.goto(base + url)
        except PlaywrightError as exc:  # a file download (an import template, an export) is no page
            if "Download is starting" in str(exc):
                return []
            raise
        if response is None or "text/html" not in (response.headers.get("content-type") or ""):
            return []
        checked.append(url)
        for v in _axe(page):
            counts[(v["id"], v["impact"])] += v["count"]
            if v["impact"] in FAILING:
                found.append((url, v["id"], v["impact"], v["count"], v["nodes"]))
        return page.eval_on_selector_all("a[href^='/']", "els => els.map(e => e.getAttribute('href'))")

    walk(app, admit, visit)
    return len(checked)


def test_no_critical_or_serious_axe_violation_on_any_page(live_app, chromium):
    assert AXE.exists(), "axe-core missing: run `npm ci --prefix tests/browser/axe` (make test-browser does)"
    app, base = live_app
    session = app.extensions["starbranch.db"].session_factory()
    seed_demo(app.extensions["starbranch.plugins"], session)
    session.close()

    # at 1366 px every role sees every page it reaches; at 390 px (the same markup, the
    # phone layout) each page once, by the first role that reaches it; English as the admin
    phone_seen = set()
    runs = ([(user, 1366, "zh-CN", set()) for user in ROLES] + [(user, 390, "zh-CN", phone_seen) for user in ROLES]
            + [("admin", 1366, "en", set())])
    found, counts, report = [], Counter(), {}
    for username, width, locale, seen in runs:
        started = time.perf_counter()
        ctx = chromium.new_context(locale=locale, viewport={"width": width, "height": WIDTHS[width]})
        _with_axe(ctx)
        try:
            page = ctx.new_page()
            page.set_default_timeout(20_000)
            _log_in(page, base, username, ROLES[username])
            if locale == "en":
                page.click("form[action$='/language/en'] button")
                page.wait_for_selector("html[lang^=en]")
            pages = _crawl(app, page, base, found, counts, seen)
        finally:
            ctx.close()
        report[(username, width, locale)] = (pages, round(time.perf_counter() - started, 1))

    print("\naxe crawl (role, width, locale) → (pages, seconds):", report)
    by_impact = defaultdict(int)
    for (rule, impact), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        by_impact[impact] += n
        print(f"  {impact:<9} {rule:<32} {n} elements")
    print("axe violations by impact (elements):", dict(by_impact))
    assert report[("admin", 1366, "zh-CN")][0] >= 40, "the admin's crawl must reach the platform's pages"
    details = defaultdict(list)
    for url, rule, impact, n, nodes in found:
        details[(rule, impact)].append((url, n, nodes))
    message = "\n".join(f"{impact} {rule}: {len(pages)} pages, e.g. {pages[:3]}"
                        for (rule, impact), pages in details.items())
    assert not found, "critical/serious axe violations:\n" + message
