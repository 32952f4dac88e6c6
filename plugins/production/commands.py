"""`starbranch production …` commands."""
from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group("production", help="生产经营指标插件：导入计划与实绩、初始化指标定义。")
def production():
    pass


@production.command("import", help="从 Excel/CSV 导入计划与实绩（每月一张工作表或“月份”列，全部正确才写入）。")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--user", "username", default=None, help="以该用户的权限范围导入（默认：系统，不限范围）。")
@with_appcontext
def import_command(path, username):
    from sqlalchemy import select

    from core.plugins.api import ImportFileError, User, get_session, refusal_exits
    from plugins.production.importing import ImportRefused, import_workbook

    session = get_session()
    actor = None
    if username:
        actor = session.scalar(select(User).where(User.username == username, User.active.is_(True)))
        if actor is None:
            raise click.ClickException(f"用户 {username} 不存在或已停用。")
    with refusal_exits(session, ImportRefused, ImportFileError):
        try:
            with open(path, "rb") as fh:
                result = import_workbook(session, actor, fh, filename=path)
        except ImportRefused as exc:
            for e in exc.errors:
                click.echo(str(e), err=True)
            raise
        session.commit()
    click.echo(f"导入成功：新增 {result.created} 项，修改 {result.updated} 项，未变 {result.unchanged} 项。")


@production.command("seed-measures", help="补齐五类支部的默认指标定义（已有的不改）。")
@with_appcontext
def seed_command():
    from core.plugins.api import get_session
    from plugins.production.measures import seed_measures

    session = get_session()
    n = seed_measures(session)
    session.commit()
    click.echo(f"新增指标定义 {n} 项。")
