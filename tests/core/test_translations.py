"""Chinese by default, English selectable: the en catalog is complete and used."""
from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

import core

PO = Path(core.__file__).parent / "translations" / "en" / "LC_MESSAGES" / "messages.po"


@pytest.fixture(scope="module", autouse=True)
def compiled_catalog():
    """Set-up compiles the catalog (`make run`/`make test`); compile it here if missing."""
    mo = PO.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < PO.stat().st_mtime:
        with open(PO, "rb") as f:
            catalog = read_po(f)
        with open(mo, "wb") as f:
            write_mo(f, catalog)


def _catalog():
    with open(PO, "rb") as f:
        return read_po(f)


def test_english_catalog_translates_every_message():
    untranslated = [m.id for m in _catalog() if m.id and not m.string]
    assert untranslated == []


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


def test_unknown_language_is_ignored(client):
    client.post("/language/xx")
    assert "登录" in client.get("/login").get_data(as_text=True)
