"""Pages, menu, panel and per-unit enabling of the production plugin."""
import io
from datetime import date
from decimal import Decimal as D

import pytest
from sqlalchemy import func, select

from core.audit.models import AuditEntry
from core.ledger.models import PointRecord
from core.periods.keys import PeriodKey
from plugins.production.models import Acceptance, Actual, Incident, Measure, Plan, Setting


@pytest.fixture
def branch(make_branch, prod_unit, measures):
    return make_branch(unit=prod_unit, category="production", code="LG01", name="炼钢一车间党支部")


@pytest.fixture
def reviewer(make_user, prod_unit):
    return make_user("reviewer", units=[prod_unit])


def count(db, model):
    return db.scalar(select(func.count()).select_from(model))


def test_pages_answer_404_in_units_without_the_plugin(client, login, make_user, make_unit, make_branch, branch):
    off_unit = make_unit()
    off_branch = make_branch(unit=off_unit, category="production")
    login(make_user("reviewer", units=[off_unit]))
    for url in ("/production/", f"/production/branch/{off_branch.id}", "/production/import",
                f"/production/unit/{off_unit.id}/acceptance"):
        assert client.get(url).status_code == 404, url
    assert "生产经营指标" not in client.get("/").get_data(as_text=True)


def test_admin_sees_pages_only_for_enabled_units(client, login, make_user, make_unit, make_branch, branch):
    off_branch = make_branch(unit=make_unit(), category="production")
    login(make_user("admin"))
    assert client.get(f"/production/branch/{branch.id}").status_code == 200
    assert client.get(f"/production/branch/{off_branch.id}").status_code == 404
    page = client.get("/production/").get_data(as_text=True)
    assert "炼钢一车间党支部" in page and off_branch.name not in page


def test_menu_shows_the_plugin_where_enabled(client, login, reviewer, branch):
    login(reviewer)
    html = client.get("/").get_data(as_text=True)
    assert "生产经营指标" in html and "季度验收" in html and "指标定义" not in html


def test_reviewer_enters_plan_and_actual_for_a_month(client, db, login, reviewer, branch, measures):
    login(reviewer)
    out = measures["production.output"]
    r = client.post(f"/production/branch/{branch.id}?year=2026",
                    data={"month": "2026-03", f"plan_{out.id}": "1000", f"actual_{out.id}": "950"})
    assert r.status_code == 302
    assert db.scalar(select(Plan.value)) == D("1000") and db.scalar(select(Actual.value)) == D("950")
    html = client.get(f"/production/branch/{branch.id}?year=2026").get_data(as_text=True)
    assert "950" in html and "2026年3月" in html


def test_secretary_cannot_report_without_a_plan_nor_set_plans(client, db, login, make_user, branch, measures):
    secretary = make_user("secretary", branch=branch)
    login(secretary)
    out = measures["production.output"]
    r = client.post(f"/production/branch/{branch.id}",
                    data={"month": "2026-03", f"plan_{out.id}": "1000", f"actual_{out.id}": "950"},
                    follow_redirects=True)
    assert "没有“产量”的计划" in r.get_data(as_text=True)
    assert count(db, Plan) == 0 and count(db, Actual) == 0


def test_form_errors_rerender(client, db, login, reviewer, branch, measures, unchanged):
    login(reviewer)
    out = measures["production.output"]
    with unchanged():
        r = client.post(f"/production/branch/{branch.id}", data={"month": "三月", f"actual_{out.id}": "-3"})
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "月份格式应为 2026-03" in html and count(db, Actual) == 0


def test_viewer_cannot_post(client, db, login, make_user, prod_unit, branch, measures, unchanged):
    login(make_user("viewer", units=[prod_unit]))
    assert client.get(f"/production/branch/{branch.id}").status_code == 200
    out = measures["production.output"]
    with unchanged():
        r = client.post(f"/production/branch/{branch.id}", data={"month": "2026-03", f"actual_{out.id}": "1"})
        assert r.status_code == 404
        assert client.post(f"/production/branch/{branch.id}/incidents",
                           data={"occurred_on": "2026-03-01", "severity": "major", "description": "重大事故"}
                           ).status_code == 404


