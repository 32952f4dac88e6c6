"""What the core's builders share: the final-grade checks and labels."""
from __future__ import annotations

from flask_babel import gettext
from sqlalchemy.orm import Session

from core.documents.types import DocumentRefused
from core.periods.keys import PeriodKey
from core.periods.models import Period
from core.periods.services import get_period

STAR_TITLES = {5: "五星级党支部", 4: "四星级党支部", 3: "三星级党支部", 2: "二星级党支部", 1: "一星级党支部"}


def parse_key(key: str) -> PeriodKey:
    try:
        return PeriodKey.parse(key)
    except (ValueError, TypeError):
        raise DocumentRefused(gettext("期间“%(key)s”无效：应为 2026、2026Q1 或 2026-03。", key=key)) from None


def closed_period(session: Session, key: str) -> Period:
    """The window `key` if it is closed (its scores are final), else refused."""
    pk = parse_key(key)
    period = get_period(session, pk)
    if period is None or not period.is_closed:
        raise DocumentRefused(gettext("%(p)s 尚未结账，考核结果不是最终结果，不能出具。", p=pk.label))
    return period


def final_year(session: Session, key: str) -> Period:
    """A year whose grades are final: closed, and its public notice ended and finalised."""
    from core.scoring.notice import current_notice

    period = closed_period(session, key)
    if period.kind != "year":
        raise DocumentRefused(gettext("请选择一个年度。"))
    notice = current_notice(session, period.year)
    if notice is None:
        raise DocumentRefused(gettext("%(y)s年度定级结果尚未公示，定级不是最终结果，不能出具。", y=period.year))
    if notice.status != "final":
        raise DocumentRefused(gettext("%(y)s年度定级结果仍在公示中或有未处理的异议（公示至 %(end)s），"
                                      "确定结果后才能出具。", y=period.year, end=format(notice.ends_on, "%Y-%m-%d")))
    return period


def period_label(period: Period) -> str:
    return period.label
