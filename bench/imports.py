"""Benchmark of the member import (issue 13 "Figures").

    python bench/imports.py [--sizes 10000,50000,100000] [--database-url URL]

For each size N: a fresh database with N/20 branches, an admin, and an .xlsx of N
members written by the export code (no member numbers: all new); then the web flow's
work without HTTP:

- apply_s    — preview (open + parse + plan + digest + keep the parsed rows) and apply
               (plan again from the kept rows + digest check + write + commit), as the
               preview and the apply requests do;
- export_s   — the member export of all N members (.xlsx, carrying the numbers);
- reimport_s — that export uploaded again: preview finds N unchanged, nothing to write.

Wall time is what a user waits; CPU time (process_time) is printed beside it because a
shared machine inflates wall time. Peak memory is the process's peak resident set size
(ru_maxrss) after all sizes. The
last line is the summary `apply_100k_s=… reimport_100k_s=… peak_mb=…`.
Default database: a fresh SQLite file under /tmp per size.
"""
from __future__ import annotations

import argparse
import os
import pickle
import resource
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text  # noqa: E402

NOW = datetime(2026, 1, 1)


def members_file(n: int, n_branches: int) -> bytes:
    from core.org.importing import MEMBER_COLUMNS
    from core.xlsx import Sheet, write_workbook

    def rows():
        for i in range(n):
            b = i % n_branches + 1
            yield [None, f"B{b:06d}", f"党员{i}", "男" if i % 3 else "女", date(1950 + i % 30, 1 + i % 12, 1 + i % 28),
                   date(2000 + i % 20, 7, 1), "正式党员" if i % 10 else "预备党员", "岗位" if i % 2 else None, "在用"]
    return write_workbook([Sheet("党员", [c.header for c in MEMBER_COLUMNS], rows())])


def setup(db, n_branches: int):
    from core.auth.models import User
    session = db.session_factory()
    session.execute(text("INSERT INTO org_nodes (id, code, name, kind, parent_id, unit_id, active, version) "
                         "VALUES (1, 'G', '集团党委', 'group', NULL, NULL, :t, 1)"), {"t": True})
    n_units = max(1, n_branches // 500)
    session.execute(text("INSERT INTO org_nodes (id, code, name, kind, parent_id, unit_id, active, version) "
                         "VALUES (:id, :code, :name, 'unit', 1, :id, :t, 1)"),
                    [{"id": u + 2, "code": f"U{u:04d}", "name": f"第{u}二级单位党委", "t": True} for u in range(n_units)])
    session.execute(text("INSERT INTO branches (id, code, name, category, parent_id, unit_id, active, created_at, version) "
                         "VALUES (:id, :code, :name, 'production', :u, :u, :t, :now, 1)"),
                    [{"id": b, "code": f"B{b:06d}", "name": f"第{b}党支部", "u": 2 + (b - 1) % n_units, "t": True,
                      "now": NOW} for b in range(1, n_branches + 1)])
    admin = User(username="bench", display_name="bench", role="admin", locale="zh_CN", active=True, version=1,
                 password_hash="x")
    session.add(admin)
    session.commit()
    return session, admin


def one_size(n: int, url: str | None) -> dict:
    from core.app import create_app
    from core.auth.scoping import visible_members
    from core.imports.reader import Book, open_book
    from core.org.importing import apply_members, export_members, plan_members

    if not url:
        fd, path = tempfile.mkstemp(prefix="starbranch-bench-imports-", suffix=".sqlite")
        os.close(fd)
        url = f"sqlite:///{path}"
    app = create_app({"DATABASE_URL": url, "PLUGINS": {}, "ENV": "testing", "SECRET_KEY": "bench"},
                     instance_path=tempfile.mkdtemp(prefix="starbranch-bench-instance-"))
    db = app.extensions["starbranch.db"]
    out = {}
    with app.app_context():
        db.drop_all()
        db.create_all()
        n_branches = max(1, n // 20)
        session, admin = setup(db, n_branches)
        data = members_file(n, n_branches)

        def plan(blob, memo=None):
            book = Book([], "memo", memo=memo) if memo else open_book(blob, "党员.xlsx")
            try:
                p = plan_members(session, book, actor=admin)
            finally:
                if book.close:
                    book.close()
            session.rollback()
            return p, book.memo

        t0, c0 = time.perf_counter(), time.process_time()
        preview, memo = plan(data)
        digest = preview.digest()
        kept = pickle.dumps(memo, protocol=pickle.HIGHEST_PROTOCOL)  # what the preview stores beside the file
        del preview, memo  # the apply is another request: the preview's objects are gone
        t_preview = time.perf_counter() - t0
        again, _ = plan(data, pickle.loads(kept))
        del kept
        assert again.ok and again.digest() == digest, again.problems.ordered()[:5]
        counts = apply_members(session, again, actor=admin)
        session.commit()
        out["apply_s"], out["apply_cpu_s"] = time.perf_counter() - t0, time.process_time() - c0
        out["preview_s"] = t_preview
        assert counts["created"] == n, counts
        del again

        t0 = time.perf_counter()
        exported = export_members(session, visible_members(admin))
        out["export_s"] = time.perf_counter() - t0
        session.rollback()

        t0, c0 = time.perf_counter(), time.process_time()
        reimport, _ = plan(exported)
        out["reimport_s"], out["reimport_cpu_s"] = time.perf_counter() - t0, time.process_time() - c0
        assert reimport.ok and not reimport.has_changes and reimport.unchanged == n, \
            (len(reimport.new), len(reimport.changed), reimport.unchanged)
        out["file_mb"] = len(data) / 1e6
        session.close()
    db.engine.dispose()
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,50000,100000")
    parser.add_argument("--database-url", help="a scratch database (its tables are dropped and re-created)")
    args = parser.parse_args(argv)
    results = {}
    for n in (int(s) for s in args.sizes.split(",")):
        r = one_size(n, args.database_url)
        results[n] = r
        print(f"members={n:>7}  file={r['file_mb']:.1f} MB  preview={r['preview_s']:.2f}s  "
              f"preview+apply={r['apply_s']:.2f}s  export={r['export_s']:.2f}s  "
              f"unchanged re-import={r['reimport_s']:.2f}s  (cpu: apply={r['apply_cpu_s']:.2f}s "
              f"re-import={r['reimport_cpu_s']:.2f}s)  per 10k rows: apply={r['apply_s'] * 1e4 / n:.2f}s "
              f"re-import={r['reimport_s'] * 1e4 / n:.2f}s", flush=True)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    big = results[max(results)]
    print(f"apply_{max(results) // 1000}k_s={big['apply_s']:.2f} reimport_{max(results) // 1000}k_s={big['reimport_s']:.2f} "
          f"peak_mb={peak_mb:.0f}")


if __name__ == "__main__":
    main()