def test_major_incident_from_the_form_creates_a_veto(client, db, login, make_user, branch, reviewer):
    login(make_user("secretary", branch=branch))
    r = client.post(f"/production/branch/{branch.id}/incidents",
                    data={"occurred_on": "2026-02-10", "severity": "major", "description": "煤气泄漏重大事故"},
                    follow_redirects=True)
    assert "已按规则生成否决记录" in r.get_data(as_text=True)
    incident = db.scalar(select(Incident))
    assert db.get(PointRecord, incident.veto_record_id).kind == "veto"
    # only reviewers delete, with a reason
    assert client.post(f"/production/branch/{branch.id}/incidents/{incident.id}/delete",
                       data={"reason": "误报"}).status_code == 404
    login(reviewer)
    client.post(f"/production/branch/{branch.id}/incidents/{incident.id}/delete", data={"reason": "误报"})
    assert count(db, Incident) == 0 and count(db, PointRecord) == 0


def test_acceptance_page(client, db, login, reviewer, branch, prod_unit, measures, put):
    put(branch, "output", "2026-01", plan=1000, actual=990)
    login(reviewer)
    html = client.get(f"/production/unit/{prod_unit.id}/acceptance?quarter=2026Q1").get_data(as_text=True)
    assert "炼钢一车间党支部" in html and "待验收" in html and "990" in html
    out = measures["production.output"]
    r = client.post(f"/production/unit/{prod_unit.id}/acceptance?quarter=2026Q1",
                    data={"branch_id": branch.id, "measure_id": out.id, "status": "rejected", "comment": ""},
                    follow_redirects=True)
    assert "必须填写意见" in r.get_data(as_text=True) and count(db, Acceptance) == 0
    client.post(f"/production/unit/{prod_unit.id}/acceptance?quarter=2026Q1",
                data={"branch_id": branch.id, "measure_id": out.id, "status": "accepted", "comment": "属实"})
    assert db.scalar(select(Acceptance.status)) == "accepted"
    assert client.get(f"/production/unit/{prod_unit.id}/acceptance?quarter=bad").status_code == 404


def test_import_page_and_template(client, db, login, reviewer, branch):
    from openpyxl import Workbook
    login(reviewer)
    r = client.get("/production/import/template")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    wb = Workbook()
    ws = wb.active
    ws.title = "2026-03"
    ws.append(["支部编码", "支部名称", "指标", "计划", "实绩"])
    ws.append(["LG01", None, "产量", 1000, 900])
    ws.append(["LG01", None, "质量", 98, "abc"])
    data = io.BytesIO()
    wb.save(data)
    payload = data.getvalue()
    r = client.post("/production/import?step=preview", data={"file": (io.BytesIO(payload), "a.xlsx")},
                    content_type="multipart/form-data")
    html = r.get_data(as_text=True)
    assert "导入未执行" in html and "<td>实绩</td><td>应为数字。</td>" in html and count(db, Plan) == 0
    ws.delete_rows(3)
    data = io.BytesIO()
    wb.save(data)
    r = client.post("/production/import?step=preview", data={"file": (io.BytesIO(data.getvalue()), "a.xlsx")},
                    content_type="multipart/form-data")
    html = r.get_data(as_text=True)
    assert "新增 1 条" in html and count(db, Plan) == 0, "the preview writes nothing"
    from tests.office import apply
    r = apply(client, "/production/import", html)
    assert r.status_code == 302 and count(db, Actual) == 1


def test_admin_edits_a_measure(client, db, login, make_user, branch, measures):
    login(make_user("admin"))
    m = measures["production.cost"]
    assert "吨产品成本" in client.get("/production/measures").get_data(as_text=True)
    form = {"name": "吨钢成本", "meaning": m.meaning, "unit": "元/吨", "direction": "lower", "floor": "1.5",
            "bonus_rate": "0", "bonus_cap": "0", "points": "8", "key": "y", "active": "y"}
    r = client.post(f"/production/measures/{m.id}/edit", data=form)
    assert r.status_code == 200 and db.get(Measure, m.id).floor == D("0.8")
    r = client.post(f"/production/measures/{m.id}/edit", data={**form, "floor": "0.7", "reason": "集团下发新口径"})
    assert r.status_code == 302
    db.expire_all()
    assert db.get(Measure, m.id).floor == D("0.7") and db.get(Measure, m.id).name == "吨钢成本"
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "production.measure.update"))
    assert entry.new == {"name": "吨钢成本", "floor": "0.7"} and entry.reason == "集团下发新口径"


