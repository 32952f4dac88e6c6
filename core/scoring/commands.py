"""CLI: `starbranch close KEY`, `starbranch reopen KEY --reason …`,
`starbranch scores KEY --format csv|xlsx [-o FILE]`, `starbranch ruleset seed YEAR`."""
from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from core.cli import refusal_exits
from core.db import get_session


def _key(text):
    from core.periods.keys import PeriodKey
    try:
        return PeriodKey.parse(text)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@click.command("close")
@click.argument("key")
@click.option("--unverified", type=click.Choice(["refuse", "self", "zero"]),
              help="未审核的人工评分项：refuse 拒绝结账，self 按自评计，zero 按 0 分计（缺省为考核细则的设置）。")
@click.option("--reason", help="选择 self/zero 的理由（与考核细则设置不同时必填，记入审计日志）。")
@click.option("--wait", is_flag=True, help="配置了消息队列时：等待后台结账完成，并显示进度（已完成单位/单位总数）。")
@click.option("--in-process", "in_process", is_flag=True, help="即使配置了消息队列，也在本进程内结账。")
@with_appcontext
def close_cmd(key, unverified, reason, wait, in_process):
    """结账并锁定期间：2026-03（月）、2026Q1（季）或 2026（年）。期间须已结束；结账前列出未审核的人工评分项。

    配置了消息队列（STARBRANCH_CELERY_BROKER_URL）时按二级单位分发给各 worker 并行结账
    （须先审核完人工评分项，或在本进程内用 --unverified 结账）。"""
    from core.jobs.service import broker_configured
    from core.scoring.close import close_period
    from core.scoring.manual import UnverifiedItems

    session = get_session()
    pk = _key(key)
    if broker_configured(current_app) and not in_process and unverified is None:
        return _close_on_workers(session, pk, wait)
    with refusal_exits(session):
        try:
            result = close_period(session, pk, kinds=current_app.extensions["starbranch.plugins"], actor=None,
                                  unverified=unverified, reason=reason)
        except UnverifiedItems as exc:
            _echo_unverified(exc.summary)
            raise
        session.commit()
    _echo_result(pk, result)


def _echo_result(pk, result) -> None:
    if result.already_closed:
        click.echo(f"{pk.label}已结账，无需重复结账（{result.results} 个支部结果保持不变）。")
        return
    click.echo(f"{pk.label}已结账：评分项 {result.evaluations} 条，支部结果 {result.results} 个。")
    if result.stars:
        click.echo("星级分布：" + "，".join(f"{s}星 {n} 个" for s, n in result.stars.items()))
    if result.unverified_policy:
        click.echo(f"未审核的人工评分项 {result.unverified} 项已按“{result.unverified_policy}”计入（已记入审计日志）。")
    for w in result.warnings:
        click.echo(f"提示：{w}")


def _echo_unverified(summary) -> None:
    """The unverified manual items per unit, then each item (branch, indicator, period)."""
    from sqlalchemy import select

    from core.indicators.models import Indicator
    from core.org.models import Branch

    session = get_session()
    branches = dict(session.execute(select(Branch.id, Branch.code)).all())
    indicators = dict(session.execute(select(Indicator.id, Indicator.code)
                                      .where(Indicator.id.in_({i.indicator_id for i in summary.items}))).all())
    click.echo(f"未审核的人工评分项 {summary.count} 项：", err=True)
    for line in summary.lines():
        click.echo(f"  {line}", err=True)
    for item in summary.items:
        self_value = "—" if item.self_earned is None else item.self_earned
        click.echo(f"    {branches.get(item.branch_id, item.branch_id)}\t{indicators.get(item.indicator_id)}\t"
                   f"{item.period_key}\t自评 {self_value}", err=True)


def _close_on_workers(session, pk, wait: bool) -> None:
    """Start the fanned-out close; with `wait`, print progress until it ends."""
    import time

    from core.jobs.models import Job
    from core.scoring.close import CloseResult
    from core.scoring.fanout import start_close

    from flask import current_app

    from core.jobs.queueing import QueueUnavailable, ensure_broker

    try:
        ensure_broker(current_app)  # Redis down: say so before a job row exists
        with refusal_exits(session):
            job = start_close(session, pk, actor=None)
            job_id = job.id if job is not None else None
            session.commit()
    except QueueUnavailable as exc:
        raise click.ClickException(f"消息队列无法连接，未能提交后台结账（{exc}）；可加 --in-process 在本进程结账。") from None
    if job_id is None:
        return _echo_result(pk, CloseResult(key=pk.key, already_closed=True))
    click.echo(f"{pk.label}已提交后台结账（任务 {job_id}，{job.total} 个单位）。")
    if not wait:
        click.echo(f"查看进度：starbranch jobs status，或网页 /jobs/{job_id}")
        return
    shown = None
    while True:
        session.expire_all()
        job = session.get(Job, job_id)
        state = (job.status, job.done)
        session.rollback()  # no snapshot held while the workers write
        if state != shown:
            shown = state
            click.echo(f"进度：{job.done}/{job.total} 个单位")
        if job.status == "failed":
            raise click.ClickException(f"后台结账失败：{job.error}")
        if job.status == "done":
            r = job.result or {}
            result = CloseResult(key=pk.key, already_closed=bool(r.get("already_closed")),
                                 evaluations=r.get("evaluations", 0), results=r.get("results", 0),
                                 stars={int(k): v for k, v in (r.get("stars") or {}).items()},
                                 warnings=r.get("warnings", []))
            return _echo_result(pk, result)
        time.sleep(0.5)


