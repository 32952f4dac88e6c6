"""Browser journey: export the members, change one cell in Excel (here: openpyxl),
upload, read the preview, confirm — with CSRF on, as a real user does (#13)."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from conftest import log_in
from test_journeys import seed

pytestmark = pytest.mark.browser


def test_admin_edits_an_export_and_reimports_it_through_the_preview(live_app, new_page, tmp_path):
    app, base = live_app
    seed(app)
    page = new_page()
    log_in(page, base, "zuzhibu")
    with page.expect_download() as download:
        page.evaluate(f"window.location = '{base}/org/members/export.xlsx'")
    data = download.value.path().read_bytes()
    wb = load_workbook(io.BytesIO(data))
    ws = wb["党员"]
    row = next(r for r in ws.iter_rows(min_row=2) if r[2].value == "李娜")
    row[7].value = "点检员"
    edited = tmp_path / "党员.xlsx"
    wb.save(edited)

    page.goto(f"{base}/org/import/members")
    page.set_input_files("input[type=file]", str(edited))
    page.click("button.primary")
    page.wait_for_load_state()
    text = page.content()
    assert "新增 0 条" in text and "修改 1 条" in text and "未变 3 条" in text and "点检员" in text
    page.click("text=确认导入")
    page.wait_for_url("**/org/members**")
    assert "导入成功：新增 0 条，修改 1 条，未变 3 条党员记录" in page.content()
