"""Web benchmark: 20,000 branches with a closed year, served by gunicorn (2 workers),
driven by 16 concurrent clients; prints p50/p95 latency and requests/s per endpoint.

    .venv/bin/python bench/web.py                      # SQLite file in a temp dir
    .venv/bin/python bench/web.py --database-url postgresql+psycopg://postgres@127.0.0.1/sb_bench

The closed year is seeded by bulk-inserting ScoreResult rows (12 months, 4 quarters and
the year for every branch, ranked within category) — not through the scoring engine's
close, which this bench does not measure. A figure, not a timed test."""
from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CATEGORY_SHARE = {"production": 35, "auxiliary": 25, "management": 20, "market": 10, "nonpublic": 10}
WEIGHTS = {"team": 20, "management": 20, "performance": 30, "brand": 15, "service": 15}
PASSWORD = "bench-pass-123"


# ------------------------------------------------------------------ seeding

def _stars(total: Decimal) -> int:
    return 5 if total >= 90 else 4 if total >= 80 else 3 if total >= 70 else 2 if total >= 60 else 1


def seed(url: str, branches: int, units: int, year: int) -> dict:
    from sqlalchemy import insert

    from core.auth.models import User, UserUnit
    from core.db import Base, import_all_models, make_engine
    from core.indicators.models import IndexWeight, RuleSet
    from core.org.models import Branch, OrgNode
    from core.periods.keys import PeriodKey
    from core.periods.models import Period
    from core.points import to_points
    from core.scoring.models import ScoreResult, tier_of
    from werkzeug.security import generate_password_hash

    import_all_models()
    engine = make_engine(url)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    rnd = random.Random(20260324)
    t0 = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(insert(OrgNode), [{"id": 1, "code": "GROUP", "name": "集团党委", "kind": "group"}])
        conn.execute(insert(OrgNode), [{"id": 1 + u, "code": f"U{u:03d}", "name": f"第{u}二级单位党委", "kind": "unit",
                                        "parent_id": 1, "unit_id": 1 + u} for u in range(1, units + 1)])
        cats = [c for c, share in CATEGORY_SHARE.items() for _ in range(share)]
        branch_rows = []
        for i in range(1, branches + 1):
            unit = 1 + 1 + (i - 1) % units
            branch_rows.append({"id": i, "code": f"B{i:05d}", "name": f"第{i}党支部", "category": cats[i % len(cats)],
                                "parent_id": unit, "unit_id": unit, "active": True, "version": 1})
        conn.execute(insert(Branch), branch_rows)
        conn.execute(insert(RuleSet), [{"id": 1, "year": year, "version": 1, "name": f"{year}年考核细则",
                                        "status": "active", "settings": {}}])
        conn.execute(insert(IndexWeight), [{"ruleset_id": 1, "category": c, "index_code": k, "weight": w}
                                           for c in CATEGORY_SHARE for k, w in WEIGHTS.items()])
        keys = [PeriodKey(year, "month", m) for m in range(1, 13)] + \
               [PeriodKey(year, "quarter", q) for q in range(1, 5)] + [PeriodKey(year, "year", 0)]
        closed_at = datetime(year + 1, 1, 10, 9, 0)  # as a real close stamps it
        conn.execute(insert(Period), [{"id": n, "key": k.key, "kind": k.kind, "year": k.year, "number": k.number,
                                       "starts_on": k.starts_on, "ends_on": k.ends_on, "status": "closed",
                                       "ruleset_id": 1, "closed_at": closed_at} for n, k in enumerate(keys, start=1)])
        quality = {b["id"]: rnd.gauss(80, 8) for b in branch_rows}
        index_bias = {b["id"]: {k: rnd.gauss(0, 6) for k in WEIGHTS} for b in branch_rows}
        for pid, key in enumerate(keys, start=1):
            rows = []
            for b in branch_rows:
                drift = rnd.gauss(0, 3)
                idx = {}
                for k, w in WEIGHTS.items():
                    pct = max(20.0, min(100.0, quality[b["id"]] + index_bias[b["id"]][k] + drift))
                    idx[k] = to_points(Decimal(w) * Decimal(repr(round(pct, 2))) / 100)
                total = sum(idx.values(), Decimal("0.00"))
                stars = None if key.kind == "month" else _stars(total)
                rows.append({"period_id": pid, "branch_id": b["id"], "unit_id": b["unit_id"], "category": b["category"],
                             "ruleset_id": 1, **idx, "base": total, "bonus": Decimal("0"), "deduction": Decimal("0"),
                             "total": total, "stars": stars, "tier": tier_of(stars), "rank": 0, "vetoed": False})
            by_cat = defaultdict(list)
            for r in rows:
                by_cat[r["category"]].append(r)
            for group in by_cat.values():
                group.sort(key=lambda r: (-r["total"], r["branch_id"]))
                prev, rank = None, 0
                for n, r in enumerate(group, start=1):
                    if r["total"] != prev:
                        rank, prev = n, r["total"]
                    r["rank"] = rank
            conn.execute(insert(ScoreResult), rows)
        hashed = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
        conn.execute(insert(User), [
            {"id": 1, "username": "admin", "display_name": "组织部管理员", "role": "admin", "password_hash": hashed,
             "locale": "zh_CN", "active": True, "version": 1},
            {"id": 2, "username": "reviewer", "display_name": "审核员", "role": "reviewer", "password_hash": hashed,
             "locale": "zh_CN", "active": True, "version": 1},
            {"id": 3, "username": "secretary", "display_name": "支部书记", "role": "secretary", "branch_id": 7,
             "password_hash": hashed, "locale": "zh_CN", "active": True, "version": 1}])
        conn.execute(insert(UserUnit), [{"user_id": 2, "unit_id": 2}])
    if engine.dialect.name == "postgresql":
        # VACUUM as autovacuum would after a bulk load: sets the visibility map so that
        # index-only scans (the ranking index) read no heap pages.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    elif engine.dialect.name == "sqlite":
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    engine.dispose()
    return {"seconds": time.perf_counter() - t0, "rows": branches * 17}


