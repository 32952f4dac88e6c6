"""Benchmark of the close fanned out to workers (issue 15 "Figures").

    python bench/close_workers.py [--sizes 20000,200000] [--database-url URL] [--redis-url URL]
                                  [--batch-branches 5000] [--reuse]

For each size: seeds a synthetic group on a scratch PostgreSQL database (its tables are
dropped and re-created) — the shapes of bench/close.py (units of 500 branches, a year
of ledger records, point records, targets; the default rule set), generated inside
PostgreSQL by bench/seed_pg.py — then times the quarterly close — 2026-01, 2026-02,
2026-03 and 2026Q1, commits included — three ways over the same data:

- inproc_s — close_period in this process (the default without a broker);
- w1_s     — fanned out (core.scoring.fanout, batches of --batch-branches active
             branches) to one Celery worker process on Redis;
- w2_s     — fanned out to two worker processes (prefork, -c 2);
between runs the stored evaluations and results are removed and the periods reopened.
Worker time includes queueing and the chord's callback. With each figure:

- cpu: CPU seconds (user + system) of the closing processes — this process for
  inproc, the worker's processes for w1/w2 — and of the PostgreSQL backends serving
  them (/proc of the backends connected to the database; a backend that disconnected
  during the run is not counted);
- peak: the largest VmHWM (peak resident memory) of a worker process;
- load: the machine's 1-minute load average at the start and end, and the share of
  the machine's CPU that was busy during the run (/proc/stat): on a shared machine the
  wall times move with the other work;
- same: whether the stored results of the fanned-out close equal the in-process
  close's (a digest of every score_results row without its id);
- phases (w1/w2): what the tasks recorded (core.scoring.fanout) — the batches'
  seconds and CPU seconds summed over every batch (on two workers their seconds
  overlap), and the callback's, which no second worker shortens, per window.

Prints one line per figure, then the summary (last line):

    speedup_2w=w1_s/w2_s at the largest size  growth_<big>_over_<small>=inproc ratio
    worker_peak_mb=largest worker process peak at the largest size

--reuse keeps the data of a previous run when it has the size asked (no seeding).
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
    spec = importlib.util.spec_from_file_location("bench_seed_pg", ROOT / "bench" / "seed_pg.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def loadavg() -> str:
    return open("/proc/loadavg").read().split()[0]


_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_of(pid: int) -> float:
    """CPU seconds of process `pid`: its own user + system time and that of its children
    already waited for (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return sum(int(f) for f in fields[11:15]) / _TICK


def tree_cpu(pid: int) -> float:
    """CPU seconds of `pid` and its live descendants."""
    return sum(_cpu_of(p) for p in _descendants(pid))


def backend_cpu(session) -> dict[int, float]:
    """CPU seconds of each PostgreSQL backend connected to this database (but this one)."""
    pids = session.scalars(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                "AND pid <> pg_backend_pid()")).all()
    session.rollback()
    return {p: _cpu_of(p) for p in pids}


