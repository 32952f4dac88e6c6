"""Alembic, configured in code (no alembic.ini): the version locations are computed
from the plugins present, so a new plugin's lineage is found without editing a file.

Ownership of tables: a table belongs to the plugin whose package defines its model
(``plugins.<name>.…``); every other table belongs to the core. Autogenerate for a
branch only sees the tables that branch owns (`include_object`)."""
from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Table, create_engine
from sqlalchemy.pool import NullPool
from sqlalchemy.types import TypeDecorator

from core.db import Base, import_all_models

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
MIGRATIONS_DIR = PROJECT_ROOT / "migrations"
CORE_VERSIONS = MIGRATIONS_DIR / "versions"
#: Branch label of the core lineage.
CORE = "core"


class MigrateError(RuntimeError):
    """A refused migration command; the message says why."""


# ---------------------------------------------------------------- lineages
def plugin_version_dirs() -> dict[str, Path]:
    """Plugin name → its ``migrations/versions`` folder, for every plugin package
    under ``plugins/`` and every installed ``starbranch.plugins`` entry point that
    has such a folder (installed = migrated, whether or not enabled anywhere)."""
    import plugins

    found: dict[str, Path] = {}
    for info in pkgutil.iter_modules(plugins.__path__):
        if info.ispkg:
            path = Path(plugins.__path__[0]) / info.name / "migrations" / "versions"
            if path.is_dir():
                found[info.name] = path
    from core.plugins.manager import discover

    for name, module_path in discover().items():
        if name in found:
            continue
        try:
            spec = importlib.util.find_spec(module_path)
        except (ImportError, ValueError):
            continue
        if spec and spec.submodule_search_locations:
            path = Path(list(spec.submodule_search_locations)[0]) / "migrations" / "versions"
            if path.is_dir():
                found[name] = path
    return dict(sorted(found.items()))


