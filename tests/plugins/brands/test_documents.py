"""品牌命名证书 through the documents hook: only brands named in the year, only where
the plugin is enabled; the PDF names the branch and the brand; /verify shows the paper."""
from __future__ import annotations

import shutil

import pytest

from core.documents.service import RenderSettings, issue
from core.documents.types import DocumentRefused, IssueRequest, document_types


def test_named_brands_get_a_naming_certificate(app, db, client, world, walk):
    walk()                                   # LG01 named on 10 Mar 2026
    walk(branch=world["a2"], upto="accepted", secretary=world["other_secretary"])  # accepted only: none
    types = document_types(app)
    assert types["brand_certificate"].plugin == "brands"
    result = issue(db, types, IssueRequest(doc_type="brand_certificate", period_key="2026"),
                   RenderSettings.from_app(app, "http://verify.test/"))
    db.commit()
    assert [d.recipient for d in result.documents] == ["一号转炉作业区党支部"]
    if shutil.which("pdftotext"):
        from tests.core.documents.pdf_tools import pdf_text
        text = pdf_text(result.pdfs[0]).replace(" ", "")  # the heading is letter-spaced
        assert "品牌命名证书" in text and "铁军先锋" in text and "一号转炉作业区党支部" in text
    page = client.get(f"/verify/{result.documents[0].serial}").get_data(as_text=True)
    assert "铁军先锋" in page and "2026年3月10日" in page


def test_no_certificate_for_another_year_or_an_unnamed_branch(app, db, world, walk):
    walk()
    types = document_types(app)
    with pytest.raises(DocumentRefused, match="没有命名的党建品牌"):
        issue(db, types, IssueRequest(doc_type="brand_certificate", period_key="2026", branch_ids=[world["a2"].id]),
              RenderSettings.from_app(app, "http://verify.test/"))
    with pytest.raises(DocumentRefused, match="按年度"):
        issue(db, types, IssueRequest(doc_type="brand_certificate", period_key="2026Q1"),
              RenderSettings.from_app(app, "http://verify.test/"))
    with pytest.raises(DocumentRefused, match="没有可出具的文书"):
        issue(db, types, IssueRequest(doc_type="brand_certificate", period_key="2025"),
              RenderSettings.from_app(app, "http://verify.test/"))


def test_route_sheet_lists_the_stops_in_order_with_their_brands(app, db, world, walk):
    from plugins.brands.showcase import add_stop, create_route

    walk()
    route = create_route(db, actor=world["admin"], name="主业线", description="主业生产一线观摩")
    add_stop(db, route, actor=world["admin"], branch_code="LG02", note="连铸现场")
    add_stop(db, route, actor=world["admin"], branch_code="LG01", note="党员责任区")
    db.commit()
    result = issue(db, document_types(app), IssueRequest(doc_type="route_sheet", period_key="2026"),
                   RenderSettings.from_app(app, "http://verify.test/"))
    db.commit()
    assert [d.recipient for d in result.documents] == ["主业线"]
    if shutil.which("pdftotext"):
        from tests.core.documents.pdf_tools import pdf_text
        text = pdf_text(result.pdfs[0]).replace(" ", "")
        assert text.index("连铸作业区党支部") < text.index("一号转炉作业区党支部") and "铁军先锋" in text
