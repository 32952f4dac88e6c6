"""Founding dates (成立日期): kept on the branch, entered in the form and the import,
and the 台账检查清单 counts obligations from them — not from the row's creation time."""
from datetime import date, datetime

from sqlalchemy import select

from core.ledger.checklist import checklists
from core.org.models import Branch
from tests.core.org.test_branch_admin import _form
from tests.core.org.test_import_export import _upload, _xlsx
from core.org.importing import BRANCH_COLUMNS


def test_checklist_counts_from_the_founding_date_not_the_rows_creation(db, make_branch):
    branch = make_branch()
    branch.created_at = datetime(2026, 11, 20, 9, 0)   # entered into the platform last week
    branch.founded_on = date(2012, 7, 1)              # but founded years ago
    db.commit()
    items = {i.type: i for i in checklists(db, [branch.id], today=date(2026, 11, 24))[branch.id]}
    # October's committee meeting and Q3's member meeting were owed: missed, not "not yet founded"
    assert items["committee_meeting"].previous_status == "late" and items["committee_meeting"].late
    assert items["member_meeting"].previous_status == "late"


def test_checklist_excuses_periods_before_the_founding_date(db, make_branch):
    branch = make_branch()
    branch.created_at = datetime(2020, 1, 1)
    branch.founded_on = date(2026, 11, 2)             # founded this month
    db.commit()
    items = {i.type: i for i in checklists(db, [branch.id], today=date(2026, 11, 24))[branch.id]}
    assert items["committee_meeting"].previous_status == "new"
    assert items["committee_meeting"].status == "due"


def test_missed_obligation_shows_as_overdue_on_the_ledger_page(client, login, make_user, db, make_branch):
    branch = make_branch()
    branch.founded_on = date(2010, 5, 4)
    db.commit()
    login(make_user("secretary", branch=branch))
    html = client.get(f"/ledger/branch/{branch.id}").get_data(as_text=True)
    assert "逾期未完成" in html and "支部当时尚未成立" not in html


def test_branch_form_saves_the_founding_date_and_refuses_a_future_one(client, login, world, db):
    login(world.admin)
    branch = db.scalar(select(Branch).where(Branch.unit_id == world.a.id))
    r = client.post(f"/org/branches/{branch.id}/edit", data=_form(branch, founded_on="2011-03-15"))
    assert r.status_code == 302
    db.expire_all()
    assert db.get(Branch, branch.id).founded_on == date(2011, 3, 15)
    r = client.post(f"/org/branches/{branch.id}/edit", data=_form(db.get(Branch, branch.id), founded_on="2099-01-01"))
    assert "成立日期不能晚于今天" in r.get_data(as_text=True)


def test_branch_import_reads_the_founding_date(client, login, world, db):
    login(world.admin)
    _html, r = _upload(client, "branches", _xlsx("支部", BRANCH_COLUMNS, [
        ["A-11", "原料二作业区党支部", "生产类", "A", "赵敏", None, "2009-09-09"],
        ["A-12", "原料三作业区党支部", "生产类", "A", None, None, None],
    ]))
    assert r is not None and r.status_code == 302
    assert db.scalar(select(Branch.founded_on).where(Branch.code == "A-11")) == date(2009, 9, 9)
    assert db.scalar(select(Branch.founded_on).where(Branch.code == "A-12")) is None
