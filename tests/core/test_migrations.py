"""The Alembic migrations (core + one lineage per plugin) build exactly the models,
on SQLite and, with STARBRANCH_TEST_DATABASE_URL set, on PostgreSQL (in a scratch
database of its own, so the shared test database is not disturbed)."""
from __future__ import annotations

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from core.db import Base, import_all_models
from core.migrate import service

PG_URL = os.environ.get("STARBRANCH_TEST_DATABASE_URL")
SCRATCH_DB = os.environ.get("STARBRANCH_TEST_SCRATCH_DB", "sb_migrations")  # parallel runs pick their own


def _sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'migrated.sqlite'}"


@pytest.fixture
def pg_scratch_url():
    if not PG_URL:
        pytest.skip("STARBRANCH_TEST_DATABASE_URL not set")
    import psycopg

    admin = make_url(PG_URL)
    conninfo = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{SCRATCH_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{SCRATCH_DB}"')
    url = admin.set(drivername="postgresql+psycopg", database=SCRATCH_DB).render_as_string(hide_password=False)
    yield url
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{SCRATCH_DB}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db_url(request, tmp_path):
    if request.param == "sqlite":
        return _sqlite_url(tmp_path)
    return request.getfixturevalue("pg_scratch_url")


def _diff(url):
    import_all_models()
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            return compare_metadata(ctx, Base.metadata)
    finally:
        engine.dispose()


def _tables(url):
    engine = create_engine(url, poolclass=NullPool)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_heads_on_empty_database_gives_exactly_the_models(empty_db_url):
    service.upgrade(empty_db_url)
    assert _diff(empty_db_url) == []
    assert service.pending_heads(empty_db_url) == set()
    assert service.current_revisions(empty_db_url)


def test_downgrade_base_removes_every_table(empty_db_url):
    service.upgrade(empty_db_url)
    service.downgrade(empty_db_url, "base")
    assert _tables(empty_db_url) == set()
    assert service.current_revisions(empty_db_url) == set()


def test_core_lineage_alone_creates_only_core_tables(tmp_path):
    url = _sqlite_url(tmp_path)
    owners = service.table_owners()
    service.upgrade(url, "core@head")
    assert _tables(url) == {t for t, o in owners.items() if o == service.CORE}


def test_each_plugin_lineage_creates_only_its_own_tables(tmp_path):
    url = _sqlite_url(tmp_path)
    owners = service.table_owners()
    service.upgrade(url, "core@head")
    for plugin in service.plugin_version_dirs():
        before = _tables(url)
        service.upgrade(url, f"{plugin}@head")
        assert _tables(url) - before == {t for t, o in owners.items() if o == plugin}, plugin


def test_every_plugin_has_its_own_lineage_depending_on_core(tmp_path):
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(service.alembic_config(_sqlite_url(tmp_path)))
    labels = {label for rev in script.walk_revisions() for label in rev.branch_labels}
    assert labels == {"core", *service.plugin_version_dirs()}
    assert {"production", "brands", "typical_staff"} <= labels
    for rev in script.walk_revisions():
        if rev.branch_labels and "core" not in rev.branch_labels:
            assert rev.dependencies, f"{rev.revision} must depend on the core lineage"


def test_plugin_tables_are_owned_by_their_plugin():
    owners = service.table_owners()
    assert owners["org_nodes"] == "core"
    assert owners["unit_plugins"] == "core"
    for table, owner in owners.items():
        if owner != "core":
            assert owner in service.plugin_version_dirs(), f"{table} owned by unknown plugin {owner}"


def test_revision_scripts_do_not_import_application_code():
    for path in service.revision_files():
        text = path.read_text(encoding="utf-8")
        assert "import core" not in text and "from core" not in text, path
        assert "PointsType" not in text, path


def test_points_columns_render_as_plain_integers():
    from core.points import PointsType

    assert service.render_item("type", PointsType(), None) == "sa.Integer()"


def test_starbranch_db_upgrade_and_current_use_the_app_database(tmp_path, monkeypatch):
    from core.cli import main

    url = _sqlite_url(tmp_path)
    monkeypatch.setenv("STARBRANCH_DATABASE_URL", url)
    monkeypatch.setenv("STARBRANCH_INSTANCE", str(tmp_path / "instance"))
    runner = CliRunner()
    result = runner.invoke(main, ["db", "current"])
    assert result.exit_code == 0, result.output
    assert "none" in result.output and "pending" in result.output
    result = runner.invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert _diff(url) == []
    result = runner.invoke(main, ["db", "current"])
    assert "core: core_0" in result.output and "pending" not in result.output  # whichever core head


def test_autogenerate_refused_on_a_database_behind_the_heads(tmp_path, monkeypatch):
    from core.cli import main

    before = service.revision_files()
    monkeypatch.setenv("STARBRANCH_DATABASE_URL", _sqlite_url(tmp_path))
    monkeypatch.setenv("STARBRANCH_INSTANCE", str(tmp_path / "instance"))
    result = CliRunner().invoke(main, ["db", "revision", "-m", "x", "--plugin", "brands", "--autogenerate"])
    assert result.exit_code != 0
    assert "starbranch db upgrade" in result.output
    assert service.revision_files() == before
