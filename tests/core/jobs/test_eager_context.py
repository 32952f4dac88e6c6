"""With no broker a task runs eagerly inside its caller's app context: it must not push
a context of its own, whose teardown would remove (close) the caller's session."""
from core.db import get_session
from core.org.models import OrgNode


def test_an_eager_task_leaves_its_callers_session_in_place(app, db, make_unit):
    unit = make_unit(name="第一党委")
    celery = app.extensions["celery"]

    @celery.task(name="tests.unit_name")
    def unit_name(unit_id):
        return get_session().get(OrgNode, unit_id).name

    assert unit_name.delay(unit.id).get() == "第一党委"
    assert app.extensions["starbranch.db"].scoped() is db  # still the caller's session
    unit.name = "改名后的党委"  # the caller's object is still attached: its change is saved
    db.commit()
    db.expire_all()
    assert db.get(OrgNode, unit.id).name == "改名后的党委"