def test_measure_edits_never_touch_rule_sets_used_by_a_closed_period(db, ruleset, measures):
    from core.indicators.models import Indicator
    from core.periods.models import Period
    from plugins.production.measures import update_measure
    db.add(Period(key="2026-01", kind="month", year=2026, number=1, starts_on=date(2026, 1, 1),
                  ends_on=date(2026, 1, 31), status="closed", ruleset_id=ruleset.id))
    db.commit()
    m = measures["production.output"]
    values = {k: getattr(m, k) for k in ("name", "meaning", "unit", "direction", "bonus_rate", "bonus_cap",
                                         "points", "key", "active")}
    assert update_measure(db, m, {**values, "floor": D("0.5")}, actor=None) == 0
    ind = db.scalar(select(Indicator).where(Indicator.code == "P-PRODUCTION-OUTPUT"))
    assert ind.params["floor"] == "0.8"


def test_settings_page(client, db, login, make_user, branch):
    login(make_user("admin"))
    r = client.post("/production/settings?year=2026",
                    data={"year": "2026", "acceptance_rule": "accepted_only"})
    assert r.status_code == 302
    row = db.scalar(select(Setting))
    assert (row.year, row.acceptance_rule, row.veto_on_major) == (2026, "accepted_only", False)


# ------------------------------------------------------------------ hooks

def test_default_indicators_hook(app, ruleset):
    from core.indicators.models import Indicator
    rows = ruleset.indicators if ruleset.indicators else []
    ours = [i for i in rows if i.plugin == "production"]
    assert len(ours) == 20
    assert {i.kind for i in ours} == {"special"} and {i.index_code for i in ours} == {"performance"}
    assert {i.method for i in ours} == {"production.measure"} and {i.cycle for i in ours} == {"month"}
    by_cat = {}
    for i in ours:
        by_cat.setdefault(i.categories[0], []).append(i)
    assert all(len(v) == 4 and sum(i.points for i in v) == D("30") for v in by_cat.values())
    assert isinstance(ours[0], Indicator) and ours[0].params["measure"].count(".") == 1


def test_default_indicators_without_a_session_use_the_defaults(app):
    from core.indicators.models import RuleSet
    rows = [r for b in app.extensions["starbranch.plugins"].hook.starbranch_default_indicators(
        ruleset=RuleSet(year=2027, name="x")) for r in b if r.get("plugin") == "production"]
    assert len(rows) == 20


def test_dashboard_panel_traffic_lights(app, db, branch, put, make_branch, make_unit):
    put(branch, "output", "2026-03", plan=1000, actual=1000)   # green
    put(branch, "cost", "2026-03", plan=2800, actual=3000)     # amber (0.933)
    put(branch, "quality", "2026-03", plan=100, actual=70)     # red
    put(branch, "safety", "2026-03", plan=0)                   # grey: not reported
    hook = app.extensions["starbranch.plugins"].hook
    with app.test_request_context():
        panels = [p for b in hook.starbranch_dashboard_panels(session=db, branch=branch,
                                                              period=PeriodKey.parse("2026-03")) for p in b]
        assert len(panels) == 1 and panels[0].plugin == "production"
        html = panels[0].html
        for label in ("达标", "未达标", "低于下限", "未报送"):
            assert label in html
        assert "93.3%" in html and "2026年3月" in panels[0].title
        off = make_branch(unit=make_unit(), category="production")
        assert [p for b in hook.starbranch_dashboard_panels(session=db, branch=off, period="2026-03") for p in b] == []


def test_demo_data_only_for_enabled_units(app, db, branch, make_branch, make_unit):
    off = make_branch(unit=make_unit(), category="market")
    hook = app.extensions["starbranch.plugins"].hook
    hook.starbranch_demo_data(session=db, units=[], branches=[branch, off])
    db.commit()
    assert db.scalar(select(func.count()).select_from(Plan).where(Plan.branch_id == branch.id)) == 48
    assert db.scalar(select(func.count()).select_from(Plan).where(Plan.branch_id == off.id)) == 0


