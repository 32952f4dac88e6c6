"""Shared fixtures. Factories are fixtures returning callables (Indico style).

Database: SQLite in memory by default, one fresh schema per test. With
STARBRANCH_TEST_DATABASE_URL set (PostgreSQL), the schema is made once per run and
every table is emptied before each test (real commits, so a Celery worker in another
process sees the data)."""
from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest
from flask import g
from sqlalchemy import text

from core.app import create_app
from core.db import Base, import_all_models
from tests import compiled_once, parallel, sqlite_copy
from tests.pg_empty import empty_database

parallel.claim_environment()  # under xdist: this worker's databases (tests/parallel.py)
compiled_once.install()  # URL builders compiled once per process, not once per app
ALL_PLUGINS = {
    "production": "plugins.production",
    "brands": "plugins.brands",
    "typical_staff": "plugins.typical_staff",
}
TEST_DB_URL = os.environ.get("STARBRANCH_TEST_DATABASE_URL")
FAST_HASH = "pbkdf2:sha256:1000"


def _plugins_for(request):
    marker = request.node.get_closest_marker("plugins")
    if marker is None:
        return dict(ALL_PLUGINS)
    return {n: ALL_PLUGINS.get(n, n) for n in marker.args}


@pytest.fixture(scope="session")
def _pg_schema():
    """On PostgreSQL: drop and create every table once per run (per xdist worker, in
    the worker's own database, created here if missing)."""
    if not TEST_DB_URL:
        yield None
        return
    from core.db import make_engine
    from scripts.ensure_pg_database import main as ensure_database

    if ensure_database(TEST_DB_URL) != 0:
        pytest.exit(f"cannot create the test database of {TEST_DB_URL}", returncode=3)

    import_all_models()
    engine = make_engine(TEST_DB_URL)
    Base.metadata.drop_all(engine)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session", autouse=True)
def _document_font_cache():
    """One cache of pre-subset document fonts for every run (building it takes some 15 s
    of CPU; every app of the run reads STARBRANCH_FONT_CACHE): instance/test-fonts, kept
    between runs like the app's own instance/fonts — its files are named by the digest
    of the source font and of what they hold, so a stale one is never read. The xdist
    workers and the CI steps share it; fonts are written atomically."""
    old = os.environ.get("STARBRANCH_FONT_CACHE")
    os.environ["STARBRANCH_FONT_CACHE"] = str(Path(__file__).resolve().parents[1] / "instance" / "test-fonts")
    yield
    if old is None:
        os.environ.pop("STARBRANCH_FONT_CACHE", None)
    else:
        os.environ["STARBRANCH_FONT_CACHE"] = old


@pytest.fixture
def app(request, tmp_path, _pg_schema):
    config = {
        "ENV": "testing",
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": TEST_DB_URL or "sqlite://",
        "WTF_CSRF_ENABLED": False,
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "PLUGINS": _plugins_for(request),
        "CELERY_BROKER_URL": None,
        # core.clock: a fixed "today" after every window the tests close (2026 and
        # January 2027); tests of the date rules set their own (the `clock` fixture).
        "TODAY": "2027-06-30",
    }
    extra = request.node.get_closest_marker("config")
    if extra:
        config.update(extra.args[0])
    app = create_app(config, instance_path=str(tmp_path / "instance"))
    compiled_once.share_templates(app)
    # The test keeps one app context open, so `g` (where Flask-Login caches the current
    # user, Flask-Babel the locale) would outlive each request: empty it before every
    # request, as a real server does, so each client is judged by its own cookie.
    app.before_request_funcs.setdefault(None, []).insert(0, lambda: vars(g).clear())
    db = app.extensions["starbranch.db"]
    if TEST_DB_URL:
        empty_database(db.engine)
    else:
        _create_schema(db)
    with app.app_context():
        yield app
    db.scoped.remove()
    db.engine.dispose()


#: The empty schema in memory, made once per process (per set of tables: a model imported
#: later makes a new one) and copied into each test's database.
_EMPTY_SCHEMA: dict = {}


