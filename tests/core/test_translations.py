"""Chinese by default, English selectable: the en catalog is complete and used."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

import core

PO = Path(core.__file__).parent / "translations" / "en" / "LC_MESSAGES" / "messages.po"


@pytest.fixture(scope="module", autouse=True)
def compiled_catalog():
    """Set-up compiles the catalog (`make run`/`make test`); compile it here if missing
    (into a file of this process, then renamed: other xdist workers may be reading it)."""
    mo = PO.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < PO.stat().st_mtime:
        with open(PO, "rb") as f:
            catalog = read_po(f)
        tmp = mo.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as f:
            write_mo(f, catalog)
        os.replace(tmp, mo)


def _catalog():
    with open(PO, "rb") as f:
        return read_po(f)


@pytest.mark.database_independent  # reads the catalog file only
def test_english_catalog_translates_every_message():
    untranslated = [m.id for m in _catalog() if m.id and not m.string]
    assert untranslated == []


@pytest.mark.database_independent  # reads the catalog file only
def test_english_catalog_keeps_every_placeholder():
    catalog = _catalog()
    assert [(m.id, errors) for m in catalog for errors in [m.check(catalog)] if errors] == []


def test_login_page_is_chinese_by_default(client):
    page = client.get("/login").get_data(as_text=True)
    assert "星级党支部管理平台" in page and "Log in" not in page


def test_switching_to_english_shows_english_login_page(client):
    r = client.post("/language/en")
    assert r.status_code == 302
    page = client.get("/login").get_data(as_text=True)
    assert "Log in" in page and "Star Party Branch Platform" in page
    assert "星级党支部管理平台" not in page
    client.post("/language/zh_CN")
    assert "登录" in client.get("/login").get_data(as_text=True)


def test_user_language_is_remembered_on_the_account(client, db, make_user, login):
    user = make_user("admin")
    login(user)
    client.post("/language/en")
    db.refresh(user)
    assert user.locale == "en"
    assert "Log out" in client.get("/").get_data(as_text=True)


def test_language_chosen_on_the_login_page_wins_over_the_saved_one(client, db, make_user, login):
    user = make_user("admin")
    assert user.locale == "zh_CN"
    client.post("/language/en")
    login(user)
    assert "Log out" in client.get("/").get_data(as_text=True)
    db.refresh(user)
    assert user.locale == "en"


def test_unknown_language_is_ignored(client):
    client.post("/language/xx")
    assert "登录" in client.get("/login").get_data(as_text=True)


def test_service_refusal_follows_the_ui_language(client, db, make_user, login):
    """A refusal raised in a service is translated where it is raised: Chinese outside
    a request (CLI, Celery) and for a Chinese UI, English once the user chose English."""
    from core.org.services import OrgError
    from core.users.services import set_user_active

    admin = make_user("admin")
    with pytest.raises(OrgError) as refused:  # app context, no request: the source language
        set_user_active(db, admin, False, actor=admin)
    assert str(refused.value) == "不能停用自己的账号。"

    login(admin)
    page = client.post(f"/admin/users/{admin.id}/deactivate", follow_redirects=True).get_data(as_text=True)
    assert "不能停用自己的账号。" in page
    client.post("/language/en")
    page = client.post(f"/admin/users/{admin.id}/deactivate", follow_redirects=True).get_data(as_text=True)
    assert "You cannot deactivate your own account." in page and "不能停用自己的账号" not in page
    db.refresh(admin)
    assert admin.active


def test_service_refusal_placeholders_are_filled_in_english(app):
    from flask_babel import force_locale

    from core.ledger.storage import UploadRefused, check_upload

    with app.test_request_context(), force_locale("en"):
        with pytest.raises(UploadRefused) as refused:
            check_upload("notes", b"x", max_bytes=10, extensions=["pdf"])
    assert str(refused.value) == "Files of this type (.no extension) cannot be uploaded; allowed types: pdf."
    with app.test_request_context(), force_locale("zh_CN"):
        with pytest.raises(UploadRefused) as refused:
            check_upload("notes", b"x", max_bytes=10, extensions=["pdf"])
    assert str(refused.value) == "不允许上传该类型的文件（.无扩展名）；允许的类型：pdf。"


def test_import_errors_follow_the_ui_language(app):
    """Excel import errors: the sheet/row/column prefix and the cell texts are translated;
    the sheet and column names stay the template's own Chinese headers."""
    from flask_babel import force_locale

    from core.org.services import check_member_values
    from core.xlsx import CellError

    values = {"gender": "x", "status": "full"}
    with app.test_request_context(), force_locale("en"):
        (field, message), = check_member_values(values)
        assert (field, message) == ("gender", "Gender must be 男 (male) or 女 (female).")
        assert str(CellError("党员", 3, "性别", message)) == \
            "Sheet “党员”, row 3, column “性别”: Gender must be 男 (male) or 女 (female)."
    with app.test_request_context(), force_locale("zh_CN"):
        (field, message), = check_member_values(values)
        assert str(CellError("党员", 3, "性别", message)) == "工作表“党员”第 3 行“性别”列：性别应为：男、女。"
        assert str(CellError("党员", 1, "", "工作表为空，缺少表头。")) == "工作表“党员”第 1 行：工作表为空，缺少表头。"


def test_field_names_in_refusals_are_translated_too(app):
    from flask_babel import force_locale

    from core.indicators.admin import clean_settings
    from core.indicators.catalogue import CatalogueError

    with app.test_request_context(), force_locale("en"):
        with pytest.raises(CatalogueError) as refused:
            clean_settings({"late_factor": "0.5", "attendance_low": "1.5"})
    assert str(refused.value) == "Attendance lower bound must be between 0 and 1."
    with app.test_request_context(), force_locale("zh_CN"):
        with pytest.raises(CatalogueError) as refused:
            clean_settings({"late_factor": "0.5", "attendance_low": "1.5"})
    assert str(refused.value) == "出勤率下限须在 0 到 1 之间。"


def test_dates_and_periods_follow_the_ui_language(app):
    from datetime import date, datetime

    from core.formatting import cn_date, cn_period

    with app.test_request_context():
        from flask import session
        session["locale"] = "en"
        assert (cn_period("quarter", 2026, 3), cn_period("month", 2026, 11), cn_period("year", 2026, 0)) == \
            ("Q3 2026", "Nov 2026", "Year 2026")
        assert cn_date(date(2026, 11, 24)) == "24 Nov 2026"
        assert cn_date(datetime(2026, 11, 24, 1, 5)) == "24 Nov 2026 09:05"
    assert cn_period("quarter", 2026, 3) == "2026年第三季度"  # outside a request: the source language
