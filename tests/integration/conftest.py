"""Integration fixtures: a real Celery worker process on Redis, reading the
PostgreSQL test database. Skipped unless STARBRANCH_TEST_REDIS_URL and
STARBRANCH_TEST_DATABASE_URL are both set (CI sets them)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

REDIS_URL = os.environ.get("STARBRANCH_TEST_REDIS_URL")
PG_URL = os.environ.get("STARBRANCH_TEST_DATABASE_URL")
ROOT = Path(__file__).resolve().parents[2]
#: The queue of this run's worker: the tests' app sends every task there (CELERY_QUEUE).
QUEUE = f"sbtest-{uuid.uuid4().hex[:8]}"
#: Seconds before Redis hands a killed worker's unacknowledged task to a worker again.
VISIBILITY_TIMEOUT = 4
#: The app config of a test that sends work to the worker (pytest.mark.config(WORKER_CONFIG)).
WORKER_CONFIG = {"CELERY_BROKER_URL": REDIS_URL, "CELERY_RESULT_BACKEND": REDIS_URL, "CELERY_QUEUE": QUEUE,
                 "CELERY_VISIBILITY_TIMEOUT": VISIBILITY_TIMEOUT}

needs_services = pytest.mark.skipif(
    not (REDIS_URL and PG_URL),
    reason="set STARBRANCH_TEST_REDIS_URL and STARBRANCH_TEST_DATABASE_URL for worker tests")


class Worker:
    """The running worker: its queue, `result(async_result)` that waits and, on a
    timeout, fails with the worker's log so the cause is visible; `kill()` (SIGKILL,
    as a crash would) and `start()` again."""

    def __init__(self, queue, log, env):
        self.queue, self.log, self.env, self.proc = queue, log, env, None

    def start(self):
        celery_bin = Path(sys.executable).with_name("celery")
        out = open(self.log, "ab")
        self.proc = subprocess.Popen(
            [str(celery_bin), "-A", "core.jobs.worker", "worker", "--pool", "solo",
             "-Q", self.queue, "--without-gossip", "--without-mingle", "-l", "info"],
            cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        out.close()
        time.sleep(0.5)
        if self.proc.poll() is not None:
            pytest.fail("celery worker exited at start:\n" + self.log.read_text(errors="replace"))

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def result(self, async_result, timeout=60):
        from celery.exceptions import TimeoutError as CeleryTimeout

        try:
            return async_result.get(timeout=timeout)
        except CeleryTimeout:
            self.fail(f"gave no answer in {timeout}s")

    def fail(self, what):
        state = "exited" if self.proc.poll() is not None else "running"
        pytest.fail(f"worker ({state}) {what}; log:\n" + self.log.read_text(errors="replace")[-4000:])


@pytest.fixture(scope="session")
def worker(tmp_path_factory):
    """Start `celery -A core.jobs.worker worker` on a queue of its own; yield a
    `Worker`; stop the worker (only this process) at the end."""
    if not (REDIS_URL and PG_URL):
        pytest.skip("no Redis/PostgreSQL configured")
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    env = dict(os.environ,
               STARBRANCH_DATABASE_URL=PG_URL,
               STARBRANCH_CELERY_BROKER_URL=REDIS_URL,
               STARBRANCH_CELERY_RESULT_BACKEND=REDIS_URL,
               STARBRANCH_CELERY_QUEUE=QUEUE,
               STARBRANCH_CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT),
               STARBRANCH_INSTANCE=str(tmp_path_factory.mktemp("worker-instance")),
               STARBRANCH_ENV="testing")
    worker = Worker(queue=QUEUE, log=log, env=env)
    worker.start()
    yield worker
    worker.stop()
