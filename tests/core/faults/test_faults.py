"""Faults injected where they hurt (issue #14, "Prove it"): a full disk while storing an
attachment, a PostgreSQL connection killed in the middle of a request and of a close.
Each fails cleanly (a clear refusal or a 500 page), leaves no partial write, and the
next request works."""
from __future__ import annotations

import errno
import io
import os

import pytest
from sqlalchemy import create_engine, event, func, select, text

from core.ledger.models import ActivityRecord, Attachment, AttendanceEntry
from core.ledger import storage
from tests.core.branch_fixtures import branch, members, secretary, unit  # noqa: F401 (fixtures)

PG_URL = os.environ.get("STARBRANCH_TEST_DATABASE_URL")
PDF = b"%PDF-1.4 minutes"


def _record_form(members):
    return {"type": "committee_meeting", "held_on": "2026-03-10", "topic": "研究三月工作",
            **{f"present_{m.id}": "1" for m in members}}


def _counts(db):
    db.expire_all()
    return tuple(db.scalar(select(func.count()).select_from(m)) for m in (ActivityRecord, AttendanceEntry, Attachment))


def test_disk_full_while_storing_an_attachment_is_a_clear_refusal_without_orphans(
        app, client, db, login, secretary, branch, members, monkeypatch):
    login(secretary)
    assert client.post(f"/ledger/branch/{branch.id}/new", data=_record_form(members)).status_code == 302
    record = db.scalar(select(ActivityRecord))
    real_open = open

    def full_disk(path, mode="r", *a, **kw):
        if "x" in mode:
            handle = real_open(path, mode, *a, **kw)
            handle.close()
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_open(path, mode, *a, **kw)

    monkeypatch.setattr("builtins.open", full_disk)
    r = client.post(f"/ledger/record/{record.id}/attachments", data={"file": (io.BytesIO(PDF), "纪要.pdf")},
                    content_type="multipart/form-data", follow_redirects=True)
    monkeypatch.undo()
    assert r.status_code == 200 and "文件无法保存" in r.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(Attachment)) == 0
    upload_dir = app.config["UPLOAD_DIR"]
    assert not os.path.isdir(upload_dir) or os.listdir(upload_dir) == []


@pytest.fixture
def pg_only():
    if not PG_URL:
        pytest.skip("needs STARBRANCH_TEST_DATABASE_URL (PostgreSQL)")


def _kill_after(engine, statement_marker: str):
    """Terminate the session's own backend just before a statement containing the
    marker runs (once), as `pg_terminate_backend` from an operator would."""
    killer = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    fired = []

    @event.listens_for(engine, "before_cursor_execute")
    def _kill(conn, cursor, statement, params, context, executemany):
        if not fired and statement_marker in statement:
            fired.append(statement)
            pid = conn.connection.dbapi_connection.info.backend_pid
            with killer.connect() as k:
                k.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})

    return fired, killer


def test_connection_killed_mid_request_writes_nothing_and_the_pool_recovers(
        pg_only, app, client, db, login, secretary, branch, members):
    login(secretary)
    engine = app.extensions["starbranch.db"].engine
    fired, killer = _kill_after(engine, "INSERT INTO attendance")
    before = _counts(db)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the user gets the 500 page
    r = client.post(f"/ledger/branch/{branch.id}/new", data=_record_form(members))
    killer.dispose()
    assert fired, "the fault was injected"
    assert r.status_code == 500
    db.rollback()
    assert _counts(db) == before  # no record without its attendance
    r = client.post(f"/ledger/branch/{branch.id}/new", data=_record_form(members))  # the pool recovered
    assert r.status_code == 302
    assert _counts(db)[0] == before[0] + 1
    # connections killed while idle in the pool (server restart, idle timeout) are
    # replaced at checkout, not handed to the next request
    branch_id = branch.id
    db.close()
    killer = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with killer.connect() as k:
        killed = k.execute(text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar()
    killer.dispose()
    assert killed >= 1
    assert client.get(f"/ledger/branch/{branch_id}").status_code == 200


def test_connection_killed_mid_close_leaves_the_window_open_and_a_rerun_closes_it(pg_only, app, db, branch,
                                                                                   members):
    from core.indicators.catalogue import seed_ruleset
    from core.periods.models import Period
    from core.scoring.close import close_period
    from core.scoring.models import Evaluation, ScoreResult

    seed_ruleset(db, 2026)
    db.commit()
    engine = app.extensions["starbranch.db"].engine
    fired, killer = _kill_after(engine, "INSERT INTO evaluations")
    kinds = app.extensions["starbranch.plugins"]
    with pytest.raises(Exception):
        close_period(db, "2026-01", kinds=kinds)
        db.commit()
    killer.dispose()
    assert fired
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Evaluation)) == 0
    assert db.scalar(select(func.count()).select_from(ScoreResult)) == 0
    assert db.scalar(select(Period.status).where(Period.key == "2026-01")) in (None, "open")
    close_period(db, "2026-01", kinds=kinds)
    db.commit()
    assert db.scalar(select(Period.status).where(Period.key == "2026-01")) == "closed"
    assert db.scalar(select(func.count()).select_from(ScoreResult)) == 1
