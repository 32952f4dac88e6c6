"""The 最美一线员工 honour certificate through the documents hook: only the selected, only
after selection; the PDF names the person and the deed category; /verify shows the paper."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from core.documents.service import RenderSettings, issue
from core.documents.types import DocumentRefused, IssueRequest, document_types
from tests.core.documents.pdf_tools import pdf_text
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
    text = pdf_text(result.pdfs[0]).replace(" ", "")  # pdftotext: make test installs poppler-utils
    assert "最美一线员工" in text and result.documents[0].recipient in text
    page = client.get(f"/verify/{result.documents[0].serial}").get_data(as_text=True)
    assert "最美一线员工荣誉证书" in page and "事迹类别" in page


def embedded_image_sizes(pdf: bytes) -> list[tuple[int, int]]:
    """(width, height) of every image XObject the PDF's pages draw."""
    import io

    import pypdf

    sizes = []
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        xobjects = page["/Resources"].get("/XObject", {})
        for ref in xobjects.values():
            obj = ref.get_object()
            if obj.get("/Subtype") == "/Image":
                sizes.append((int(obj["/Width"]), int(obj["/Height"])))
    return sizes


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
    assert (2, 2) in embedded_image_sizes(pdf)  # 王建国's 2 × 2 photo is in the PDF (beside the QR code)
    text = pdf_text(pdf).replace(" ", "")
    assert "王建国" in text and "李秀英" in text and "电子画报" in text


def test_the_result_page_issues_the_documents_for_organisers_only(app, db, world, login, shortlisted):
    """The result page's buttons post the documents page's own issue form (the core
    issues, registers and audits); the branch finds its certificate through the link."""
    import re

    from core.documents.models import IssuedDocument

    c, a, b = shortlisted
    services.publish_notice(db, world.admin, c, today=TODAY)
    services.select_winners(db, world.admin, c, today=date(2026, 10, 13))
    db.commit()
    url = f"/typical-staff/campaigns/{c.id}/publicity"
    admin = login(world.admin, app.test_client())
    page = admin.get(url).get_data(as_text=True)
    forms = re.findall(r'<form method="post" action="/documents/issue".*?</form>', page, re.S)
    assert len(forms) == 2
    fields = dict(re.findall(r'name="(issue-(?:doc_type|period|unit))" value="([^"]*)"', forms[0]))
    assert fields == {"issue-doc_type": "frontline_certificate", "issue-period": "2026", "issue-unit": ""}
    r = admin.post("/documents/issue", data=fields)
    assert r.status_code == 302 and "/documents" in r.headers["Location"]
    assert sorted(db.scalars(select(IssuedDocument.recipient).where(
        IssuedDocument.doc_type == "frontline_certificate"))) == ["李秀英", "王建国"]
    sec = login(world.secretary_a, app.test_client())
    page = sec.get(url).get_data(as_text=True)
    assert "/documents/issue" not in page and "type=frontline_certificate" in page
    register = sec.get("/documents?type=frontline_certificate&period=2026").get_data(as_text=True)
    assert "王建国" in register and "李秀英" not in register  # her branch's certificate only
