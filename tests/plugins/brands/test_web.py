"""The brand pages: 404 and no menu where the plugin is off, the journey's forms
(declare, evidence with the ledger's upload rules, stage moves), the matrix and its
Excel export, the settings page and the dashboard panel."""
from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from plugins.brands.models import Brand, BrandEvent, BrandFile, WuyouItem

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def count(db, model):
    return db.scalar(select(func.count()).select_from(model))


def test_pages_answer_404_and_the_menu_hides_where_the_plugin_is_off(client, login, world):
    login(world["off_reviewer"])
    x = world["x"]
    for url in ("/brands/", "/brands/matrix", "/brands/benchmarks", "/brands/routes", "/brands/visits",
                f"/brands/branch/{x.id}"):
        assert client.get(url).status_code == 404, url
    assert "品牌矩阵" not in client.get("/").get_data(as_text=True)
    client.post("/logout")


def test_admin_sees_only_branches_of_enabled_units(client, login, world):
    login(world["admin"])
    assert client.get(f"/brands/branch/{world['a'].id}").status_code == 200
    assert client.get(f"/brands/branch/{world['x'].id}").status_code == 404
    html = client.get("/brands/").get_data(as_text=True)
    assert "一号转炉作业区党支部" in html and "汽运党支部" not in html
    assert "品牌矩阵" in client.get("/").get_data(as_text=True)


def test_out_of_scope_branch_answers_404(client, login, world):
    login(world["other_reviewer"])
    assert client.get(f"/brands/branch/{world['a'].id}").status_code == 404


def _declare(client, branch, **kw):
    data = {"declare-name": "铁军先锋", "declare-slogan": "一名党员一面旗", "declare-meaning": "把支部建在转炉旁。",
            "declare-vanguard_type": "manufacturing", "declare-happened_on": "2026-11-02", "declare-comment": "",
            **kw}
    return client.post(f"/brands/branch/{branch.id}/act/declare", data=data)


def test_secretary_declares_and_attaches_evidence(client, db, login, world):
    login(world["secretary"])
    r = client.get("/brands/")                                 # a secretary lands on her branch
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/brands/branch/{world['a'].id}")
    assert "申报品牌" in client.get(r.headers["Location"]).get_data(as_text=True)
    r = _declare(client, world["a"])
    assert r.status_code == 302
    brand = db.scalar(select(Brand))
    assert (brand.name, brand.stage, brand.stage_on) == ("铁军先锋", "declared", date(2026, 11, 2))
    r = client.post(f"/brands/branch/{world['a'].id}/item/secretary",
                    data={"evidence": "书记连续三年考核优秀", "file": (io.BytesIO(PNG), "书记.png")},
                    content_type="multipart/form-data")
    assert r.status_code == 302
    f = db.scalar(select(BrandFile))
    assert (f.item, f.original_name, f.content_type) == ("secretary", "书记.png", "image/png")
    assert db.scalar(select(WuyouItem.evidence)) == "书记连续三年考核优秀"
    download = client.get(f"/brands/branch/{world['a'].id}/file/{f.id}")
    assert download.status_code == 200 and download.data == PNG
    assert "attachment" in download.headers["Content-Disposition"]
    html = client.get(f"/brands/branch/{world['a'].id}").get_data(as_text=True)
    assert "创建历程" in html and "书记.png" in html and "列入培育" not in html


@pytest.mark.parametrize("name,data", [("evil.exe", b"MZ" + b"\x00" * 20), ("fake.png", b"GIF89a" + b"\x00" * 20),
                                       ("empty.pdf", b"")])
def test_evidence_that_is_not_an_allowed_file_is_refused(client, db, login, world, name, data):
    login(world["secretary"])
    _declare(client, world["a"])
    before = count(db, WuyouItem), count(db, BrandFile)
    r = client.post(f"/brands/branch/{world['a'].id}/item/team",
                    data={"evidence": "骨干党员名单", "file": (io.BytesIO(data), name)},
                    content_type="multipart/form-data", follow_redirects=True)
    assert r.status_code == 200
    assert "flash-error" in r.get_data(as_text=True)
    assert (count(db, WuyouItem), count(db, BrandFile)) == before   # the text was not kept either


@pytest.mark.config({"ATTACHMENT_MAX_BYTES": 100})
def test_evidence_over_the_size_limit_is_refused(client, db, login, world):
    login(world["secretary"])
    _declare(client, world["a"])
    r = client.post(f"/brands/branch/{world['a'].id}/item/team",
                    data={"file": (io.BytesIO(PNG + b"\x00" * 200), "big.png")},
                    content_type="multipart/form-data", follow_redirects=True)
    assert "文件过大" in r.get_data(as_text=True)
    assert count(db, BrandFile) == 0


def test_declaring_with_a_missing_field_shows_it_on_the_field(client, db, login, world):
    login(world["secretary"])
    r = _declare(client, world["a"], **{"declare-meaning": ""})
    assert r.status_code == 422
    assert "请填写品牌内涵" in r.get_data(as_text=True)
    assert count(db, Brand) == 0


def test_wrong_role_posts_are_refused(client, db, login, world):
    login(world["secretary"])
    _declare(client, world["a"])
    r = client.post(f"/brands/branch/{world['a'].id}/act/cultivate",
                    data={"cultivate-happened_on": "2026-11-03"})
    assert r.status_code == 422 and "须由" in r.get_data(as_text=True)
    assert db.scalar(select(Brand.stage)) == "declared"
    client.post("/logout")
    login(world["viewer"])
    assert client.get(f"/brands/branch/{world['a'].id}").status_code == 200
    assert client.post(f"/brands/branch/{world['a'].id}/act/cultivate",
                       data={"cultivate-happened_on": "2026-11-03"}).status_code == 404
    assert count(db, BrandEvent) == 1


