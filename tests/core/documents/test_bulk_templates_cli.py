"""Bulk issue from the UI (a job with progress, ZIP or merged PDF), the template editor
(preview, errors with their line, seal checks), the command line and the demo year."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import func, select

from core.documents.models import DocumentJob, DocumentTemplate, IssuedDocument
from tests.core.documents.pdf_tools import NEEDS_POPPLER, page_count, pdf_text

pytestmark = NEEDS_POPPLER
SEAL = Path(__file__).with_name("seal.png")


@pytest.fixture
def year(graded_year, make_unit, make_branch):
    lg, zg = make_unit(name="炼钢厂党委", code="LG"), make_unit(name="轧钢厂党委", code="ZG")
    branches = [make_branch(unit=lg, name=f"炼钢厂第{i}党支部") for i in range(1, 4)]
    branches += [make_branch(unit=zg, name="轧钢厂热轧党支部")]
    graded_year({b: 5 for b in branches})
    return {"lg": lg, "zg": zg, "branches": branches}


def _run_bulk(client, db, output, unit=""):
    """Start a bulk job from the page and follow its progress page until it ends (on an
    in-memory database it ran before the redirect; otherwise in a thread)."""
    import time

    r = client.post("/documents/bulk", data={"bulk-doc_type": "certificate", "bulk-period": "2025",
                                             "bulk-unit": unit, "bulk-output": output})
    assert r.status_code == 302, r.get_data(as_text=True)
    deadline = time.monotonic() + 300
    while True:
        page = client.get(r.headers["Location"]).get_data(as_text=True)
        db.expire_all()
        job = db.scalar(select(DocumentJob))
        if job.status not in ("queued", "running") or time.monotonic() > deadline:
            return job, page
        assert 'http-equiv="refresh"' in page  # the page keeps refreshing while the job runs
        time.sleep(0.5)


def test_bulk_zip_holds_one_pdf_per_branch_named_by_unit_and_branch(client, db, year, make_user, login):
    login(make_user("admin"))
    job, page = _run_bulk(client, db, "zip")
    assert job.status == "done" and job.done == job.total == 4 and "已完成" in page
    r = client.get(f"/documents/jobs/{job.id}/download")
    with zipfile.ZipFile(io.BytesIO(r.data)) as zf:
        names = sorted(zf.namelist())
        assert len(names) == 4
        assert names[0].startswith("炼钢厂党委/炼钢厂第1党支部-2025-") and names[-1].startswith("轧钢厂党委/轧钢厂热轧党支部-")
        for name in names:
            serial = name.rsplit("-", 4)[-4:]
            text = pdf_text(zf.read(name))
            assert "-".join(serial).removesuffix(".pdf") in text
    assert db.scalar(select(func.count(IssuedDocument.id)).where(IssuedDocument.job_id == job.id)) == 4


def test_bulk_merged_pdf_of_one_unit(client, db, year, make_user, login):
    login(make_user("admin"))
    job, _page = _run_bulk(client, db, "pdf", unit=str(year["lg"].id))
    assert job.status == "done"
    pdf = client.get(f"/documents/jobs/{job.id}/download").data
    assert page_count(pdf) == 3
    text = pdf_text(pdf)
    assert all(f"炼钢厂第{i}党支部" in text for i in (1, 2, 3)) and "轧钢厂" not in text


def test_bulk_refused_before_the_year_is_final_starts_no_job(client, db, make_user, login):
    login(make_user("admin"))
    r = client.post("/documents/bulk", data={"bulk-doc_type": "certificate", "bulk-period": "2024",
                                             "bulk-unit": "", "bulk-output": "zip"})
    assert r.status_code == 400 and "尚未结账" in r.get_data(as_text=True)
    assert db.scalar(select(func.count(DocumentJob.id))) == 0


def test_job_progress_is_committed_as_chunks_finish(app, db, year):
    from core.documents.bulk import create_job, run_job

    seen = []
    job = create_job(db, "certificate", "2025")
    db.commit()
    import core.documents.pool as pool
    real = pool.render_many

    def spy(jobs, **kw):
        progress = kw["progress"]
        kw["progress"] = lambda n: (progress(n), seen.append(db.scalar(select(DocumentJob.done)
                                                                       .where(DocumentJob.id == job.id))))
        return real(jobs, **kw)

    pool.render_many = spy
    try:
        run_job(db, app, job.id)
    finally:
        pool.render_many = real
    assert seen and seen[-1] == 4 and seen == sorted(seen)


# ------------------------------------------------------------------ template editor

def _form(**kw):
    from core.documents.papers.certificate import CERTIFICATE

    data = {"issuer": "", "number_prefix": "", "color": "#b00000", "source": CERTIFICATE.template, "action": "save"}
    data.update(kw)
    return data


def test_template_save_changes_issuer_colour_and_seal_of_the_next_issue(client, db, year, make_user, login,
                                                                         issue_docs):
    login(make_user("admin"))
    data = _form(issuer="中共测试集团有限公司委员会")
    data["seal"] = (io.BytesIO(SEAL.read_bytes()), "seal.png")
    r = client.post("/documents/templates/certificate", data=data, content_type="multipart/form-data")
    assert r.status_code == 302
    row = db.scalar(select(DocumentTemplate))
    assert row.issuer == "中共测试集团有限公司委员会" and row.seal_mime == "image/png" and row.source is None
    pdf = issue_docs("certificate", "2025", branch_ids=[year["branches"][0].id]).pdfs[0]
    assert "中共测试集团有限公司委员会" in pdf_text(pdf)


def test_template_preview_returns_a_pdf_and_saves_nothing(client, db, make_user, login):
    login(make_user("admin"))
    r = client.post("/documents/templates/certificate", data=_form(action="preview", issuer="预览单位"))
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert "预览单位" in pdf_text(r.data)
    assert db.scalar(select(func.count(DocumentTemplate.id))) == 0


@pytest.mark.parametrize("source, message", [
    ("<p>一</p>\n<p>{% if %}</p>", "第 2 行"),
    ("<p>一</p>\n<p>二</p>\n<p>{{ nonexistent_field }}</p>", "第 3 行"),
    ('<img src="file:///etc/passwd">', "不允许的地址"),
])
def test_template_errors_are_shown_with_their_line_and_nothing_is_saved(client, db, make_user, login, source,
                                                                         message):
    login(make_user("admin"))
    r = client.post("/documents/templates/certificate", data=_form(source=source))
    assert r.status_code == 400 and message in r.get_data(as_text=True)
    assert db.scalar(select(func.count(DocumentTemplate.id))) == 0


@pytest.mark.parametrize("payload, message", [
    (b"GIF89a" + b"\x00" * 100, "PNG 或 JPEG"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * (2 * 1024 * 1024), "2 MB"),
    (b"\x89PNG\r\n\x1a\n" + b"not really a png", "无法读取"),
])
def test_bad_seal_images_are_refused(client, db, make_user, login, payload, message):
    login(make_user("admin"))
    data = _form()
    data["seal"] = (io.BytesIO(payload), "seal.png")
    r = client.post("/documents/templates/certificate", data=data, content_type="multipart/form-data")
    assert r.status_code == 400 and message in r.get_data(as_text=True)
    assert db.scalar(select(func.count(DocumentTemplate.id))) == 0


def test_only_admins_edit_templates(client, make_user, login):
    login(make_user("reviewer"))
    assert client.get("/documents/templates/certificate").status_code == 404


# ------------------------------------------------------------------ command line and demo

def _cli(app, *args):
    from core.cli import StarbranchGroup

    group = StarbranchGroup(name="starbranch", create_app=lambda: app)
    return CliRunner().invoke(group, list(args), obj=ScriptInfo(create_app=lambda: app))


def test_cli_issues_a_unit_s_certificates_as_a_zip(app, tmp_path, year):
    out = tmp_path / "out.zip"
    result = _cli(app, "documents", "issue", "certificates", "2025", "--unit", "LG", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "已出具 3 份荣誉证书" in result.output
    with zipfile.ZipFile(out) as zf:
        assert len(zf.namelist()) == 3 and all(n.startswith("炼钢厂党委/") for n in zf.namelist())


def test_cli_refusal_is_a_clear_error_and_writes_nothing(app, tmp_path, year):
    out = tmp_path / "d.pdf"
    result = _cli(app, "documents", "issue", "decision", "2024", "-o", str(out))
    assert result.exit_code != 0 and "尚未结账" in result.output and not out.exists()


def test_demo_previous_year_is_closed_with_final_grades_and_certificates_issue(app, db, make_unit, make_branch,
                                                                              make_member, issue_docs):
    from datetime import date

    from core.documents.demo_previous_year import build_closed_year
    from core.periods.keys import PeriodKey
    from core.periods.services import get_period
    from core.scoring.notice import current_notice

    unit = make_unit(name="炼钢厂党委")
    branches = [make_branch(unit=unit, name=f"演示第{i}党支部") for i in range(1, 5)]
    for b in branches:
        for _ in range(6):
            make_member(b)
    closed = build_closed_year(db, app.extensions["starbranch.plugins"], [unit], branches, today=date(2026, 3, 1))
    db.commit()
    assert closed[-1] == "2025" and len(closed) == 17
    assert get_period(db, PeriodKey(2025, "year", 0)).is_closed
    assert current_notice(db, 2025).status == "final"
    docs = issue_docs("certificate", "2025").documents
    assert docs  # some branches reach ★3 with a year of demo activity
