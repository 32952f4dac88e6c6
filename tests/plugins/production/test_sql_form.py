"""The SQL form of the measure scoring (scoring.select_measures): the same numbers as
the Python twin (attainment/earned) on random figures, canonical JSON evidence built
in the database (free-text comments escaped), large quantities without overflow, and
windows the month tests do not cover. Runs on SQLite and on PostgreSQL."""
import json
import random
from decimal import ROUND_HALF_UP
from decimal import Decimal as D

import pytest
from sqlalchemy import select

from core.indicators.models import Indicator
from core.scoring.bulk import canonical_json
from plugins.production import services
from plugins.production.measures import default_measures
from plugins.production.models import is_rate_unit
from plugins.production.scoring import UNBOUNDED, attainment, earned

CATEGORIES = ("production", "auxiliary", "market", "management", "nonpublic")
SLOTS = ("output", "cost", "quality", "safety")


def set_params(db, ruleset, code, **params):
    ind = db.scalar(select(Indicator).where(Indicator.ruleset_id == ruleset.id, Indicator.code == code))
    ind.params = {**ind.params, **{k: str(v) for k, v in params.items()}}
    db.commit()
    return ind


def quantity(rnd):
    """A random stored quantity: 0, a small one with four places, or a large one (up to
    10^11 in the measure's unit, 10^15 ten-thousandths)."""
    kind = rnd.random()
    if kind < 0.1:
        return D(0)
    if kind < 0.7:
        return D(rnd.randint(1, 2_000_000)) / 10000
    return D(rnd.randint(1, 10 ** 15)) / 10000


def stored_text(value):
    """A quantity as QuantityType reads it back (ten-thousandths ÷ 10⁴), as text."""
    return str(D(int(value * 10000)) / 10000)


def mean_text(total, n):
    """A rate's window value as the evidence shows it: Σ ÷ n in ten-thousandths, half-up."""
    return stored_text((D(int(total * 10000)) / n).quantize(D(1), rounding=ROUND_HALF_UP) / 10000)


def expected(points, params, rate, plans, actuals):
    """(earned, evidence) by the Python twin for Σ plans and Σ reported actuals; a rate
    over several months is shown as the mean of its months (same attainment)."""
    plan = sum(plans, D(0))
    n_plan, n_actual = len(plans), len(actuals)
    mean = rate and n_plan > 1
    evidence = {"plan": mean_text(plan, n_plan) if mean else stored_text(plan)}
    if mean:
        evidence["aggregate"] = "mean"
    if n_plan > 1 or n_actual < n_plan:
        evidence.update(months_planned=n_plan, months_reported=n_actual)
    if n_actual < n_plan:
        return D("0.00"), {**evidence, "note": "未报送实绩"}
    actual = sum(actuals, D(0))
    a = attainment(params["direction"], plan, actual)
    value = earned(points, a, floor=D(params["floor"]), bonus_rate=D(params["bonus_rate"]),
                   bonus_cap=D(params["bonus_cap"]))
    shown = "∞" if a is UNBOUNDED else str(a.quantize(D("0.0001"), rounding=ROUND_HALF_UP))
    return value, {**evidence, "actual": mean_text(actual, n_plan) if mean else stored_text(actual),
                   "attainment": shown}


@pytest.mark.parametrize("window, months, seed", [("2026-03", (3,), 1), ("2026Q1", (1, 2, 3), 2)])
def test_sql_and_python_agree_on_random_figures(db, ruleset, measures, make_branch, prod_unit, put, run_eval,
                                                window, months, seed):
    rnd = random.Random(seed)
    curves = {}
    for cat in CATEGORIES:   # each of the 20 indicators its own curve
        for slot in SLOTS:
            params = {"direction": rnd.choice(("higher", "lower")),
                      "floor": rnd.choice(("0", "0.5", "0.8", "0.9999", "0.3333333")),
                      "bonus_rate": rnd.choice(("0", "0.5", "0.3", "2")),
                      "bonus_cap": rnd.choice(("0", "0.1", "0.25", "1"))}
            ind = set_params(db, ruleset, f"P-{cat.upper()}-{slot.upper()}", **params)
            curves[ind.code] = (D(ind.points), params, is_rate_unit(dict(
                (m["slot"], m["unit"]) for m in default_measures() if m["category"] == cat)[slot]))
    want = {}
    for cat in CATEGORIES:
        for _ in range(8):
            b = make_branch(unit=prod_unit, category=cat)
            for slot in SLOTS:
                if rnd.random() < 0.1:
                    continue   # no plan: no evaluation
                plans, actuals = [], []
                scenario = rnd.random()   # zero plans / zero actuals for the whole window, or random
                for m in months:
                    plan = D(0) if scenario < 0.1 else quantity(rnd)
                    actual = D(0) if 0.1 <= scenario < 0.2 else quantity(rnd)
                    actual = actual if rnd.random() < 0.93 else None
                    put(b, slot, f"2026-{m:02d}", plan=plan, actual=actual)
                    plans.append(plan)
                    if actual is not None:
                        actuals.append(actual)
                code = f"P-{cat.upper()}-{slot.upper()}"
                want[(b.id, code)] = expected(*curves[code], plans, actuals)
    rows = run_eval(window)
    got = {k: (r.earned, r.evidence) for k, r in rows.items()}
    assert len(want) > 120
    assert got == want
    # the draw reached the interesting branches: unbounded, missing, a bonus, nothing
    values = list(want.values())
    assert any(ev.get("attainment") == "∞" for _, ev in values)
    assert any("note" in ev for _, ev in values)
    assert any(v > curves[code][0] for (_, code), (v, _) in want.items())
    assert any(v == 0 and "note" not in ev for v, ev in values)


