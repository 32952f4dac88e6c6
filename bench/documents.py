"""Documents benchmark: prints its figures (not a timed test).

    python bench/documents.py [--certificates 1000] [--sample 10]

A synthetic group of N branches (names varied; every 50th holds a rare character —
喆 堃 玥 䶮 𠮷) with final 2025 grades (closed year, notice ended), in a throw-away
SQLite database and instance folder. It measures, in one run:
- fonts_s: preparing the pre-subset fonts (once per machine; `make run` does it);
- cold_s: one certificate through the register with freshly started render workers;
- warm_s: one more certificate (median of 5);
- batch_1000_s: all N certificates as one job (the bulk-issue service: render in the
  worker processes, files, register rows), wall time, with the workers' CPU seconds;
- naive: one plain WeasyPrint render per certificate (default fetcher, the installed
  full font through fontconfig, a new font configuration each), on a sample,
  extrapolated to N;
- max_kb: the largest certificate PDF (fonts embedded);
- decision_500_s: the commendation decision naming 500 branches (with the CPU of one
  more render of it in this process).
The machine's load average is printed before and after: on a shared machine the wall
times grow with it, the CPU seconds much less. So each figure also gives the CPU
seconds of every process involved and the wall time they make on free cores.
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

RARE = "喆堃玥䶮𠮷"
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
WORDS = ["转炉", "精炼", "连铸", "热轧", "冷轧", "炼铁", "烧结", "焦化", "动力", "供电", "检修", "物流", "销售", "机关"]
CATEGORIES = ("production", "auxiliary", "management", "market", "nonpublic")


def build(session, n: int):
    from core.db import utcnow
    from core.indicators.models import RuleSet
    from core.org.models import Branch, OrgNode
    from core.periods.models import Period
    from core.scoring.models import AnnualNotice, ScoreResult, tier_of

    group = OrgNode(code="JT", name="钢铁集团党委", kind="group")
    session.add(group)
    session.flush()
    units = []
    for i in range(10):
        unit = OrgNode(code=f"U{i:02d}", name=f"第{i + 1}{WORDS[i]}厂党委", kind="unit", parent_id=group.id)
        session.add(unit)
        session.flush()
        unit.unit_id = unit.id
        units.append(unit)
    branches = []
    for i in range(n):
        unit = units[i % len(units)]
        word = WORDS[(i // 10) % len(WORDS)]
        name = f"{unit.name[:-2]}{word}第{i + 1}作业区党支部"
        if i % 50 == 7:
            name = f"{SURNAMES[i % len(SURNAMES)]}{RARE[(i // 50) % len(RARE)]}{word}创新工作室党支部"
        branches.append(Branch(code=f"B{i:05d}", name=name, category=CATEGORIES[i % 5], parent_id=unit.id,
                               unit_id=unit.id))
    session.add_all(branches)
    ruleset = RuleSet(year=2025, version=1, name="2025年度考核细则", status="active",
                      settings={"commendation_top_n": 100})
    session.add(ruleset)
    session.flush()
    period = Period(key="2025", kind="year", year=2025, number=0, starts_on=date(2025, 1, 1),
                    ends_on=date(2025, 12, 31), status="closed", ruleset_id=ruleset.id, closed_at=utcnow())
    session.add(period)
    session.flush()
    for rank, b in enumerate(branches, start=1):
        stars = 5 if rank % 3 == 0 else 4 if rank % 3 == 1 else 3
        total = Decimal(95) - Decimal(rank) / 100
        session.add(ScoreResult(period_id=period.id, branch_id=b.id, unit_id=b.unit_id, category=b.category,
                                ruleset_id=ruleset.id, base=total, bonus=Decimal(0), deduction=Decimal(0), total=total,
                                stars=stars, tier=tier_of(stars), rank=rank, vetoed=False, notes={}))
    today = date.today()
    session.add(AnnualNotice(period_id=period.id, starts_on=today - timedelta(days=10), ends_on=today - timedelta(days=6),
                             status="final", created_at=utcnow()))
    session.commit()
    return branches


def naive_seconds(html_pages: list[str]) -> tuple[float, float]:
    """Plain WeasyPrint, one render per certificate: the default URL fetcher and the
    installed full 楷体 font through fontconfig, a new font configuration each time.
    (wall, CPU) seconds per certificate."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    started, cpu = time.perf_counter(), time.process_time()
    for page in html_pages:
        HTML(string=page).write_pdf(font_config=FontConfiguration())
    return (time.perf_counter() - started) / len(html_pages), (time.process_time() - cpu) / len(html_pages)

