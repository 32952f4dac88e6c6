"""The honours register (荣誉): reviewers and admins write in their scope, with evidence
and audit; everyone reads in scope."""
from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest

from openpyxl import load_workbook
from sqlalchemy import select

from core.audit.models import AuditEntry
from core.honours.models import Honour


def form(**kw):
    data = {"title": "先进基层党组织", "level": "city", "issuer": "中共某市委", "awarded_on": "2026-01-15", "note": ""}
    data.update(kw)
    return data


def test_reviewer_records_honour_with_evidence_and_audit(app, client, db, login, make_user, two_units):
    rev = make_user("reviewer", units=[two_units["ua"]])
    login(rev)
    branch = two_units["a"]
    r = client.post(f"/branches/{branch.id}/honours/new", data=form(evidence=(io.BytesIO(b"%PDF-1.4 scan"), "证书.pdf")),
                    content_type="multipart/form-data")
    assert r.status_code == 302
    h = db.scalar(select(Honour))
    assert (h.title, h.level, h.unit_id, h.evidence_name) == ("先进基层党组织", "city", branch.unit_id, "证书.pdf")
    assert h.evidence_path != "证书.pdf"
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "honour.create"))
    assert entry.user_id == rev.id and entry.new["title"] == "先进基层党组织"
    page = client.get(f"/branches/{branch.id}/honours").get_data(as_text=True)
    assert "先进基层党组织" in page and "市级" in page and "2026年1月15日" in page
    with client.get(f"/honours/{h.id}/evidence") as dl:  # closing it closes the sent file
        assert dl.status_code == 200 and dl.data == b"%PDF-1.4 scan"


def test_bad_input_rerenders_with_chinese_errors_and_writes_nothing(client, db, login, make_user, two_units):
    login(make_user("admin"))
    r = client.post(f"/branches/{two_units['a'].id}/honours/new", data=form(title="", awarded_on="昨天"))
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "请填写荣誉名称" in html and "请填写授予日期" in html
    assert db.scalar(select(Honour)) is None


def test_future_date_and_bad_evidence_type_refused(client, db, login, make_user, two_units):
    login(make_user("admin"))
    r = client.post(f"/branches/{two_units['a'].id}/honours/new", data=form(awarded_on="2099-01-01"))
    assert "授予日期不能晚于今天" in r.get_data(as_text=True)
    r = client.post(f"/branches/{two_units['a'].id}/honours/new",
                    data=form(evidence=(io.BytesIO(b"MZ"), "virus.exe")), content_type="multipart/form-data")
    assert "不允许上传该类型的文件" in r.get_data(as_text=True)
    assert db.scalar(select(Honour)) is None


def test_reviewer_cannot_write_honours_of_other_unit(client, login, make_user, two_units, unchanged):
    login(make_user("reviewer", units=[two_units["ua"]]))
    assert client.get(f"/branches/{two_units['b'].id}/honours/new").status_code == 404
    with unchanged():
        assert client.post(f"/branches/{two_units['b'].id}/honours/new", data=form()).status_code == 404


def test_secretary_reads_own_honours_but_cannot_write(client, login, make_user, make_honour, two_units):
    h = make_honour(two_units["a"])
    login(make_user("secretary", branch=two_units["a"]))
    html = client.get(f"/branches/{two_units['a'].id}/honours").get_data(as_text=True)
    assert "先进基层党组织" in html and "登记荣誉" not in html
    assert client.get(f"/branches/{two_units['a'].id}/honours/new").status_code == 404
    assert client.post(f"/honours/{h.id}/delete").status_code == 404
    assert client.get(f"/branches/{two_units['b'].id}/honours").status_code == 404


def test_edit_with_stale_version_is_refused(client, db, login, make_user, make_honour, two_units):
    h = make_honour(two_units["a"])
    login(make_user("admin"))
    r = client.post(f"/honours/{h.id}/edit", data=form(title="新名称", version="0"))
    assert "已被他人修改" in r.get_data(as_text=True)
    r = client.post(f"/honours/{h.id}/edit", data=form(title="新名称", version=str(h.version)))
    assert r.status_code == 302
    db.refresh(h)
    assert h.title == "新名称" and h.version == 2
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "honour.update"))
    assert entry.old == {"title": "先进基层党组织"} and entry.new == {"title": "新名称"}