def test_evidence_is_canonical_json_built_in_the_database(db, make_branch, prod_unit, measures, put, eval_ctx):
    services.save_setting(db, None, 2026, acceptance_rule="rejected_zero", veto_on_major=True)
    b = make_branch(unit=prod_unit, category="production")
    put(b, "output", "2026-02", plan="1000.5", actual="950.25")
    put(b, "cost", "2026-02", plan=2800, actual=3000)
    put(b, "quality", "2026-02", plan=98)                     # not reported
    put(b, "safety", "2026-02", plan=3, actual=0)             # unbounded
    comment = '不符 "MES" 数据\\n第二行\n\t制表\x01 😀'
    services.decide_acceptance(db, None, b, measures["production.output"], "2026Q1", status="rejected",
                               comment=comment)
    services.decide_acceptance(db, None, b, measures["production.cost"], "2026Q1", status="accepted", comment="")
    db.commit()
    ctx, kind, codes = eval_ctx("2026-02")
    conn = db.connection()
    texts = {codes[ind_id]: evidence for stmt in kind.select(ctx)
             for _, ind_id, _, evidence in conn.execute(stmt)}
    for text in texts.values():
        assert text == canonical_json(json.loads(text))
    assert json.loads(texts["P-PRODUCTION-OUTPUT"]) == {
        # a = 950.25 / 1000.5 = 0.9497751… → 0.949775; 10 × 0.149775/0.2 = 7.488… → 7.49
        "plan": "1000.5", "actual": "950.25", "attainment": "0.9498", "acceptance": "rejected",
        "acceptance_comment": comment, "computed": "7.49", "note": "季度验收未通过，按规则记 0 分"}
    assert json.loads(texts["P-PRODUCTION-COST"]) == {
        "plan": "2800", "actual": "3000", "attainment": "0.9333", "acceptance": "accepted"}
    assert json.loads(texts["P-PRODUCTION-QUALITY"]) == {
        "plan": "98", "months_planned": 1, "months_reported": 0, "note": "未报送实绩"}
    assert json.loads(texts["P-PRODUCTION-SAFETY"]) == {
        "plan": "3", "actual": "0", "attainment": "∞", "acceptance": "pending"}


def test_large_quantities_stay_exact(db, make_branch, prod_unit, put, run_eval):
    b = make_branch(unit=prod_unit, category="production")
    # a quarter's sums near the bound: Σ plan 9 × 10^11 (9 × 10^15 ten-thousandths)
    for month, actual in (("2026-01", "270000000000"), ("2026-02", "300000000000"),
                          ("2026-03", "285000000000.0001")):
        put(b, "output", month, plan="300000000000", actual=actual)
    # a plan near 0: 10^13 / 0.0001 = 10^17, counted as 10^9
    put(b, "quality", "2026-03", plan="0.0001", actual="10000000000000")
    # lower is better: 10^13 / 0.0001 likewise
    put(b, "cost", "2026-03", plan="10000000000000", actual="0.0001")
    rows = run_eval("2026Q1")
    output = rows[(b.id, "P-PRODUCTION-OUTPUT")]
    # a = 855000000000.0001 / 900000000000 = 0.95000000000000011… → 0.950000: 10 × 0.75
    assert output.earned == D("7.50")
    assert output.evidence == {"plan": "900000000000", "actual": "855000000000.0001", "attainment": "0.9500",
                               "months_planned": 3, "months_reported": 3}
    for code, points in (("P-PRODUCTION-QUALITY", D("7.00")), ("P-PRODUCTION-COST", D("8.00"))):
        assert rows[(b.id, code)].earned == points
        assert rows[(b.id, code)].evidence["attainment"] == "1000000000.0000"


