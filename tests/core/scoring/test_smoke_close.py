from datetime import date
from decimal import Decimal


def test_month_close_scores_committee_meeting_on_time(db, make_branch, make_ruleset, add_record, close, result_of):
    branch = make_branch(category="production")
    make_ruleset(indicators=[{"index_code": "management", "points": 10, "cycle": "month", "method": "ledger_count",
                              "params": {"record_types": ["committee_meeting"], "min_count": 1, "deadline_days": 7}}])
    add_record(branch, "committee_meeting", date(2026, 1, 10))
    result = close("2026-01")
    assert result.results == 1
    r = result_of(branch, "2026-01")
    assert r.total == Decimal("100.00")
    assert r.management == Decimal("100.00")
    assert r.notes["rescaled"] == ["team", "performance", "brand", "service"]