def machine_busy() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine so far (/proc/stat)."""
    values = [int(v) for v in open("/proc/stat").readline().split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


class Meter:
    """Wall time, CPU of the closing processes and of the database backends, load and
    machine busy share over one run. The backends are read over a connection of its
    own (not one of the app's pool, which the close itself uses)."""

    def __init__(self, db, own_pids):
        from sqlalchemy import create_engine
        from sqlalchemy.orm import Session
        from sqlalchemy.pool import NullPool

        self.own_pids = own_pids
        self._engine = create_engine(db.engine.url, poolclass=NullPool)
        self._conn = self._engine.connect()
        self._session = Session(bind=self._conn)

    def __enter__(self):
        self.backends0 = backend_cpu(self._session)
        self.load0 = loadavg()
        self.busy0 = machine_busy()
        self.own0 = sum(self._own())
        self.t0 = time.perf_counter()
        return self

    def _own(self):
        return [tree_cpu(p) if p != os.getpid() else sum(os.times()[:2]) for p in self.own_pids()]

    def stop(self):
        """Read the figures (before the worker stops: its backends close with it)."""
        self.wall = time.perf_counter() - self.t0
        self.cpu = sum(self._own()) - self.own0
        backends1 = backend_cpu(self._session)
        self._session.close()
        self._conn.close()
        self._engine.dispose()
        self.db_cpu = sum(c - self.backends0.get(p, 0.0) for p, c in backends1.items())
        busy1 = machine_busy()
        self.busy = 100 * (busy1[0] - self.busy0[0]) / max(1, busy1[1] - self.busy0[1])
        self.load1 = loadavg()

    def __exit__(self, *exc):
        return False

    def line(self) -> str:
        return (f"cpu_s={self.cpu:.1f} db_cpu_s={self.db_cpu:.1f} load {self.load0}→{self.load1} "
                f"machine_busy={self.busy:.0f}%")


def results_digest(session) -> str:
    """md5 of every stored result row (without its surrogate id), in key order."""
    digest = session.scalar(text(
        "SELECT md5(string_agg(concat_ws('|', period_id, branch_id, unit_id, category, ruleset_id, team, "
        "management, performance, brand, service, base, bonus, deduction, total, stars, tier, rank, vetoed, "
        "notes::text), E'\\n' ORDER BY period_id, branch_id)) FROM score_results"))
    session.rollback()
    return digest


def analyze_schema(session) -> None:
    """ANALYZE the tables of this size's schema only (a bare ANALYZE would also wait for
    another size being seeded at the same time)."""
    for table in session.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")).all():
        session.execute(text(f'ANALYZE "{table}"'))
    session.commit()


def ensure_indexes(db) -> None:
    """Create the models' indexes missing from reused data (seeded before an index was
    added), so --reuse measures the current schema."""
    from core.db import Base

    with db.engine.begin() as conn:
        for table in Base.metadata.sorted_tables:
            for index in table.indexes:
                index.create(conn, checkfirst=True)


def reset(session) -> None:
    session.execute(text("TRUNCATE evaluations, score_results, job_steps, jobs"))
    session.execute(text("UPDATE periods SET status = 'open', ruleset_id = NULL, closed_at = NULL"))
    session.commit()
    analyze_schema(session)


def close_in_process(db, registry, meter: Meter) -> None:
    from core.scoring.close import close_period

    session = db.session_factory()
    with meter:
        for key in KEYS:
            close_period(session, key, kinds=registry, actor=None)
            session.commit()
        meter.stop()
    session.close()


def close_on_workers(db, meter: Meter, batch_branches: int) -> None:
    from core.jobs.models import Job
    from core.scoring.fanout import start_close

    session = db.session_factory()
    with meter:
        _close_on_workers(session, Job, start_close, batch_branches)
        meter.stop()
    session.close()


def _close_on_workers(session, Job, start_close, batch_branches: int) -> None:
    for key in KEYS:
        job = start_close(session, key, batch_branches=batch_branches)
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


def phases(db) -> str:
    """The fanned-out closes' phases as their tasks recorded them (core.scoring.fanout):
    the batches' seconds and CPU seconds summed over every batch (their wall seconds
    overlap on two workers), and the callback's — serial — per window."""
    from sqlalchemy import select

    from core.jobs.models import Job, JobStep

    session = db.session_factory()
    batch_wall = batch_cpu = 0.0
    seen = set()
    for job_id, data in session.execute(select(JobStep.job_id, JobStep.data)).all():
        data = data or {}
        if (job_id, data.get("batch")) in seen:
            continue
        seen.add((job_id, data.get("batch")))
        batch_wall += data.get("seconds", 0.0)
        batch_cpu += data.get("cpu_s", 0.0)
    callbacks = [(j.target, j.result or {}) for j in session.scalars(select(Job).where(Job.kind == "close").order_by(Job.created_at)).all()]
    session.rollback()
    session.close()
    per_window = " ".join(f"{key}:{r.get('seconds', 0):.1f}/{r.get('cpu_s', 0):.1f}" for key, r in callbacks)
    return (f"batches_s={batch_wall:.1f} batches_cpu_s={batch_cpu:.1f} "
            f"callback_s={sum(r.get('seconds', 0) for _k, r in callbacks):.1f} "
            f"callback_cpu_s={sum(r.get('cpu_s', 0) for _k, r in callbacks):.1f} (wall/cpu per window {per_window})")


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


def with_schema(url: str, schema: str) -> str:
    """`url` with the PostgreSQL search_path set to `schema`."""
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


def run_size(db, registry, env, queue, log, batch_branches: int) -> dict:
    """The three closes over one size's data; prints a line each; returns the figures."""
    row = {}
    session = db.session_factory()
    reset(session)
    session.close()
    meter = Meter(db, lambda: [os.getpid()])
    close_in_process(db, registry, meter)
    row["inproc"] = meter.wall
    session = db.session_factory()
    reference = results_digest(session)
    session.close()
    print(f"  inproc_s={meter.wall:.1f} {meter.line()}", flush=True)
    for procs in (1, 2):
        session = db.session_factory()
        reset(session)
        session.close()
        worker = start_worker(env, procs, queue, log)
        try:
            time.sleep(3)
            if worker.poll() is not None:
                raise SystemExit("worker exited at start:\n" + log.read_text()[-3000:])
            meter = Meter(db, lambda: [worker.pid])
            close_on_workers(db, meter, batch_branches)
            row[f"w{procs}"] = meter.wall
            row[f"w{procs}_mb"] = peak_mb(worker.pid)
        finally:
            worker.terminate()
            worker.wait(timeout=60)
        session = db.session_factory()
        same = results_digest(session) == reference
        session.close()
        print(f"  w{procs}_s={meter.wall:.1f} {meter.line()} worker_peak_mb={row[f'w{procs}_mb']:.0f} "
              f"same={'yes' if same else 'NO'}", flush=True)
        print(f"    w{procs} phases: {phases(db)}", flush=True)
    return row


def _has_size(db, n: int) -> bool:
    session = db.session_factory()
    try:
        return session.scalar(text("SELECT count(*) FROM branches")) == n
    except Exception:
        return False
    finally:
        session.rollback()
        session.close()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="20000,200000")
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1/sb_bench_close_workers")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/10")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch-branches", type=int, default=5000,
                        help="active branches per task of the fanned-out close (CLOSE_BATCH_BRANCHES)")
    parser.add_argument("--reuse", action="store_true", help="keep the data of a previous run of the same size")
    parser.add_argument("--seed-only", action="store_true", help="generate the data and stop")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    subprocess.run([sys.executable, str(ROOT / "scripts" / "ensure_pg_database.py"), args.database_url], check=True)

    from core.app import create_app
    from core.indicators.catalogue import seed_ruleset
    from core.periods.services import get_or_create_periods
    from core.periods.keys import PeriodKey
    from core.scoring.compute import cycle_keys

    seed = _seed_module()
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    log = Path(tempfile.mkdtemp(prefix="starbranch-bench-log-")) / "worker.log"
    print(f"worker log: {log}", flush=True)
    figures = {}
    for n in sizes:
        # each size in a schema of its own, so that --reuse keeps every size's data
        url = with_schema(args.database_url, f"bench_{n}")
        config = {"DATABASE_URL": url, "ENV": "testing", "SECRET_KEY": "bench", "CELERY_BROKER_URL": args.redis_url,
                  "CELERY_RESULT_BACKEND": args.redis_url, "CELERY_QUEUE": queue}
        app = create_app(config, instance_path=tempfile.mkdtemp(prefix="starbranch-bench-instance-"))
        env = dict(os.environ, STARBRANCH_DATABASE_URL=url, STARBRANCH_CELERY_BROKER_URL=args.redis_url,
                   STARBRANCH_CELERY_RESULT_BACKEND=args.redis_url, STARBRANCH_CELERY_QUEUE=queue,
                   STARBRANCH_ENV="testing", STARBRANCH_SECRET_KEY="bench" * 8,
                   STARBRANCH_INSTANCE=tempfile.mkdtemp(prefix="starbranch-bench-worker-"))
        db = app.extensions["starbranch.db"]
        registry = app.extensions["starbranch.plugins"]
        with app.app_context():
            t0 = time.perf_counter()
            if args.reuse and _has_size(db, n):
                ensure_indexes(db)
                print(f"branches={n} reused", flush=True)
            else:
                with db.engine.begin() as conn:
                    conn.execute(text(f"DROP SCHEMA IF EXISTS bench_{n} CASCADE"))
                    conn.execute(text(f"CREATE SCHEMA bench_{n}"))
                db.create_all()
                session = db.session_factory()
                counts = seed.generate(session, n, args.seed)
                ruleset = seed_ruleset(session, 2026, None, registry=registry)
                # the quarterly manual item (S-SERVICE) is unverified in the synthetic data:
                # the rule set's policy counts it 0, for the in-process and fanned-out close alike
                ruleset.settings = {**ruleset.settings, "unverified_policy": "zero"}
                for key in KEYS:
                    get_or_create_periods(session, cycle_keys(PeriodKey.parse(key)))
                session.commit()
                analyze_schema(session)
                session.close()
                print(f"branches={n} units={max(1, n // 500)} records={counts['records']} "
                      f"seeded in {time.perf_counter() - t0:.0f}s (load {loadavg()})", flush=True)
            if not args.seed_only:
                figures[n] = run_size(db, registry, env, queue, log, args.batch_branches)
        db.engine.dispose()
    if args.seed_only:
        return
    small, big = min(figures), max(figures)
    growth = figures[big]["inproc"] / figures[small]["inproc"]
    speedup = figures[big]["w1"] / figures[big]["w2"]
    peak = max(figures[big]["w1_mb"], figures[big]["w2_mb"])
    print(f"speedup_2w={speedup:.2f} growth_{big // 1000}k_over_{small // 1000}k={growth:.2f} worker_peak_mb={peak:.0f}")


if __name__ == "__main__":
    main()
