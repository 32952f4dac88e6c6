"""`starbranch documents …`: issue documents from the command line and prepare fonts.

    starbranch documents issue certificates 2026 [--unit CODE] -o out.zip
    starbranch documents issue decision 2025 -o decision.pdf
    starbranch documents issue sheets 2025Q4 --branch LG-001 -o sheet.pdf
    starbranch documents issue report 2025 -o report.pdf
    starbranch documents fonts          # pre-subset the fonts (make run does it)
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from core.cli import refusal_exits
from core.db import get_session

ALIASES = {"certificates": "certificate", "certificate": "certificate", "decision": "decision",
           "decisions": "decision", "sheets": "score_sheet", "sheet": "score_sheet", "score_sheet": "score_sheet",
           "report": "star_report", "star_report": "star_report"}


@click.group("documents")
def documents():
    """文书与证书：出具荣誉证书、表彰决定、考核评分表、年度星级报告。"""


@documents.command("issue")
@click.argument("doc_type")
@click.argument("period")
@click.option("--unit", "unit_code", help="只出具该二级单位（编码）的文书。")
@click.option("--branch", "branch_codes", multiple=True, help="党支部编码（考核评分表必填，可多次给出）。")
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False),
              help="输出文件：.zip（每份一个PDF）或 .pdf（合并为一个PDF）。")
@with_appcontext
def issue_command(doc_type, period, unit_code, branch_codes, output):
    """出具文书并登记，例如：starbranch documents issue certificates 2025 -o certs.zip"""
    from core.documents.bulk import unit_names, zip_of
    from core.documents.render import RenderProblem
    from core.documents.service import RenderSettings, issue
    from core.documents.types import DocumentRefused, IssueRequest, document_types
    from core.org.models import Branch, OrgNode

    session = get_session()
    types = document_types(current_app)
    code = ALIASES.get(doc_type, doc_type)
    if code not in types:
        raise click.ClickException(f"没有这种文书类型：{doc_type}（可用：{'、'.join(sorted(set(ALIASES) | set(types)))}）")
    unit_id = None
    if unit_code:
        unit_id = session.scalar(select(OrgNode.id).where(OrgNode.code == unit_code, OrgNode.kind == "unit"))
        if unit_id is None:
            raise click.ClickException(f"没有编码为 {unit_code} 的二级单位。")
    branch_ids = None
    if branch_codes:
        found = dict(session.execute(select(Branch.code, Branch.id).where(Branch.code.in_(branch_codes))).all())
        missing = [c for c in branch_codes if c not in found]
        if missing:
            raise click.ClickException(f"没有这些党支部编码：{'、'.join(missing)}")
        branch_ids = [found[c] for c in branch_codes]
    out = Path(output)
    if out.suffix.lower() not in (".zip", ".pdf"):
        raise click.ClickException("输出文件应以 .zip 或 .pdf 结尾。")
    started = time.perf_counter()
    request = IssueRequest(doc_type=code, period_key=period, branch_ids=branch_ids, unit_id=unit_id)
    with refusal_exits(session, DocumentRefused, RenderProblem):
        result = issue(session, types, request, RenderSettings.from_app(current_app),
                       merged=out.suffix.lower() == ".pdf")
        body = result.pdfs[0] if out.suffix.lower() == ".pdf" else zip_of(result.documents, result.pdfs,
                                                                            unit_names(session))
        out.write_bytes(body)
        session.commit()
    click.echo(f"已出具 {len(result.documents)} 份{types[code].label}（{time.perf_counter() - started:.1f} 秒）"
               f"{f'，作废重出 {result.revoked} 份' if result.revoked else ''}：{out}")


@documents.command("fonts")
@with_appcontext
def fonts_command():
    """检查并预处理文书字体（子集化后缓存在实例目录）。"""
    from core.documents import fonts

    missing = fonts.missing_packages()
    if missing:
        click.echo(f"缺少字体软件包：{' '.join(missing)}（root 下运行：apt-get install {' '.join(missing)}）", err=True)
        if any(p in missing for p in ("fonts-arphic-ukai", "fonts-arphic-uming")):
            sys.exit(1)
    started = time.perf_counter()
    paths = fonts.prepare(Path(current_app.config.get("FONT_CACHE") or Path(current_app.instance_path) / "fonts"))
    click.echo(f"文书字体已就绪（{time.perf_counter() - started:.1f} 秒）：" + "，".join(p.name for p in paths))


commands = [documents]
