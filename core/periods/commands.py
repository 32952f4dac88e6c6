"""CLI: `starbranch verify KEY` — re-close a closed window on its stored evidence in a
transaction that is rolled back and compare with what the close stored (core/scoring/replay.py).
Exit status 0: identical; 1: differences (printed, one a line); 2: not closed or bad key."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from core.db import get_session


@click.command("verify")
@click.argument("key")
@with_appcontext
def verify_cmd(key):
    """核对已结账期间：以已存证据重新结账（事务回滚，不写入），逐字节比对已存结果。"""
    from core.periods.keys import PeriodKey
    from core.scoring.replay import NotClosed, verify_window

    try:
        pk = PeriodKey.parse(key)
    except ValueError as exc:
        click.echo(str(exc), err=True)
        raise SystemExit(2) from None
    try:
        diffs = verify_window(get_session(), pk, current_app.extensions["starbranch.plugins"])
    except NotClosed as exc:
        click.echo(str(exc), err=True)
        raise SystemExit(2) from None
    for d in diffs:
        click.echo(str(d))
    click.echo(f"{pk.label}（{pk.key}）核对完成：{len(diffs)} 处差异")
    raise SystemExit(1 if diffs else 0)


commands = [verify_cmd]
