"""Engine, sessions and the declarative Base shared by the core and every plugin.

The app holds one `Database` in ``app.extensions["starbranch.db"]``; views reach the
request's session through `get_session()`, services take a session argument."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import current_app
from sqlalchemy import MetaData, create_engine, event, insert
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker
from sqlalchemy.pool import StaticPool

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """Naive UTC: SQLite keeps no zone, so we keep none anywhere."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


#: How long a SQLite connection waits for the write lock before "database is locked".
SQLITE_BUSY_SECONDS = 60


def make_engine(url: str):
    kwargs = {"future": True}
    if url.startswith("sqlite"):
        # A write waits for the database's write lock (a close holds it while it scores the
        # window; core/periods/locks.py): up to SQLITE_BUSY_SECONDS before giving up.
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": SQLITE_BUSY_SECONDS}
        if url in ("sqlite://", "sqlite:///:memory:"):
            kwargs["poolclass"] = StaticPool
    if not url.startswith("sqlite"):
        # A connection the server dropped (restart, pg_terminate_backend, a firewall's
        # idle timeout) is noticed at checkout and replaced, not handed to a request.
        kwargs["pool_pre_ping"] = True
    engine = create_engine(url, **kwargs)
    if url.startswith("sqlite"):
        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()
    return engine


class Database:
    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self.session_factory = sessionmaker(bind=self.engine, expire_on_commit=False)
        self.scoped = scoped_session(self.session_factory)

    def create_all(self):
        import_all_models()
        Base.metadata.create_all(self.engine)

    def drop_all(self):
        import_all_models()
        Base.metadata.drop_all(self.engine)


def insert_rows(session: Session, model, rows: list[dict]) -> None:
    """Insert many new rows of one shape (the same keys) into `model`'s table, in the
    session's transaction. On PostgreSQL with COPY: psycopg's executemany runs a statement
    per row (the demo's ~90 000 attendance rows took some 9 s so, half a demo build). A
    table whose missing columns need a Python-side default goes through the ORM's
    executemany, as on SQLite (in-process, where that is as fast)."""
    if not rows:
        return
    names = list(rows[0])
    columns = model.__table__.columns
    dialect = session.get_bind().dialect
    if dialect.name != "postgresql" or any(c.default is not None and c.name not in names for c in columns):
        session.execute(insert(model), rows)
        return
    processors = [columns[n].type.bind_processor(dialect) or (lambda v: v) for n in names]
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cur, cur.copy(f"COPY {model.__tablename__} ({', '.join(names)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([process(row[n]) for process, n in zip(processors, names)])


def import_all_models():
    """Import every model module so Base.metadata is complete (core and all plugins:
    plugin tables are *installed* globally; enabling is per unit)."""
    import importlib
    import pkgutil

    import core
    import plugins

    for pkg in (core, plugins):
        for mod in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
            if mod.name.endswith(".models"):
                importlib.import_module(mod.name)


def get_db() -> Database:
    return current_app.extensions["starbranch.db"]


def get_session() -> Session:
    """The session of the current request (or app context)."""
    return get_db().scoped()
