"""荣誉证书: content, QR code, fonts for rare characters, refusals, register rows."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.documents.models import IssuedDocument
from core.documents.render import RenderProblem
from core.documents.types import DocumentRefused
from tests.core.documents.pdf_tools import NEEDS_POPPLER, has_real_glyph, pdf_text, qr_codes

pytestmark = NEEDS_POPPLER
RARE = "喆堃玥䶮𠮷"


@pytest.fixture
def three(make_unit, make_branch):
    unit = make_unit(name="炼钢厂党委")
    return unit, [make_branch(unit=unit, name="炼钢厂一号转炉作业区党支部"),
                  make_branch(unit=unit, name="炼钢厂精炼作业区党支部"),
                  make_branch(unit=unit, name="炼钢厂二号连铸作业区党支部")]


def test_certificate_names_branch_unit_title_year_issuer_and_serial(graded_year, issue_docs, three):
    unit, (a, b, c) = three
    graded_year({a: 5, b: 3, c: 2})
    result = issue_docs("certificate", "2025")
    assert [d.recipient for d in result.documents] == [a.name, b.name]  # ★2 gets none
    text = pdf_text(result.pdfs[0])
    for expected in ("荣 誉 证 书", a.name, "炼钢厂党委", "2025年度", "五星级党支部", "特发此证", result.documents[0].serial):
        assert expected in text, expected
    assert "三星级党支部" in pdf_text(result.pdfs[1])
    assert len(result.pdfs[0]) <= 100 * 1024


def test_certificate_qr_code_decodes_to_its_verification_url(graded_year, issue_docs, three):
    unit, (a, b, c) = three
    graded_year({a: 4})
    result = issue_docs("certificate", "2025")
    assert qr_codes(result.pdfs[0]) == [f"http://verify.test/verify/{result.documents[0].serial}"]


def test_rare_characters_are_drawn_with_real_glyphs_from_the_fallback_fonts(graded_year, issue_docs, make_branch):
    branch = make_branch(name=f"王{RARE}党支部")
    graded_year({branch: 5})
    pdf = issue_docs("certificate", "2025").pdfs[0]
    assert f"王{RARE}党支部" in pdf_text(pdf)
    for char in RARE + "王":
        assert has_real_glyph(pdf, char), f"{char} (U+{ord(char):04X}) has no outline in the embedded fonts"


def test_glyph_check_sees_a_character_drawn_as_nothing(graded_year, issue_docs, make_branch):
    """The check itself can fail: a character never drawn is not reported as drawn."""
    branch = make_branch(name="普通党支部")
    graded_year({branch: 5})
    pdf = issue_docs("certificate", "2025").pdfs[0]
    assert has_real_glyph(pdf, "普") and not has_real_glyph(pdf, "𠮷")


def test_character_no_installed_font_has_refuses_issuing_and_names_it(app, db, graded_year, issue_docs, make_branch):
    branch = make_branch(name="测试\U00030000党支部")  # CJK Extension G: no Debian font of ours has it
    graded_year({branch: 5})
    with pytest.raises(RenderProblem) as info:
        issue_docs("certificate", "2025")
    db.rollback()
    assert "U+30000" in str(info.value) and "\U00030000" in str(info.value)
    assert db.scalar(select(func.count(IssuedDocument.id))) == 0
    assert not list((Path(app.config["UPLOAD_DIR"]) / "documents").glob("*.pdf"))


def test_certificates_refused_before_the_notice_is_final(db, graded_year, issue_docs, three):
    unit, (a, b, c) = three
    graded_year({a: 5}, notice="open")
    with pytest.raises(DocumentRefused, match="公示"):
        issue_docs("certificate", "2025")
    db.rollback()
    assert db.scalar(select(func.count(IssuedDocument.id))) == 0


def test_certificates_refused_for_a_window_that_is_not_closed(db, issue_docs, three):
    with pytest.raises(DocumentRefused, match="尚未结账"):
        issue_docs("certificate", "2024")


def test_reissuing_gives_a_new_serial_and_revokes_the_old_one(db, graded_year, issue_docs, three):
    unit, (a, b, c) = three
    graded_year({a: 5})
    first = issue_docs("certificate", "2025", branch_ids=[a.id]).documents[0]
    second = issue_docs("certificate", "2025", branch_ids=[a.id]).documents[0]
    db.refresh(first)
    assert second.serial != first.serial
    assert first.is_revoked and first.replaced_by_id == second.id and second.serial in first.revoke_reason
    assert not second.is_revoked


def test_register_row_keeps_what_the_paper_shows_and_hashes(graded_year, issue_docs, three):
    import hashlib

    unit, (a, b, c) = three
    graded_year({a: 5})
    result = issue_docs("certificate", "2025")
    doc = result.documents[0]
    fields = dict(doc.fields)
    assert fields["授予"] == a.name and fields["编号"] == doc.serial and "五星级党支部" in fields["荣誉称号"]
    assert doc.file_hash == hashlib.sha256(result.pdfs[0]).hexdigest() and len(doc.content_hash) == 64
    assert doc.branch_id == a.id and doc.unit_id == unit.id and doc.period_key == "2025"


def test_quarter_five_star_certificates_only_where_the_rule_set_says_so(graded_year, issue_docs, three):
    unit, (a, b, c) = three
    graded_year({a: 5, b: 4}, quarter=4, notice=None, settings={"quarter_certificates": True})
    result = issue_docs("certificate", "2025Q4")
    assert [d.recipient for d in result.documents] == [a.name]  # ★5 only
    assert "2025年第4季度" in pdf_text(result.pdfs[0])


def test_quarter_certificates_refused_without_the_rule_set_switch(graded_year, issue_docs, three):
    unit, (a, b, c) = three
    graded_year({a: 5}, quarter=4, notice=None)
    with pytest.raises(DocumentRefused, match="quarter_certificates"):
        issue_docs("certificate", "2025Q4")
