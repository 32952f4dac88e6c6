"""The one Alembic environment of starbranch (core + every plugin lineage).

Run it through `starbranch db …` (core.migrate), which sets the database URL from the
app configuration and the version locations of the core and of each plugin."""
from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from core.db import Base, import_all_models
from core.migrate.service import include_object_for, render_item

config = context.config

import_all_models()
target_metadata = Base.metadata


def _database_url() -> str:
    url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from core.app import create_app  # plain `alembic` use: the app's configuration

    return create_app().config["DATABASE_URL"]


def _options(dialect_name: str) -> dict:
    return dict(
        target_metadata=target_metadata,
        include_object=include_object_for(config.attributes.get("branch")),
        render_item=render_item,
        compare_type=True,
        # Batch mode renders ALTERs that also work on SQLite (table copy); on
        # PostgreSQL batch operations are plain ALTER statements.
        render_as_batch=True,
        user_module_prefix=None,
    )


def run_migrations_offline() -> None:
    url = _database_url()
    context.configure(url=url, literal_binds=True, **_options(url.split(":", 1)[0]))
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, **_options(connection.dialect.name))
        with context.begin_transaction():
            context.run_migrations()
        return
    # No foreign-key pragma here: SQLite batch operations copy tables.
    engine = create_engine(_database_url(), poolclass=NullPool)
    with engine.connect() as conn:
        context.configure(connection=conn, **_options(conn.dialect.name))
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