# ------------------------------------------------------------------ server and clients

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(url: str, port: int, instance: str, workers: int) -> subprocess.Popen:
    env = dict(os.environ, STARBRANCH_DATABASE_URL=url, STARBRANCH_SECRET_KEY=secrets.token_hex(16),
               STARBRANCH_ENV="production", STARBRANCH_INSTANCE=instance, STARBRANCH_UPLOAD_DIR=f"{instance}/uploads")
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    proc = subprocess.Popen([gunicorn, "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning",
                             "core.app:create_app()"], cwd=ROOT, env=env, start_new_session=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            status, _b, _h = request(port, "GET", "/login")
            if status == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("gunicorn did not start")


UA = "starbranch-bench/1"


def request(port, method, path, body=None, cookie=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    h = {"User-Agent": UA, **(headers or {})}
    if cookie:
        h["Cookie"] = cookie
    conn.request(method, path, body=body, headers=h)
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, data, resp.getheaders()


def login(port, username) -> str:
    status, body, headers = request(port, "GET", "/login")
    cookie = "; ".join(v.split(";")[0] for k, v in headers if k.lower() == "set-cookie")
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', body) or \
        re.search(rb'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', body) or \
        re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', body)
    form = urllib.parse.urlencode({"csrf_token": token.group(1).decode(), "username": username,
                                   "password": PASSWORD}).encode()
    status, body, headers = request(port, "POST", "/login", form, cookie,
                                    {"Content-Type": "application/x-www-form-urlencoded"})
    if status != 302:
        raise SystemExit(f"login of {username} failed: {status}")
    return "; ".join(v.split(";")[0] for k, v in headers if k.lower() == "set-cookie")


def process_cpu(pids) -> float:
    """CPU seconds (user + system) used so far by these processes (Linux /proc)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def server_pids(proc) -> list[int]:
    """gunicorn's master and its workers."""
    out = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
    return [proc.pid, *map(int, out)]


def drive(port, cookie, paths, clients: int, seconds: float, server=None) -> dict:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def worker(n):
        rnd = random.Random(n)
        local, bad = [], 0
        while time.perf_counter() < stop:
            path = paths(rnd)
            t = time.perf_counter()
            status, _body, _h = request(port, "GET", path, cookie=cookie)
            local.append(time.perf_counter() - t)
            bad += status != 200
        with lock:
            latencies.extend(local)
            errors[0] += bad

    pids = server_pids(server) if server is not None else []
    s0, c0 = process_cpu(pids), time.process_time()
    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    server_cpu, client_cpu = process_cpu(pids) - s0, time.process_time() - c0
    latencies.sort()
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [latencies[0]] * 99
    return {"n": len(latencies), "errors": errors[0], "p50": q[49] * 1000, "p95": q[94] * 1000,
            "rps": len(latencies) / elapsed,
            # per request, in ms: the app's CPU (gunicorn, all workers) and the load generator's
            "server_ms": server_cpu * 1000 / max(1, len(latencies)), "client_ms": client_cpu * 1000 / max(1, len(latencies)),
            "client_share": client_cpu / max(1e-9, client_cpu + server_cpu)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--database-url", default=None, help="default: a SQLite file in a temp dir")
    ap.add_argument("--branches", type=int, default=20_000)
    ap.add_argument("--units", type=int, default=40)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="sb-bench-")
    url = args.database_url or f"sqlite:///{tmp}/bench.sqlite"
    year = 2025
    print(f"seeding {args.branches} branches × 17 closed periods of {year} into {url.split('@')[-1]} …", flush=True)
    info = seed(url, args.branches, args.units, year)
    print(f"seeded {info['rows']} score results in {info['seconds']:.1f} s (bulk insert, not the engine's close)")
    port = free_port()
    proc = start_server(url, port, tmp, args.workers)
    try:
        cookie = login(port, "admin")
        n = args.branches
        endpoints = {
            "ranking page (admin, 2025Q4, page 1 of all 20k)": lambda r: "/analysis/rankings?period=2025Q4",
            "ranking page (admin, category+unit filter)":
                lambda r: f"/analysis/rankings?period=2025Q4&category=production&unit={2 + r.randrange(args.units)}",
            "branch dashboard (admin, random branch)": lambda r: f"/branches/{1 + r.randrange(n)}/dashboard",
            "API /api/v1/scores (random page)":
                lambda r: f"/api/v1/scores?period=2025Q4&page={1 + r.randrange(n // 50)}",
        }
        print(f"gunicorn {args.workers} workers on 127.0.0.1:{port}; {args.clients} clients, {args.seconds:.0f} s each")
        print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
        print(f"{'endpoint':58s} {'requests':>8s} {'errors':>6s} {'p50 ms':>8s} {'p95 ms':>8s} {'req/s':>8s}"
              f" {'app CPU ms/req':>14s} {'client CPU ms/req':>17s} {'client share':>12s}")
        for name, paths in endpoints.items():
            r = drive(port, cookie, paths, args.clients, args.seconds, server=proc)
            print(f"{name:58s} {r['n']:8d} {r['errors']:6d} {r['p50']:8.1f} {r['p95']:8.1f} {r['rps']:8.1f}"
                  f" {r['server_ms']:14.2f} {r['client_ms']:17.2f} {r['client_share']:11.0%}", flush=True)
        print(f"load average after: {os.getloadavg()[0]:.2f}; app CPU excludes the database server's own "
              "processes (PostgreSQL); SQLite runs inside the workers.")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
