"""The 最美一线员工 honour certificate through the documents hook: only the selected, only
after selection; the PDF names the person and the deed category; /verify shows the paper."""
from __future__ import annotations

import shutil
from datetime import date, timedelta

import pytest

from core.documents.service import RenderSettings, issue
from core.documents.types import DocumentRefused, IssueRequest, document_types
from plugins.typical_staff import services
from tests.plugins.typical_staff.conftest import TODAY


def _issue(app, db):
    return issue(db, document_types(app), IssueRequest(doc_type="frontline_certificate", period_key="2026"),
                 RenderSettings.from_app(app, "http://verify.test/"))


def test_certificates_for_the_selected_only_after_selection(app, db, client, world, shortlisted):
    c, a, b = shortlisted
    with pytest.raises(DocumentRefused):  # nobody selected yet
        _issue(app, db)
    db.rollback()
    services.publish_notice(db, world.admin, c, today=TODAY + timedelta(days=2))
    db.commit()
    services.select_winners(db, world.admin, c, today=date(2026, 12, 31))
    db.commit()
    result = _issue(app, db)
    db.commit()
    assert sorted(d.recipient for d in result.documents) == ["李秀英", "王建国"]
    if shutil.which("pdftotext"):
        from tests.core.documents.pdf_tools import pdf_text
        text = pdf_text(result.pdfs[0]).replace(" ", "")
        assert "最美一线员工" in text and result.documents[0].recipient in text
    page = client.get(f"/verify/{result.documents[0].serial}").get_data(as_text=True)
    assert "最美一线员工荣誉证书" in page and "事迹类别" in page


def _png() -> bytes:
    """A real 2 × 2 red PNG (the pictorial embeds it)."""
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
    raw = b"".join(b"\x00" + b"\xcc\x00\x00" * 2 for _ in range(2))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def test_the_pictorial_has_every_selected_employee_with_photo_and_deed(app, db, world, shortlisted):
    from pathlib import Path

    from plugins.typical_staff.models import DeclarationFile

    c, a, b = shortlisted
    data = _png()
    folder = Path(app.config["UPLOAD_DIR"]) / "typical_staff"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "photo-a.png").write_bytes(data)
    db.add(DeclarationFile(declaration_id=a.id, kind="photo", original_name="王建国.png", stored_name="photo-a.png",
                           content_type="image/png", size=len(data)))
    services.publish_notice(db, world.admin, c, today=TODAY + timedelta(days=2))
    services.select_winners(db, world.admin, c, today=date(2026, 12, 31))
    db.commit()
    result = issue(db, document_types(app), IssueRequest(doc_type="frontline_pictorial", period_key="2026"),
                   RenderSettings.from_app(app, "http://verify.test/"))
    db.commit()
    assert [d.recipient for d in result.documents] == [c.title]
    pdf = result.pdfs[0]
    assert pdf.count(b"/Subtype /Image") >= 2  # the photo (and the QR code) are embedded
    if shutil.which("pdftotext"):
        from tests.core.documents.pdf_tools import pdf_text
        text = pdf_text(pdf).replace(" ", "")
        assert "王建国" in text and "李秀英" in text and "电子画报" in text
