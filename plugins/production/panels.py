"""The branch dashboard panel: plan vs actual of the window with traffic lights
(green: plan met; amber: between the floor and the plan; red: at or below the floor;
grey: no actual reported)."""
from __future__ import annotations

from decimal import Decimal

from flask import render_template
from flask_babel import gettext as _

from core.plugins.api import Panel, PeriodKey
from plugins.production.models import Actual, Plan
from plugins.production.scoring import UNBOUNDED, attainment
from plugins.production.services import (ProductionError, days_without_incident, measures_of, require_enabled,
                                         window_figures)


def _key(period) -> PeriodKey:
    """The window asked about: a PeriodKey, a Period row, its key text; None = this month."""
    if period is None:
        from datetime import date
        return PeriodKey.of_date("month", date.today())
    if isinstance(period, PeriodKey):
        return period
    if hasattr(period, "pkey"):
        return period.pkey
    return PeriodKey.parse(str(period))


def light(direction: str, floor: Decimal, plan, actual) -> tuple[str, str, str]:
    """(colour, label, attainment text) for one measure."""
    if plan is None:
        return "grey", _("无计划"), "—"
    if actual is None:
        return "grey", _("未报送"), "—"
    a = attainment(direction, plan, actual)
    text = "∞" if a is UNBOUNDED else f"{(a * 100).quantize(Decimal('0.1'))}%"
    if a is UNBOUNDED or a >= 1:
        return "green", _("达标"), text
    if a > floor:
        return "amber", _("未达标"), text
    return "red", _("低于下限"), text


def window_rows(session, branch, key: PeriodKey) -> list[dict]:
    """Plan and actual per measure over the window (services.window_figures: sums for
    quantities, the mean of the months for rates)."""
    measures = measures_of(session, branch.category)
    figures = window_figures(session, [branch.id], key, {m.id: m for m in measures})
    rows = []
    for m in measures:
        plan, actual = figures.get((branch.id, m.id), (None, None))
        colour, label, text = light(m.direction, m.floor, plan, actual)
        rows.append({"label": f"{_(m.slot_label)}·{m.name}", "unit": m.unit, "plan": plan, "actual": actual,
                     "attainment": text, "light": colour, "light_label": label})
    return rows


def branch_panel(session, branch, period) -> Panel | None:
    try:
        require_enabled(session, branch)
    except ProductionError:
        return None
    key = _key(period)
    rows = window_rows(session, branch, key)
    html = render_template("production/panel.html", rows=rows, branch=branch,
                           safe_days=days_without_incident(session, branch.id, key.ends_on))
    return Panel(title=_("生产经营指标（%(p)s）", p=key.label), html=html, plugin="production")
