"""POST /api/v1/production/actuals: token auth, idempotency, all-or-nothing, locks."""
import re
from datetime import date
from decimal import Decimal as D

import pytest
from sqlalchemy import func, select

from core.audit.models import AuditEntry
from core.periods.models import Period
from plugins.production.models import Actual

URL = "/api/v1/production/actuals"


@pytest.fixture
def branch(make_branch, prod_unit, measures, put):
    b = make_branch(unit=prod_unit, category="production", code="LG01")
    for slot in ("output", "cost"):
        put(b, slot, "2026-03", plan=1000)
    return b


@pytest.fixture
def mes(make_user, prod_unit, api_token):
    """The MES system account: a reviewer of the unit with an API token."""
    user = make_user("reviewer", username="mes", units=[prod_unit])
    return {"Authorization": f"Bearer {api_token(user)}"}


def item(**kw):
    return {"branch": "LG01", "measure": "产量", "month": "2026-03", "value": "950.5", **kw}


def n_actuals(db):
    return db.scalar(select(func.count()).select_from(Actual))


def test_push_creates_actuals(client, db, branch, mes):
    r = client.post(URL, json={"source_ref": "MES-0001", "actuals": [item(), item(measure="cost", value=2810)]},
                    headers=mes)
    assert r.status_code == 200, r.json
    assert (r.json["created"], r.json["updated"], r.json["unchanged"]) == (2, 0, 0)
    row = db.scalar(select(Actual).where(Actual.value == D("950.5")))
    assert (row.source, row.source_ref) == ("api", "MES-0001")


def test_same_payload_twice_is_one_record(client, db, branch, mes):
    payload = {"actuals": [item()]}
    assert client.post(URL, json=payload, headers=mes).json["created"] == 1
    r = client.post(URL, json=payload, headers=mes)
    assert (r.json["created"], r.json["updated"], r.json["unchanged"]) == (0, 0, 1)
    assert n_actuals(db) == 1
    assert db.scalar(select(func.count()).select_from(AuditEntry)
                     .where(AuditEntry.action.like("production.actual.%"))) == 1


def test_numbers_in_json_keep_their_decimals(client, db, branch, mes):
    r = client.post(URL, data='{"actuals": [{"branch": "LG01", "measure": "output", "month": "2026-03", '
                              '"value": 950.1234}]}', headers={**mes, "Content-Type": "application/json"})
    assert r.status_code == 200
    assert db.scalar(select(Actual.value)) == D("950.1234")


def test_a_different_value_updates_and_is_audited(client, db, branch, mes):
    client.post(URL, json={"actuals": [item(value="950")]}, headers=mes)
    r = client.post(URL, json={"actuals": [item(value="960")]}, headers=mes)
    assert r.json["updated"] == 1 and n_actuals(db) == 1
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "production.actual.update"))
    assert entry.old == {"value": "950"} and entry.new["value"] == "960"
    assert entry.user_id is not None


def test_no_token_is_401_and_a_bad_token_too(client, branch, unchanged):
    with unchanged():
        assert client.post(URL, json={"actuals": [item()]}).status_code == 401
        r = client.post(URL, json={"actuals": [item()]}, headers={"Authorization": "Bearer wrong"})
        assert r.status_code == 401 and r.json["error"] == "unauthorized"


def test_a_token_without_rights_on_the_branch_is_refused(client, db, branch, make_user, make_unit,
                                                         enable_plugin, api_token, unchanged):
    other = make_unit()
    enable_plugin(other, "production")
    headers = {"Authorization": f"Bearer {api_token(make_user('reviewer', units=[other]))}"}
    with unchanged():
        r = client.post(URL, json={"actuals": [item()]}, headers=headers)
    assert r.status_code == 422
    assert n_actuals(db) == 0
    # Out of scope and non-existent read alike: no way to learn which codes exist.
    unknown = client.post(URL, json={"actuals": [item(branch="NO-SUCH")]}, headers=headers)
    assert unknown.status_code == 422
    strip = lambda e: {k: v.replace("NO-SUCH", "LG01") for k, v in e.items() if k != "index"}
    assert strip(unknown.json["errors"][0]) == strip(r.json["errors"][0])
    assert r.json["errors"][0]["code"] == "unknown_branch"


def test_hostile_numbers_and_nesting_are_clear_refusals(client, db, branch, mes):
    r = client.post(URL, json={"actuals": [item(value="1e999999")]}, headers=mes)
    assert r.status_code == 422 and r.json["errors"][0]["field"] == "value"
    deep = "[" * 100_000 + "]" * 100_000
    r = client.post(URL, data='{"actuals": ' + deep + "}", headers={**mes, "Content-Type": "application/json"})
    assert r.status_code == 400 and r.json["error"] == "bad_json"
    assert n_actuals(db) == 0


