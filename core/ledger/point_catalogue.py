"""Which catalogue item a point record (加扣分) falls under, and its cap: the reviewer
picks the indicator from the year's rule set (search by code or name), sees its cap,
and is warned before saving an entry that goes above it.

Decisions (README, "How the work flows"):
- A deduction cites a 扣分项目 of the active rule set of the record's year, a veto a
  否决专项; the code may be left empty (then a deduction counts in full, see
  core.scoring.aggregate). A code that is not such an indicator is refused — a typo
  would otherwise silently lift the cap. Bonus records cite no indicator (the catalogue
  has no bonus items; the window's bonus cap applies).
- The cap of a deduction indicator is its points per its cycle period (每月最多 5 分);
  an entry that takes the period's recorded total above it is saved only after the
  reviewer confirms the warning (the excess does not count, the record stays as
  evidence).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.indicators.models import Indicator
from core.ledger.models import PointRecord
from core.periods.keys import PeriodKey

#: The indicator kind a record of each point kind may cite.
CITED_KIND = {"deduction": "deduction", "veto": "veto"}


def point_indicators(session: Session, year: int) -> list[Indicator]:
    """The deduction and veto items of the year's active rule set, in catalogue order."""
    from core.indicators.catalogue import active_ruleset
    ruleset = active_ruleset(session, year)
    if ruleset is None:
        return []
    return [i for i in ruleset.indicators if i.kind in CITED_KIND.values()]


def resolve(session: Session, kind: str, code: str | None, dated: date) -> Indicator | None:
    """The indicator `code` (or "code name…" as the picker fills it) may cite, or None
    when no code is given; raises ValueError (message for the user) when it may not."""
    code = (code or "").strip().split(" ")[0].strip()
    if not code:
        return None
    if kind not in CITED_KIND:
        raise ValueError(gettext("加分记录不对应考核细则中的指标，请清空“对应指标”。"))
    for ind in point_indicators(session, dated.year):
        if ind.code == code:
            if ind.kind != CITED_KIND[kind]:
                raise ValueError(gettext("“%(c)s”是%(k)s，不能用于%(p)s记录。", c=code,
                                         k=gettext("否决专项") if ind.kind == "veto" else gettext("扣分项目"),
                                         p=gettext("扣分") if kind == "deduction" else gettext("否决")))
            return ind
    raise ValueError(gettext("指标编码“%(c)s”不是%(y)s年考核细则中的扣分项目或否决专项，请从列表中选择。", c=code,
                             y=dated.year))


@dataclass(frozen=True)
class CapStatus:
    indicator: Indicator
    period: PeriodKey
    #: Recorded before this entry in the indicator's cycle period.
    already: Decimal
    entry: Decimal

    @property
    def cap(self) -> Decimal:
        return Decimal(self.indicator.points)

    @property
    def over(self) -> bool:
        return self.already + self.entry > self.cap

    def warning(self) -> str:
        return gettext("%(name)s每%(cycle)s最多扣 %(cap)s 分：%(period)s已记录 %(a)s 分，本次 %(e)s 分，合计 %(t)s 分，"
                       "超出上限的 %(x)s 分不计入总分。确认无误请再次点击“保存”。",
                       name=self.indicator.name, cycle=_cycle_word(self.indicator.cycle), cap=f"{self.cap:.2f}",
                       period=self.period.label, a=f"{self.already:.2f}", e=f"{self.entry:.2f}",
                       t=f"{self.already + self.entry:.2f}", x=f"{self.already + self.entry - self.cap:.2f}")


def _cycle_word(cycle: str) -> str:
    return {"month": gettext("月"), "quarter": gettext("季度"), "year": gettext("年")}.get(cycle, cycle)


def cap_status(session: Session, branch_id: int, indicator: Indicator, dated: date, entry: Decimal) -> CapStatus:
    """What the branch has recorded against `indicator` in the cycle period of `dated`."""
    period = PeriodKey.of_date(indicator.cycle, dated)
    already = session.scalar(select(func.coalesce(func.sum(PointRecord.points), 0)).where(
        PointRecord.branch_id == branch_id, PointRecord.kind == "deduction",
        PointRecord.indicator_code == indicator.code,
        PointRecord.dated >= period.starts_on, PointRecord.dated <= period.ends_on))
    already = Decimal(already) if isinstance(already, Decimal) else Decimal(int(already or 0)) / 100
    return CapStatus(indicator, period, already.quantize(Decimal("0.01")), Decimal(entry).quantize(Decimal("0.01")))
