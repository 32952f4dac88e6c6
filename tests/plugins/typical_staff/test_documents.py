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
