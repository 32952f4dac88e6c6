"""The `starbranch` command: Flask's CLI plus the commands of the core and plugins."""
from __future__ import annotations

from contextlib import contextmanager

import click
from flask.cli import FlaskGroup


def _create_app():
    from core.app import create_app
    return create_app()


class StarbranchGroup(FlaskGroup):
    """Adds the commands contributed through `starbranch_cli_commands` (core and plugins)."""

    def list_commands(self, ctx):
        self._load_contributed(ctx)
        return super().list_commands(ctx)

    def get_command(self, ctx, name):
        self._load_contributed(ctx)
        return super().get_command(ctx, name)

    def _load_contributed(self, ctx):
        if getattr(self, "_contributed", False):
            return
        self._contributed = True
        info = ctx.ensure_object(__import__("flask.cli", fromlist=["ScriptInfo"]).ScriptInfo)
        app = info.load_app()
        for batch in app.extensions["starbranch.plugins"].hook.starbranch_cli_commands():
            for command in batch:
                self.add_command(command)


@click.group(cls=StarbranchGroup, create_app=_create_app, add_default_commands=True)
def main():
    """星级党支部管理平台 starbranch."""


@contextmanager
def refusal_exits(session, *refusals):
    """A refusal (an error whose message is meant for the user: ValueError by default)
    inside the block rolls the session back — nothing half-written stays — and ends the
    command with that message and exit status 1, without a traceback."""
    try:
        yield
    except (refusals or (ValueError,)) as exc:
        if session is not None:
            session.rollback()
        raise click.ClickException(str(exc)) from None