def test_cli_import(app, db, branch, tmp_path):
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.title = "2026-03"
    ws.append(["支部编码", "指标", "计划", "实绩"])
    ws.append(["LG01", "产量", 1000, 900])
    path = tmp_path / "p.xlsx"
    wb.save(path)
    runner = app.test_cli_runner()
    commands = {c.name: c for b in app.extensions["starbranch.plugins"].hook.starbranch_cli_commands() for c in b}
    r = runner.invoke(commands["production"], ["import", str(path)])
    assert r.exit_code == 0, r.output
    assert "新增 2 项" in r.output and count(db, Actual) == 1
    ws.append(["NOPE", "产量", 1, 1])
    wb.save(path)
    r = runner.invoke(commands["production"], ["import", str(path)])
    assert r.exit_code != 0 and "NOPE" in r.output


def test_disabling_keeps_the_data_and_stops_scoring(app, db, branch, put, run_eval, prod_unit, enable_plugin, client,
                                                   login, reviewer):
    from core.plugins import service
    from plugins.production import services as ps
    put(branch, "output", "2026-03", plan=1000, actual=950)
    ps.record_incident(db, None, branch, occurred_on=date(2026, 3, 2), severity="major", description="事故")
    db.commit()
    assert run_eval("2026-03")
    registry = app.extensions["starbranch.plugins"]
    service.disable(db, registry, unit_id=prod_unit.id, name="production", actor=None, reason="停产")
    db.commit()
    assert (count(db, Plan), count(db, Actual), count(db, Incident), count(db, PointRecord)) == (1, 1, 1, 1)
    assert run_eval("2026-03") == {}            # its indicators no longer apply there
    login(reviewer)
    assert client.get(f"/production/branch/{branch.id}").status_code == 404
    enable_plugin(prod_unit, "production")
    assert run_eval("2026-03")[(branch.id, "P-PRODUCTION-OUTPUT")].earned == D("7.50")


def test_acceptance_warns_when_months_of_the_quarter_are_closed(client, db, login, reviewer, branch, prod_unit,
                                                                measures):
    from core.periods.models import Period
    from plugins.production import services
    services.save_setting(db, None, 2026, acceptance_rule="rejected_zero", veto_on_major=True)
    db.add(Period(key="2026-01", kind="month", year=2026, number=1, starts_on=date(2026, 1, 1),
                  ends_on=date(2026, 1, 31), status="closed"))
    db.commit()
    login(reviewer)
    r = client.post(f"/production/unit/{prod_unit.id}/acceptance?quarter=2026Q1",
                    data={"branch_id": branch.id, "measure_id": measures["production.output"].id,
                          "status": "rejected", "comment": "数据不实"}, follow_redirects=True)
    assert "2026年1月已结账" in r.get_data(as_text=True)


def test_panel_on_the_branch_dashboard_page(app, client, db, login, reviewer, branch, put, make_branch, make_unit,
                                            make_user):
    if "analysis.dashboard" not in app.view_functions:
        pytest.skip("no branch dashboard in this build")
    from flask import url_for
    put(branch, "output", "2026-03", plan=1000, actual=1000)
    login(reviewer)
    with app.test_request_context():
        url = url_for("analysis.dashboard", branch_id=branch.id)
    r = client.get(url + "?period=2026-03")
    assert r.status_code == 200 and "production-panel" in r.get_data(as_text=True)
    off = make_branch(unit=make_unit(), category="production")
    login(make_user("admin"))
    with app.test_request_context():
        url = url_for("analysis.dashboard", branch_id=off.id)
    assert "production-panel" not in client.get(url).get_data(as_text=True)


def test_plans_and_actuals_export_reads_back_unchanged(client, db, login, make_user, branch, put, make_branch,
                                                       make_unit, enable_plugin):
    other = make_unit()
    enable_plugin(other, "production")
    make_branch(unit=other, category="production", code="ELSE")
    put(branch, "output", "2026-03", plan=1000, actual=980)
    viewer = make_user("viewer", units=[branch.unit])
    login(viewer)
    r = client.get("/production/export.xlsx?month=2026-03")
    from openpyxl import load_workbook
    rows = [x for x in load_workbook(io.BytesIO(r.data))["2026-03"].iter_rows(min_row=2, values_only=True)]
    assert {x[0] for x in rows} == {"LG01"}, "only the branches the user may see"
    assert rows[0][2:5] == ("产量", 1000, 980)
    from core.imports.reader import open_book
    from plugins.production.importing import plan_import
    plan = plan_import(db, open_book(r.data, "a.xlsx"), actor=make_user("admin"))
    assert plan.ok and not plan.has_changes and plan.unchanged == 1
