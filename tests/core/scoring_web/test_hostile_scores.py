"""A score like 1e999999 or NaN is a clear refusal that writes nothing (issue #14, item 9)."""
import pytest

from core.scoring.models import Evaluation
from tests.core.scoring_web.test_sheet import _item


@pytest.mark.parametrize("earned", ["1e999999", "NaN", "-Infinity", "9" * 400])
@pytest.mark.parametrize("action", ["verify", "self"])
def test_hostile_scores_are_refused_and_nothing_written(client, login, reviewer, secretary, branch, scored,
                                                        earned, action):
    ev = _item(scored, branch, "S-SERVICE")
    before = (ev.verified_earned, ev.self_earned, ev.version)
    login(reviewer if action == "verify" else secretary)
    r = client.post(f"/scoring/sheet/{branch.id}/items/{ev.period_id}/{ev.indicator_id}/{action}",
                    data={"earned": earned, "reason": "恶意数值", "note": "恶意数值", "version": str(ev.version),
                          "period": "2026Q1"})
    assert r.status_code < 500
    scored.expire_all()
    ev = scored.get(Evaluation, ev.ident)
    assert (ev.verified_earned, ev.self_earned, ev.version) == before