def test_a_token_whose_units_have_no_plugin_gets_404(client, branch, make_user, make_unit, api_token, unchanged):
    headers = {"Authorization": f"Bearer {api_token(make_user('reviewer', units=[make_unit()]))}"}
    with unchanged():
        r = client.post(URL, json={"actuals": [item()]}, headers=headers)
    assert r.status_code == 404 and r.json["error"] == 404


def test_viewer_tokens_are_refused(client, branch, make_user, prod_unit, api_token, unchanged):
    headers = {"Authorization": f"Bearer {api_token(make_user('viewer', units=[prod_unit]))}"}
    with unchanged():
        r = client.post(URL, json={"actuals": [item()]}, headers=headers)
    assert r.status_code == 404


def test_locked_period_refuses_the_whole_payload(client, db, branch, mes, put, unchanged):
    put(branch, "output", "2026-02", plan=1000)
    db.add(Period(key="2026Q1", kind="quarter", year=2026, number=1, starts_on=date(2026, 1, 1),
                  ends_on=date(2026, 3, 31), status="closed"))
    db.commit()
    with unchanged():
        r = client.post(URL, json={"actuals": [item(), item(month="2026-02")]}, headers=mes)
    assert r.status_code == 409 and r.json["error"] == "locked"
    assert {e["code"] for e in r.json["errors"]} == {"locked"}
    assert "已结账锁定" in r.json["errors"][0]["message"]


def test_disabled_unit_refuses_the_whole_payload(client, db, branch, mes, make_branch, make_unit, make_user,
                                                 api_token, prod_unit, unchanged):
    off = make_branch(unit=make_unit(), category="production", code="OFF1")
    admin = make_user("admin")
    headers = {"Authorization": f"Bearer {api_token(admin)}"}
    with unchanged():
        r = client.post(URL, json={"actuals": [item(), item(branch="OFF1")]}, headers=headers)
    assert r.status_code == 422
    assert r.json["errors"] == [{"index": 1, "field": "branch", "code": "disabled",
                                 "message": "支部“OFF1”所在单位未启用生产经营指标插件。"}]


@pytest.mark.parametrize("bad, field, message", [
    ({"value": "abc"}, "value", "应为数字。"),
    ({"value": -1}, "value", "不能为负数。"),
    ({"value": True}, "value", "应为数字。"),
    ({"month": "2026-13"}, "month", "月份格式应为 2026-03。"),
    ({"month": "2026-05"}, "month", None),     # no plan that month
    ({"branch": "NOPE"}, "branch", "支部编码“NOPE”不存在、已停用或不在您的管理范围内。"),
    ({"measure": "利润"}, "measure", None),
])
def test_bad_items_are_refused_with_their_index(client, db, branch, mes, bad, field, message, unchanged):
    with unchanged():
        r = client.post(URL, json={"actuals": [item(measure="cost"), item(**bad)]}, headers=mes)
    assert r.status_code == 422, r.json
    err = r.json["errors"][0]
    assert (err["index"], err["field"]) == (1, field)
    if message:
        assert err["message"] == message


def test_duplicate_items_in_one_payload(client, db, branch, mes, unchanged):
    with unchanged():
        r = client.post(URL, json={"actuals": [item(), item(measure="output")]}, headers=mes)
    assert r.status_code == 422 and r.json["errors"][0]["code"] == "duplicate"


@pytest.mark.parametrize("body", ["not json", "[]", '{"actuals": []}', '{"actuals": {}}'])
def test_malformed_bodies(client, branch, mes, body, unchanged):
    with unchanged():
        r = client.post(URL, data=body, headers={**mes, "Content-Type": "application/json"})
    assert r.status_code == 400 and r.json["ok"] is False


@pytest.mark.config({"WTF_CSRF_ENABLED": True})
def test_csrf_exempt_for_token_calls_only(client, db, branch, mes, make_user, prod_unit):
    assert client.post(URL, json={"actuals": [item()]}, headers=mes).status_code == 200
    reviewer = make_user("reviewer", units=[prod_unit])
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or \
        re.search(r'name="csrf_token" value="([^"]+)"', page)
    r = client.post("/login", data={"username": reviewer.username, "password": "secret-pass",
                                    "csrf_token": token.group(1)})
    assert r.status_code == 302
    r = client.post(URL, json={"actuals": [item(value=1)]})   # session cookie, no CSRF token
    assert r.status_code == 400
    assert db.scalar(select(Actual.value)) == D("950.5")
