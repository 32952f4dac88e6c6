"""A large export as a job on a real worker (Redis, PostgreSQL): the page sends it, the
worker builds the file in the asker's scope, the job page links the download."""
from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from openpyxl import load_workbook

from core.scoring.close import close_period
from tests.core.jobs.test_jobs_pages_cli import LEDGER
from tests.core.scoring.conftest import add_record, make_ruleset, registry  # noqa: F401 (fixtures)
from tests.integration.conftest import PG_URL, REDIS_URL, WORKER_CONFIG
from tests.integration.test_fanout_close import wait_job

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not (REDIS_URL and PG_URL),
                       reason="set STARBRANCH_TEST_REDIS_URL and STARBRANCH_TEST_DATABASE_URL for worker tests"),
    pytest.mark.config({**WORKER_CONFIG, "EXPORT_JOB_ROWS": 2}),
]


def test_export_job_on_a_worker(db, worker, client, login, make_user, make_unit, make_branch,
                                make_ruleset, add_record, registry):  # noqa: F811
    units = [make_unit(), make_unit()]
    for n in range(8):
        add_record(make_branch(unit=units[n % 2]), "committee_meeting", date(2026, 1, 5))
    make_ruleset(indicators=[LEDGER])
    close_period(db, "2026-01", kinds=registry)
    db.commit()
    login(make_user("reviewer", units=[units[1]]))
    r = client.get("/analysis/rankings.xlsx?period=2026-01")
    assert r.status_code == 302 and "/jobs/" in r.headers["Location"]
    job_id = r.headers["Location"].rstrip("/").split("/")[-1]
    job = wait_job(db, worker, job_id)
    assert job.status == "done", job.error
    assert "共 4 行" in client.get(f"/jobs/{job_id}").get_data(as_text=True)
    ws = load_workbook(BytesIO(client.get(f"/jobs/{job_id}/download").data)).active
    assert ws.max_row == 1 + 4