def children_cpu() -> float:
    """CPU seconds of this process's reaped children (the render workers)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def render_cpu(session, doc_type, settings) -> float:
    """CPU seconds of rendering `doc_type`'s paper for 2025 once more, in this process
    (warm: a first render is not counted): the render workers' share of issuing it."""
    from datetime import date as date_

    from core.documents import render
    from core.documents.service import _contexts, render_jobs, template_settings
    from core.documents.types import IssueRequest

    papers = doc_type.build(session, IssueRequest(doc_type.code, "2025"))
    tpl = template_settings(session, doc_type, settings.upload_dir)
    job = render_jobs(doc_type, tpl, settings, _contexts(session, doc_type, papers, tpl, settings, date_.today()))[0]
    render.render(job)
    started = time.process_time()
    render.render(job)
    return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--certificates", type=int, default=1000)
    parser.add_argument("--sample", type=int, default=10, help="certificates rendered the naive way")
    args = parser.parse_args()
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} cores)")

    tmp = Path(tempfile.mkdtemp(prefix="sb-bench-documents-"))
    os.environ["STARBRANCH_FONT_CACHE"] = str(tmp / "fonts")
    from core.app import create_app
    from core.documents import fonts, pool, render
    from core.documents.service import RenderSettings, issue
    from core.documents.types import IssueRequest, document_types

    app = create_app({"ENV": "testing", "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite'}",
                      "UPLOAD_DIR": str(tmp / "uploads"), "PUBLIC_URL": "https://starbranch.example.cn"},
                     instance_path=str(tmp / "instance"))
    try:
        with app.app_context():
            db = app.extensions["starbranch.db"]
            db.create_all()
            session = db.scoped()
            branches = build(session, args.certificates)
            types = document_types(app)
            settings = RenderSettings.from_app(app)

            t = time.perf_counter()
            fonts.prepare(Path(settings.cache_dir))
            fonts_s = time.perf_counter() - t
            print(f"fonts_s={fonts_s:.2f}  (pre-subsetting 楷体 and 宋体 to GB2312, once per machine)")

            def one(branch):
                started = time.perf_counter()
                issue(session, types, IssueRequest("certificate", "2025", branch_ids=[branch.id]), settings)
                session.commit()
                return time.perf_counter() - started

            pool.shutdown()
            cold_s = one(branches[0])
            warm = [one(b) for b in branches[1:6]]
            warm_s = statistics.median(warm)
            print(f"cold_s={cold_s:.3f}  (starting the render workers included)")
            print(f"warm_s={warm_s:.3f}  (median of {len(warm)}: {', '.join(f'{x:.3f}' for x in warm)})")
            pool.shutdown()
            before = children_cpu()
            one(branches[6])
            pool.shutdown()  # reap: what starting the workers and one certificate cost them
            startup_cpu = children_cpu() - before

            one(branches[7])  # workers started and warm again, as before the timed job
            before = children_cpu()
            self_before = time.process_time()
            started = time.perf_counter()
            result = issue(session, types, IssueRequest("certificate", "2025"), settings)
            session.commit()
            batch_s = time.perf_counter() - started
            main_cpu = time.process_time() - self_before
            pool.shutdown()  # reap the workers so their CPU time is counted
            # The workers' lifetime CPU less their start and the one warm-up certificate.
            worker_cpu = children_cpu() - before - startup_cpu
            sizes = [len(p) for p in result.pdfs]
            n = len(sizes)
            rare = sum(1 for d in result.documents if any(c in d.recipient for c in RARE))
            # On two free cores the workers' CPU splits between them and the issuing
            # process (building, register rows, files) mostly runs before and after.
            free_s = worker_cpu / pool.workers() + main_cpu
            print(f"batch_{args.certificates}_s={batch_s:.2f}  ({n} certificates, {rare} with rare characters, "
                  f"{pool.workers()} workers; CPU: workers {worker_cpu:.1f} s = {1000 * worker_cpu / n:.1f} ms per "
                  f"certificate, issuing process {main_cpu:.1f} s, sum {worker_cpu + main_cpu:.1f} s; "
                  f"expected on {pool.workers()} free cores ≈ {free_s:.1f} s)")
            print(f"max_kb={max(sizes) / 1024:.1f}  mean_kb={statistics.mean(sizes) / 1024:.1f}")

            sample = result.documents[: args.sample]
            from core.documents.service import template_settings
            tpl = template_settings(session, types["certificate"], settings.upload_dir)
            pages = []
            for doc in sample:
                ctx = dict(types["certificate"].sample, recipient=doc.recipient, issuer=tpl.issuer, color=tpl.color,
                           seal=None, serial=doc.serial, number=None, issued_on="2026年1月20日",
                           issued_on_cn="二〇二六年一月二十日", qr=render.qr_data_url("https://x/verify/" + doc.serial))
                html = render.render_html(tpl.source, ctx)
                pages.append(html.replace("<body>", '<body style="font-family: \'AR PL UKai CN\'">'))
            naive, naive_cpu = naive_seconds(pages)
            print(f"naive_s_per_certificate={naive:.3f}  (CPU {naive_cpu:.3f} s; sample of {len(pages)}) → "
                  f"{naive * n:.1f} s for {n} on one core, CPU {naive_cpu * n:.1f} s "
                  f"(the job's CPU is {(naive_cpu * n) / (worker_cpu + main_cpu):.1f}× less)")

            one(branches[0])  # workers warm
            self_before = time.process_time()
            started = time.perf_counter()
            decision = issue(session, types, IssueRequest("decision", "2025"), settings)
            session.commit()
            decision_s = time.perf_counter() - started
            main_cpu = time.process_time() - self_before
            decision_cpu = render_cpu(session, types["decision"], settings)
            from core.scoring.notice import commendation_list
            count = sum(len(v) for v in commendation_list(session, 2025)[1].values())
            import io

            import pypdf
            pages = len(pypdf.PdfReader(io.BytesIO(decision.pdfs[0])).pages)
            print(f"decision_500_s={decision_s:.2f}  ({count} branches named, {pages} pages, "
                  f"{len(decision.pdfs[0]) / 1024:.0f} KB; CPU: the render {decision_cpu:.2f} s (one process), "
                  f"issuing process {main_cpu:.2f} s; expected on a free core ≈ {decision_cpu + main_cpu:.1f} s)")
            print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
            print(f"warm_s={warm_s:.3f} batch_1000_s={batch_s:.2f} max_kb={max(sizes) / 1024:.1f} "
                  f"decision_500_s={decision_s:.2f}")
    finally:
        pool.shutdown()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
