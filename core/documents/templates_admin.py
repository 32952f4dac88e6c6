"""Admin-edited document templates: wording (the Jinja/HTML source), issuer name, 文号
prefix, colour and seal image, with a preview before saving.

Decisions (README, "Documents"):
- Saving renders the template with the type's sample data first; any error (syntax,
  unknown variable, refused URL, missing glyph, too large, too slow) refuses the save
  with the message and the template line — nothing is saved.
- Seal: PNG or JPEG only, recognised by content (not the file name), at most 2 MB,
  decoded by Pillow to be sure it is an image; stored under UPLOAD_DIR/documents/seals/
  with a random name. Colour: #rrggbb.
- "恢复默认" deletes the row: the default in code is used again.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit.service import record
from core.db import utcnow
from core.documents import pool, render as rendering
from core.documents.models import DocumentTemplate
from core.documents.service import RenderSettings, TemplateSettings, cn_date, prepare_fonts, template_settings
from core.documents.types import DocumentRefused, DocumentType

SEAL_MAX_BYTES = 2 * 1024 * 1024
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_MAGIC = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}


class TemplateRefused(Exception):
    """A template or setting that cannot be saved; `field` names the form field."""

    def __init__(self, message: str, field: str | None = None, line: int | None = None):
        super().__init__(message)
        self.field, self.line = field, line


def seal_mime(data: bytes) -> str:
    """The seal's MIME type, or TemplateRefused when it is not a PNG/JPEG ≤ 2 MB."""
    if len(data) > SEAL_MAX_BYTES:
        raise TemplateRefused(gettext("印章图片不能超过 2 MB。"), field="seal")
    mime = next((m for magic, m in _MAGIC.items() if data.startswith(magic)), None)
    if mime is None:
        raise TemplateRefused(gettext("印章图片只能是 PNG 或 JPEG 格式。"), field="seal")
    import io

    from PIL import Image, UnidentifiedImageError
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise TemplateRefused(gettext("印章图片无法读取（文件已损坏？）。"), field="seal") from None
    return mime


@dataclass
class Draft:
    """A template as the form holds it (not saved)."""

    source: str
    issuer: str
    number_prefix: str
    color: str
    seal: bytes | None = None
    seal_mime: str | None = None


def preview(session: Session, doc_type: DocumentType, draft: Draft, settings: RenderSettings) -> bytes:
    """The PDF of the draft with the type's sample data. Raises TemplateRefused."""
    if not _COLOR.match(draft.color or ""):
        raise TemplateRefused(gettext("颜色应为 #rrggbb，例如 #c00000。"), field="color")
    current = template_settings(session, doc_type, settings.upload_dir)
    seal = rendering.data_url(draft.seal, draft.seal_mime) if draft.seal else current.seal
    from datetime import date
    today = date.today()
    ctx = dict(doc_type.sample)
    ctx.update(issuer=draft.issuer or current.issuer, color=draft.color, seal=seal, serial="2025-PREV-IEW0-0000",
               number=f"{draft.number_prefix or current.number_prefix}〔{today.year}〕1号" if doc_type.numbered else None,
               issued_on=f"{today.year}年{today.month}月{today.day}日", issued_on_cn=cn_date(today))
    ctx.setdefault("title", doc_type.label)
    ctx.setdefault("recipient", "")
    job = rendering.RenderJob(source=draft.source, context=ctx, face=doc_type.face, cache_dir=settings.cache_dir,
                              static_dir=settings.static_dir, qr_url=settings.verify_base + "PREVIEW",
                              max_pages=doc_type.max_pages)
    try:
        prepare_fonts(settings)
        return pool.render_one(job, timeout=pool.RENDER_SECONDS)
    except DocumentRefused as exc:
        raise TemplateRefused(str(exc)) from None
    except rendering.RenderProblem as exc:
        message = exc.message if exc.line is None else gettext("第 %(line)s 行：%(msg)s", line=exc.line, msg=exc.message)
        raise TemplateRefused(message, field="source", line=exc.line) from None


def save(session: Session, doc_type: DocumentType, draft: Draft, settings: RenderSettings, *, actor=None,
         expected_version: int | None = None) -> DocumentTemplate:
    """Check the draft by rendering it, then store it (and the seal, if a new one came)."""
    preview(session, doc_type, draft, settings)
    row = session.scalar(select(DocumentTemplate).where(DocumentTemplate.doc_type == doc_type.code))
    if row is not None and expected_version is not None and row.version != expected_version:
        raise TemplateRefused(gettext("模板已被他人修改，请刷新后重试。"))
    if row is None:
        row = DocumentTemplate(doc_type=doc_type.code, version=0)
        session.add(row)
    old = {"issuer": row.issuer, "color": row.color, "number_prefix": row.number_prefix,
           "custom_source": bool(row.source)}
    row.source = None if draft.source.strip() == doc_type.template.strip() else draft.source
    row.issuer = draft.issuer.strip() or None
    row.number_prefix = draft.number_prefix.strip() or None
    row.color = draft.color
    if draft.seal:
        folder = Path(settings.upload_dir) / "documents" / "seals"
        folder.mkdir(parents=True, exist_ok=True)
        name = secrets.token_hex(12) + (".png" if draft.seal_mime == "image/png" else ".jpg")
        (folder / name).write_bytes(draft.seal)
        row.seal_file, row.seal_mime = name, draft.seal_mime
    row.version = (row.version or 0) + 1
    row.updated_by = getattr(actor, "id", None)
    row.updated_at = utcnow()
    session.flush()
    record(session, actor=actor, action="documents.template", obj=row, old=old,
           new={"issuer": row.issuer, "color": row.color, "number_prefix": row.number_prefix,
                "custom_source": bool(row.source), "seal": bool(draft.seal)})
    return row


def reset(session: Session, doc_type: DocumentType, *, actor=None) -> None:
    row = session.scalar(select(DocumentTemplate).where(DocumentTemplate.doc_type == doc_type.code))
    if row is not None:
        record(session, actor=actor, action="documents.template_reset", obj=row, old={"custom": True},
               new={"custom": False})
        session.delete(row)


def current(session: Session, doc_type: DocumentType, upload_dir) -> tuple[TemplateSettings, DocumentTemplate | None]:
    row = session.scalar(select(DocumentTemplate).where(DocumentTemplate.doc_type == doc_type.code))
    return template_settings(session, doc_type, upload_dir), row
