"""Concurrency benchmark of the cut-off (issue #17): 10 secretaries post ledger records
with attendance, 4 reviewers verify sheet items, and an admin closes the same month
again and again (close → writers refused for a while → reopen), all through gunicorn
(2 workers × 4 threads) on 127.0.0.1. After every close, `verify_window` (what
`starbranch verify` runs) replays the close on the stored evidence and counts the
differences (target 0). Prints requests/s and p50/p95 per kind; the last line is

    rps=… p95_write_ms=… verify_diffs=…

    .venv/bin/python bench/concurrency.py                      # SQLite file in a temp dir
    .venv/bin/python bench/concurrency.py --database-url postgresql+psycopg://postgres@127.0.0.1/sb_bench

Filler branches (--branches, with a few records each in the month) give the close real
work, so writers do wait for it. A figure, not a timed test."""
from __future__ import annotations

import argparse
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MONTH = "2026-01"


@dataclass
class Served:
    """What the harness's Client needs: the app (to read the session cookie) and a port."""

    app: object
    port: int


def seed(app, branches: int, secretaries: int, reviewers: int):
    from sqlalchemy import insert, select

    from core.db import Base
    from core.ledger.models import ActivityRecord
    from core.org.models import Branch
    from core.periods.models import Period
    from core.scoring.close import recompute
    from tests.core.cutoff.harness import seed_world

    db = app.extensions["starbranch.db"]
    Base.metadata.drop_all(db.engine)
    db.create_all()
    with app.app_context():
        with db.session_factory() as s:
            world = seed_world(s, secretaries=secretaries, reviewers=reviewers)
            unit_id = s.scalar(select(Branch.unit_id))
        with db.engine.begin() as conn:
            first = 100_000
            conn.execute(insert(Branch), [{"id": first + i, "code": f"F{i:05d}", "name": f"填充第{i}党支部",
                                           "category": "production", "parent_id": unit_id, "unit_id": unit_id,
                                           "active": True, "version": 1} for i in range(branches)])
            conn.execute(insert(ActivityRecord), [
                {"branch_id": first + i, "unit_id": unit_id, "type": "committee_meeting",
                 "held_on": date(2026, 1, 2 + 7 * k), "topic": "支委会", "uploaded_at": datetime(2026, 1, 3 + 7 * k),
                 "valid": True, "expected_full": 8, "present_full": 6 + k % 3, "expected_probationary": 0,
                 "present_probationary": 0, "version": 1}
                for i in range(branches) for k in range(1 + i % 4)])
        with db.session_factory() as s:
            recompute(s, MONTH, app.extensions["starbranch.plugins"])
            s.commit()
            month_id = s.scalar(select(Period.id).where(Period.key == MONTH))
    return world, month_id


