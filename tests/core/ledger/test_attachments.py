"""Attachments: size and type limits checked by extension and content, stored outside
the web root under random names, downloaded only by those who may see the record."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from core.ledger.models import ActivityRecord, Attachment
from core.ledger.storage import UploadRefused, check_upload

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _docx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


@pytest.fixture
def record(client, login, secretary, branch, members, db):
    login(secretary)
    data = {"type": "party_lecture", "held_on": "2026-03-10", "topic": "党课", **{f"present_{m.id}": "1" for m in members}}
    assert client.post(f"/ledger/branch/{branch.id}/new", data=data).status_code == 302
    return db.scalar(select(ActivityRecord))


def _upload(client, record, name, content):
    return client.post(f"/ledger/record/{record.id}/attachments",
                       data={"file": (io.BytesIO(content), name)}, content_type="multipart/form-data",
                       follow_redirects=True)


def test_pdf_is_stored_under_random_name_outside_web_root(client, record, db, app):
    r = _upload(client, record, "会议纪要.pdf", PDF)
    assert "附件已上传" in r.get_data(as_text=True)
    att = db.scalar(select(Attachment))
    assert att.original_name == "会议纪要.pdf" and att.size == len(PDF)
    assert "会议纪要" not in att.stored_name and att.stored_name.endswith(".pdf") and len(att.stored_name) > 30
    path = Path(app.config["UPLOAD_DIR"]) / att.stored_name
    assert path.read_bytes() == PDF
    assert Path(app.static_folder) not in path.parents


def test_download_is_an_attachment_with_chinese_filename(client, record, db):
    _upload(client, record, "会议纪要.pdf", PDF)
    att = db.scalar(select(Attachment))
    with client.get(f"/ledger/attachment/{att.id}") as r:  # closing it closes the sent file
        assert r.status_code == 200 and r.data == PDF
        cd = r.headers["Content-Disposition"]
        assert cd.startswith("attachment;")
        assert "filename*=UTF-8''%E4%BC%9A%E8%AE%AE%E7%BA%AA%E8%A6%81.pdf" in cd
        assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_other_branch_secretary_cannot_download(client, record, db, make_user, make_branch, unit, login):
    _upload(client, record, "a.pdf", PDF)
    att = db.scalar(select(Attachment))
    c2 = client.application.test_client()
    login(make_user("secretary", branch=make_branch(unit=unit)), c2)
    assert c2.get(f"/ledger/attachment/{att.id}").status_code == 404


def test_too_large_attachment_is_refused(client, record, db, app, table_counts):
    app.config["ATTACHMENT_MAX_BYTES"] = 100
    before = table_counts()
    r = _upload(client, record, "大文件.pdf", PDF + b"0" * 200)
    assert "文件过大" in r.get_data(as_text=True)
    assert table_counts() == before
    assert list(Path(app.config["UPLOAD_DIR"]).iterdir()) == []


def test_forbidden_type_is_refused(client, record, app, table_counts):
    before = table_counts()
    r = _upload(client, record, "脚本.exe", b"MZ\x90\x00")
    assert "不允许上传该类型" in r.get_data(as_text=True)
    assert table_counts() == before


def test_disguised_type_is_refused(client, record, app, table_counts):
    before = table_counts()
    r = _upload(client, record, "照片.png", b"MZ\x90\x00 not really a png")
    assert "文件内容与扩展名" in r.get_data(as_text=True)
    assert table_counts() == before
    assert list(Path(app.config["UPLOAD_DIR"]).iterdir()) == []


def test_locked_period_refuses_attachment_upload(client, record, close_period, app, table_counts):
    close_period("2026-03")
    before = table_counts()
    r = _upload(client, record, "a.pdf", PDF)
    assert "已结账锁定" in r.get_data(as_text=True)
    assert table_counts() == before
    assert list(Path(app.config["UPLOAD_DIR"]).iterdir()) == []


def test_locked_period_refuses_attachment_delete(client, record, close_period, db, table_counts):
    _upload(client, record, "a.pdf", PDF)
    att = db.scalar(select(Attachment))
    close_period("2026Q1")
    before = table_counts()
    r = client.post(f"/ledger/attachment/{att.id}/delete", follow_redirects=True)
    assert "已结账锁定" in r.get_data(as_text=True)
    assert table_counts() == before


@pytest.mark.parametrize("name,data", [
    ("a.pdf", PDF), ("a.png", PNG), ("a.jpg", b"\xff\xd8\xff\xe0rest"), ("a.docx", None),
    ("a.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest"), ("说明.txt", "中文说明".encode()),
])
def test_real_files_pass_the_check(name, data):
    data = _docx() if data is None else data
    checked = check_upload(name, data, max_bytes=10_000, extensions=["pdf", "png", "jpg", "docx", "xls", "txt"])
    assert checked.original_name == name


@pytest.mark.parametrize("name,data,message", [
    ("a.docx", b"PK\x03\x04junk", "不符"),
    ("a.xlsx", None, "不符"),           # a Word package renamed .xlsx
    ("a.txt", b"abc\x00def", "不符"),
    ("a.pdf", b"", "为空"),
    ("noext", PDF, "不允许"),
    ("", PDF, "请选择"),
])
def test_bad_files_are_refused(name, data, message):
    data = _docx() if data is None else data
    with pytest.raises(UploadRefused, match=message):
        check_upload(name, data, max_bytes=10_000, extensions=["pdf", "docx", "xlsx", "txt"])


def test_path_in_filename_is_dropped(client, record, db, app):
    _upload(client, record, "../../etc/会议.pdf", PDF)
    att = db.scalar(select(Attachment))
    assert att.original_name == "会议.pdf"
    assert (Path(app.config["UPLOAD_DIR"]) / att.stored_name).is_file()
