"""The register (文书登记簿): issuing, revoking and verifying documents.

Decisions (README, "Documents"):
- Issuing is all or nothing: every paper of a request is rendered first (in the render
  workers), and only when all succeeded are files written and rows added; a failure
  leaves no file and no row. The caller commits.
- Serial: the period's year and 12 random Crockford base-32 characters
  ("2025-7K3M-9QXA-T4PB"): unguessable, so /verify cannot be walked.
- Re-issuing the same type, period and subject revokes the valid old document
  ("重新出具") and points it to the new one; the new one has a new serial.
- 文号 of numbered types: "<prefix>〔<year>〕<n>号", n = 1 + the highest number of the
  same issuer in the year of issue (across numbered types), kept unique by the table.
- Content hash: SHA-256 of the canonical JSON of everything the template was given
  (sorted keys, no whitespace); file hash: SHA-256 of the PDF as issued.
- Revoking needs a reason; both are audited. Rows are never deleted.
"""
from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.audit.service import record
from core.db import utcnow
from core.documents import fonts, pool, render as rendering
from core.documents.models import DocumentTemplate, IssuedDocument
from core.documents.types import DocumentRefused, DocumentType, IssueRequest, Paper
from core.org.models import OrgNode

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
_CN_DIGITS = "〇一二三四五六七八九"


def new_serial(period_key: str) -> str:
    token = "".join(secrets.choice(_ALPHABET) for _ in range(12))
    return f"{period_key[:4]}-{token[:4]}-{token[4:8]}-{token[8:]}"


def cn_date(day: date) -> str:
    """二〇二六年一月二十日 — the date as certificates print it."""
    def number(n: int) -> str:
        if n < 10:
            return _CN_DIGITS[n]
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")
    year = "".join(_CN_DIGITS[int(d)] for d in str(day.year))
    return f"{year}年{number(day.month)}月{number(day.day)}日"


