"""`starbranch users create-admin`: the first administrator, from the command line."""
from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from core.auth.forms import MIN_PASSWORD
from core.auth.models import User
from core.auth.services import create_user
from core.db import get_session


@click.group("users")
def users():
    """用户账号（命令行）。"""


@users.command("create-admin")
@click.option("--username", prompt="用户名", help="登录名（字母、数字、点、下划线、连字符）。")
@click.option("--display-name", prompt="姓名", help="显示的姓名。")
@click.password_option("--password", prompt="密码", confirmation_prompt="再次输入密码",
                       help=f"至少 {MIN_PASSWORD} 位；不给出时交互输入（不回显）。")
@with_appcontext
def create_admin(username, display_name, password):
    """创建组织部管理员账号（新安装时创建第一个管理员）。"""
    session = get_session()
    username = username.strip()
    if len(password) < MIN_PASSWORD:
        raise click.ClickException(f"密码至少 {MIN_PASSWORD} 位。")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise click.ClickException(f"用户名“{username}”已被使用。")
    create_user(session, username=username, display_name=display_name.strip(), password=password, role="admin")
    session.commit()
    click.echo(f"已创建管理员 {username}。")


commands = [users]
