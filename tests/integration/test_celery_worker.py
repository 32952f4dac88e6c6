"""A real Celery worker (separate process, Redis broker) runs core tasks against the
same PostgreSQL database the tests write to."""
from __future__ import annotations

import os

import pytest

pytestmark = [
    pytest.mark.integration,
    pytest.mark.plugins(),  # the core's tasks only; the worker itself loads every plugin
    pytest.mark.skipif(
        not (os.environ.get("STARBRANCH_TEST_REDIS_URL") and os.environ.get("STARBRANCH_TEST_DATABASE_URL")),
        reason="set STARBRANCH_TEST_REDIS_URL and STARBRANCH_TEST_DATABASE_URL for worker tests"),
    pytest.mark.config({"CELERY_BROKER_URL": os.environ.get("STARBRANCH_TEST_REDIS_URL"),
                        "CELERY_RESULT_BACKEND": os.environ.get("STARBRANCH_TEST_REDIS_URL")}),
]


def test_worker_answers_ping(app, worker):
    celery = app.extensions["celery"]
    assert celery.conf.task_always_eager is False
    assert worker.result(celery.send_task("jobs.ping", queue=worker.queue)) == "pong"


def test_worker_sees_the_branches_committed_by_the_test(app, worker, make_unit, make_branch):
    unit = make_unit()
    for _ in range(3):
        make_branch(unit=unit)
    celery = app.extensions["celery"]
    assert worker.result(celery.send_task("jobs.count_branches", queue=worker.queue)) == 3


def test_worker_knows_every_task_the_app_registers(app, worker):
    celery = app.extensions["celery"]
    ours = {name for name in celery.tasks if not name.startswith("celery.")}
    registered = celery.control.inspect(timeout=5).registered() or {}
    assert registered, "no worker answered the inspect call"
    worker_tasks = {t.split(" ")[0] for tasks in registered.values() for t in tasks}
    assert ours <= worker_tasks
