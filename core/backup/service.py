"""Backup and restore of a whole installation: the database and the upload folder in
one `.tar.gz` archive (issue #14, "Backup and restore").

Decisions (README "Backup and restore"):
- SQLite is copied with its online backup API, so a backup taken while the app serves
  requests is consistent; PostgreSQL with `pg_dump -Fc` (and `pg_restore`), the tools
  of the server's own version.
- The archive holds `manifest.json` (format, when, which database kind, the Alembic
  revisions, row counts per table), the database file or dump, and `uploads/`
  (attachments, honour evidence, plugin files) as they are on disk.
- A restore refuses to overwrite a database that holds data unless told to (`force`),
  checks the manifest before touching anything, and compares the restored row counts
  with the manifest. `starbranch verify` then recomputes the closed windows.
"""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import create_engine, func, inspect, select, table
from sqlalchemy.engine import make_url

FORMAT = "starbranch-backup/1"
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite"
PG_MEMBER = "database.pgdump"
UPLOADS_MEMBER = "uploads"


class BackupError(RuntimeError):
    """The backup or restore cannot be done; the message says why and what to do."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    kind: str
    tables: dict[str, int]
    files: int


def _kind(database_url: str) -> str:
    backend = make_url(database_url).get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupError(f"不支持的数据库类型：{backend}")
    return backend


def _sqlite_path(database_url: str) -> Path:
    database = make_url(database_url).database
    if not database or database == ":memory:":
        raise BackupError("内存数据库无法备份：请使用文件数据库。")
    return Path(database)


def _libpq_url(database_url: str) -> str:
    """The URL pg_dump/pg_restore understand (no SQLAlchemy driver suffix)."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def table_counts(database_url: str) -> dict[str, int]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            names = sorted(inspect(conn).get_table_names())
            return {name: conn.execute(select(func.count()).select_from(table(name))).scalar_one()
                    for name in names}
    finally:
        engine.dispose()


def _run(cmd: list[str]) -> None:
    tool = shutil.which(cmd[0])
    if tool is None:
        raise BackupError(f"找不到 {cmd[0]}：请安装 PostgreSQL 客户端（Debian：apt-get install postgresql-client）。")
    done = subprocess.run([tool, *cmd[1:]], capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{cmd[0]} 失败：{done.stderr.strip()[-500:]}")


def backup(database_url: str, upload_dir: str | os.PathLike, out: str | os.PathLike) -> BackupResult:
    """Write the archive `out` (.tar.gz) with the database and the upload folder."""
    kind = _kind(database_url)
    out = Path(out)
    uploads = Path(upload_dir)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if kind == "sqlite":
            source = sqlite3.connect(_sqlite_path(database_url))
            target = sqlite3.connect(tmp / SQLITE_MEMBER)
            try:
                source.backup(target)  # consistent while the app keeps writing
            finally:
                target.close()
                source.close()
            member = SQLITE_MEMBER
        else:
            _run(["pg_dump", "-Fc", "--no-owner", "-f", str(tmp / PG_MEMBER), _libpq_url(database_url)])
            member = PG_MEMBER
        counts = table_counts(database_url)
        files = sorted(p for p in uploads.rglob("*") if p.is_file()) if uploads.is_dir() else []
        manifest = {"format": FORMAT, "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                    "database": kind, "member": member, "tables": counts,
                    "alembic_version": sorted(_alembic_versions(database_url)), "files": len(files)}
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(out.name + ".partial")
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(tmp / MANIFEST, MANIFEST)
            tar.add(tmp / member, member)
            for path in files:
                tar.add(path, f"{UPLOADS_MEMBER}/{path.relative_to(uploads).as_posix()}")
        partial.replace(out)  # never a half-written archive under the final name
    return BackupResult(out, kind, counts, len(files))


def _alembic_versions(database_url: str) -> set[str]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            if "alembic_version" not in inspect(conn).get_table_names():
                return set()
            return {row[0] for row in conn.exec_driver_sql("SELECT version_num FROM alembic_version")}
    finally:
        engine.dispose()


def read_manifest(archive: str | os.PathLike) -> dict:
    try:
        with tarfile.open(archive, "r:gz") as tar:
            manifest = json.load(tar.extractfile(MANIFEST))
    except (OSError, KeyError, tarfile.TarError, ValueError) as exc:
        raise BackupError(f"不是有效的备份文件：{exc}") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"备份格式不受支持：{manifest.get('format')!r}（应为 {FORMAT}）")
    return manifest


def _holds_data(database_url: str) -> bool:
    try:
        counts = table_counts(database_url)
    except Exception:  # no database file yet, or an empty server database
        return False
    return any(n for name, n in counts.items() if name != "alembic_version")


def restore(archive: str | os.PathLike, database_url: str, upload_dir: str | os.PathLike, *,
            force: bool = False) -> dict[str, int]:
    """Restore the archive into `database_url` and `upload_dir`; returns the restored
    row counts (checked against the manifest)."""
    manifest = read_manifest(archive)
    kind = _kind(database_url)
    if manifest["database"] != kind:
        raise BackupError(f"备份来自 {manifest['database']} 数据库，不能恢复到 {kind}。")
    if not force and _holds_data(database_url):
        raise BackupError("目标数据库已有数据：确认要覆盖时请加 --force。")
    uploads = Path(upload_dir)
    with tempfile.TemporaryDirectory() as tmp, tarfile.open(archive, "r:gz") as tar:
        tmp = Path(tmp)
        tar.extractall(tmp, filter="data")  # no absolute paths, links or devices
        dump = tmp / manifest["member"]
        if kind == "sqlite":
            target = _sqlite_path(database_url)
            target.parent.mkdir(parents=True, exist_ok=True)
            source, dest = sqlite3.connect(dump), sqlite3.connect(target)
            try:
                source.backup(dest)
            finally:
                dest.close()
                source.close()
        else:
            _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "-d", _libpq_url(database_url),
                  str(dump)])
        restored_uploads = tmp / UPLOADS_MEMBER
        if uploads.exists() and force:
            shutil.rmtree(uploads)
        uploads.mkdir(parents=True, exist_ok=True)
        if restored_uploads.is_dir():
            shutil.copytree(restored_uploads, uploads, dirs_exist_ok=True)
    counts = table_counts(database_url)
    differ = {t: (n, counts.get(t)) for t, n in manifest["tables"].items() if counts.get(t) != n}
    if differ:
        raise BackupError(f"恢复后的行数与备份不一致：{differ}")
    return counts
