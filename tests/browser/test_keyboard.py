"""A secretary who uses no mouse (issue #19): she logs in, fills the ledger form, is refused
(an absent member without a reason), lands on the error summary, follows its link to the
field, corrects it and saves — with Tab, Shift+Tab, Space, Enter, arrows and typing only."""
from __future__ import annotations

import pytest

from conftest import PASSWORD
from test_journeys import TODAY, seed

pytestmark = pytest.mark.browser


def _focused(page, selector: str) -> bool:
    return page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)", selector)


def _tab_to(page, selector: str, *, back: bool = False, limit: int = 60) -> int:
    """Press Tab (Shift+Tab) until `selector` has the focus; returns the presses."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        if _focused(page, selector):
            return presses
    raise AssertionError(f"{selector} not reached in {limit} {'Shift+Tab' if back else 'Tab'} presses")


def test_ledger_form_by_keyboard_alone_with_an_error_corrected(live_app, new_page):
    app, base = live_app
    ids = seed(app)
    page = new_page()

    page.goto(f"{base}/login")
    _tab_to(page, "input[name=username]")
    page.keyboard.type("shuji")
    _tab_to(page, "input[name=password]")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/login" not in url)

    page.goto(f"{base}/ledger/branch/{ids['b1']}/new")
    # the skip link comes first and leads past the menu to the content
    page.keyboard.press("Tab")
    assert _focused(page, "a.skip-link")
    page.keyboard.press("Enter")
    presses = _tab_to(page, "select[name=type]")
    assert presses <= 5, f"{presses} Tab presses from the skip link to the first field (past the breadcrumbs)"
    for _ in range(12):
        if page.evaluate("document.activeElement.value") == "party_lecture":
            break
        page.keyboard.press("ArrowDown")
    assert page.input_value("select[name=type]") == "party_lecture"
    _tab_to(page, "input[name=held_on]")
    # the date's segments follow the browser's locale: month/day/year (they advance by
    # themselves) or year/month/day (the year waits for ArrowRight)
    page.keyboard.type(f"{TODAY.month:02d}{TODAY.day:02d}{TODAY.year}")
    if page.input_value("input[name=held_on]") != TODAY.isoformat():
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")
        for part in (f"{TODAY.year}", f"{TODAY.month:02d}", f"{TODAY.day:02d}"):
            page.keyboard.type(part)
            page.keyboard.press("ArrowRight")
    assert page.input_value("input[name=held_on]") == TODAY.isoformat()
    _tab_to(page, "input[name=topic]")
    page.keyboard.type("键盘登记的党课")
    # 王强 is absent: his box is cleared with Space, and his reason is left empty
    present = page.locator("text=王强 >> xpath=../..//input[@type='checkbox']").get_attribute("id")
    _tab_to(page, f"#{present}")
    page.keyboard.press("Space")
    assert not page.is_checked(f"#{present}")
    _tab_to(page, "form.card button.primary")
    page.keyboard.press("Enter")

    # refused: the focus is on the summary, which names the problem and links to the field
    page.wait_for_selector("[data-error-summary]")
    assert _focused(page, "[data-error-summary]")
    assert "王强" in page.inner_text("[data-error-summary]")
    reason = page.locator("text=王强 >> xpath=../..//input[starts-with(@name,'reason_')]")
    assert reason.get_attribute("aria-invalid") == "true"
    assert reason.get_attribute("aria-describedby") == "form-error-extra"
    assert reason.get_attribute("aria-label") == "缺席原因：王强"
    _tab_to(page, "[data-error-summary] a")
    page.keyboard.press("Enter")
    assert _focused(page, f"#{reason.get_attribute('id')}")
    page.keyboard.type("值夜班")
    # back to the topic with Shift+Tab to check it survived the refusal, then save with Enter
    _tab_to(page, "input[name=topic]", back=True)
    assert page.input_value("input[name=topic]") == "键盘登记的党课"
    _tab_to(page, "form.card button.primary")
    page.keyboard.press("Enter")
    page.wait_for_url("**/ledger/record/**")
    assert "键盘登记的党课" in page.content() and "值夜班" in page.content()
