"""CLI: `starbranch jobs status` — the broker's queue, what the workers run now, and
the jobs running or failed (from the database)."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from core.db import get_session
from core.jobs.models import ACTIVE, KINDS, Job
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
    session = get_session()
    running = list(session.scalars(select(Job).where(Job.status.in_(ACTIVE)).order_by(Job.created_at)))
    click.echo(f"运行中的后台任务：{len(running)} 个")
    for job in running:
        click.echo(f"  {job.id} {KINDS.get(job.kind, job.kind)} {job.target} {job.status} "
                   f"{job.done}/{job.total}（{progress(job)}%）")
    failed = list(session.scalars(select(Job).where(Job.status == "failed")
                                  .order_by(Job.finished_at.desc()).limit(n_failed)))
    click.echo(f"最近失败的后台任务：{len(failed)} 个")
    for job in failed:
        click.echo(f"  {job.id} {KINDS.get(job.kind, job.kind)} {job.target}：{job.error}")


commands = [jobs_group]
