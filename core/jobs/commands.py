"""CLI: `starbranch jobs status` — the broker's queue, what the workers run now, and
the jobs running, stalled or failed (from the database); `starbranch jobs recover` —
send the tasks of stalled jobs again (core.jobs.recovery)."""
from __future__ import annotations

from datetime import datetime

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from core.db import get_session
from core.jobs.models import ACTIVE, KINDS, Job
from core.jobs.recovery import recover, stall_seconds, stalled_jobs
from core.jobs.service import broker_configured, progress


def _masked(url: str) -> str:
    """The broker URL without its password."""
    from kombu.utils.url import maybe_sanitize_url
    return maybe_sanitize_url(url)


@click.group("jobs")
def jobs_group():
    """后台任务（Celery）：队列、运行中与失败的任务。"""


@jobs_group.command("status")
@click.option("--failed", "n_failed", default=10, show_default=True, help="列出最近失败的任务数。")
@with_appcontext
def status_cmd(n_failed):
    """队列长度、各 worker 正在执行的任务、运行中与最近失败的后台任务。"""
    app = current_app
    celery = app.extensions["celery"]
    if broker_configured(app):
        queue = celery.conf.task_default_queue
        click.echo(f"消息队列：{_masked(app.config['CELERY_BROKER_URL'])}")
        try:
            with celery.connection_for_write() as conn:
                ok = conn.default_channel.queue_declare(queue=queue, passive=True)
                click.echo(f"队列 {queue}：等待 {ok.message_count} 个任务")
        except Exception as exc:  # the broker down, or the queue never declared yet
            if "NOT_FOUND" in str(exc):
                click.echo(f"队列 {queue}：尚未建立（等待 0 个任务）")
            else:
                click.echo(f"队列 {queue}：无法读取（{type(exc).__name__}: {exc}）")
        try:
            active = celery.control.inspect(timeout=1.0).active() or {}
        except Exception as exc:
            active = None
            click.echo(f"worker：无法查询（{type(exc).__name__}: {exc}）")
        if active is not None:
            click.echo(f"在线 worker：{len(active)} 个")
            for name, tasks in sorted(active.items()):
                click.echo(f"  {name}：正在执行 {len(tasks)} 个任务")
                for t in tasks:
                    click.echo(f"    {t.get('name')} {t.get('args')}")
    else:
        click.echo("未配置消息队列（STARBRANCH_CELERY_BROKER_URL）：任务在进程内执行。")
    from core.documents.models import DocumentJob

    session = get_session()
    stalled = {(s.table, s.id): s for s in stalled_jobs(session, seconds=stall_seconds(app))}
    running = [("jobs", job.id, KINDS.get(job.kind, job.kind), job.target, job)
               for job in session.scalars(select(Job).where(Job.status.in_(ACTIVE)).order_by(Job.created_at))]
    running += [("documents", str(job.id), KINDS["documents"], job.period_key, job)
                for job in session.scalars(select(DocumentJob).where(DocumentJob.status.in_(ACTIVE))
                                           .order_by(DocumentJob.created_at))]
    click.echo(f"运行中的后台任务：{len(running)} 个")
    for table, job_id, label, target, job in running:
        pct = progress(job) if table == "jobs" else (job.done * 100 // job.total if job.total else 0)
        line = f"  {job_id} {label} {target} {job.status} {job.done}/{job.total}（{pct}%）"
        if (table, job_id) in stalled:
            line += (f" —— 已 {stalled[table, job_id].silent_seconds} 秒无进展，任务消息可能已丢失"
                     "（如消息队列重启）：starbranch jobs recover 重新排队")
        click.echo(line)
    failed = [(job.finished_at, job.id, KINDS.get(job.kind, job.kind), job.target, job.error)
              for job in session.scalars(select(Job).where(Job.status == "failed")
                                         .order_by(Job.finished_at.desc()).limit(n_failed))]
    failed += [(job.finished_at, str(job.id), KINDS["documents"], job.period_key, job.error)
               for job in session.scalars(select(DocumentJob).where(DocumentJob.status == "failed")
                                          .order_by(DocumentJob.finished_at.desc()).limit(n_failed))]
    failed = sorted(failed, key=lambda f: f[0] or datetime.min, reverse=True)[:n_failed]
    click.echo(f"最近失败的后台任务：{len(failed)} 个")
    for _at, job_id, label, target, error in failed:
        click.echo(f"  {job_id} {label} {target}：{error}")


@jobs_group.command("recover")
@click.option("--stall-seconds", "stall_seconds_", type=int, default=None,
              help="多少秒无进展算作停滞（默认配置 JOB_STALL_SECONDS，300）。")
@with_appcontext
def recover_cmd(stall_seconds_):
    """把停滞的后台任务（消息队列重启后丢失的任务消息）重新排队；任务幂等，不会重复写入。"""
    from core.jobs.queueing import QueueUnavailable

    seconds = stall_seconds(current_app) if stall_seconds_ is None else stall_seconds_
    try:
        done = recover(get_session(), seconds=seconds)
    except QueueUnavailable as exc:
        raise click.ClickException(f"消息队列无法连接，未能重新排队（{exc}）。") from None
    click.echo(f"重新排队的后台任务：{len(done)} 个")
    for s in done:
        click.echo(f"  {s.id} {KINDS.get(s.kind, s.kind)} {s.status}（已 {s.silent_seconds} 秒无进展）")


commands = [jobs_group]