def test_delete_is_audited(client, db, login, make_user, make_honour, two_units):
    h = make_honour(two_units["a"])
    login(make_user("admin"))
    assert client.post(f"/honours/{h.id}/delete").status_code == 302
    assert db.scalar(select(Honour)) is None
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "honour.delete")).old["title"] == "先进基层党组织"


def test_register_is_scoped_filtered_and_exported(client, login, make_user, make_honour, two_units):
    make_honour(two_units["a"], title="=1+1", level="provincial", awarded_on=date(2025, 5, 1))
    make_honour(two_units["b"], title="五四红旗团支部", level="city")
    login(make_user("reviewer", units=[two_units["ua"]]))
    html = client.get("/honours").get_data(as_text=True)
    assert "=1+1" in html and "五四红旗团支部" not in html
    login(make_user("admin"))
    assert "五四红旗团支部" not in client.get("/honours?level=provincial").get_data(as_text=True)
    assert "五四红旗团支部" in client.get("/honours?year=2026").get_data(as_text=True)
    assert "尚无荣誉记录" in client.get("/honours?q=不存在").get_data(as_text=True)
    ws = load_workbook(io.BytesIO(client.get("/honours.xlsx").data)).active
    titles = {row[2].value: row for row in ws.iter_rows(min_row=2)}
    assert "=1+1" in titles and titles["=1+1"][2].data_type == "s", "typed text, never a formula"
    assert "五四红旗团支部" in titles
    awarded = titles["五四红旗团支部"][5]
    assert awarded.is_date and awarded.number_format == 'yyyy"年"m"月"d"日"', "a date cell shown in Chinese"


def test_evidence_download_is_scoped(app, client, db, login, make_user, make_honour, two_units, tmp_path):
    from core.honours.services import save_evidence

    name, stored = save_evidence(app.config["UPLOAD_DIR"], "a.pdf", b"%PDF-x", allowed=["pdf"], max_bytes=10)
    h = make_honour(two_units["b"], evidence_name=name, evidence_path=stored)
    login(make_user("reviewer", units=[two_units["ua"]]))
    assert client.get(f"/honours/{h.id}/evidence").status_code == 404


@pytest.mark.parametrize("name, data", [
    ("证书.pdf", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"),   # SVG renamed
    ("证书.png", b"<html><script>alert(1)</script></html>"),                     # HTML renamed
    ("证书.svg", b"<svg/>"),
])
def test_disguised_or_active_evidence_is_refused_and_nothing_written(app, client, db, login, make_user, two_units,
                                                                       name, data):
    login(make_user("admin"))
    r = client.post(f"/branches/{two_units['a'].id}/honours/new", data=form(evidence=(io.BytesIO(data), name)),
                    content_type="multipart/form-data")
    assert r.status_code == 200 and "证明材料" in r.get_data(as_text=True)
    assert db.scalar(select(Honour)) is None
    folder = Path(app.config["UPLOAD_DIR"]) / "honours"
    assert not folder.exists() or list(folder.iterdir()) == []


def test_names_with_line_breaks_are_cleaned_and_still_download(app, client, db, login, make_user, two_units):
    login(make_user("admin"))
    branch = two_units["a"]
    r = client.post(f"/branches/{branch.id}/honours/new",
                    data=form(evidence=(io.BytesIO(b"%PDF-1.4 scan"), "证书\u202egdp.exe\t.pdf")),
                    content_type="multipart/form-data")
    assert r.status_code == 302
    h = db.scalar(select(Honour))
    assert h.evidence_name == "证书gdp.exe.pdf"  # no right-to-left override hiding the real extension
    # a row stored before names were cleaned must still download (it answered 500 forever)
    h.evidence_name = "旧\r\n名.pdf"
    db.commit()
    with client.get(f"/honours/{h.id}/evidence") as dl:
        assert dl.status_code == 200
        disposition = dl.headers["Content-Disposition"]
        assert "\r" not in disposition and "\n" not in disposition
        assert "filename*=UTF-8''" in disposition and 'filename=' in disposition
        assert dl.headers["X-Content-Type-Options"] == "nosniff"
