"""The public /verify page (valid, revoked, unknown; only what the paper shows) and who
may see and download which documents."""
from __future__ import annotations

import pytest

from core.documents.service import revoke
from tests.core.documents.pdf_tools import NEEDS_POPPLER

pytestmark = NEEDS_POPPLER


@pytest.fixture
def issued(graded_year, issue_docs, make_unit, make_branch):
    lg, zg = make_unit(name="炼钢厂党委"), make_unit(name="轧钢厂党委")
    a = make_branch(unit=lg, name="炼钢厂一号转炉作业区党支部", code="LG-001")
    b = make_branch(unit=zg, name="轧钢厂热轧作业区党支部", code="ZG-001")
    graded_year({a: 5, b: 4})
    certs = {d.branch_id: d for d in issue_docs("certificate", "2025").documents}
    decision = issue_docs("decision", "2025").documents[0]
    return {"lg": lg, "zg": zg, "a": a, "b": b, "cert_a": certs[a.id], "cert_b": certs[b.id], "decision": decision}


def test_verify_shows_a_valid_document_without_login(client, issued):
    doc = issued["cert_a"]
    r = client.get(f"/verify/{doc.serial}")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "有效" in html and doc.serial in html and "炼钢厂一号转炉作业区党支部" in html and "五星级党支部" in html


def test_verify_shows_only_what_the_paper_shows(client, issued):
    doc = issued["cert_a"]
    html = client.get(f"/verify/{doc.serial}").get_data(as_text=True)
    for hidden in ("LG-001", doc.content_hash, doc.file_hash, "/documents/", "/analysis", "退出", "总分", "99.00"):
        assert hidden not in html, hidden
    printed = [value for _label, value in doc.fields]
    assert all(value in html for value in printed)


def test_verify_says_revoked_for_a_revoked_document(client, db, issued):
    doc = issued["cert_a"]
    revoke(db, doc, "证书信息有误")
    db.commit()
    html = client.get(f"/verify/{doc.serial}").get_data(as_text=True)
    assert "已作废" in html and "有效</strong>" not in html


def test_verify_of_an_unknown_serial_is_a_clear_404(client, issued):
    r = client.get("/verify/2025-XXXX-XXXX-XXXX")
    assert r.status_code == 404
    assert "未找到编号为 2025-XXXX-XXXX-XXXX 的文书" in r.get_data(as_text=True)


def test_revoking_needs_a_reason(db, issued):
    from core.documents.types import DocumentRefused

    with pytest.raises(DocumentRefused, match="原因"):
        revoke(db, issued["cert_a"], "  ")
    assert not issued["cert_a"].is_revoked


def test_secretary_downloads_her_branch_documents_only(app, client, issued, make_user, login):
    login(make_user("secretary", branch=issued["a"]))
    r = client.get(f"/documents/{issued['cert_a'].id}/download")
    assert r.status_code == 200 and r.data.startswith(b"%PDF")
    assert client.get(f"/documents/{issued['cert_b'].id}/download").status_code == 404
    assert client.get(f"/documents/{issued['decision'].id}/download").status_code == 404
    listing = client.get("/documents").get_data(as_text=True)
    assert issued["cert_a"].serial in listing and issued["cert_b"].serial not in listing


def test_reviewer_downloads_his_units_and_group_documents(client, issued, make_user, login):
    login(make_user("reviewer", units=[issued["lg"]]))
    assert client.get(f"/documents/{issued['cert_a'].id}/download").status_code == 200
    assert client.get(f"/documents/{issued['cert_b'].id}/download").status_code == 404
    assert client.get(f"/documents/{issued['decision'].id}/download").status_code == 200


def test_admin_revokes_from_the_detail_page_and_others_cannot(client, app, db, issued, make_user, login):
    other = app.test_client()
    login(make_user("reviewer", units=[issued["lg"]]), c=other)
    assert other.post(f"/documents/{issued['cert_a'].id}/revoke", data={"reason": "x"}).status_code == 404
    login(make_user("admin"))
    r = client.post(f"/documents/{issued['cert_a'].id}/revoke", data={"reason": ""})
    db.refresh(issued["cert_a"])
    assert r.status_code == 302 and not issued["cert_a"].is_revoked
    client.post(f"/documents/{issued['cert_a'].id}/revoke", data={"reason": "名称错误"})
    db.refresh(issued["cert_a"])
    assert issued["cert_a"].is_revoked and issued["cert_a"].revoke_reason == "名称错误"


def test_secretary_cannot_issue(client, issued, make_user, login):
    login(make_user("secretary", branch=issued["a"]))
    r = client.post("/documents/issue", data={"issue-doc_type": "certificate", "issue-period": "2025"})
    assert r.status_code == 404
