"""Benchmark of the 最美一线员工 pages at group scale: 100 units × 20 declarations (2,000)
in one campaign, 300 of them on the public notice. Prints, per page, the number of SQL
statements and the median of 5 renders in the Flask test client (one process, SQLite
file). Also times the working-day service over a year, and the notifications of the
notice's publication (a secretary per branch, two reviewers per unit: 300 candidates'
branches and units told once, then the replay that creates nothing). A figure, not a
timed test.

    .venv/bin/python bench/typical_staff.py
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

UNITS, PER_UNIT, SHORTLIST = 100, 20, 300


def seed(app):
    from core.auth.models import User
    from core.org.models import Branch, OrgNode
    from core.plugins.models import UnitPlugin
    from plugins.typical_staff.models import Campaign, Declaration, DeedCategory

    s = app.extensions["starbranch.db"].session_factory()
    admin = User(username="admin", display_name="宣传部", role="admin")
    admin.set_password("bench-pass-123", method="pbkdf2:sha256:1000")
    s.add(admin)
    units = [OrgNode(code=f"U{i:03d}", name=f"第{i}二级单位党委", kind="unit") for i in range(UNITS)]
    s.add_all(units)
    s.flush()
    branches = []
    for u in units:
        u.unit_id = u.id
        s.add(UnitPlugin(unit_id=u.id, plugin="typical_staff"))
        branches.append(Branch(code=f"B{u.id:04d}", name=f"{u.name}第一支部", category="production",
                               parent_id=u.id, unit_id=u.id))
    s.add_all(branches)
    c = Campaign(title="基准活动", year=2026, status="notice", declaration_deadline=date(2026, 9, 1),
                 unit_review_deadline=date(2026, 9, 5), group_review_deadline=date(2026, 9, 10),
                 notice_start=date(2026, 9, 14), notice_days=5, group_quota=SHORTLIST,
                 notice_first=date(2026, 9, 14), notice_last=date(2026, 9, 18),
                 categories=[DeedCategory(name=n, sort_order=i) for i, n in enumerate(("爱岗敬业", "帮扶救助"))])
    s.add(c)
    s.flush()
    n = 0
    for b in branches:
        for k in range(PER_UNIT):
            s.add(Declaration(campaign_id=c.id, unit_id=b.unit_id, branch_id=b.id, candidate_key=f"p:{b.unit_id}:{k}",
                              name=f"员工{b.unit_id}-{k}", gender="male", post="炉前工", frontline_years=10,
                              category_id=c.categories[k % 2].id, deed="扎根一线" * 20, recommenders="班组",
                              status="shortlisted" if n < SHORTLIST else "recommended"))
            n += 1
    s.commit()
    cid = c.id
    s.close()
    return cid


def measure(app, client, url):
    from sqlalchemy import event

    engine = app.extensions["starbranch.db"].engine
    count = [0]

    def on_exec(*_):
        count[0] += 1

    event.listen(engine, "before_cursor_execute", on_exec)
    times = []
    for _ in range(5):
        count[0] = 0
        t = time.perf_counter()
        r = client.get(url)
        times.append(time.perf_counter() - t)
        assert r.status_code == 200, (url, r.status_code)
    event.remove(engine, "before_cursor_execute", on_exec)
    return count[0], statistics.median(times)


def main():
    from core.app import create_app

    tmp = Path(tempfile.mkdtemp(prefix="sb-bench-ts-"))
    app = create_app({"ENV": "testing", "SECRET_KEY": "bench", "DATABASE_URL": f"sqlite:///{tmp / 'b.sqlite'}",
                      "WTF_CSRF_ENABLED": False, "UPLOAD_DIR": str(tmp / "up"), "CELERY_BROKER_URL": None,
                      "PLUGINS": {"typical_staff": "plugins.typical_staff"}, "FROZEN_TODAY": date(2026, 9, 16)},
                     instance_path=str(tmp / "instance"))
    app.extensions["starbranch.db"].create_all()
    cid = seed(app)
    client = app.test_client()
    client.post("/login", data={"username": "admin", "password": "bench-pass-123"})
    print(f"{UNITS} units, {UNITS * PER_UNIT} declarations, {SHORTLIST} on the notice (SQLite, test client)")
    for label, url in (("campaign page (50 per page)", f"/typical-staff/campaigns/{cid}"),
                       (f"public notice ({SHORTLIST} rows)", f"/typical-staff/campaigns/{cid}/notice"),
                       ("campaign list", "/typical-staff/")):
        n, t = measure(app, client, url)
        print(f"  {label:32} {n:3d} SQL statements  {t * 1000:7.1f} ms median of 5")
    with app.app_context():
        from core.workdays.service import add_working_days
        session = app.extensions["starbranch.db"].scoped()
        t = time.perf_counter()
        for i in range(100):
            add_working_days(session, date(2026, 1, 1) + timedelta(days=i), 20)
        print(f"  add_working_days(…, 20) x100         {(time.perf_counter() - t) * 10:7.2f} ms each")
        bench_notifications(app, session, cid)


def bench_notifications(app, session, cid):
    from sqlalchemy import event, select

    from core.auth.models import User, UserUnit
    from core.org.models import Branch
    from plugins.typical_staff import notifications
    from plugins.typical_staff.models import Campaign, Declaration

    for b in session.scalars(select(Branch)).all():
        session.add(User(username=f"sec{b.id}", display_name="书记", role="secretary", branch_id=b.id,
                         password_hash="!"))
        for k in range(2):
            session.add(User(username=f"rev{b.unit_id}-{k}", display_name="审核", role="reviewer", password_hash="!",
                             units=[UserUnit(unit_id=b.unit_id)]))
    session.commit()
    c = session.get(Campaign, cid)
    shortlisted = session.scalars(select(Declaration).where(Declaration.status == "shortlisted")).all()
    admin = session.scalar(select(User).where(User.username == "admin"))
    engine = app.extensions["starbranch.db"].engine
    count = [0]

    def on_exec(*_):
        count[0] += 1

    event.listen(engine, "before_cursor_execute", on_exec)
    for label in ("notice notifications (first)", "notice notifications (replay)"):
        count[0] = 0
        t, cpu = time.perf_counter(), time.process_time()
        created = notifications.notice_published(session, c, shortlisted, admin)
        session.commit()
        print(f"  {label:32} {count[0]:3d} SQL statements  {(time.perf_counter() - t) * 1000:7.1f} ms "
              f"(CPU {(time.process_time() - cpu) * 1000:.1f} ms), {created} created")
    event.remove(engine, "before_cursor_execute", on_exec)


if __name__ == "__main__":
    main()