def test_reviewer_and_admin_move_the_brand_to_named(client, db, login, world, make_user):
    login(world["secretary"])
    _declare(client, world["a"])
    client.post("/logout")
    login(world["reviewer"])
    for action in ("cultivate", "propose"):
        assert client.post(f"/brands/branch/{world['a'].id}/act/{action}",
                           data={f"{action}-happened_on": "2026-11-05"}).status_code == 302
    client.post("/logout")
    login(world["admin"])
    r = client.post(f"/brands/branch/{world['a'].id}/act/reject", data={"reject-happened_on": "2026-11-06"})
    assert r.status_code == 422 and "请填写理由" in r.get_data(as_text=True)
    for action in ("accept", "name"):
        assert client.post(f"/brands/branch/{world['a'].id}/act/{action}",
                           data={f"{action}-happened_on": "2026-11-06", f"{action}-comment": "同意"}).status_code == 302
    assert db.scalar(select(Brand.stage)) == "named"
    html = client.get(f"/brands/branch/{world['a'].id}").get_data(as_text=True)
    assert "2026年11月5日" in html and "2026年11月6日" in html and "命名" in html
    assert "<h2>摘牌</h2>" in html   # the admin may now withdraw it


def test_matrix_and_its_excel_export(client, db, login, world, walk):
    walk(world["a"])
    walk(world["a2"], upto="cultivating", secretary=world["other_secretary"])
    login(world["reviewer"])
    html = client.get("/brands/matrix").get_data(as_text=True)
    assert "铁军先锋" in html and "生产制造" in html and "高炉" not in html
    html = client.get("/brands/matrix?stage=named").get_data(as_text=True)
    assert "连铸作业区党支部" not in html and "一号转炉作业区党支部" in html
    r = client.get("/brands/matrix?format=xlsx")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.data)).active
    rows = list(ws.values)
    assert rows[0][:3] == ("单位", "支部编码", "支部")
    assert sorted(row[1] for row in rows[1:]) == ["LG01", "LG02"]


def test_settings_page_saves_the_brand_points(client, db, login, world, app):
    from core.indicators.catalogue import seed_ruleset
    from plugins.brands.scoring import CODE

    rs = seed_ruleset(db, date.today().year, registry=app.extensions["starbranch.plugins"])
    db.commit()
    login(world["admin"])
    assert "申报阶段分" in client.get("/brands/settings").get_data(as_text=True)
    r = client.post(f"/brands/settings?ruleset={rs.id}", data={
        "stage_declared": "1", "stage_cultivating": "2", "stage_accepted": "3", "stage_named": "4",
        "item_points": "2", "benchmark_bonus": "1"})
    assert r.status_code == 302
    db.refresh(rs)
    assert next(i for i in rs.indicators if i.code == CODE).points == 20
    r = client.post(f"/brands/settings?ruleset={rs.id}", data={
        "stage_declared": "-1", "stage_cultivating": "2", "stage_accepted": "3", "stage_named": "4",
        "item_points": "2", "benchmark_bonus": "1"})
    assert r.status_code == 422


def test_benchmark_route_and_visit_pages(client, db, login, world):
    login(world["admin"])
    r = client.post("/brands/benchmarks?year=2026", data={"year": "2026", "category": "production",
                                                          "branch_code": "LG01", "designated_on": "2026-03-01"})
    assert r.status_code == 302
    r = client.post("/brands/benchmarks?year=2026", data={"year": "2026", "category": "production",
                                                          "branch_code": "LT01", "designated_on": "2026-03-01"})
    assert r.status_code == 422 and "每类每年只能确定一个" in r.get_data(as_text=True)
    r = client.post("/brands/routes", data={"route-name": "主业线", "route-unit_id": ""})
    assert r.status_code == 302
    route_url = r.headers["Location"]
    r = client.post(route_url, data={"stop-branch_code": "WL01"})
    assert r.status_code == 422 and "未启用" in r.get_data(as_text=True)
    assert client.post(route_url, data={"stop-branch_code": "LG01"}).status_code == 302
    assert "一号转炉作业区党支部" in client.get(route_url).get_data(as_text=True)
    r = client.post("/brands/visits", data={"visit-host_code": "LG01", "visit-visitor_codes": "LG02，LT01",
                                            "visit-visited_on": "2026-05-08", "visit-route_id": "",
                                            "visit-learned": "学习了党员责任区"})
    assert r.status_code == 302
    html = client.get("/brands/visits").get_data(as_text=True)
    assert "学习了党员责任区" in html and "高炉作业区党支部" in html


def test_dashboard_panel_shows_stage_and_progress(client, login, world, walk):
    walk(world["a"], upto="cultivating")
    login(world["secretary"])
    html = client.get(f"/branches/{world['a'].id}/dashboard").get_data(as_text=True)
    assert "支部品牌创建" in html and "培育" in html and "已核实 0/5 项" in html
    client.post("/logout")
    login(world["admin"])
    html = client.get(f"/branches/{world['x'].id}/dashboard").get_data(as_text=True)
    assert "查看品牌档案" not in html


def test_the_brand_pages_speak_english_when_asked(client, login, world, walk):
    walk(world["a"], upto="cultivating")
    login(world["reviewer"])
    client.post("/language/en")
    html = client.get(f"/brands/branch/{world['a'].id}").get_data(as_text=True)
    assert "Brand file" in html and "Cultivating" in html and "Request acceptance" in html
    assert "An excellent branch secretary" in html
    html = client.get("/brands/matrix").get_data(as_text=True)
    assert "Brand matrix" in html and "Manufacturing" in html
