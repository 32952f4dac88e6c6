"""Waiting for a real worker to bring a job (core Job or DocumentJob) somewhere."""
from __future__ import annotations

import time


def wait_for(db, worker, model, job_id, *, until=lambda job: not job.is_active, timeout=90, what="there"):
    """The job once `until(job)` holds; fails the test with the worker's log after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        db.expire_all()
        job = db.get(model, job_id)
        db.rollback()  # no snapshot kept open while the worker writes
        if until(job):
            return job
        if time.monotonic() > deadline:
            worker.fail(f"did not bring job {job_id} {what} in {timeout}s "
                        f"(status {job.status}, {job.done}/{job.total})")
        time.sleep(0.02)