def content_hash(context: dict) -> str:
    text = json.dumps(context, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def default_issuer(session: Session) -> str:
    """The group committee's full name: "钢铁集团党委" → "中共钢铁集团委员会"."""
    name = session.scalar(select(OrgNode.name).where(OrgNode.kind == "group").order_by(OrgNode.id).limit(1))
    if not name:
        return gettext("中共集团委员会")
    if name.endswith("党委"):
        return f"中共{name[:-2]}委员会"
    return name


@dataclass
class TemplateSettings:
    """What the register adds to every paper of a type: the template source, issuer,
    文号 prefix, colour and seal (as a data: URL)."""

    source: str
    issuer: str
    number_prefix: str
    color: str
    seal: str | None
    custom: bool


DEFAULT_COLOR = "#c00000"


def template_settings(session: Session, doc_type: DocumentType, upload_dir: str | Path) -> TemplateSettings:
    row = session.scalar(select(DocumentTemplate).where(DocumentTemplate.doc_type == doc_type.code))
    issuer = (row.issuer if row and row.issuer else None) or default_issuer(session)
    seal = None
    if row and row.seal_file:
        path = Path(upload_dir) / "documents" / "seals" / row.seal_file
        if path.is_file():
            seal = rendering.data_url(path.read_bytes(), row.seal_mime or "image/png")
    prefix = (row.number_prefix if row and row.number_prefix else None) or issuer_short(session)
    return TemplateSettings(source=(row.source if row and row.source else doc_type.template), issuer=issuer,
                            number_prefix=prefix, color=(row.color if row and row.color else DEFAULT_COLOR),
                            seal=seal, custom=bool(row and row.source))


def issuer_short(session: Session) -> str:
    name = session.scalar(select(OrgNode.name).where(OrgNode.kind == "group").order_by(OrgNode.id).limit(1))
    return name or gettext("集团党委")


@dataclass
class RenderSettings:
    """Where the renderer finds fonts and static files, and the verification base URL."""

    cache_dir: str
    static_dir: str
    upload_dir: str
    verify_base: str

    @classmethod
    def from_app(cls, app, verify_base: str | None = None) -> RenderSettings:
        base = verify_base or app.config.get("PUBLIC_URL") or "http://127.0.0.1:5000/"
        return cls(cache_dir=app.config.get("FONT_CACHE") or str(Path(app.instance_path) / "fonts"), static_dir=str(Path(app.root_path) / "static"),
                   upload_dir=app.config["UPLOAD_DIR"], verify_base=base.rstrip("/") + "/verify/")


def next_number(session: Session, issuer: str, year: int) -> int:
    top = session.scalar(select(func.max(IssuedDocument.number_seq))
                         .where(IssuedDocument.issuer == issuer, IssuedDocument.number_year == year))
    return (top or 0) + 1


def _contexts(session, doc_type, papers, tpl, settings, today):
    """(serial, number, context, qr_url) for each paper, in order."""
    out = []
    seq = next_number(session, tpl.issuer, today.year) if doc_type.numbered else None
    for paper in papers:
        serial = new_serial(paper.period_key)
        number = f"{tpl.number_prefix}〔{today.year}〕{seq}号" if doc_type.numbered else None
        ctx = dict(paper.context)
        ctx.update(issuer=tpl.issuer, color=tpl.color, seal=tpl.seal, serial=serial, number=number,
                   issued_on=f"{today.year}年{today.month}月{today.day}日", issued_on_cn=cn_date(today),
                   title=paper.title, recipient=paper.recipient)
        out.append((serial, number, seq, ctx, settings.verify_base + serial))
        if seq is not None:
            seq += 1
    return out


def batch_charset(source: str, contexts) -> str:
    """Every non-ASCII character the batch's documents can show: the template's and the
    data's (a superset of what is rendered)."""
    chars = set(source)
    for ctx in contexts:
        chars.update(json.dumps(ctx, ensure_ascii=False, default=str))
    return "".join(sorted(c for c in chars if ord(c) >= 0x80))


def prepare_fonts(settings: RenderSettings) -> None:
    """Make sure the pre-subset fonts exist before rendering (seconds the first time on a
    machine; `make run` does it): outside the render time limit, and once, not by every
    worker at the same time."""
    try:
        fonts.prepare(Path(settings.cache_dir))
    except fonts.FontError as exc:
        raise DocumentRefused(gettext("缺少文书所需的字体文件 %(f)s：请运行 make run（或安装 %(p)s）。",
                                      f=str(exc), p=" ".join(fonts.PACKAGES))) from None


def render_jobs(doc_type: DocumentType, tpl: TemplateSettings, settings: RenderSettings, prepared) -> list:
    """One render job per paper; a batch shares a font cut down to its characters
    (made here once, so the workers find it cached)."""
    prepare_fonts(settings)
    charset = None
    if len(prepared) > 1:
        charset = batch_charset(tpl.source, [p[3] for p in prepared])
        try:
            fonts.batch_font(doc_type.face, Path(settings.cache_dir), charset)
        except fonts.FontError:
            charset = None  # the worker reports the missing font
    return [rendering.RenderJob(source=tpl.source, context=ctx, face=doc_type.face, cache_dir=settings.cache_dir,
                                static_dir=settings.static_dir, qr_url=qr_url, max_pages=doc_type.max_pages,
                                charset=charset)
            for _serial, _number, _seq, ctx, qr_url in prepared]


def check_scope(session: Session, actor, papers: list[Paper]) -> None:
    """Every paper's branch must be in the actor's scope (None = the command line)."""
    if actor is None or actor.role == "admin":
        return
    from core.auth.scoping import visible_branches
    from core.org.models import Branch

    wanted = {p.branch_id for p in papers if p.branch_id is not None}
    seen = set(session.scalars(visible_branches(actor).with_only_columns(Branch.id).where(Branch.id.in_(wanted))))
    if wanted - seen or any(p.branch_id is None for p in papers):
        raise DocumentRefused(gettext("无权为所选范围出具该文书。"))


@dataclass
class IssueResult:
    documents: list[IssuedDocument]
    pdfs: list[bytes]
    revoked: int


def issue(session: Session, types: dict[str, DocumentType], request: IssueRequest, settings: RenderSettings, *,
          actor=None, today: date | None = None, progress=None, job_id: int | None = None,
          merged: bool = False) -> IssueResult:
    """Issue every paper the type's builder returns for `request`. Raises
    DocumentRefused (nothing issued) or render.RenderProblem (nothing issued)."""
    doc_type = types.get(request.doc_type)
    if doc_type is None:
        raise DocumentRefused(gettext("没有这种文书类型。"))
    if actor is not None and not doc_type.may_issue(actor):
        raise DocumentRefused(gettext("无权出具该文书。"))
    papers = doc_type.build(session, request)
    if not papers:
        raise DocumentRefused(gettext("没有可出具的文书：所选期间没有符合条件的对象。"))
    check_scope(session, actor, papers)
    today = today or date.today()
    tpl = template_settings(session, doc_type, settings.upload_dir)
    prepared = _contexts(session, doc_type, papers, tpl, settings, today)
    jobs = render_jobs(doc_type, tpl, settings, prepared)
    pdfs = pool.render_many(jobs, progress=progress)
    merged_pdf = None
    if merged:
        merged_job = rendering.RenderJob(source=tpl.source, context={}, face=doc_type.face,
                                         cache_dir=settings.cache_dir, static_dir=settings.static_dir,
                                         max_pages=doc_type.max_pages,
                                         contexts=[dict(ctx, qr_url=url) for _s, _n, _q, ctx, url in prepared])
        merged_pdf = pool.render_one(merged_job, timeout=pool.RENDER_SECONDS + pool.PER_DOCUMENT_SECONDS * len(jobs))
    return _register(session, doc_type, papers, prepared, pdfs, settings, actor=actor, job_id=job_id,
                     merged_pdf=merged_pdf)


def _register(session, doc_type, papers, prepared, pdfs, settings, *, actor, job_id, merged_pdf) -> IssueResult:
    folder = Path(settings.upload_dir) / "documents"
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    documents, revoked = [], 0
    try:
        previous = _valid_by_subject(session, doc_type.code, {p.period_key for p in papers})
        now = utcnow()
        for paper, (serial, number, seq, ctx, _url), pdf in zip(papers, prepared, pdfs):
            path = folder / f"{serial}.pdf"
            path.write_bytes(pdf)
            written.append(path)
            doc = IssuedDocument(
                serial=serial, doc_type=doc_type.code, subject=paper.subject, branch_id=paper.branch_id,
                unit_id=paper.unit_id, recipient=paper.recipient, period_key=paper.period_key, title=paper.title,
                issuer=ctx["issuer"], number=number, number_year=(int(ctx["issued_on"][:4]) if number else None),
                number_seq=seq, fields=_printed_fields(paper, ctx, number, serial),
                content_hash=content_hash(ctx), file_hash=hashlib.sha256(pdf).hexdigest(), file_size=len(pdf),
                file_name=path.name, issued_by=getattr(actor, "id", None), issued_at=now, job_id=job_id)
            session.add(doc)
            documents.append(doc)
        session.flush()
        for doc in documents:
            old = previous.get((doc.period_key, doc.subject))
            if old is not None:
                _revoke(session, old, gettext("重新出具，由 %(serial)s 替代", serial=doc.serial), actor=actor,
                        replaced_by=doc)
                revoked += 1
        record(session, actor=actor, action="documents.issue", object_type="issued_documents",
               object_id=documents[0].id,
               new={"type": doc_type.code, "period": papers[0].period_key, "count": len(documents),
                    "serials": [d.serial for d in documents[:20]], "revoked": revoked})
        session.flush()
    except Exception:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return IssueResult(documents=documents, pdfs=[merged_pdf] if merged_pdf is not None else pdfs, revoked=revoked)


def _printed_fields(paper: Paper, ctx: dict, number: str | None, serial: str) -> list[list[str]]:
    """What the paper prints, as /verify shows it: the builder's fields, then the
    issuer, 文号, date and serial the register added."""
    out = [[str(k), str(v)] for k, v in paper.fields]
    out.append(["出具单位", ctx["issuer"]])
    if number:
        out.append(["文号", number])
    out += [["出具日期", ctx["issued_on"]], ["编号", serial]]
    return out


def _valid_by_subject(session, code: str, period_keys: set[str]) -> dict[tuple[str, str], IssuedDocument]:
    rows = session.scalars(select(IssuedDocument).where(IssuedDocument.doc_type == code,
                                                        IssuedDocument.period_key.in_(period_keys),
                                                        IssuedDocument.revoked_at.is_(None)))
    return {(d.period_key, d.subject): d for d in rows}


def _revoke(session, doc: IssuedDocument, reason: str, *, actor, replaced_by=None) -> None:
    doc.revoked_at = utcnow()
    doc.revoked_by = getattr(actor, "id", None)
    doc.revoke_reason = reason
    if replaced_by is not None:
        doc.replaced_by_id = replaced_by.id
    record(session, actor=actor, action="documents.revoke", obj=doc, old={"revoked": False},
           new={"revoked": True, "serial": doc.serial}, reason=reason)


def revoke(session: Session, doc: IssuedDocument, reason: str, *, actor=None) -> IssuedDocument:
    """Revoke an issued document (作废) with a mandatory reason."""
    reason = (reason or "").strip()
    if not reason:
        raise DocumentRefused(gettext("作废文书必须填写原因。"))
    if doc.is_revoked:
        raise DocumentRefused(gettext("该文书已作废。"))
    _revoke(session, doc, reason, actor=actor)
    return doc


def by_serial(session: Session, serial: str) -> IssuedDocument | None:
    serial = (serial or "").strip().upper()
    if not serial or len(serial) > 40:
        return None
    return session.scalar(select(IssuedDocument).where(IssuedDocument.serial == serial))


def file_path(settings_upload_dir: str, doc: IssuedDocument) -> Path:
    return Path(settings_upload_dir) / "documents" / doc.file_name
