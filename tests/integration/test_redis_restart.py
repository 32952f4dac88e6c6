"""Redis stopped and restarted during bulk jobs (#14 "Faults", #15 "Bad input and
faults"), on a redis-server of the test's own (never the machine's: others use it),
started without persistence (`--save '' --appendonly no`), with a real Celery worker
process and PostgreSQL:

- a bulk issue running when Redis stops finishes once Redis is back: every document
  once, nothing revoked, one attempt;
- the page that enqueues while Redis is down answers 503 "could not be queued", its job
  row failed with the reason, no document written;
- a job queued when Redis restarts loses its message (no persistence): the job row
  still says queued, `starbranch jobs status` shows it stalled, `starbranch jobs
  recover` sends it again, and the worker issues its documents — once;
- a large import is applied by the worker as a job (all its rows, once).
"""
from __future__ import annotations

import os
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.db import utcnow
from core.documents.models import DocumentJob, IssuedDocument
from core.imports.batches import POINT_COLUMNS
from core.jobs.commands import jobs_group
from core.jobs.models import Job
from core.ledger.models import PointRecord
from tests.core.documents.conftest import graded_year  # noqa: F401 (fixture)
from tests.integration.conftest import PG_URL, Worker
from tests.integration.waiting import wait_for
from tests.office import apply, preview, xlsx

REDIS_SERVER = "/usr/bin/redis-server"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PORT = _free_port()
REDIS_URL = f"redis://127.0.0.1:{PORT}/0"
QUEUE = f"sbrestart-{uuid.uuid4().hex[:8]}"

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not (PG_URL and os.path.exists(REDIS_SERVER)),
                       reason="needs STARBRANCH_TEST_DATABASE_URL and /usr/bin/redis-server"),
    pytest.mark.plugins(),
    pytest.mark.config({"CELERY_BROKER_URL": REDIS_URL, "CELERY_RESULT_BACKEND": REDIS_URL, "CELERY_QUEUE": QUEUE,
                        "IMPORT_JOB_ROWS": 2}),
]


class OwnRedis:
    """A redis-server on PORT, no persistence: `stop()` and `start()` it as an operator
    (or a crash and a supervisor) would."""

    def __init__(self, folder: Path):
        self.folder, self.proc = folder, None

    def start(self):
        log = open(self.folder / "redis.log", "ab")
        self.proc = subprocess.Popen([REDIS_SERVER, "--port", str(PORT), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no", "--dir", str(self.folder)],
                                     stdout=log, stderr=subprocess.STDOUT)
        log.close()
        import redis

        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                redis.Redis(port=PORT, socket_connect_timeout=0.5).ping()
                return
            except redis.exceptions.ConnectionError:
                time.sleep(0.1)
        pytest.fail("own redis-server did not start: " + (self.folder / "redis.log").read_text(errors="replace"))

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=20)


@pytest.fixture(scope="module")
def shared_uploads(tmp_path_factory) -> Path:
    """UPLOAD_DIR of the web app and the worker alike (as on one machine, or a shared disk)."""
    return tmp_path_factory.mktemp("uploads")


