"""`starbranch db …`: the Alembic commands, with the database URL of the app."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from core.migrate import service


def _url() -> str:
    return current_app.config["DATABASE_URL"]


@click.group("db")
def db_group():
    """数据库迁移 (Alembic: core + plugin lineages)."""


@db_group.command("upgrade")
@click.argument("target", default="heads")
@click.option("--sql", is_flag=True, help="Print the SQL instead of running it.")
@with_appcontext
def upgrade_cmd(target, sql):
    """Upgrade to TARGET (default: heads = core and every plugin)."""
    if not sql and not service.current_revisions(_url()) and not service.is_empty(_url()):
        raise click.ClickException(
            "数据库中已有数据表，但没有迁移记录 (tables exist but no alembic_version: made by "
            "create_all?). If its schema is current run `starbranch db stamp heads`; otherwise "
            "start from an empty database.")
    service.upgrade(_url(), target, sql=sql)
    if not sql:
        click.echo("数据库已升级到最新结构 (database at: " + ", ".join(service.describe(_url())) + ")")


@db_group.command("downgrade")
@click.argument("target")
@click.option("--sql", is_flag=True, help="Print the SQL instead of running it.")
@with_appcontext
def downgrade_cmd(target, sql):
    """Downgrade to TARGET (e.g. `base`, `production@base`, `core@-1`)."""
    service.downgrade(_url(), target, sql=sql)


@db_group.command("stamp")
@click.argument("target", default="heads")
@with_appcontext
def stamp_cmd(target):
    """Record TARGET as applied without running migrations."""
    service.stamp(_url(), target)


@db_group.command("current")
@with_appcontext
def current_cmd():
    """Show each lineage's head and whether the database has it."""
    revs = sorted(service.current_revisions(_url()))
    click.echo("database revisions: " + (", ".join(revs) if revs else "(none — run `starbranch db upgrade`)"))
    for line in service.describe(_url()):
        click.echo("  " + line)


@db_group.command("heads")
@with_appcontext
def heads_cmd():
    """List the head revision of each lineage."""
    for line in service.describe(_url()):
        click.echo(line)


@db_group.command("revision")
@click.option("-m", "--message", required=True, help="What the revision does.")
@click.option("--plugin", default=None, help="Put the revision on this plugin's lineage (default: core).")
@click.option("--autogenerate", is_flag=True, help="Compare the models with the database.")
@with_appcontext
def revision_cmd(message, plugin, autogenerate):
    """Create a revision on the core lineage or on a plugin's."""
    try:
        script = service.revision(_url(), message, plugin=plugin, autogenerate=autogenerate)
    except service.MigrateError as exc:
        raise click.ClickException(str(exc)) from exc
    scripts = script if isinstance(script, list) else [script]
    for s in scripts:
        if s is not None:
            click.echo(f"created {s.path}")


commands = [db_group]
