"""The demo (through `starbranch demo` and the demo hook): a campaign in each state, built
through the services, whatever the day the demo runs."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from core.org.commands import demo
from plugins.typical_staff.models import Campaign, Declaration


@pytest.mark.parametrize("today", [date(2026, 11, 29), date(2026, 9, 30), date(2027, 2, 10)])
def test_demo_has_a_campaign_in_each_state(app, db, today):
    app.config["TODAY"] = today
    r = app.test_cli_runner().invoke(demo, ["--no-close"])
    assert r.exit_code == 0, r.output
    states = {c.status: c for c in db.scalars(select(Campaign))}
    assert set(states) == {"draft", "open", "notice", "selected"}
    notice = states["notice"]
    assert notice.notice_first >= today and notice.notice_first <= notice.notice_last
    by_state = {}
    for d in db.scalars(select(Declaration)):
        by_state.setdefault(d.campaign.status, []).append(d.status)
    assert sorted(by_state["selected"]) == ["selected"] * 3
    assert sorted(by_state["notice"]) == ["shortlisted"] * 2
    assert sorted(by_state["open"]) == ["recommended", "returned", "submitted"]
