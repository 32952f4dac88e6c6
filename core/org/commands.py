"""`starbranch demo`: load the demo organisation, enable plugins, let every module add
its demo data (hook `starbranch_demo_data`), print the logins."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import inspect

from core import clock
from core.cli import refusal_exits
from core.db import get_session
from core.documents.demo_previous_year import build_closed_year
from core.org import demodata
from core.scoring.demo_periods import close_demo_periods


@click.command("demo")
@click.option("--reset", is_flag=True, help="先清空全部数据（所有表），再生成演示数据。")
@click.option("--seed", default=2026, show_default=True, help="随机种子：同一种子生成同样的数据。")
@click.option("--close/--no-close", "close_periods", default=True, show_default=True,
              help="生成本年度考核细则，由审核员审核人工评分项，并对今天之前已结束的月份和季度结账评分。")
@with_appcontext
def demo(reset, seed, close_periods):
    """生成演示数据：集团党委、二级单位、约150个党支部、党员和各角色登录账号。"""
    session = get_session()
    if "org_nodes" not in inspect(session.get_bind()).get_table_names():
        raise click.ClickException("数据库还没有表结构，请先运行：starbranch db upgrade")
    if reset:
        demodata.wipe(session)
    registry = current_app.extensions["starbranch.plugins"]
    with refusal_exits(session, demodata.DemoRefused):
        today = clock.today()
        result = demodata.build_demo(session, seed=seed, today=today)
        demodata.enable_demo_plugins(session, registry, result)
        registry.hook.starbranch_demo_data(session=session, units=result.units, branches=result.branches)
        # the previous year first (closed, notice final, ready for documents), then this year
        closed = (build_closed_year(session, registry, result.units, result.branches, today=today)
                  if close_periods else [])
        closed += close_demo_periods(session, registry, today) if close_periods else []
        session.commit()
    click.echo(f"已生成：{len(result.units)} 个二级单位党委、{len(result.general_branches)} 个党总支、"
               f"{len(result.branches)} 个党支部、{result.members} 名党员。")
    if closed:
        click.echo(f"已结账评分：{'、'.join(closed)}。")
    click.echo("演示账号（用户名 / 密码 / 角色 / 范围）：")
    for username, password, role, scope in result.logins:
        click.echo(f"  {username:<14} {password:<20} {role}　{scope}")


commands = [demo]
