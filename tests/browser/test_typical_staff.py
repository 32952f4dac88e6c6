"""Browser journey of the 最美一线员工 campaign, in Chinese, with the app's clock moved
(TODAY): a secretary declares a frontline employee with a photo, the unit
committee and the group approve, the group publishes the notice (five working days over
the National Day holiday), another branch's secretary objects, the organiser dismisses
the objection, and after the window the employee is selected; the organiser issues the
honour certificate and the 电子画报 from the result page and downloads them, the
secretary downloads her employee's certificate from the documents register — each a PDF
whose text names the employee. Along the way the secretary's bell tells her each step."""
from __future__ import annotations

import shutil
import subprocess
from datetime import date, timedelta

import pytest

from conftest import PASSWORD, log_in, unit_with_two_branches

pytestmark = pytest.mark.browser

#: Tuesday 22 September 2026: the notice will run 30 Sep, 8, 9, 10 (adjusted Saturday), 12 Oct.
START = date(2026, 9, 22)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89" \
      b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"


def seed(app):
    from core.auth.models import User, UserUnit
    from core.plugins import service as plugins
    from plugins.typical_staff import services

    s = app.extensions["starbranch.db"].session_factory()
    unit, b1, b2 = unit_with_two_branches(s)
    users = {}
    for username, name, role, kw in (("shuji", "刘书记", "secretary", {"branch_id": b1.id}),
                                     ("shuji2", "马书记", "secretary", {"branch_id": b2.id}),
                                     ("shenhe", "陈审核", "reviewer", {}), ("xuanchuan", "宣传部", "admin", {})):
        u = User(username=username, display_name=name, role=role, **kw)
        u.set_password(PASSWORD, method="pbkdf2:sha256:1000")
        if role == "reviewer":
            u.units = [UserUnit(unit_id=unit.id)]
        s.add(u)
        users[username] = u
    s.flush()
    plugins.enable(s, app.extensions["starbranch.plugins"], unit_id=unit.id, name="typical_staff", actor=None)
    c = services.create_campaign(s, users["xuanchuan"], title="2026年度最美一线员工推选", year=2026,
                                 criteria="爱岗敬业、业绩突出、群众公认", declaration_deadline=START + timedelta(days=3),
                                 unit_review_deadline=START + timedelta(days=5),
                                 group_review_deadline=START + timedelta(days=7), notice_start=date(2026, 9, 30),
                                 notice_days=5, group_quota=3)
    services.set_quotas(s, users["xuanchuan"], c, {unit.id: (2, 1)})
    services.open_campaign(s, users["xuanchuan"], c)
    s.commit()
    ids = {"campaign": c.id, "b1": b1.id}
    s.close()
    return ids


def pdf_text(pdf: bytes) -> str:
    """The PDF's text as pdftotext reads it (poppler-utils: `make pdf-tools`)."""
    assert shutil.which("pdftotext"), "pdftotext missing: run make pdf-tools"
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True)
    return out.stdout.decode("utf-8").replace(" ", "")


def download(page, click) -> tuple[str, bytes]:
    """(suggested file name, bytes) of the download that `click()` starts."""
    with page.expect_download(timeout=60_000) as info:
        click()
    return info.value.suggested_filename, info.value.path().read_bytes()


def issue_and_download(page, button: str) -> bytes:
    """On the result page, issue a document with `button`, then download its PDF."""
    page.click(f"button:has-text('{button}')", timeout=60_000)  # WeasyPrint renders before the redirect
    page.wait_for_url("**/documents/*", timeout=60_000)
    assert "已出具 1 份文书" in page.content()
    name, pdf = download(page, lambda: page.click("text=下载 PDF"))
    assert name.endswith(".pdf") and pdf.startswith(b"%PDF-")
    return pdf


def approve(page, url, comment):
    """Approve the declaration at `url` with `comment` (unit or group level, by role)."""
    page.goto(url)
    page.check("input[name=decision][value=approve]")
    page.fill("textarea[name=comment]", comment)
    page.click("text=提交审核结论")
    page.wait_for_load_state()


