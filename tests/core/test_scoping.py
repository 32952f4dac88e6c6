"""Deny by default in the scoping layer itself (issue #20, rule 3): a reviewer or viewer
with no units, a secretary with no branch (or a branch that is gone) and an anonymous
user see no unit, branch or member — whatever the user form allows — on the clauses
and on every page and API list that takes no id."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import select

from core.auth import scoping
from core.org.models import Branch, Member, OrgNode

SECRET_NAME, SECRET_CODE, MEMBER_NAME = "机密试点党支部", "SECRET-B1", "机密党员甲"


@pytest.fixture
def world(make_unit, make_branch, make_member):
    unit = make_unit(name="机密二级单位党委", code="SECRET-U")
    branch = make_branch(unit, name=SECRET_NAME, code=SECRET_CODE)
    make_member(branch, name=MEMBER_NAME)
    return unit, branch


@pytest.fixture
def scopeless(make_user, db):
    """role → a user of that role whom nothing is assigned to."""
    def make(kind):
        if kind == "secretary-gone":  # bound to a branch id no row has
            return SimpleNamespace(role="secretary", branch_id=999_999, unit_ids=set(), is_authenticated=True)
        if kind == "anonymous":
            return AnonymousUserMixin()
        return make_user(kind, units=[])
    return make


KINDS = ["reviewer", "viewer", "secretary", "secretary-gone", "anonymous"]


@pytest.mark.parametrize("kind", KINDS)
def test_the_clauses_deny_a_user_without_scope(db, world, scopeless, kind):
    # broken: branch_clause/unit_clause answering true() for an empty unit list, or
    # unit_ids_in_scope answering None (= every unit) for it
    user = scopeless(kind)
    assert scoping.unit_ids_in_scope(db, user) == set()
    assert db.scalars(scoping.visible_branches(user)).all() == []
    assert db.scalars(scoping.visible_members(user)).all() == []
    assert db.scalars(scoping.visible_units(user)).all() == []
    assert db.scalars(select(Branch).where(scoping.branch_clause(user))).all() == []
    assert db.scalars(select(Member).where(scoping.branch_clause(user, Member.branch_id))).all() == []
    assert db.scalars(select(OrgNode).where(scoping.unit_clause(user))).all() == []


@pytest.mark.parametrize("kind", ["reviewer", "viewer", "secretary"])
def test_a_user_without_scope_has_no_rights_on_a_branch(db, world, scopeless, kind):
    user = scopeless(kind)
    _unit, branch = world
    assert not scoping.can_review(user, branch)
    assert not scoping.can_keep_ledger(user, branch)


def test_admin_sees_everything_and_a_scoped_reviewer_his_unit(db, world, make_user, make_unit, make_branch):
    unit, branch = world
    other = make_branch(make_unit(code="OTHER-U"), code="OTHER-B")
    admin, reviewer = make_user("admin"), make_user("reviewer", units=[unit])
    assert scoping.unit_ids_in_scope(db, admin) is None
    assert {b.code for b in db.scalars(scoping.visible_branches(admin))} == {SECRET_CODE, "OTHER-B"}
    assert scoping.unit_ids_in_scope(db, reviewer) == {unit.id}
    assert [b.code for b in db.scalars(scoping.visible_branches(reviewer))] == [SECRET_CODE]
    assert [b.code for b in db.scalars(select(Branch).where(scoping.branch_clause(reviewer)))] == [SECRET_CODE]
    assert [u.id for u in db.scalars(scoping.visible_units(reviewer))] == [unit.id]
    assert other.id not in {b.id for b in db.scalars(scoping.visible_branches(reviewer))}
    assert scoping.can_review(reviewer, branch) and not scoping.can_review(reviewer, other)


def _text_of(response) -> str:
    """A page's or an export's text (every cell of every sheet of a workbook)."""
    if response.mimetype.endswith("spreadsheetml.sheet"):
        from io import BytesIO

        from openpyxl import load_workbook
        book = load_workbook(BytesIO(response.data), read_only=True)
        return " ".join(str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row)
    return response.get_data(as_text=True)


def list_pages(app) -> list[str]:
    """Every GET URL that takes no argument (lists, dashboards, exports, the API lists)."""
    return sorted({r.rule for r in app.url_map.iter_rules()
                   if "GET" in r.methods and not r.arguments and r.endpoint != "static"
                   and "logout" not in r.endpoint})


@pytest.mark.parametrize("kind", ["reviewer", "viewer", "secretary"])
def test_no_page_shows_a_user_without_scope_any_branch(app, client, login, world, scopeless, kind):
    user = scopeless(kind)
    login(user)
    pages = list_pages(app)
    assert len(pages) > 20, pages  # the sweep is not empty
    shown = 0
    for url in pages:
        r = client.get(url)
        assert r.status_code in (200, 302, 404), (url, r.status_code)
        body = _text_of(r)
        for secret in (SECRET_NAME, SECRET_CODE, MEMBER_NAME):
            assert secret not in body, (kind, url)
        shown += r.status_code == 200
    assert shown > 5  # the user does reach pages: they are only empty


def test_an_object_that_is_not_a_logged_in_user_sees_nothing(db, world):
    stranger = SimpleNamespace(role="admin", unit_ids=set(), branch_id=None)  # no is_authenticated at all
    assert scoping.unit_ids_in_scope(db, stranger) == set()
    assert scoping.unit_ids_in_scope(db, None) == set()
    # a role the platform does not know, even bound to a branch or units, sees nothing
    _unit, branch = world
    odd = SimpleNamespace(role="guest", branch_id=branch.id, unit_ids={branch.unit_id}, is_authenticated=True)
    assert scoping.unit_ids_in_scope(db, odd) == set()
    assert db.scalars(scoping.visible_branches(odd)).all() == []
    assert db.scalars(scoping.visible_units(odd)).all() == []
    assert not scoping.can_keep_ledger(odd, branch) and not scoping.can_review(odd, branch)
    assert db.scalars(select(Branch).where(scoping.branch_clause(stranger))).all() == []
    assert db.scalars(select(OrgNode).where(scoping.unit_clause(stranger))).all() == []


def test_rights_on_a_branch(db, world, make_user, make_branch, make_unit):
    unit, branch = world
    sibling = make_branch(unit, code="SIBLING")
    elsewhere = make_branch(make_unit(code="ELSE-U"), code="ELSE-B")
    secretary, reviewer = make_user("secretary", branch=branch), make_user("reviewer", units=[unit])
    viewer, admin = make_user("viewer", units=[unit]), make_user("admin")
    assert scoping.can_keep_ledger(secretary, branch) and not scoping.can_review(secretary, branch)
    assert not scoping.can_keep_ledger(secretary, sibling)
    assert scoping.can_keep_ledger(reviewer, sibling) and scoping.can_review(reviewer, sibling)
    assert not scoping.can_keep_ledger(reviewer, elsewhere)
    assert not scoping.can_keep_ledger(viewer, branch) and not scoping.can_review(viewer, branch)
    assert scoping.unit_ids_in_scope(db, viewer) == {unit.id}
    assert [u.id for u in db.scalars(scoping.visible_units(viewer))] == [unit.id]
    assert {b.code for b in db.scalars(scoping.visible_branches(viewer))} == {SECRET_CODE, "SIBLING"}
    assert scoping.can_keep_ledger(admin, elsewhere) and scoping.can_review(admin, elsewhere)
    # a reviewer bound to a branch id (never made by the forms) is not its secretary
    reviewer.branch_id = sibling.id
    assert not scoping.can_keep_ledger(reviewer, elsewhere)
    assert [b.code for b in db.scalars(scoping.visible_branches(secretary))] == [SECRET_CODE]
    assert scoping.unit_ids_in_scope(db, secretary) == {unit.id}
    assert [u.id for u in db.scalars(scoping.visible_units(secretary))] == [unit.id]


def test_units_are_units_only_and_404_outside_scope(db, world, make_unit, make_user):
    from werkzeug.exceptions import NotFound
    unit, branch = world
    general = make_unit(code="SECRET-Z", kind="general_branch", parent=unit)
    other = make_unit(code="OTHER-U")
    reviewer = make_user("reviewer", units=[unit])
    assert [u.id for u in db.scalars(scoping.visible_units(reviewer))] == [unit.id]
    assert general.unit_id == unit.id
    # an admin sees every unit, and only units (not general branches)
    assert {u.id for u in db.scalars(scoping.visible_units(make_user("admin")))} == {unit.id, other.id}
    assert scoping.get_unit_or_404(db, reviewer, unit.id).id == unit.id
    for unit_id in (other.id, general.id, 999_999):
        with pytest.raises(NotFound):
            scoping.get_unit_or_404(db, reviewer, unit_id)
    member = db.scalar(select(Member).where(Member.branch_id == branch.id))
    assert scoping.get_member_or_404(db, reviewer, member.id).id == member.id
    with pytest.raises(NotFound):
        scoping.get_member_or_404(db, make_user("reviewer", units=[other]), member.id)
    with pytest.raises(NotFound):
        scoping.get_branch_or_404(db, make_user("viewer", units=[unit]), branch.id, may=scoping.can_review)
    assert scoping.get_branch_or_404(db, reviewer, branch.id, may=scoping.can_review).id == branch.id
