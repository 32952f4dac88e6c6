"""Benchmark of the close fanned out per unit (issue 15 "Figures").

    python bench/close_workers.py [--sizes 20000,200000] [--database-url URL] [--redis-url URL]

For each size: seeds a synthetic group as bench/close.py does (units of 500 branches,
a year of ledger records, point records, targets; the default rule set) on a scratch
PostgreSQL database, then times the quarterly close — 2026-01, 2026-02, 2026-03 and
2026Q1, commits included — three ways over the same data:

- inproc_s — close_period in this process (the default without a broker);
- w1_s     — fanned out (core.scoring.fanout) to one Celery worker process on Redis;
- w2_s     — fanned out to two worker processes (prefork, -c 2);
between runs the stored evaluations and results are removed and the periods reopened.
Worker time includes queueing and the chord's callback; the worker's peak resident
memory is the largest VmHWM of its processes (Linux /proc). Prints one line per size,
then the summary (last line):

    speedup_2w=w1_s/w2_s at the largest size  growth_<big>_over_<small>=inproc ratio
    worker_peak_mb=largest worker process peak at the largest size

The machine's load average is printed with each figure: on a shared machine the
figures move with it.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

KEYS = ("2026-01", "2026-02", "2026-03", "2026Q1")


def _seed_module():
    spec = importlib.util.spec_from_file_location("bench_close_seed", ROOT / "bench" / "close.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def loadavg() -> str:
    return open("/proc/loadavg").read().split()[0]


def reset(session) -> None:
    session.execute(text("TRUNCATE evaluations, score_results, job_steps, jobs"))
    session.execute(text("UPDATE periods SET status = 'open', ruleset_id = NULL, closed_at = NULL"))
    session.commit()
    session.execute(text("ANALYZE"))
    session.commit()


def close_in_process(db, registry) -> float:
    from core.scoring.close import close_period

    session = db.session_factory()
    t0 = time.perf_counter()
    for key in KEYS:
        close_period(session, key, kinds=registry, actor=None)
        session.commit()
    elapsed = time.perf_counter() - t0
    session.close()
    return elapsed


def close_on_workers(db) -> float:
    from core.jobs.models import Job
    from core.scoring.fanout import start_close

    session = db.session_factory()
    t0 = time.perf_counter()
    for key in KEYS:
        job = start_close(session, key)
        job_id = job.id
        session.commit()
        while True:
            session.expire_all()
            status, error = session.get(Job, job_id).status, session.get(Job, job_id).error
            session.rollback()
            if status == "failed":
                raise SystemExit(f"close {key} failed on the workers: {error}")
            if status == "done":
                break
            time.sleep(0.05)
    elapsed = time.perf_counter() - t0
    session.close()
    return elapsed


def _descendants(pid: int) -> list[int]:
    out = [pid]
    for child in Path(f"/proc/{pid}/task").glob("*/children"):
        for c in child.read_text().split():
            out += _descendants(int(c))
    return out


def peak_mb(pid: int) -> float:
    peak = 0
    for p in _descendants(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
        except FileNotFoundError:
            pass
    return peak / 1024


def start_worker(env: dict, processes: int, queue: str, log: Path) -> subprocess.Popen:
    celery_bin = Path(sys.executable).with_name("celery")
    out = open(log, "ab")
    proc = subprocess.Popen([str(celery_bin), "-A", "core.jobs.worker", "worker", "--pool", "prefork",
                             "-c", str(processes), "-Q", queue, "--without-gossip", "--without-mingle",
                             "-l", os.environ.get("BENCH_LOG_LEVEL", "warning")], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    out.close()
    return proc


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="20000,200000")
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1/sb_bench_close_workers")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/10")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    subprocess.run([sys.executable, str(ROOT / "scripts" / "ensure_pg_database.py"), args.database_url], check=True)

    from core.app import create_app
    from core.indicators.catalogue import seed_ruleset
    from core.periods.services import get_or_create_periods
    from core.scoring.compute import cycle_keys

    seed = _seed_module()
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    config = {"DATABASE_URL": args.database_url, "ENV": "testing", "SECRET_KEY": "bench",
              "CELERY_BROKER_URL": args.redis_url, "CELERY_RESULT_BACKEND": args.redis_url, "CELERY_QUEUE": queue}
    app = create_app(config, instance_path=tempfile.mkdtemp(prefix="starbranch-bench-instance-"))
    env = dict(os.environ, STARBRANCH_DATABASE_URL=args.database_url, STARBRANCH_CELERY_BROKER_URL=args.redis_url,
               STARBRANCH_CELERY_RESULT_BACKEND=args.redis_url, STARBRANCH_CELERY_QUEUE=queue,
               STARBRANCH_ENV="testing", STARBRANCH_SECRET_KEY="bench" * 8,
               STARBRANCH_INSTANCE=tempfile.mkdtemp(prefix="starbranch-bench-worker-"))
    log = Path(tempfile.mkdtemp(prefix="starbranch-bench-log-")) / "worker.log"
    db = app.extensions["starbranch.db"]
    registry = app.extensions["starbranch.plugins"]
    figures = {}
    with app.app_context():
        for n in sizes:
            db.drop_all()
            db.create_all()
            session = db.session_factory()
            t0 = time.perf_counter()
            counts = seed.generate(session, n, args.seed)
            seed_ruleset(session, 2026, None, registry=registry)
            for key in KEYS:
                get_or_create_periods(session, cycle_keys(__import__("core.periods.keys", fromlist=["PeriodKey"])
                                                          .PeriodKey.parse(key)))
            session.commit()
            session.execute(text("ANALYZE"))
            session.commit()
            session.close()
            print(f"branches={n} units={max(1, n // 500)} records={counts['records']} "
                  f"seeded in {time.perf_counter() - t0:.0f}s (load {loadavg()})", flush=True)
            row = {}
            session = db.session_factory()
            reset(session)
            session.close()
            row["inproc"] = close_in_process(db, registry)
            print(f"  inproc_s={row['inproc']:.1f} (load {loadavg()})", flush=True)
            for procs in (1, 2):
                session = db.session_factory()
                reset(session)
                session.close()
                worker = start_worker(env, procs, queue, log)
                try:
                    time.sleep(3)
                    if worker.poll() is not None:
                        raise SystemExit("worker exited at start:\n" + log.read_text()[-3000:])
                    row[f"w{procs}"] = close_on_workers(db)
                    row[f"w{procs}_mb"] = peak_mb(worker.pid)
                finally:
                    worker.terminate()
                    worker.wait(timeout=60)
                print(f"  w{procs}_s={row[f'w{procs}']:.1f} worker_peak_mb={row[f'w{procs}_mb']:.0f} "
                      f"(load {loadavg()})", flush=True)
            figures[n] = row
    db.engine.dispose()
    small, big = min(figures), max(figures)
    growth = figures[big]["inproc"] / figures[small]["inproc"]
    speedup = figures[big]["w1"] / figures[big]["w2"]
    peak = max(figures[big]["w1_mb"], figures[big]["w2_mb"])
    print(f"speedup_2w={speedup:.2f} growth_{big // 1000}k_over_{small // 1000}k={growth:.2f} worker_peak_mb={peak:.0f}")


if __name__ == "__main__":
    main()