def _create_schema(db):
    """db.create_all(); on in-memory SQLite, from a copy of the first test's empty schema."""
    if not sqlite_copy.is_in_memory(db.engine):
        db.create_all()
        return
    tables = frozenset(Base.metadata.tables)
    if tables in _EMPTY_SCHEMA:
        sqlite_copy.put_back(_EMPTY_SCHEMA[tables], db.engine)
    else:
        db.create_all()
        _EMPTY_SCHEMA[tables] = sqlite_copy.take(db.engine)


@pytest.fixture
def db(app):
    """The app's session (the same one views use inside this app context)."""
    return app.extensions["starbranch.db"].scoped()


@pytest.fixture
def clock(app):
    """clock("2026-11-29") sets the app's today (core.clock) for the rest of the test."""

    def set_today(value):
        app.config["TODAY"] = value

    return set_today


@pytest.fixture
def client(app):
    return app.test_client()


_seq = itertools.count(1)


@pytest.fixture
def make_unit(db):
    from core.org.models import OrgNode

    def factory(name=None, code=None, parent=None, kind="unit"):
        n = next(_seq)
        node = OrgNode(code=code or f"U{n:03d}", name=name or f"第{n}二级单位党委", kind=kind,
                       parent_id=parent.id if parent else None)
        db.add(node)
        db.flush()
        if kind == "unit":
            node.unit_id = node.id
        elif parent is not None:
            node.unit_id = parent.unit_id
        db.commit()
        return node

    return factory


@pytest.fixture
def make_branch(db, make_unit):
    from core.org.models import Branch

    def factory(unit=None, name=None, code=None, category="production", parent=None):
        unit = unit or make_unit()
        n = next(_seq)
        branch = Branch(code=code or f"B{n:04d}", name=name or f"第{n}党支部", category=category,
                        parent_id=(parent or unit).id, unit_id=unit.unit_id or unit.id)
        db.add(branch)
        db.commit()
        return branch

    return factory


@pytest.fixture
def make_member(db):
    from core.org.models import Member

    def factory(branch, name=None, status="full", gender="male", **kw):
        n = next(_seq)
        member = Member(branch_id=branch.id, name=name or f"党员{n}", status=status, gender=gender, **kw)
        db.add(member)
        db.commit()
        return member

    return factory


@pytest.fixture
def make_user(db):
    from core.auth.models import User, UserUnit

    def factory(role="admin", username=None, branch=None, units=(), password="secret-pass", **kw):
        n = next(_seq)
        user = User(username=username or f"{role}{n}", display_name=kw.pop("display_name", f"{role}{n}"),
                    role=role, branch_id=branch.id if branch else None, **kw)
        user.set_password(password, method=FAST_HASH)
        user.units = [UserUnit(unit_id=u.id) for u in units]
        db.add(user)
        db.commit()
        return user

    return factory


@pytest.fixture
def login(client):
    """Log `user` into the test client through the real login form."""

    def do(user, c=None, password="secret-pass"):
        c = c or client
        r = c.post("/login", data={"username": user.username, "password": password})
        assert r.status_code == 302, f"login of {user.username} failed"
        return c

    return do


@pytest.fixture
def enable_plugin(app, db):
    from core.plugins import service

    def do(unit, name, actor=None):
        service.enable(db, app.extensions["starbranch.plugins"], unit_id=unit.id, name=name, actor=actor)
        db.commit()

    return do


@pytest.fixture
def make_honour(db):
    """An honour (荣誉) of `branch`, awarded in January 2026 unless told."""
    from datetime import date

    from core.honours.models import Honour

    def factory(branch, level="city", awarded_on=None, title="先进基层党组织", issuer="中共某市委", **kw):
        h = Honour(branch_id=branch.id, unit_id=branch.unit_id, title=title, level=level, issuer=issuer,
                   awarded_on=awarded_on or date(2026, 1, 15), **kw)
        db.add(h)
        db.commit()
        return h
    return factory


@pytest.fixture
def unchanged(db):
    """`with unchanged(): client.post(…)` — the block writes nothing to any table
    (tests/db_state.py). Enter it after logging in."""
    from tests.db_state import nothing_written

    return lambda what="": nothing_written(db, what)
