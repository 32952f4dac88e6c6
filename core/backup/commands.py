"""`starbranch backup FILE`, `starbranch restore FILE [--force]`."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from core.backup.service import BackupError, backup, restore
from core.cli import refusal_exits


@click.command("backup")
@click.argument("out", type=click.Path(dir_okay=False))
@with_appcontext
def backup_command(out):
    """备份数据库与全部上传文件到一个 .tar.gz 文件（运行中也可备份）。"""
    cfg = current_app.config
    with refusal_exits(None, BackupError):
        result = backup(cfg["DATABASE_URL"], cfg["UPLOAD_DIR"], out)
    rows = sum(result.tables.values())
    click.echo(f"已备份到 {result.path}：{result.kind} 数据库 {len(result.tables)} 张表 {rows} 行，上传文件 {result.files} 个。")


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False))
@click.option("--force", is_flag=True, help="目标数据库已有数据时仍然覆盖。")
@with_appcontext
def restore_command(archive, force):
    """从备份文件恢复数据库与上传文件；之后可用 starbranch verify 复核已结账期间。"""
    cfg = current_app.config
    current_app.extensions["starbranch.db"].engine.dispose()  # no pooled connection into the old file
    with refusal_exits(None, BackupError):
        counts = restore(archive, cfg["DATABASE_URL"], cfg["UPLOAD_DIR"], force=force)
    click.echo(f"已恢复：{len(counts)} 张表 {sum(counts.values())} 行，行数与备份一致。"
               "建议运行 starbranch verify <期间> 复核已结账的评分结果。")


commands = [backup_command, restore_command]