@click.command("reopen")
@click.argument("key")
@click.option("--reason", required=True, help="重新开启的原因（必填，记入审计日志）。")
@with_appcontext
def reopen_cmd(key, reason):
    """重新开启已结账的期间（须填写原因）。"""
    from core.scoring.close import reopen_period

    session = get_session()
    pk = _key(key)
    with refusal_exits(session):
        reopen_period(session, pk, reason, actor=None)
        session.commit()
    click.echo(f"{pk.label}已重新开启。")


@click.command("scores")
@click.argument("key")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="输出文件；缺省写到标准输出。")
@with_appcontext
def scores_cmd(key, fmt, output):
    """导出期间考核结果：支部、单位、类别、五项指数、总分、星级、梯级、排名。"""
    from core.scoring.export import export_results
    from core.scoring.services import window_results

    pk = _key(key)
    rows = window_results(get_session(), pk)
    if not rows:
        raise click.ClickException(f"{pk.label}还没有考核结果，请先结账（starbranch close {pk.key}）。")
    data = export_results(rows, fmt, title=pk.label)
    if output:
        with open(output, "wb") as fh:
            fh.write(data)
        click.echo(f"已导出 {len(rows)} 个支部到 {output}", err=True)
    elif fmt == "xlsx" and sys.stdout.isatty():
        raise click.ClickException("xlsx 为二进制文件，请用 -o 指定输出文件。")
    else:
        click.echo(data, nl=False)


@click.group("ruleset")
def ruleset_group():
    """考核细则（指标库）管理。"""


@ruleset_group.command("seed")
@click.argument("year", type=int)
@with_appcontext
def ruleset_seed(year):
    """为某年度生成默认考核细则（权重、星级分段、默认指标）；该年尚无启用细则时直接启用。"""
    from core.indicators.catalogue import seed_ruleset

    session = get_session()
    with refusal_exits(session):
        rs = seed_ruleset(session, year, None, registry=current_app.extensions["starbranch.plugins"])
        session.commit()
    click.echo(f"已生成“{rs.name}”：{len(rs.indicators)} 项指标，状态：{'启用' if rs.status == 'active' else '草稿'}。")


@ruleset_group.command("whatif")
@click.argument("draft", type=int)
@click.argument("year", type=int)
@click.option("--movers", default=30, show_default=True, help="列出的变动支部数。")
@with_appcontext
def ruleset_whatif(draft, year, movers):
    """模拟：用考核细则 DRAFT（编号）重新计算已结账的 YEAR 年度，列出星级分布、排名和梯级的变化（不保存任何数据）。"""
    from core.indicators.models import RuleSet
    from core.scoring.whatif import run_whatif

    session = get_session()
    rs = session.get(RuleSet, draft)
    if rs is None:
        raise click.ClickException(f"没有编号为 {draft} 的考核细则。")
    try:
        report = run_whatif(session, rs, year, kinds=current_app.extensions["starbranch.plugins"])
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        session.rollback()
    for line in whatif_lines(report, movers):
        click.echo(line)


def whatif_lines(report, movers: int = 30) -> list[str]:
    """The what-if report as text lines (the CLI's output)."""
    from core.org.models import CATEGORIES
    from core.periods.keys import PeriodKey

    def dist(d):
        return "，".join(f"{s}星 {n}" for s, n in d.items()) or "—"

    lines = [f"模拟：以“{report.draft_name}”重新计算 {report.year} 年度（未保存任何数据，用时 {report.seconds:.1f} 秒）"]
    for key, (before, after) in report.distribution.items():
        lines.append(f"{PeriodKey.parse(key).label}：现行 {dist(before)}；模拟 {dist(after)}")
    lines.append(f"年度定级：升星 {len(report.gains)} 个，降星 {len(report.losses)} 个，"
                 f"排名或梯级变化 {len(report.movers)} 个。")
    lines.append(f"重新评分的指标：{'、'.join(report.evaluated) or '无'}；沿用已结账评分的指标 {len(report.reused)} 项"
                 + (f"（全部指标重新评分：{report.full_reason}）" if report.full_reason else ""))
    if report.rescored:
        lines.append(f"按结账时的计数重新计分的指标：{'、'.join(report.rescored)}")
    if report.unverified:
        lines.append(f"提示：{report.unverified} 项人工评分项在新细则中没有审核结果，按 0 分计。")
    lines.append("单位 / 类别：支部数，升星，降星，平均分 现行 → 模拟")
    for (unit, category), g in report.groups.items():
        lines.append(f"  {unit} / {CATEGORIES.get(category, category)}：{g['branches']}，{g['gain']}，{g['loss']}，"
                     f"{g['before_avg']} → {g['after_avg']}")
    lines.append("变动支部（星级 现行 → 模拟，类别内排名，原因）：")
    for m in report.movers[:movers]:
        lines.append(f"  {m.code} {m.name}：{m.before.stars}星 → {m.after.stars}星，第 {m.before.rank} → "
                     f"{m.after.rank} 名；{'；'.join(m.reasons)}")
    return lines


commands = [close_cmd, reopen_cmd, scores_cmd, ruleset_group]
