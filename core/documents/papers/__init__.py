"""The core's document types, contributed through the `starbranch_document_types` hook
(core.plugins.builtin) like any plugin's: 荣誉证书, 表彰决定, 考核评分表, 年度星级报告."""
from __future__ import annotations

from core.documents.papers.certificate import CERTIFICATE
from core.documents.papers.decision import DECISION
from core.documents.papers.report import STAR_REPORT
from core.documents.papers.sheet import SCORE_SHEET

CORE_TYPES = [CERTIFICATE, DECISION, SCORE_SHEET, STAR_REPORT]
