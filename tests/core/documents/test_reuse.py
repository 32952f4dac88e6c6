"""Certificates written from a kept layout (core.documents.reuse) are the documents a
fresh layout gives, byte for byte; anything not provably of the same shape — a template
edit, a longer name, a rare character, a value printed elsewhere — is laid out afresh.

Rendered in this process (core.documents.render.render), as a render worker does."""
from __future__ import annotations

import pytest

from core.documents import reuse
from core.documents.papers.certificate import CERTIFICATE
from core.documents.render import RenderJob, render
from core.documents.service import RenderSettings, batch_charset
from tests.core.documents.pdf_tools import NEEDS_POPPLER, has_real_glyph, pdf_text, qr_codes

pytestmark = NEEDS_POPPLER

NAMES = ["炼钢厂一号转炉作业区党支部", "炼钢厂二号精炼作业区党支部", "轧钢厂三号热轧作业区党支部",
         "轧钢厂四号冷轧作业区党支部"]
HONOURS = ["五星级党支部", "四星级党支部", "三星级党支部", "五星级党支部"]
#: 'P' and '6' are wider and narrower than the other letters and digits of UKai: the
#: serial ends its line, so its width may change (the layout is still reused).
SERIALS = ["2025-AB3D-EF4H-JK5M", "2025-NP7R-ST6V-WX9Y", "2025-Z2A3-PPC5-D7E8", "2025-F9G2-H3J4-K5M6"]


@pytest.fixture
def certificate(app):
    """certificate(recipient, serial, honour=…, source=…, charset=…) → RenderJob, as the
    bulk issue makes them (the batch's font from `charset`)."""
    settings = RenderSettings.from_app(app, "http://verify.test/")
    # One batch font for every job (it is part of what a kept layout must share).
    batch = batch_charset(CERTIFICATE.template, [dict(CERTIFICATE.sample, all="".join(NAMES + HONOURS),
                                                      more="中共钢铁集团委员会二〇二六年一月二十日")])
    reuse.forget()

    def make(recipient, serial, honour="五星级党支部", source=CERTIFICATE.template, charset=None):
        context = dict(CERTIFICATE.sample, recipient=recipient, honour=honour, serial=serial, unit="炼钢厂党委",
                       issuer="中共钢铁集团委员会", color="#c00000", seal=None, number=None,
                       issued_on="2026年1月20日", issued_on_cn="二〇二六年一月二十日")
        charset = charset if charset is not None else batch
        return RenderJob(source=source, context=context, face="kai", cache_dir=settings.cache_dir,
                         static_dir=settings.static_dir, qr_url=f"http://verify.test/verify/{serial}", max_pages=1,
                         charset=charset)

    yield make
    reuse.forget()


def fresh(job) -> bytes:
    reuse.forget()
    return render(job)


def test_certificates_from_a_kept_layout_are_byte_for_byte_fresh_ones(certificate):
    jobs = [certificate(n, s, h) for n, s, h in zip(NAMES, SERIALS, HONOURS)]
    before = dict(reuse.STATS)
    pdfs = [render(job) for job in jobs]
    assert reuse.STATS["reused"] - before["reused"] == 3  # same shape: laid out once
    for job, pdf, name, serial, honour in zip(jobs, pdfs, NAMES, SERIALS, HONOURS):
        text = pdf_text(pdf)
        assert name in text and serial in text and honour in text
        assert qr_codes(pdf) == [f"http://verify.test/verify/{serial}"]
        assert pdf == fresh(job)


def test_a_template_edit_is_laid_out_afresh_and_shows(certificate):
    render(certificate(NAMES[0], SERIALS[0]))
    edited = CERTIFICATE.template.replace("特发此证，以资鼓励。", "特颁此证，以资鼓励。")
    job = certificate(NAMES[1], SERIALS[1], source=edited)
    laid_out = reuse.STATS["laid_out"]
    pdf = render(job)
    assert reuse.STATS["laid_out"] == laid_out + 1
    assert "特颁此证" in pdf_text(pdf) and "特发此证" not in pdf_text(pdf)
    assert "特发此证" in pdf_text(render(certificate(NAMES[2], SERIALS[2])))  # the default one, still reused


@pytest.mark.parametrize("name", ["炼钢厂一号转炉作业区二号党支部",  # longer: another width
                                  "炼钢厂𠮷祥作业区党支部",  # a rare character: another font
                                  "炼钢厂一号转炉作业区党支部炼钢厂一号转炉作业区党支部炼钢厂党支部"])  # wraps
def test_a_name_of_another_shape_is_laid_out_afresh(certificate, name):
    render(certificate(NAMES[0], SERIALS[0]))
    job = certificate(name, SERIALS[1])
    laid_out = reuse.STATS["laid_out"]
    pdf = render(job)
    assert reuse.STATS["laid_out"] == laid_out + 1
    assert pdf == fresh(job)
    assert name in "".join(pdf_text(pdf).split())
    if "𠮷" in name:
        assert has_real_glyph(pdf, "𠮷")


def test_a_value_printed_outside_the_text_is_laid_out_afresh(certificate):
    """The recipient also in an attribute and a meta field: not swapped, laid out."""
    source = CERTIFICATE.template.replace('<meta charset="utf-8">',
                                         '<meta charset="utf-8"><meta name="description" content="{{ recipient }}">')
    render(certificate(NAMES[0], SERIALS[0], source=source))
    job = certificate(NAMES[1], SERIALS[1], source=source)
    laid_out = reuse.STATS["laid_out"]
    pdf = render(job)
    assert reuse.STATS["laid_out"] == laid_out + 1
    assert pdf == fresh(job)


def test_the_kept_layout_embeds_only_each_documents_glyphs(certificate):
    """The fonts of a reused document hold its own characters, not the previous ones'."""
    first = render(certificate("炼钢厂一号转炉作业区党支部", SERIALS[0]))
    second = render(certificate("轧钢厂二号精炼作业区党支部", SERIALS[1]))
    assert has_real_glyph(first, "转") and not has_real_glyph(second, "转")
    assert has_real_glyph(second, "精")