def test_declared_reviewed_noticed_objection_dismissed_selected(live_app, new_page, tmp_path):
    app, base = live_app
    app.config["TODAY"] = START
    ids = seed(app)

    # The secretary declares a frontline employee (not a Party member) with a photo.
    sec = new_page()
    log_in(sec, base, "shuji")
    sec.click("nav.sidebar >> text=评选活动")
    sec.click("text=2026年度最美一线员工推选")
    sec.click("text=申报候选人")
    sec.fill("input[name=name]", "王建国")
    sec.fill("input[name=post]", "高炉炉前工")
    sec.fill("input[name=frontline_years]", "18")
    sec.select_option("select[name=category_id]", label="爱岗敬业")
    sec.fill("textarea[name=deed]", "扎根炉前一线十八年，带领班组攻克炉况波动难题，多次在抢修中挺身而出。")
    sec.fill("input[name=recommenders]", "班组职工代表")
    sec.click("form button.primary")
    sec.wait_for_url("**/declarations/**")
    photo = tmp_path / "王建国.png"
    photo.write_bytes(PNG)
    sec.select_option("select[name=kind]", "photo")
    sec.set_input_files("input[type=file]", str(photo))
    sec.locator("form[enctype='multipart/form-data'] button[type=submit]").click()
    sec.wait_for_load_state()
    assert "材料已上传" in sec.content() and sec.locator("img.ts-photo").count() == 1
    assert "待单位审核" in sec.locator("h1").inner_text()
    declaration_url = sec.url

    # The unit committee recommends it.
    rev = new_page()
    log_in(rev, base, "shenhe")
    approve(rev, declaration_url, "事迹突出，同意推荐。")
    assert "已推荐，待集团审核" in rev.content()

    # The group approves and publishes the notice.
    admin = new_page()
    admin.on("dialog", lambda dialog: dialog.accept())
    log_in(admin, base, "xuanchuan")
    approve(admin, declaration_url, "同意入围公示。")
    admin.goto(f"{base}/typical-staff/campaigns/{ids['campaign']}")
    admin.click("button:has-text('发布公示')")
    admin.wait_for_url("**/notice")
    window = admin.locator(".notice-window").inner_text()
    assert "2026年9月30日 至 2026年10月12日" in window

    # During the holiday-spanning window, another branch's secretary objects.
    app.config["TODAY"] = date(2026, 10, 9)
    other = new_page()
    log_in(other, base, "shuji2")
    other.click("nav.sidebar >> text=人选公示")
    other.click("text=2026年度最美一线员工推选")
    assert "公示中" in other.locator(".notice-window").inner_text()
    row = other.locator("table.notice-list tbody tr", has_text="王建国")
    row.locator("summary").click()
    row.locator("textarea[name=reason]").fill("据反映其曾有违章作业记录，请核实。")
    row.locator("button", has_text="提交异议").click()
    other.wait_for_load_state()
    assert "异议已提交" in other.content() and "马书记" not in other.locator("table.notice-list").inner_text()

    # The organiser sees who objected, investigates and dismisses it; selection waits for the window.
    admin.goto(f"{base}/typical-staff/campaigns/{ids['campaign']}/notice")
    objection = admin.locator("table.objections tbody tr", has_text="违章作业")
    assert "马书记" in objection.inner_text()
    objection.locator("input[value=dismissed]").check()
    objection.locator("textarea[name=resolution]").fill("经核实，该记录系同名他人，异议不成立。")
    objection.locator("button", has_text="记录处理结果").click()
    admin.wait_for_load_state()
    assert "异议不成立" in admin.locator("table.objections").inner_text()
    assert admin.locator("button:has-text('确定评选结果')").count() == 0  # the window is still open

    app.config["TODAY"] = date(2026, 10, 13)
    admin.reload()
    admin.click("button:has-text('确定评选结果')")
    admin.wait_for_url("**/publicity")
    assert "1 人当选" in admin.content()
    assert "王建国" in admin.locator("table.selected-list").inner_text()

    # The secretary sees the outcome on her declaration and her branch dashboard.
    sec.goto(declaration_url)
    assert "当选" in sec.locator("h1").inner_text()
    sec.goto(f"{base}/branches/{ids['b1']}/dashboard")
    assert "王建国（2026）" in sec.content()

    # Her bell told her each step of her candidate (the objection without who or why).
    sec.goto(f"{base}/notifications")
    notes = sec.locator("table.list").inner_text()
    for step in ("王建国已通过单位党委审核", "王建国已通过集团审核", "王建国入围公示", "王建国在公示期间收到异议",
                 "异议不成立", "王建国当选"):
        assert step in notes, step
    assert "马书记" not in notes and "违章" not in notes

    # The organiser issues the honour certificate and the pictorial from the result page.
    certificate = issue_and_download(admin, "出具荣誉证书")
    text = pdf_text(certificate)
    assert "王建国" in text and "最美一线员工" in text and "荣誉证书" in text
    admin.goto(f"{base}/typical-staff/campaigns/{ids['campaign']}/publicity")
    pictorial = issue_and_download(admin, "出具电子画报")
    text = pdf_text(pictorial)
    assert "电子画报" in text and "王建国" in text and "扎根炉前一线十八年" in text

    # The secretary finds her employee's certificate from the result page and downloads it.
    sec.goto(f"{base}/typical-staff/campaigns/{ids['campaign']}/publicity")
    sec.click("text=已出具的荣誉证书")
    sec.wait_for_url("**/documents?**")
    row = sec.locator("table.list tbody tr", has_text="王建国")
    assert row.count() == 1 and sec.locator("button:has-text('出具荣誉证书')").count() == 0
    name, pdf = download(sec, lambda: row.locator("text=下载").click())
    assert name.endswith(".pdf") and "王建国" in name and pdf.startswith(b"%PDF-")
    assert "王建国" in pdf_text(pdf)
