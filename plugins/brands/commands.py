"""`starbranch brands …`: the stage counts per unit and the brand matrix as Excel."""
from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group("brands", help="支部品牌创建：阶段统计、品牌矩阵导出。")
def brands():
    pass


@brands.command("stages", help="按单位统计各阶段的品牌数。")
@with_appcontext
def stages_command():
    from sqlalchemy import func, select

    from core.plugins.api import OrgNode, get_session
    from plugins.brands.models import STAGES, Brand

    session = get_session()
    rows = session.execute(select(OrgNode.name, Brand.stage, func.count(Brand.id))
                           .join(OrgNode, OrgNode.id == Brand.unit_id)
                           .group_by(OrgNode.name, Brand.stage).order_by(OrgNode.name)).all()
    if not rows:
        click.echo("还没有品牌。")
        return
    for unit, stage, n in rows:
        click.echo(f"{unit}\t{STAGES[stage]}\t{n}")


@brands.command("matrix", help="导出品牌矩阵（Excel，全集团）。")
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False))
@click.option("--stage", default="", type=click.Choice(["", "named", "cultivating", "declared"]),
              help="named 已命名 / cultivating 培育中 / declared 已申报；默认培育及以上。")
@with_appcontext
def matrix_command(output, stage):
    from core.plugins.api import get_session
    from plugins.brands.matrix import build, export

    class _System:  # the CLI acts for the whole group, like an admin
        is_authenticated = True
        role = "admin"
        unit_ids = ()
        branch_id = None

    m = build(get_session(), _System(), stage=stage)
    with open(output, "wb") as fh:
        fh.write(export(m, lambda s: s))
    click.echo(f"已导出 {len(m.rows)} 个品牌到 {output}。")
