"""The documents register (文书登记簿), admin-edited templates and bulk-issue jobs."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow

JOB_STATUSES = {"queued": "排队中", "running": "生成中", "done": "已完成", "failed": "失败"}


class IssuedDocument(Base):
    """One issued document (荣誉证书, 表彰决定, 考核评分表…): what the paper says, who
    issued it and when, and whether it still stands. Rows are never deleted: a wrong
    document is revoked with a reason, and re-issuing revokes the old one."""

    __tablename__ = "issued_documents"
    __table_args__ = (
        # 文号 numbering: one number per issuer and year (across numbered document types).
        UniqueConstraint("issuer", "number_year", "number_seq"),
        Index("ix_issued_documents_subject", "doc_type", "period_key", "subject"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Printed on the paper and in its QR code; random part, so serials cannot be guessed.
    serial: Mapped[str] = mapped_column(String(40), unique=True)
    #: The document type's code (core.documents.types), e.g. "certificate".
    doc_type: Mapped[str] = mapped_column(String(40), index=True)
    #: What the document is about within its type and period ("branch:12", "group",
    #: "unit:3"): issuing the same (type, period, subject) again revokes the old one.
    subject: Mapped[str] = mapped_column(String(60))
    #: The branch the document is about, if any (scope of downloads).
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"), index=True)
    #: The unit it belongs to (the branch's unit, or the unit of a unit report); None =
    #: a group-wide document (decision, group report).
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_nodes.id"), index=True)
    #: The recipient as printed (a branch name, "全集团"…).
    recipient: Mapped[str] = mapped_column(String(200))
    #: The window the document is for: '2025', '2025Q4', '2025-03'.
    period_key: Mapped[str] = mapped_column(String(10), index=True)
    title: Mapped[str] = mapped_column(String(200))
    #: The issuing committee as printed.
    issuer: Mapped[str] = mapped_column(String(200))
    #: 文号 of a numbered document (e.g. "集团党委〔2026〕3号"), with its year and sequence.
    number: Mapped[str | None] = mapped_column(String(60))
    number_year: Mapped[int | None] = mapped_column(Integer)
    number_seq: Mapped[int | None] = mapped_column(Integer)
    #: What the paper shows, as (label, value) pairs: the /verify page shows exactly this.
    fields: Mapped[list] = mapped_column(JSON)
    #: SHA-256 of the canonical JSON of everything the template was given.
    content_hash: Mapped[str] = mapped_column(String(64))
    #: SHA-256 of the PDF file as issued.
    file_hash: Mapped[str] = mapped_column(String(64))
    file_size: Mapped[int] = mapped_column(Integer)
    #: Stored file name under UPLOAD_DIR/documents/ (the serial, never user input).
    file_name: Mapped[str] = mapped_column(String(80))
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoke_reason: Mapped[str | None] = mapped_column(Text)
    #: The document issued in its place (re-issue), if any.
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("issued_documents.id"))
    #: The bulk job that issued it, if any.
    job_id: Mapped[int | None] = mapped_column(ForeignKey("document_jobs.id"), index=True)

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def fields_dict(self) -> dict[str, str]:
        return {label: value for label, value in self.fields or []}


class DocumentTemplate(Base):
    """An admin's version of a document type's template; without a row the default
    shipped in the code is used."""

    __tablename__ = "document_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    doc_type: Mapped[str] = mapped_column(String(40), unique=True)
    #: The Jinja/HTML source; None = the default in code.
    source: Mapped[str | None] = mapped_column(Text)
    #: The issuing committee printed on the document.
    issuer: Mapped[str | None] = mapped_column(String(200))
    #: Prefix of the 文号 (numbered documents), e.g. "集团党委".
    number_prefix: Mapped[str | None] = mapped_column(String(40))
    #: Main colour (#rrggbb).
    color: Mapped[str | None] = mapped_column(String(7))
    #: Seal image: stored file name under UPLOAD_DIR/documents/seals/ and its MIME type.
    seal_file: Mapped[str | None] = mapped_column(String(80))
    seal_mime: Mapped[str | None] = mapped_column(String(20))
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime | None] = mapped_column(DateTime)
    #: Optimistic lock: a save carrying an older version is refused.
    version: Mapped[int] = mapped_column(Integer, default=1)


class DocumentJob(Base):
    """A bulk issue running in the background: progress for the page that watches it,
    and the ZIP or merged PDF it made."""

    __tablename__ = "document_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    doc_type: Mapped[str] = mapped_column(String(40))
    period_key: Mapped[str] = mapped_column(String(10))
    #: Limited to one unit, if chosen.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_nodes.id"))
    #: zip (one PDF per document) or pdf (one merged PDF).
    output: Mapped[str] = mapped_column(String(10))
    #: queued / running / done / failed (JOB_STATUSES).
    status: Mapped[str] = mapped_column(String(10), default="queued")
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    #: Stored file name under UPLOAD_DIR/documents/jobs/.
    file_name: Mapped[str | None] = mapped_column(String(80))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    #: How many times a worker started the job (1 normally; more after a recovery re-sent
    #: it). A run only commits its documents while it is the latest attempt.
    attempt: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: The last sign of life: when it was queued, started or finished a chunk. A queued or
    #: running job silent for longer than JOB_STALL_SECONDS is stalled (core.jobs.recovery).
    beat_at: Mapped[datetime | None] = mapped_column(DateTime)

    @property
    def status_label(self) -> str:
        return JOB_STATUSES.get(self.status, self.status)
