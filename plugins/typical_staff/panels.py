"""The branch dashboard panel: the branch's candidates in recent campaigns, and its
selected employees (the branch's 最美一线员工 honours)."""
from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _
from sqlalchemy import select

from plugins.typical_staff._core import Panel, is_enabled, sep
from plugins.typical_staff.models import PLUGIN, Campaign, Declaration


def branch_panel(session, branch) -> Panel | None:
    if not is_enabled(session, branch.unit_id, PLUGIN):
        return None
    rows = session.execute(select(Declaration, Campaign).join(Campaign, Campaign.id == Declaration.campaign_id)
                           .where(Declaration.branch_id == branch.id)
                           .order_by(Campaign.year.desc(), Declaration.id.desc()).limit(10)).all()
    honours = session.execute(select(Declaration.name, Campaign.year).join(Campaign, Campaign.id == Declaration.campaign_id)
                              .where(Declaration.branch_id == branch.id, Declaration.status == "selected")
                              .order_by(Campaign.year.desc())).all()
    text = sep("list").join(f"{name}{sep('open')}{year}{sep('close')}" for name, year in honours)
    html = render_template("typical_staff/panel.html", rows=rows, honours=text)
    return Panel(title=_("最美一线员工"), html=html, plugin=PLUGIN)
