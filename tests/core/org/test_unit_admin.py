from sqlalchemy import select

from core.org.models import Branch, OrgNode


def _node_form(node, **over):
    data = {"name": node.name, "code": node.code, "kind": node.kind,
            "parent_id": str(node.parent_id or ""), "version": str(node.version)}
    data.update(over)
    return data


def test_admin_creates_unit_and_general_branch_with_denormalised_unit(client, login, world, db):
    login(world.admin)
    r = client.post("/org/units/new", data={"name": "轧钢厂党委", "code": "C", "kind": "unit",
                                            "parent_id": str(world.group.id)})
    assert r.status_code == 302
    unit = db.scalar(select(OrgNode).where(OrgNode.code == "C"))
    assert unit.unit_id == unit.id
    client.post("/org/units/new", data={"name": "热轧党总支", "code": "C-RZ", "kind": "general_branch",
                                        "parent_id": str(unit.id)})
    general = db.scalar(select(OrgNode).where(OrgNode.code == "C-RZ"))
    assert general.unit_id == unit.id


def test_unit_needs_the_group_as_parent(client, login, world, db):
    login(world.admin)
    r = client.post("/org/units/new", data={"name": "错误单位", "code": "E", "kind": "unit",
                                            "parent_id": str(world.a.id)})
    assert "二级单位党委的上级必须是集团党委。" in r.get_data(as_text=True)
    assert db.scalar(select(OrgNode).where(OrgNode.code == "E")) is None


def test_moving_general_branch_moves_its_branches_to_the_new_unit(client, login, world, make_unit, make_branch, db):
    general = make_unit(name="烧结党总支", code="A-SJ", kind="general_branch", parent=world.a)
    under = make_branch(world.a, name="烧结一作业区党支部", parent=general)
    login(world.admin)
    r = client.post(f"/org/units/{general.id}/edit", data=_node_form(general, parent_id=str(world.b.id)))
    assert r.status_code == 302
    db.expire_all()
    assert db.get(OrgNode, general.id).unit_id == world.b.id
    assert db.get(Branch, under.id).unit_id == world.b.id


def test_node_cannot_be_put_under_itself(client, login, world, make_unit, db):
    general = make_unit(name="党总支", code="A-ZZ", kind="general_branch", parent=world.a)
    login(world.admin)
    r = client.post(f"/org/units/{general.id}/edit", data=_node_form(general, parent_id=str(general.id)))
    assert "上级组织不能是本组织或其下级组织。" in r.get_data(as_text=True)


def test_unit_with_active_branches_cannot_be_deactivated(client, login, world, db):
    login(world.admin)
    r = client.post(f"/org/units/{world.a.id}/deactivate", follow_redirects=True)
    assert "在用的下级组织或支部" in r.get_data(as_text=True)
    db.expire_all()
    assert db.get(OrgNode, world.a.id).active is True


def test_stale_unit_edit_is_refused(client, login, world, db):
    login(world.admin)
    form = _node_form(world.a)
    client.post(f"/org/units/{world.a.id}/edit", data=dict(form, name="炼铁厂党委（新）"))
    r = client.post(f"/org/units/{world.a.id}/edit", data=dict(form, name="旧表单"))
    assert r.status_code == 409
    db.expire_all()
    assert db.get(OrgNode, world.a.id).name == "炼铁厂党委（新）"


def test_reviewer_does_not_manage_units(client, login, world, unchanged):
    login(world.reviewer)
    assert client.get("/org/units").status_code == 404
    with unchanged():
        assert client.post(f"/org/units/{world.a.id}/edit", data=_node_form(world.a, name="x")).status_code == 404