def alembic_config(database_url: str, *, branch: str | None = None) -> Config:
    """An Alembic Config for `database_url`. `branch` (``core`` or a plugin name)
    limits autogenerate to the tables that lineage owns; None = all tables."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    locations = [str(CORE_VERSIONS)] + [str(p) for p in plugin_version_dirs().values()]
    # os.pathsep would break on ':' in paths; a newline-free explicit separator is safer.
    cfg.set_main_option("path_separator", "newline")
    cfg.set_main_option("version_locations", "\n".join(locations))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    cfg.attributes["database_url"] = database_url
    cfg.attributes["branch"] = branch
    return cfg


# ---------------------------------------------------------------- ownership
def table_owners() -> dict[str, str]:
    """Table name → ``core`` or the plugin name that defines it."""
    import_all_models()
    owners = {name: CORE for name in Base.metadata.tables}
    for mapper in Base.registry.mappers:
        plugin = _plugin_of_module(mapper.class_.__module__)
        if plugin:
            for table in mapper.tables:
                owners[table.name] = plugin
    # Plain Table objects (association tables) defined at module level in a plugin.
    for mod_name, module in list(sys.modules.items()):
        plugin = _plugin_of_module(mod_name)
        if not plugin or module is None:
            continue
        for value in list(vars(module).values()):
            if isinstance(value, Table) and value.metadata is Base.metadata:
                owners[value.name] = plugin
    return owners


def _plugin_of_module(module_name: str) -> str | None:
    parts = module_name.split(".")
    if len(parts) >= 2 and parts[0] == "plugins":
        return parts[1]
    return None


def include_object_for(branch: str | None):
    """An Alembic `include_object` keeping only the tables `branch` owns. Tables in
    the database but in no model belong to the core (so the core branch may drop
    them); children of a table (columns, indexes…) follow their table."""
    if branch is None:
        return None
    owners = table_owners()

    def include_object(obj, name, type_, reflected, compare_to):
        if type_ != "table":
            return True
        return owners.get(name, CORE) == branch

    return include_object


def render_item(type_, obj, autogen_context):
    """Render our TypeDecorators (e.g. PointsType) as their plain SQLAlchemy impl, so
    migration scripts never import application code."""
    if type_ == "type" and isinstance(obj, TypeDecorator):
        impl = obj.impl_instance
        if type(impl).__module__.startswith("sqlalchemy."):
            return f"sa.{impl!r}"
    return False


# ---------------------------------------------------------------- commands
def upgrade(database_url: str, target: str = "heads", *, sql: bool = False) -> None:
    command.upgrade(alembic_config(database_url), target, sql=sql)


def downgrade(database_url: str, target: str, *, sql: bool = False) -> None:
    command.downgrade(alembic_config(database_url), target, sql=sql)


def stamp(database_url: str, target: str = "heads") -> None:
    command.stamp(alembic_config(database_url), target)


def current_revisions(database_url: str) -> set[str]:
    """Revision ids the database is stamped with (empty for an unmigrated database)."""
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return set(MigrationContext.configure(conn).get_current_heads())
    finally:
        engine.dispose()


def head_revisions(database_url: str) -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config(database_url)).get_heads())


def pending_heads(database_url: str) -> set[str]:
    """Lineage heads the database has not reached (empty = up to date). A head that
    another lineage depends on may be absent from alembic_version yet applied."""
    script = ScriptDirectory.from_config(alembic_config(database_url))
    return set(script.get_heads()) - _applied_closure(script, current_revisions(database_url))


def describe(database_url: str) -> list[str]:
    """One line per lineage head: ``branch: revision (applied|pending)``."""
    script = ScriptDirectory.from_config(alembic_config(database_url))
    applied = current_revisions(database_url)
    applied_all = set()
    for rev in applied:
        applied_all |= {r.revision for r in script.iterate_revisions(rev, "base")}
    lines = []
    for head in sorted(script.get_heads()):
        rev = script.get_revision(head)
        label = ",".join(sorted(rev.branch_labels)) or _branch_of(script, rev) or "?"
        state = "applied" if head in applied_all else "pending"
        lines.append(f"{label}: {head} ({state}) {rev.doc or ''}".rstrip())
    return lines


def _branch_of(script, rev) -> str | None:
    for r in script.iterate_revisions(rev.revision, "base"):
        if r.branch_labels:
            return sorted(r.branch_labels)[0]
    return None


def is_empty(database_url: str) -> bool:
    """True when the database has no table of ours (ignores alembic_version)."""
    from sqlalchemy import inspect

    engine = create_engine(database_url, poolclass=NullPool)
    try:
        names = set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()
    return not names


def revision(database_url: str, message: str, *, plugin: str | None = None,
             autogenerate: bool = False, rev_id: str | None = None):
    """A new revision on the core lineage or on `plugin`'s. The plugin's first
    revision starts its lineage (branch label = plugin name) and depends on the core
    head, since plugin tables reference core tables. With `autogenerate` the
    database must be at the latest revision; only the branch's own tables are seen."""
    branch = plugin or CORE
    cfg = alembic_config(database_url, branch=branch)
    script = ScriptDirectory.from_config(cfg)
    if autogenerate:
        pending = pending_heads(database_url)
        if pending:
            raise MigrateError("数据库不是最新结构，请先运行 starbranch db upgrade "
                               f"(pending: {', '.join(sorted(pending))})")
    kwargs = dict(message=message, autogenerate=autogenerate, rev_id=rev_id)
    if plugin is None:
        if _has_branch(script, CORE):
            kwargs["head"] = f"{CORE}@head"
        else:
            kwargs.update(head="base", branch_label=CORE, version_path=str(CORE_VERSIONS))
    else:
        dirs = plugin_version_dirs()
        if plugin not in dirs:
            raise MigrateError(f"plugin {plugin!r} has no migrations/versions folder "
                               f"(create plugins/{plugin}/migrations/versions)")
        if _has_branch(script, plugin):
            kwargs["head"] = f"{plugin}@head"
        else:
            core_heads = [h for h in script.get_heads() if _branch_of(script, script.get_revision(h)) == CORE]
            kwargs.update(head="base", branch_label=plugin, version_path=str(dirs[plugin]),
                          depends_on=core_heads or None)
    return command.revision(cfg, **kwargs)


def _has_branch(script, label: str) -> bool:
    return any(label in r.branch_labels for r in script.walk_revisions())


def _applied_closure(script, applied: set[str]) -> set[str]:
    out: set[str] = set()
    for rev in applied:
        out |= {r.revision for r in script.iterate_revisions(rev, "base")}
    return out


def revision_files() -> list[Path]:
    """Every revision script of every lineage."""
    dirs = [CORE_VERSIONS, *plugin_version_dirs().values()]
    return sorted(p for d in dirs for p in d.glob("*.py"))


def regenerate_initial(scratch_url: str) -> list[Path]:
    """Pre-release only: delete every revision and autogenerate one initial revision
    per lineage (core first, then each plugin depending on it) from the current
    models, using the empty scratch database `scratch_url`. Returns the new files."""
    if not is_empty(scratch_url) or current_revisions(scratch_url):
        raise MigrateError(f"scratch database {scratch_url} is not empty")
    for path in revision_files():
        path.unlink()
    revision(scratch_url, "initial schema", autogenerate=True, rev_id=f"{CORE}_0001")
    upgrade(scratch_url)
    for name in plugin_version_dirs():
        revision(scratch_url, f"initial {name} schema", plugin=name, autogenerate=True,
                 rev_id=f"{name}_0001")
        upgrade(scratch_url)
    return revision_files()
