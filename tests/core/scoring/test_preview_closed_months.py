"""SCORING.md "Preview": an open quarter's preview (the sheet) sums its closed months
from their stored rows — a reviewer's verified value there included — and its open
months from the evaluators, each with its own verified values; so it shows the total
the close then stores."""
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from core.periods.models import Period
from core.scoring.adjust import verify_item
from core.scoring.close import recompute
from core.scoring.sheet import branch_sheet

LEDGER = {"index_code": "management", "points": 10, "cycle": "month", "method": "ledger_count",
          "params": {"record_types": ["committee_meeting"], "min_count": 1}}


def _period_id(db, key):
    return db.scalar(select(Period.id).where(Period.key == key))


def test_preview_counts_a_verified_value_of_a_closed_month_and_of_an_open_one(
        db, registry, make_branch, make_ruleset, add_record, close, result_of):
    b = make_branch(category="production")
    ind = make_ruleset(indicators=[LEDGER]).indicators[0]
    for month in (1, 2, 3):
        add_record(b, "committee_meeting", date(2026, month, 5))
    recompute(db, "2026-01", registry)
    db.commit()
    verify_item(db, (_period_id(db, "2026-01"), b.id, ind.id), "6", "会议记录不全", None)   # automatic 10
    db.commit()
    close("2026-01")
    recompute(db, "2026Q1", registry)          # a trial stores the open months' items
    db.commit()
    verify_item(db, (_period_id(db, "2026-02"), b.id, ind.id), "7", "补交会议记录", None)   # automatic 10
    db.commit()

    sheet = branch_sheet(db, b.id, "2026Q1", kinds=registry)
    assert sheet.source == "preview"
    # management: (6 closed and verified + 7 open and verified + 10 automatic) of 30 points
    assert next(s for s in sheet.sections if s.index_code == "management").earned == Decimal("23.00")

    for key in ("2026-02", "2026-03", "2026Q1"):
        close(key)
    assert result_of(b, "2026Q1").total == sheet.total