def test_rounded_attainment_decides_in_sql_too(db, ruleset, make_branch, prod_unit, put, run_eval):
    set_params(db, ruleset, "P-PRODUCTION-OUTPUT", floor="0.9999")
    b = make_branch(unit=prod_unit, category="production")
    put(b, "output", "2026-03", plan=1000, actual="999.9949")
    row = run_eval("2026-03")[(b.id, "P-PRODUCTION-OUTPUT")]
    # a = 0.9999949 → 0.999995: 10 × 95/100 = 9.50 (shown to four places: 1.0000)
    assert (row.earned, row.evidence["attainment"]) == (D("9.50"), "1.0000")


def test_two_indicators_on_one_measure(db, ruleset, make_branch, prod_unit, put, run_eval):
    base = db.scalar(select(Indicator).where(Indicator.ruleset_id == ruleset.id,
                                             Indicator.code == "P-PRODUCTION-OUTPUT"))
    db.add(Indicator(ruleset_id=ruleset.id, code="P-PRODUCTION-OUTPUT-2", name="产量（复核）",
                     index_code=base.index_code, kind=base.kind, points=D(20), cycle="month",
                     categories=["production"], method=base.method, plugin=base.plugin,
                     params={**base.params, "floor": "0.5"}, position=base.position + 1))
    db.commit()
    b = make_branch(unit=prod_unit, category="production")
    put(b, "output", "2026-03", plan=1000, actual=950)
    rows = run_eval("2026-03")
    assert rows[(b.id, "P-PRODUCTION-OUTPUT")].earned == D("7.50")      # 10 × 0.15/0.2
    assert rows[(b.id, "P-PRODUCTION-OUTPUT-2")].earned == D("18.00")   # 20 × 0.45/0.5


def test_a_year_window_sums_the_months_and_ignores_acceptance(db, make_branch, prod_unit, measures, put, run_eval):
    services.save_setting(db, None, 2026, acceptance_rule="rejected_zero", veto_on_major=True)
    b = make_branch(unit=prod_unit, category="production")
    put(b, "output", "2026-02", plan=1000, actual=950)
    put(b, "output", "2026-03", plan=1000, actual=1000)
    services.decide_acceptance(db, None, b, measures["production.output"], "2026Q1", status="rejected",
                               comment="不通过")
    db.commit()
    row = run_eval("2026")[(b.id, "P-PRODUCTION-OUTPUT")]
    # 1950 / 2000 = 0.975: 10 × 0.175/0.2 = 8.75; a year has no acceptance
    assert row.earned == D("8.75")
    assert row.evidence == {"plan": "2000", "actual": "1950", "attainment": "0.9750",
                            "months_planned": 2, "months_reported": 2}


def test_indicators_whose_measure_is_gone_score_nothing(db, ruleset, make_branch, prod_unit, put, eval_ctx):
    ind = set_params(db, ruleset, "P-PRODUCTION-OUTPUT", measure="production.gone")
    b = make_branch(unit=prod_unit, category="production")
    put(b, "output", "2026-03", plan=1000, actual=950)
    ctx, kind, _ = eval_ctx("2026-03")
    ctx.indicators = [ind]
    assert list(kind.rows(ctx)) == []


def test_the_long_division_rounds_like_python(db):
    """_ratio_u (SQL) against _attainment_u (Python integers) on both databases: random
    magnitudes up to the documented bound, exact ties and the A_MAX cap."""
    from sqlalchemy import BigInteger, literal, union_all

    from plugins.production.scoring import A_MAX, U, _attainment_u, _ratio_u

    rnd = random.Random(7)
    pairs = [(n, 2 * U) for n in (1, 3, 5, 10 ** 12 + 1)]               # n / 2 exactly: ties, rounded up
    pairs += [(10 ** 15, 1), (A_MAX - 1, 1), (A_MAX, 1), (9 * 10 ** 15, 9 * 10 ** 15 - 1)]
    for _ in range(300):
        d = rnd.randint(1, 10 ** rnd.randint(1, 15) * 9)
        n = rnd.randint(0, 10 ** rnd.randint(0, 16))
        pairs.append((n, d))
    stmt = union_all(*[select(literal(i), _ratio_u(literal(n, BigInteger), literal(d, BigInteger)))
                       for i, (n, d) in enumerate(pairs)])
    got = dict(db.execute(stmt).all())
    want = {i: _attainment_u(False, d, n) for i, (n, d) in enumerate(pairs)}
    assert got == want
    assert [want[i] for i in range(4)] == [1, 2, 3, 500_000_000_001]
    assert [want[i] for i in range(4, 8)] == [A_MAX * U, (A_MAX - 1) * U, A_MAX * U, U]