def start_gunicorn(url, port, instance, secret, workers, threads):
    env = dict(os.environ, STARBRANCH_DATABASE_URL=url, STARBRANCH_SECRET_KEY=secret, STARBRANCH_ENV="production",
               STARBRANCH_INSTANCE=instance, STARBRANCH_UPLOAD_DIR=f"{instance}/uploads")
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    proc = subprocess.Popen([gunicorn, "-w", str(workers), "--threads", str(threads), "-b", f"127.0.0.1:{port}",
                             "--timeout", "120", "--log-level", "warning", "core.app:create_app()"],
                            cwd=ROOT, env=env, start_new_session=True)
    import http.client
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/login")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.3)
    os.killpg(proc.pid, signal.SIGTERM)
    raise SystemExit("gunicorn did not start")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--database-url", default=None, help="default: a SQLite file in a temp dir")
    ap.add_argument("--branches", type=int, default=2000, help="filler branches the close scores")
    ap.add_argument("--secretaries", type=int, default=10)
    ap.add_argument("--reviewers", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--open-seconds", type=float, default=2.0, help="how long the month stays open between closes")
    ap.add_argument("--closed-seconds", type=float, default=1.0, help="how long it stays closed (writes refused)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=4)
    args = ap.parse_args()

    from core.app import create_app
    from core.scoring.replay import verify_window
    from tests.core.cutoff.harness import (
        Client, current_version, next_topic, post_record, post_verify,
    )
    from tests.core.cutoff.harness import _drop_flashes as drop_flashes
    from tests.core.cutoff.harness import free_port

    tmp = tempfile.mkdtemp(prefix="sb-conc-")
    url = args.database_url or f"sqlite:///{tmp}/conc.sqlite"
    secret = secrets.token_hex(16)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": secret, "ENV": "production",
                      "UPLOAD_DIR": f"{tmp}/uploads"}, instance_path=tmp)
    t0 = time.perf_counter()
    world, month_id = seed(app, args.branches, args.secretaries, args.reviewers)
    print(f"seeded {args.branches} filler branches + {args.secretaries} secretaries' branches into "
          f"{url.split('@')[-1]} in {time.perf_counter() - t0:.1f} s", flush=True)
    port = free_port()
    proc = start_gunicorn(url, port, tmp, secret, args.workers, args.threads)
    served = Served(app, port)
    session_factory = app.extensions["starbranch.db"].session_factory
    lat = defaultdict(list)
    outcomes = defaultdict(lambda: defaultdict(int))
    lock = threading.Lock()
    stop = threading.Event()
    errors = []

    def timed(kind, fn):
        t = time.perf_counter()
        out = fn()
        with lock:
            lat[kind].append(time.perf_counter() - t)
            outcomes[kind][out] += 1
        return out

    def secretary(username, branch_id, member_ids):
        try:
            c = Client(served, username, csrf_page=f"/ledger/branch/{branch_id}/new")
            n = 0
            while not stop.is_set():
                n += 1
                timed("ledger POST (record + attendance)", lambda: post_record(
                    c, branch_id, member_ids, date(2026, 1, 1 + n % 28), next_topic(f"bench{branch_id}")))
        except BaseException as exc:  # reported at the end
            errors.append(exc)

    def reviewer(username, branch_ids):
        try:
            c = Client(served, username, csrf_page=f"/scoring/sheet/{branch_ids[0]}?period={MONTH}")
            n = 0
            while not stop.is_set():
                for b in branch_ids:
                    n += 1
                    v = current_version(session_factory, month_id, b, world.manual_indicator_id)
                    timed("verify POST (sheet item)", lambda: post_verify(
                        c, b, month_id, world.manual_indicator_id, v, f"{n % 1000 / 100:.2f}", next_topic("复核")))
        except BaseException as exc:  # reported at the end
            errors.append(exc)

    diffs_total, closes = 0, 0
    admin = Client(served, world.admin, csrf_page="/scoring/periods?year=2026")

    def admin_post(path, form):
        status, body, _h = admin.post(path, form)
        flashes = admin.flashes()
        drop_flashes(admin)
        if status != 302 or not any(c == "success" for c, _m in flashes):
            raise SystemExit(f"{path}: {status} {flashes}")
        return "ok"

    threads = [threading.Thread(target=secretary, args=s) for s in world.secretaries]
    threads += [threading.Thread(target=reviewer, args=r) for r in world.reviewers]
    print(f"gunicorn {args.workers} workers × {args.threads} threads on 127.0.0.1:{port}; "
          f"{len(world.secretaries)} secretaries, {len(world.reviewers)} reviewers, closing {MONTH} every "
          f"{args.open_seconds + args.closed_seconds:.1f} s for {args.seconds:.0f} s", flush=True)
    started = time.perf_counter()
    for t in threads:
        t.start()
    try:
        while time.perf_counter() - started < args.seconds and not errors:
            time.sleep(args.open_seconds)
            timed("close POST (2026-01)", lambda: admin_post(f"/scoring/periods/{MONTH}/close", {}))
            closes += 1
            with app.app_context(), session_factory() as s:
                t = time.perf_counter()
                diffs = verify_window(s, MONTH, app.extensions["starbranch.plugins"])
                lat["verify (in-process, writers wait)"].append(time.perf_counter() - t)
            diffs_total += len(diffs)
            for d in diffs[:5]:
                print(f"  verify difference: {d}")
            time.sleep(args.closed_seconds)
            timed("reopen POST (2026-01)", lambda: admin_post(f"/scoring/periods/{MONTH}/reopen",
                                                              {"reason": f"基准测试第{closes}轮"}))
        elapsed = time.perf_counter() - started
        stop.set()
        for t in threads:
            t.join(timeout=120)
    finally:
        stop.set()
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    if errors:
        raise SystemExit(f"client error: {errors[0]!r}")

    def pct(values, q):
        if len(values) < 2:
            return (values or [0])[0] * 1000
        return statistics.quantiles(values, n=100)[q - 1] * 1000

    print(f"{'kind':40s} {'requests':>8s} {'req/s':>7s} {'p50 ms':>8s} {'p95 ms':>8s}  outcomes")
    for kind, values in lat.items():
        out = ", ".join(f"{k} {v}" for k, v in sorted(outcomes[kind].items()))
        print(f"{kind:40s} {len(values):8d} {len(values) / elapsed:7.1f} {pct(values, 50):8.1f} {pct(values, 95):8.1f}"
              f"  {out}")
    http_kinds = [k for k in lat if "POST" in k]
    writes = [v for k in http_kinds if "ledger" in k or "verify POST" in k for v in lat[k]]
    total = sum(len(lat[k]) for k in http_kinds)
    print(f"closes {closes}; verify differences over all closes: {diffs_total}; "
          f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(f"rps={total / elapsed:.1f} p95_write_ms={pct(writes, 95):.1f} verify_diffs={diffs_total}")


if __name__ == "__main__":
    main()