@pytest.fixture(scope="module")
def own_redis(tmp_path_factory):
    server = OwnRedis(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    if server.proc.poll() is None:
        server.stop()


@pytest.fixture(scope="module")
def redis_worker(own_redis, shared_uploads, tmp_path_factory):
    log = tmp_path_factory.mktemp("restart-worker") / "worker.log"
    env = dict(os.environ, STARBRANCH_DATABASE_URL=PG_URL, STARBRANCH_CELERY_BROKER_URL=REDIS_URL,
               STARBRANCH_CELERY_RESULT_BACKEND=REDIS_URL, STARBRANCH_CELERY_QUEUE=QUEUE,
               STARBRANCH_UPLOAD_DIR=str(shared_uploads),
               STARBRANCH_INSTANCE=str(tmp_path_factory.mktemp("restart-worker-instance")), STARBRANCH_ENV="testing")
    worker = Worker(queue=QUEUE, log=log, env=env)
    worker.start()
    yield worker
    if worker.proc.poll() is None:
        worker.stop()


@pytest.fixture
def web(app, shared_uploads, client, login, make_user):
    app.config["UPLOAD_DIR"] = str(shared_uploads)
    admin = make_user("admin")
    login(admin)
    return client


def wait(db, worker, model, job_id, until, *, timeout=300, what=""):
    return wait_for(db, worker, model, job_id, until=until, timeout=timeout, what=what)


def bulk(client, unit):
    return client.post("/documents/bulk", data={"bulk-doc_type": "certificate", "bulk-period": "2025",
                                                "bulk-unit": str(unit.id), "bulk-output": "zip"})


def job_id_of(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


#: Branches of the big unit: enough certificates (~0.01–0.05 s each) that the job is
#: still running when Redis stops after its first chunk.
BIG = 200


@pytest.fixture
def units(graded_year, make_unit, make_branch):  # noqa: F811
    big, small = make_unit(name="炼钢厂党委", code="LG"), make_unit(name="轧钢厂党委", code="ZG")
    branches = [make_branch(unit=big, name=f"炼钢厂第{i}党支部") for i in range(1, BIG + 1)]
    branches += [make_branch(unit=small, name=f"轧钢厂第{i}党支部") for i in range(1, 4)]
    graded_year({b: 4 for b in branches})
    return big, small


def test_bulk_issue_across_a_redis_restart(app, db, web, units, own_redis, redis_worker):
    big, small = units
    cli = app.test_cli_runner()

    # 1. Redis stops while a bulk issue is running, and comes back.
    running = job_id_of(bulk(web, big))
    wait(db, redis_worker, DocumentJob, running, lambda j: j.done > 0, what="to its first chunk")
    own_redis.stop()
    stopped_at = utcnow()
    status = cli.invoke(jobs_group, ["status"]).output
    assert "队列 " + QUEUE + "：无法读取" in status and "worker：无法查询" in status, status
    # 2. The page that enqueues meanwhile says the job could not be queued; nothing written.
    t0 = time.monotonic()
    refused = bulk(web, small)
    enqueue_seconds = time.monotonic() - t0
    assert refused.status_code == 503 and "任务未能排队" in refused.get_data(as_text=True)
    own_redis.start()
    down_seconds = (utcnow() - stopped_at).total_seconds()
    job = wait(db, redis_worker, DocumentJob, running, lambda j: j.status not in ("queued", "running"),
               what="to its end after the restart")
    assert job.status == "done", job.error
    job_seconds = (job.finished_at - job.created_at).total_seconds()
    assert job.done == job.total == BIG and job.attempt == 1
    assert job.finished_at > stopped_at  # it was running across the stop
    failed = db.scalar(select(DocumentJob).where(DocumentJob.id != running))
    assert failed.status == "failed" and "任务未能排队" in failed.error
    assert db.scalar(select(func.count(IssuedDocument.id)).where(IssuedDocument.unit_id == small.id)) == 0

    # 3. A job queued when Redis restarts loses its message; recover sends it again.
    redis_worker.stop()  # nobody takes the message before the restart
    lost = job_id_of(bulk(web, small))
    own_redis.stop()
    own_redis.start()
    redis_worker.start()
    time.sleep(3)
    db.expire_all()
    assert db.get(DocumentJob, lost).status == "queued"  # the message is gone: nothing runs it
    db.rollback()
    app.config["JOB_STALL_SECONDS"] = 1
    assert "无进展" in cli.invoke(jobs_group, ["status"]).output
    t0 = time.monotonic()
    r = cli.invoke(jobs_group, ["recover"])
    assert r.exit_code == 0 and "重新排队的后台任务：1 个" in r.output, r.output
    job = wait(db, redis_worker, DocumentJob, lost, lambda j: j.status not in ("queued", "running"),
               what="to its end after the recovery")
    recovered_seconds = time.monotonic() - t0
    assert job.status == "done" and job.done == job.total == 3 and job.attempt == 1, job.error

    # Every branch's certificate exactly once; nothing revoked (no re-issue, no duplicate).
    docs = list(db.scalars(select(IssuedDocument)))
    assert len(docs) == BIG + 3 and len({d.subject for d in docs}) == BIG + 3
    assert all(d.revoked_at is None for d in docs)
    assert {d.job_id for d in docs} == {running, lost}
    print(f"\nRedis down {down_seconds:.1f}s during a {BIG}-certificate job "
          f"({job_seconds:.1f}s in all); the page that "
          f"enqueued meanwhile answered 503 in {enqueue_seconds:.2f}s; lost job recovered in {recovered_seconds:.1f}s")


def test_a_large_import_is_applied_by_the_worker(app, db, client, login, make_unit, make_branch, make_user,
                                                 shared_uploads, own_redis, redis_worker):
    if own_redis.proc.poll() is not None:
        own_redis.start()
    if redis_worker.proc.poll() is not None:
        redis_worker.start()
    app.config["UPLOAD_DIR"] = str(shared_uploads)
    unit = make_unit(code="UA")
    for code in ("B1", "B2", "B3"):
        make_branch(unit, code=code)
    login(make_user("reviewer", units=[unit]))
    rows = [[code, "加分", "2026-03-15", 2, "获市级表彰", None] for code in ("B1", "B2", "B3")]
    html = preview(client, "/imports/points", xlsx({"导入": [[c.header for c in POINT_COLUMNS], *rows]}))
    r = apply(client, "/imports/points", html.get_data(as_text=True))
    assert r.status_code == 302 and "/jobs/" in r.headers["Location"]
    job_id = r.headers["Location"].rstrip("/").split("/")[-1]
    job = wait(db, redis_worker, Job, job_id, lambda j: not j.is_active, timeout=120)
    assert job.status == "done" and job.result["created"] == 3, job.error
    assert db.scalar(select(func.count(PointRecord.id))) == 3
    assert "导入成功：新增 3 条" in client.get(r.headers["Location"]).get_data(as_text=True)
