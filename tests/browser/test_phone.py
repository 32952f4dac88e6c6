"""A secretary on her phone (390 × 844): no page scrolls sideways, the menu folds away
behind a button, and the ledger form with attendance can be filled and saved (issue #16)."""
from __future__ import annotations

import pytest

from conftest import log_in
from test_journeys import TODAY, seed

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _phone(chromium):
    ctx = chromium.new_context(locale="zh-CN", viewport=PHONE, has_touch=True, is_mobile=True)
    page = ctx.new_page()
    page.set_default_timeout(10_000)
    return ctx, page


def _no_sideways_scroll(page, url):
    page.goto(url)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{url} is {width} px wide"


def test_secretary_pages_fit_a_phone_and_the_ledger_form_saves(live_app, chromium):
    app, base = live_app
    ids = seed(app, ledger=True)
    ctx, page = _phone(chromium)
    try:
        log_in(page, base, "shuji")
        for path in ("/", f"/ledger/branch/{ids['b1']}", f"/ledger/branch/{ids['b1']}/new",
                     f"/scoring/sheet/{ids['b1']}", f"/branches/{ids['b1']}/dashboard", "/profile",
                     "/search?q=张"):
            _no_sideways_scroll(page, base + path)

        page.goto(base + "/")
        assert not page.locator("nav.sidebar").is_visible()      # folded away on a phone
        page.click("[data-nav-toggle]")
        assert page.locator("nav.sidebar").is_visible()
        assert page.get_attribute("[data-nav-toggle]", "aria-expanded") == "true"

        page.goto(f"{base}/ledger/branch/{ids['b1']}/new")
        page.select_option("select[name=type]", "party_lecture")
        page.fill("input[name=held_on]", TODAY.isoformat())
        page.fill("input[name=topic]", "手机上登记的党课")
        page.check("text=张伟 >> xpath=../..//input[@type='checkbox']")
        page.check("text=李娜 >> xpath=../..//input[@type='checkbox']")
        page.fill("text=王强 >> xpath=../..//input[starts-with(@name,'reason_')]", "值夜班")
        save = page.locator("form.card button.primary")
        box = save.bounding_box()
        assert box["height"] >= 40 and box["x"] + box["width"] <= PHONE["width"]  # touch-sized, on screen
        save.click()
        page.wait_for_url("**/ledger/record/**")
        assert "手机上登记的党课" in page.content()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        ctx.close()
