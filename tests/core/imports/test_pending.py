"""The pending upload between preview and apply: expiry, and the kept rows' signature."""
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.imports.batches import HONOUR_COLUMNS, TARGET_COLUMNS
from core.org.models import Branch
from tests.office import apply, preview, xlsx

HEAD = ["支部编码", "支部名称", "支部类别", "上级组织编码"]


@pytest.fixture
def unit(make_unit, make_user):
    group = make_unit(code="G", kind="group")
    return make_unit(code="UA", parent=group), make_user("admin")


def _count(db):
    return db.scalar(select(func.count(Branch.id)))


@pytest.mark.config({"IMPORT_PENDING_MINUTES": 0})
def test_an_expired_preview_cannot_be_applied(client, login, db, unit):
    login(unit[1])
    html = preview(client, "/org/import/branches", xlsx({"支部": [HEAD, ["UA-1", "甲", "生产类", "UA"]]})).get_data(as_text=True)
    r = apply(client, "/org/import/branches", html)
    assert r.status_code == 302 and _count(db) == 0
    assert "预览已过期或不存在" in client.get("/org/import/branches").get_data(as_text=True)


def test_kept_rows_with_a_bad_signature_are_ignored_and_the_file_is_read_again(client, login, db, unit, app):
    login(unit[1])
    html = preview(client, "/org/import/branches", xlsx({"支部": [HEAD, ["UA-1", "甲", "生产类", "UA"]]})).get_data(as_text=True)
    import pickle
    memo = next((Path(app.config["UPLOAD_DIR"]) / "pending-imports").glob("*.memo"))
    kept = pickle.loads(memo.read_bytes()[32:])
    for rows, _problems in kept.values():
        rows[0]["name"] = "伪造"
    memo.write_bytes(b"\0" * 32 + pickle.dumps(kept))  # forged rows, signature not matching
    r = apply(client, "/org/import/branches", html)
    assert r.status_code == 302 and _count(db) == 1
    assert db.scalar(select(Branch.name)) == "甲", "the forged rows were not used: the file was read again"


def test_honours_and_targets_of_another_unit_are_refused(client, login, db, make_unit, make_branch, make_user):
    a, b = make_unit(code="UA"), make_unit(code="UB")
    make_branch(b, code="THEIRS")
    login(make_user("reviewer", units=[a]))
    for kind, columns, row in (("honours", HONOUR_COLUMNS, ["THEIRS", "先进", "市级", "市委", "2026-01-01", None]),
                               ("targets", TARGET_COLUMNS, ["THEIRS", "目标", "安全生产经营", "星级业绩", 5, "某", "2026-12-31",
                                                            None, None, None])):
        html = preview(client, f"/imports/{kind}", xlsx({"导入": [[c.header for c in columns], row]})).get_data(as_text=True)
        assert "找不到编码为“THEIRS”的支部" in html and "确认导入" not in html, kind
