"""Integration fixtures: a real Celery worker process on Redis, reading the
PostgreSQL test database. Skipped unless STARBRANCH_TEST_REDIS_URL and
STARBRANCH_TEST_DATABASE_URL are both set (CI sets them)."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

REDIS_URL = os.environ.get("STARBRANCH_TEST_REDIS_URL")
PG_URL = os.environ.get("STARBRANCH_TEST_DATABASE_URL")
ROOT = Path(__file__).resolve().parents[2]

needs_services = pytest.mark.skipif(
    not (REDIS_URL and PG_URL),
    reason="set STARBRANCH_TEST_REDIS_URL and STARBRANCH_TEST_DATABASE_URL for worker tests")


class Worker:
    """The running worker: its queue, and `result(async_result)` that waits and, on
    a timeout, fails with the worker's log so the cause is visible."""

    def __init__(self, queue, log, proc):
        self.queue, self.log, self.proc = queue, log, proc

    def result(self, async_result, timeout=60):
        from celery.exceptions import TimeoutError as CeleryTimeout

        try:
            return async_result.get(timeout=timeout)
        except CeleryTimeout:
            state = "exited" if self.proc.poll() is not None else "running"
            pytest.fail(f"worker ({state}) gave no answer in {timeout}s; log:\n"
                        + self.log.read_text(errors="replace")[-4000:])


@pytest.fixture(scope="session")
def worker(tmp_path_factory):
    """Start `celery -A core.jobs.worker worker` on a queue of its own; yield a
    `Worker`; stop the worker (only this process) at the end."""
    if not (REDIS_URL and PG_URL):
        pytest.skip("no Redis/PostgreSQL configured")
    queue = f"sbtest-{uuid.uuid4().hex[:8]}"
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    env = dict(os.environ,
               STARBRANCH_DATABASE_URL=PG_URL,
               STARBRANCH_CELERY_BROKER_URL=REDIS_URL,
               STARBRANCH_CELERY_RESULT_BACKEND=REDIS_URL,
               STARBRANCH_INSTANCE=str(tmp_path_factory.mktemp("worker-instance")),
               STARBRANCH_ENV="testing")
    celery_bin = Path(sys.executable).with_name("celery")
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [str(celery_bin), "-A", "core.jobs.worker", "worker", "--pool", "solo",
             "-Q", queue, "--without-gossip", "--without-mingle", "-l", "info"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    time.sleep(0.5)
    if proc.poll() is not None:
        pytest.fail("celery worker exited at start:\n" + log.read_text(errors="replace"))
    worker = Worker(queue=queue, log=log, proc=proc)
    yield worker
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
