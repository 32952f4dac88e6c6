"""`starbranch backup` / `restore`: the database and the uploads round-trip, a restore
over data needs --force, a broken archive changes nothing (issue #14)."""
from __future__ import annotations

import os
import tarfile

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from core.backup.service import BackupError, backup, read_manifest, restore, table_counts
from core.cli import main
from core.db import Base, import_all_models

PG_URL = os.environ.get("STARBRANCH_TEST_DATABASE_URL")


def _fill(url, uploads):
    import_all_models()
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO org_nodes (id, code, name, kind, active, version) "
                          "VALUES (1, 'U1', '炼铁厂党委', 'unit', true, 1)"))
    engine.dispose()
    (uploads / "honours").mkdir(parents=True)
    (uploads / "honours" / "abc.pdf").write_bytes(b"%PDF-1.4 evidence")
    (uploads / "0f.pdf").write_bytes(b"%PDF-1.4 minutes")


def _round_trip(url, tmp_path):
    uploads = tmp_path / "uploads"
    _fill(url, uploads)
    before = table_counts(url)
    archive = backup(url, uploads, tmp_path / "b.tar.gz").path
    manifest = read_manifest(archive)
    assert manifest["tables"]["org_nodes"] == 1 and manifest["files"] == 2

    with pytest.raises(BackupError, match="--force"):
        restore(archive, url, uploads)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE org_nodes SET name = '被误改' WHERE id = 1"))
    engine.dispose()
    (uploads / "0f.pdf").unlink()
    assert restore(archive, url, uploads, force=True) == before
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT name FROM org_nodes")).scalar_one() == "炼铁厂党委"
    engine.dispose()
    assert (uploads / "0f.pdf").read_bytes() == b"%PDF-1.4 minutes"
    assert (uploads / "honours" / "abc.pdf").read_bytes() == b"%PDF-1.4 evidence"


def test_sqlite_round_trip(tmp_path):
    _round_trip(f"sqlite:///{tmp_path / 'live.sqlite'}", tmp_path)


@pytest.fixture
def pg_scratch():
    if not PG_URL:
        pytest.skip("STARBRANCH_TEST_DATABASE_URL not set")
    from sqlalchemy.engine import make_url

    name = os.environ.get("STARBRANCH_TEST_SCRATCH_DB", "sb_migrations") + "_backup"
    admin = create_engine(make_url(PG_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_postgresql_round_trip(tmp_path, pg_scratch):
    _round_trip(pg_scratch, tmp_path)


def test_a_damaged_archive_is_refused_before_anything_changes(tmp_path):
    url = f"sqlite:///{tmp_path / 'live.sqlite'}"
    uploads = tmp_path / "uploads"
    _fill(url, uploads)
    bad = tmp_path / "bad.tar.gz"
    with tarfile.open(bad, "w:gz") as tar:
        tar.add(uploads / "0f.pdf", "manifest.json")
    with pytest.raises(BackupError, match="不是有效的备份文件"):
        restore(bad, url, uploads, force=True)
    assert table_counts(url)["org_nodes"] == 1 and (uploads / "0f.pdf").exists()


def test_cli_backup_and_restore(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    uploads = tmp_path / "files"
    _fill(url, uploads)
    monkeypatch.setenv("STARBRANCH_DATABASE_URL", url)
    monkeypatch.setenv("STARBRANCH_UPLOAD_DIR", str(uploads))
    monkeypatch.setenv("STARBRANCH_INSTANCE", str(tmp_path / "instance"))
    runner = CliRunner()
    result = runner.invoke(main, ["backup", str(tmp_path / "x.tar.gz")])
    assert result.exit_code == 0, result.output
    assert "上传文件 2 个" in result.output
    result = runner.invoke(main, ["restore", str(tmp_path / "x.tar.gz")])
    assert result.exit_code != 0 and "--force" in result.output
    result = runner.invoke(main, ["restore", str(tmp_path / "x.tar.gz"), "--force"])
    assert result.exit_code == 0, result.output
